/**
 * The base of every layer: parameters, buffers and child modules registered by name, so that
 * state-dict keys, `parameters()` order and checkpoints are exactly PyTorch's.
 *
 * Registration is explicit (there is no attribute magic in JavaScript): a subclass calls
 * `registerParameter`, `registerBuffer` and `registerModule`, each of which returns what it
 * registered, so fields read naturally:
 *
 * ```ts
 * class Net extends nn.Module {
 *   readonly fc1 = this.registerModule('fc1', new nn.Linear(4, 8));
 *   readonly fc2 = this.registerModule('fc2', new nn.Linear(8, 1));
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(F.relu(this.fc1.forward(x)));
 *   }
 * }
 * ```
 *
 * Parameters and buffers are `keep()`-ed: scopes never free them; `dispose()` does.
 */
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { keep, tidy } from '../scope.js';
import { noGrad } from '../autograd.js';
import { TorchError, check } from '../errors.js';
import { DTYPE_CODES, isFloatingDtype, type DType, type Device } from '../dtype.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default); wrong shapes always are. */
  strict?: boolean;
}

export interface NumParametersOptions {
  /** Count only parameters that require a gradient. */
  trainableOnly?: boolean;
}

const NAME = /^[^.]+$/;

export abstract class Module {
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #modules = new Map<string, Module>();
  #training = true;

  /** The module's computation. */
  abstract forward(input: Tensor): Tensor;

  // Registration ----------------------------------------------------------------------------

