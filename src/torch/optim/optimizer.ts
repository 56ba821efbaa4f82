/**
 * The base of the optimisers: the parameter list, gradients, state dicts shaped like PyTorch's
 * and safetensors checkpoints. Subclasses hold their per-parameter state as lists of tensors so
 * that `step()` is one native call for all parameters.
 */
import { Tensor } from '../tensor.js';
import { tensor } from '../factories.js';
import { TorchError, check } from '../errors.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';

/** A value of per-parameter state: a tensor (`exp_avg`, …) or a number (`step`). */
export type StateValue = Tensor | number;

/** One parameter group as PyTorch's `param_groups` lists it: hyper-parameters by PyTorch's names and parameter indices. */
export type ParamGroupState = Record<string, unknown> & { params: number[] };

/**
 * What `stateDict()` returns and `loadStateDict()` takes, shaped like PyTorch's
 * `{'state': {i: {...}}, 'param_groups': [...]}`: `state` maps a parameter's index to its state
 * (only parameters that have been stepped have one); `paramGroups` has one group.
 */
export interface OptimizerStateDict {
  state: Map<number, Record<string, StateValue>>;
  paramGroups: ParamGroupState[];
}

const STATE_KEY = /^state\.(\d+)\.(.+)$/;

export abstract class Optimizer {
  readonly #params: readonly Tensor[];
  #disposed = false;

  constructor(params: Iterable<Tensor>) {
    const list = [...params];
    const kind = new.target.name;
    check(list.length > 0, () => `${kind}: got an empty parameter list`);
    const seen = new Set<Tensor>();
    list.forEach((p, i) => {
      check(p instanceof Tensor, () => `${kind}: parameter ${i} is not a Tensor`);
      check(!p.isDisposed, () => `${kind}: parameter ${i} is disposed`);
      check(p.isLeaf, () => `${kind}: parameter ${i} is not a leaf tensor (it was computed from others); optimise the tensor it came from`);
      check(!seen.has(p), () => `${kind}: parameter ${i} appears twice in the parameter list`);
      seen.add(p);
    });
    this.#params = Object.freeze(list);
  }

  /** The parameters, in the order given (their indices are the state dict's keys). */
  get params(): readonly Tensor[] {
    return this.#params;
  }

  /** Updates every parameter that has a gradient (one native call). */
  abstract step(): void;

  /** Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.#params) p.grad = undefined;
  }

  /** The hyper-parameters as PyTorch's `param_groups[0]` names them, without `params`. */
  protected abstract groupState(): Record<string, unknown>;
  /** Validates and adopts hyper-parameters from a loaded group (throws E_STATE_DICT or E_ARGUMENT). */
  protected abstract applyGroup(group: Record<string, unknown>): void;
  /** Parameter i's state, or undefined when it has none yet; tensors are the optimiser's own. */
  protected abstract paramState(i: number): Record<string, StateValue> | undefined;
  /** What is wrong with a loaded state record for parameter i under the loaded group (empty when fine). */
  protected abstract checkParamState(i: number, state: Record<string, StateValue>, group: Record<string, unknown>): string[];
  /** Copies a checked state record into parameter i's state, or clears it when undefined. */
  protected abstract setParamState(i: number, state: Record<string, StateValue> | undefined): void;
  /** Every state tensor the optimiser holds (to free them). */
  protected abstract stateTensors(): Tensor[];

