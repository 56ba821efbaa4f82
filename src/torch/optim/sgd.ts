/** Stochastic gradient descent with momentum (PyTorch's torch.optim.SGD), one native call per step. */
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../factories.js';
import { keep } from '../scope.js';
import { noGrad } from '../autograd.js';
import { check } from '../errors.js';
import { Optimizer, shapeProblem, type StateValue } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch's). */
  lr?: number;
  momentum?: number;
  /** Damping of the gradient's share of the momentum. */
  dampening?: number;
  /** L2 penalty added to the gradient. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and no dampening). */
  nesterov?: boolean;
  maximize?: boolean;
}

type Hyper = Required<SGDOptions>;

function validate(kind: string, h: Hyper): void {
  check(typeof h.lr === 'number' && h.lr >= 0, () => `${kind}: lr must be a number ≥ 0, got ${h.lr}`);
  check(typeof h.momentum === 'number' && h.momentum >= 0, () => `${kind}: momentum must be a number ≥ 0, got ${h.momentum}`);
  check(typeof h.dampening === 'number', () => `${kind}: dampening must be a number, got ${h.dampening}`);
  check(typeof h.weightDecay === 'number' && h.weightDecay >= 0, () => `${kind}: weightDecay must be a number ≥ 0, got ${h.weightDecay}`);
  check(typeof h.nesterov === 'boolean', () => `${kind}: nesterov must be a boolean, got ${h.nesterov}`);
  check(typeof h.maximize === 'boolean', () => `${kind}: maximize must be a boolean, got ${h.maximize}`);
  check(
    !h.nesterov || (h.momentum > 0 && h.dampening === 0),
    () => `${kind}: nesterov momentum requires momentum > 0 and dampening 0, got momentum ${h.momentum}, dampening ${h.dampening}`,
  );
}

/**
 * SGD with PyTorch's arithmetic. With momentum, the state per parameter is `momentum_buffer`,
 * created at the first step as a copy of the gradient (as PyTorch does).
 *
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
export class SGD extends Optimizer {
  #h: Hyper;
  readonly #initialised: Uint8Array;
  #buffers: Tensor[] | undefined;

  constructor(params: Iterable<Tensor>, options: SGDOptions = {}) {
    super(params);
    this.#h = {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    validate('SGD', this.#h);
    this.#initialised = new Uint8Array(this.params.length);
  }

  /** The learning rate; set it to schedule. */
  get lr(): number {
    return this.#h.lr;
  }
  set lr(value: number) {
    check(typeof value === 'number' && value >= 0, () => `SGD: lr must be a number ≥ 0, got ${value}`);
    this.#h.lr = value;
  }

  /** The current hyper-parameters. */
  get options(): Readonly<Required<SGDOptions>> {
    return Object.freeze({ ...this.#h });
  }

  #ensureBuffers(): Tensor[] {
    this.#buffers ??= noGrad(() => this.params.map((p) => keep(zerosLike(p))));
    return this.#buffers;
  }

  override step(): void {
    this.assertAlive();
    const h = this.#h;
    const buffers = h.momentum !== 0 ? this.#ensureBuffers() : [];
    native.sgdStep(this.params, buffers, this.#initialised, h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize);
  }

  protected override groupState(): Record<string, unknown> {
    const h = this.#h;
    return {
      lr: h.lr,
      momentum: h.momentum,
      dampening: h.dampening,
      weight_decay: h.weightDecay,
      nesterov: h.nesterov,
      maximize: h.maximize,
      foreach: null,
      differentiable: false,
      fused: null,
    };
  }

  protected override applyGroup(g: Record<string, unknown>): void {
    const h: Hyper = {
      lr: (g['lr'] as number) ?? this.#h.lr,
      momentum: (g['momentum'] as number) ?? this.#h.momentum,
      dampening: (g['dampening'] as number) ?? this.#h.dampening,
      weightDecay: (g['weight_decay'] as number) ?? this.#h.weightDecay,
      nesterov: (g['nesterov'] as boolean) ?? this.#h.nesterov,
      maximize: (g['maximize'] as boolean) ?? this.#h.maximize,
    };
    validate('SGD', h);
    this.#h = h;
  }

  protected override paramState(i: number): Record<string, StateValue> | undefined {
    if (this.#h.momentum === 0 || !this.#initialised[i] || this.#buffers === undefined) return undefined;
    return { momentum_buffer: this.#buffers[i] as Tensor };
  }

  protected override checkParamState(i: number, s: Record<string, StateValue>): string[] {
    const problems: string[] = [];
    const problem = shapeProblem('momentum_buffer', s['momentum_buffer'], this.params[i] as Tensor);
    if (problem !== undefined) problems.push(problem);
    for (const name of Object.keys(s)) if (name !== 'momentum_buffer') problems.push(`unexpected entry '${name}'`);
    return problems;
  }

  protected override setParamState(i: number, s: Record<string, StateValue> | undefined): void {
    if (s === undefined) {
      this.#initialised[i] = 0;
      return;
    }
    const buffers = this.#ensureBuffers();
    noGrad(() => buffers[i]?.copy_(s['momentum_buffer'] as Tensor));
    this.#initialised[i] = 1;
  }

  protected override stateTensors(): Tensor[] {
    return this.#buffers ?? [];
  }
}