  #checkName(kind: string, name: string): void {
    check(typeof name === 'string' && NAME.test(name), () => `${kind} name must be a non-empty string without '.', got '${name}'`);
    check(
      !this.#parameters.has(name) && !this.#buffers.has(name) && !this.#modules.has(name),
      () => `${this.constructor.name} already has a parameter, buffer or module named '${name}'`,
    );
  }

  /**
   * Registers a trainable tensor under `name` (its state-dict key). The tensor is kept out of
   * every scope and made to require a gradient, as `nn.Parameter` does.
   */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName('parameter', name);
    check(t instanceof Tensor, () => `parameter '${name}' must be a Tensor`);
    keep(t);
    if (!t.requiresGrad) t.requiresGrad_(true);
    this.#parameters.set(name, t);
    return t;
  }

  /** Registers state that is saved but not trained (running statistics, counters). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#checkName('buffer', name);
    check(t instanceof Tensor, () => `buffer '${name}' must be a Tensor`);
    keep(t);
    this.#buffers.set(name, t);
    return t;
  }

  /** Registers a child module; its keys are prefixed with `name.`. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName('module', name);
    check(m instanceof Module, () => `module '${name}' must be an nn.Module`);
    this.#modules.set(name, m);
    return m;
  }

  /**
   * Puts `m` in the place of the child registered as `name` (the same key, so state-dict keys
   * stay), as PyTorch's `setattr(parent, name, m)` does. This module's fields that held the old
   * child are pointed at `m`; a container that keeps its children in a list of its own updates it
   * in `childReplaced` (Sequential does).
   */
  replaceModule(name: string, m: Module): void {
    const old = this.#modules.get(name);
    check(old !== undefined, () => `${this.constructor.name} has no child module named '${name}'`);
    check(m instanceof Module, () => `replaceModule: the replacement of '${name}' must be an nn.Module`);
    this.#modules.set(name, m);
    for (const key of Object.keys(this)) {
      const d = Object.getOwnPropertyDescriptor(this, key);
      if (d !== undefined && 'value' in d && d.value === old) Object.defineProperty(this, key, { ...d, value: m });
    }
    this.childReplaced(name, old, m);
  }

  /** Called by `replaceModule` after child `name` became `replacement`: containers update their own lists here. */
  protected childReplaced(_name: string, _old: Module, _replacement: Module): void {}

  // Traversal -------------------------------------------------------------------------------

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#modules.entries()];
  }
  children(): Module[] {
    return [...this.#modules.values()];
  }

  /** This module (named '') and every descendant, depth first, as PyTorch's `named_modules()`. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m.#modules) walk(child, p === '' ? name : `${p}.${name}`);
    };
    walk(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Calls `fn` on every descendant and then on this module (children first, as PyTorch's `apply`). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.#modules.values()) child.apply(fn);
    fn(this);
    return this;
  }

  #named(which: 'parameters' | 'buffers', dedupe: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [name, t] of which === 'parameters' ? m.#parameters : m.#buffers) {
        if (dedupe && seen.has(t)) continue;
        seen.add(t);
        out.push([p + name, t]);
      }
      for (const [name, child] of m.#modules) walk(child, `${p}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /** Parameters with their dotted names: own first, then each child's, recursively (shared ones once). */
  namedParameters(): [string, Tensor][] {
    return this.#named('parameters', true);
  }
  /** The parameters themselves (not copies), in PyTorch's order; pass them to an optimiser. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  namedBuffers(): [string, Tensor][] {
    return this.#named('buffers', true);
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** How many numbers the parameters hold. */
  numParameters(options: NumParametersOptions = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  // Modes -----------------------------------------------------------------------------------

  /** Whether the module is in training mode (batch statistics, dropout on). */
  get training(): boolean {
    return this.#training;
  }
  /** Sets training mode on this module and every descendant. */
  train(on = true): this {
    this.#training = on;
    for (const child of this.#modules.values()) child.train(on);
    return this;
  }
  /** Evaluation mode: running statistics, no dropout. */
  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = undefined;
  }

  // State -----------------------------------------------------------------------------------

  /**
   * Every parameter and buffer under its PyTorch key (own parameters, own buffers, then each
   * child's, recursively). The values are new detached handles sharing the module's storage:
   * writing into them writes into the module, and disposing them (or letting an enclosing
   * `tidy` do so) never frees the module's tensors. Dispose them when done.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [name, t] of m.#parameters) out.set(p + name, t.detach());
      for (const [name, t] of m.#buffers) out.set(p + name, t.detach());
      for (const [name, child] of m.#modules) walk(child, `${p}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /** The module's own tensors by state-dict key (no new handles). */
  #entries(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [name, t] of m.#parameters) out.set(p + name, t);
      for (const [name, t] of m.#buffers) out.set(p + name, t);
      for (const [name, child] of m.#modules) walk(child, `${p}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies values into the module's tensors in place (under noGrad, converting dtype and device),
   * so optimisers holding the parameters keep working. Everything is checked before anything is
   * copied: missing or unexpected keys (when `strict`, the default) and wrong shapes (always)
   * throw a TorchError with code E_STATE_DICT that names every offending key. The dict's tensors
   * stay the caller's.
   */
  loadStateDict(dict: Map<string, Tensor> | Record<string, Tensor>, options: LoadStateDictOptions = {}): void {
    const strict = options.strict ?? true;
    const given = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.#entries();
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [key, target] of own) {
      const source = given.get(key);
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) {
        mismatched.push(`'${key}' is not a tensor`);
        continue;
      }
      const a = source.shape;
      const b = target.shape;
      if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
        mismatched.push(`'${key}' has shape [${a.join(', ')}] but the module's is [${b.join(', ')}]`);
      }
    }
    const problems: string[] = [];
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    if (mismatched.length > 0) problems.push(`size mismatch: ${mismatched.join('; ')}`);
    if (problems.length > 0) {
      throw new TorchError(`error loading the state dict of ${this.constructor.name}: ${problems.join('; ')}`, 'E_STATE_DICT');
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const source = given.get(key);
        if (source !== undefined) target.copy_(source);
      }
    });
  }

  /**
   * Moves every parameter and buffer to a device, or converts the floating-point ones to a dtype
   * (integer buffers such as `num_batches_tracked` keep theirs, as in PyTorch). Tensors keep their
   * identity, so an optimiser built before the move still holds the module's parameters.
   */
  to(target: DType | Device | string): this {
    const isDtype = target in DTYPE_CODES;
    const move = (t: Tensor): void => {
      if (isDtype && !isFloatingDtype(t.dtype)) return;
      const moved = t.to(target);
      if (moved !== t) {
        native.setData(t, moved);
        moved.dispose();
      }
    };
    noGrad(() =>
      tidy(() => {
        for (const p of this.parameters()) {
          move(p);
          const g = p.grad;
          if (g !== undefined) move(g);
        }
        for (const b of this.buffers()) move(b);
      }),
    );
    return this;
  }

  /** Frees every parameter and buffer of this module and its descendants. Safe to call twice. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const t of m.#parameters.values()) t.dispose();
      for (const t of m.#buffers.values()) t.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // Files -----------------------------------------------------------------------------------

  /**
   * Writes the state dict to `file` as safetensors (atomically): keys are the state-dict keys,
   * dtypes the tensors' own (`num_batches_tracked` is I64), so the file loads in Python with
   * `model.load_state_dict(safetensors.torch.load_file(file))`.
   */
  save(file: string): void {
    const dict = this.stateDict();
    try {
      saveSafetensors(file, dict, { format: 'pt' });
    } finally {
      for (const t of dict.values()) t.dispose();
    }
  }

  /** Reads a safetensors state dict (written here or by PyTorch) into the module, as `loadStateDict`. */
  load(file: string, options: LoadStateDictOptions = {}): void {
    const { tensors } = loadSafetensors(file);
    try {
      this.loadStateDict(tensors, options);
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  }
}