  protected assertAlive(): void {
    if (this.#disposed) throw new TorchError(`${this.constructor.name} was disposed`, 'E_DISPOSED');
  }

  /**
   * The state as PyTorch shapes it. Tensors are new detached handles sharing the optimiser's
   * storage (dispose them, or call this inside `tidy`; disposing them never frees the state).
   * `step` is a number.
   */
  stateDict(): OptimizerStateDict {
    this.assertAlive();
    const state = new Map<number, Record<string, StateValue>>();
    for (let i = 0; i < this.#params.length; i++) {
      const s = this.paramState(i);
      if (s === undefined) continue;
      const copy: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? v.detach() : v;
      state.set(i, copy);
    }
    return { state, paramGroups: [{ ...this.groupState(), params: this.#params.map((_, i) => i) }] };
  }

  /**
   * Restores state and hyper-parameters (as PyTorch, the loaded group's hyper-parameters replace
   * the current ones). Everything is checked first; problems throw a TorchError with code
   * E_STATE_DICT naming each offending entry. Values are copied; the dict stays the caller's.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    this.assertAlive();
    const kind = this.constructor.name;
    const fail = (problems: string[]): never => {
      throw new TorchError(`error loading the state dict of ${kind}: ${problems.join('; ')}`, 'E_STATE_DICT');
    };
    const groups = dict?.paramGroups;
    if (!Array.isArray(groups) || groups.length !== 1) fail([`expected 1 parameter group, got ${Array.isArray(groups) ? groups.length : 'none'}`]);
    const group = groups[0] as ParamGroupState;
    const n = this.#params.length;
    const indices = group.params;
    if (!Array.isArray(indices) || indices.length !== n || indices.some((v, i) => v !== i)) {
      fail([`the parameter group lists ${Array.isArray(indices) ? indices.length : 'no'} parameters; this optimiser has ${n} (indices 0…${n - 1})`]);
    }
    const state: Map<number, Record<string, StateValue>> =
      dict.state instanceof Map
        ? dict.state
        : new Map(Object.entries((dict.state ?? {}) as Record<string, Record<string, StateValue>>).map(([k, v]) => [Number(k), v]));
    const problems: string[] = [];
    for (const [i, record] of state) {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        problems.push(`state for parameter ${i}, which does not exist`);
        continue;
      }
      problems.push(...this.checkParamState(i, record, group).map((p) => `state.${i}: ${p}`));
    }
    if (problems.length > 0) fail(problems);
    const { params: _params, ...hyper } = group;
    this.applyGroup(hyper);
    for (let i = 0; i < n; i++) this.setParamState(i, state.get(i));
  }

  /**
   * Writes the state to `file` as safetensors (atomically): tensors under `state.<i>.<name>`
   * (`step` as a float32 scalar, as PyTorch keeps it) and the parameter groups as JSON in the
   * metadata entry `param_groups`; `optimizer` names the class.
   */
  save(file: string): void {
    const dict = this.stateDict();
    const tensors = new Map<string, Tensor>();
    try {
      for (const [i, record] of dict.state) {
        for (const [name, v] of Object.entries(record)) {
          tensors.set(`state.${i}.${name}`, v instanceof Tensor ? v : tensor(new Float32Array([v]), { shape: [] }));
        }
      }
      saveSafetensors(file, tensors, { param_groups: JSON.stringify(dict.paramGroups), optimizer: this.constructor.name });
    } finally {
      for (const t of tensors.values()) t.dispose();
      for (const record of dict.state.values()) for (const v of Object.values(record)) if (v instanceof Tensor) v.dispose();
    }
  }

  /** Reads a checkpoint written by `save` into this optimiser, as `loadStateDict`. */
  load(file: string): void {
    this.assertAlive();
    const { tensors, metadata } = loadSafetensors(file);
    try {
      const kind = this.constructor.name;
      if (metadata['optimizer'] !== undefined && metadata['optimizer'] !== kind) {
        throw new TorchError(`${file} holds the state of ${metadata['optimizer']}, not ${kind}`, 'E_STATE_DICT');
      }
      const raw = metadata['param_groups'];
      if (raw === undefined) throw new TorchError(`${file} has no 'param_groups' metadata: not an optimiser checkpoint`, 'E_STATE_DICT');
      let paramGroups: ParamGroupState[];
      try {
        paramGroups = JSON.parse(raw) as ParamGroupState[];
      } catch (e) {
        throw new TorchError(`${file}: 'param_groups' is not JSON (${e instanceof Error ? e.message : String(e)})`, 'E_STATE_DICT');
      }
      const state = new Map<number, Record<string, StateValue>>();
      const unexpected: string[] = [];
      for (const [key, t] of tensors) {
        const m = STATE_KEY.exec(key);
        if (m === null) {
          unexpected.push(`'${key}'`);
          continue;
        }
        const i = Number(m[1]);
        const name = m[2] as string;
        const record = state.get(i) ?? {};
        record[name] = name === 'step' && t.numel() === 1 ? t.item() : t;
        state.set(i, record);
      }
      if (unexpected.length > 0) throw new TorchError(`${file}: unexpected keys ${unexpected.join(', ')}`, 'E_STATE_DICT');
      this.loadStateDict({ state, paramGroups });
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  }

  /** Frees the optimiser's state (not the parameters). Safe to call twice; stepping afterwards throws. */
  dispose(): void {
    if (this.#disposed) return;
    for (const t of this.stateTensors()) t.dispose();
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// Helpers for subclasses ------------------------------------------------------------------------

/** A problem with a state tensor's shape, or undefined when it matches the parameter's. */
export function shapeProblem(name: string, value: StateValue | undefined, param: Tensor): string | undefined {
  if (value === undefined) return `'${name}' is missing`;
  if (!(value instanceof Tensor)) return `'${name}' is not a tensor`;
  const a = value.shape;
  const b = param.shape;
  if (a.length !== b.length || a.some((d, k) => d !== b[k])) return `'${name}' has shape [${a.join(', ')}] but the parameter's is [${b.join(', ')}]`;
  return undefined;
}

/** The value of a `step` entry: a number or a one-element tensor. */
export function stepValue(v: StateValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor && v.numel() === 1) return v.item();
  return undefined;
}
