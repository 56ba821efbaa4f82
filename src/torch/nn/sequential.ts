/** A chain of modules (PyTorch's nn.Sequential). */
import type { Tensor } from '../tensor.js';
import { check } from '../errors.js';
import { Module } from './module.js';

/**
 * Applies its modules in order. Children are named '0', '1', … so state-dict keys are PyTorch's
 * (`0.weight`, `1.running_mean`, …).
 *
 * ```ts
 * const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
 * const y = model.forward(x);
 * ```
 */
export class Sequential extends Module {
  #layers: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      check(m instanceof Module, () => `Sequential: argument ${i} is not an nn.Module`);
      this.registerModule(String(i), m);
    });
    this.#layers = Object.freeze([...modules]);
  }

  protected override childReplaced(): void {
    this.#layers = Object.freeze(this.children());
  }

  /** How many modules the chain holds. */
  get length(): number {
    return this.#layers.length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const m = this.#layers.at(i);
    check(m !== undefined, () => `Sequential of ${this.#layers.length} modules has no index ${i}`, 'E_INDEX');
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#layers[Symbol.iterator]();
  }

  /**
   * Each module's output feeds the next. Run it inside `tidy` (or dispose the intermediates'
   * owner scope) so the intermediate results are freed; the result of an empty chain is a new
   * handle on `x`.
   */
  override forward(x: Tensor): Tensor {
    let out = x;
    for (const m of this.#layers) out = m.forward(out);
    return out === x ? x.alias() : out;
  }
}
