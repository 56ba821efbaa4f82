/**
 * Mixed precision, as torch.autocast and torch.amp.GradScaler give it.
 *
 * ```ts
 * const scaler = new torch.amp.GradScaler({ device: 'cuda' });     // only float16 needs one
 * const loss = torch.amp.autocast(() => lossOf(model.forward(x)), { device: 'cuda' });
 * scaler.scale(loss).backward();
 * scaler.step(optimizer);    // unscales, and skips the step when a gradient overflowed
 * scaler.update();
 * ```
 *
 * Inside `autocast`, libtorch runs the ops that gain from it (convolutions, matrix products,
 * linear layers) in the lower precision and keeps the ones that lose accuracy (reductions, losses,
 * normalisation statistics) in float32; parameters and their gradients stay float32. Run the
 * forward pass and the loss inside the scope and the backward pass outside, as in PyTorch.
 */
import { native } from './native.js';
import { TorchError, check } from './errors.js';
import { DTYPE_CODES, dtypeName, type DType } from './dtype.js';
import { deviceArg } from './device.js';
import { Tensor } from './tensor.js';
import { full, zeros } from './factories.js';
import { keep } from './scope.js';
import { noGrad } from './autograd.js';

export type AutocastDevice = 'cpu' | 'cuda';
export type AutocastDtype = 'bfloat16' | 'float16';

export interface AutocastOptions {
  /** Which device's ops are cast (default 'cpu'). Tensors on other devices are untouched. */
  device?: AutocastDevice;
  /** The lower precision (default: bfloat16 on the CPU, float16 on CUDA, as PyTorch). */
  dtype?: AutocastDtype;
  /** false runs `fn` in full precision inside an enclosing autocast (default true). */
  enabled?: boolean;
}

export interface AutocastState {
  enabled: boolean;
  dtype: DType;
}

function autocastDevice(device: string | undefined): AutocastDevice {
  const d = device ?? 'cpu';
  if (d !== 'cpu' && d !== 'cuda') throw new TorchError(`autocast runs on 'cpu' or 'cuda', not '${d}'`, 'E_ARGUMENT');
  if (d === 'cuda') deviceArg('cuda');
  return d;
}

/** Whether autocast is on for `device` in this thread, and its dtype. */
export function autocastState(device: AutocastDevice = 'cpu'): AutocastState {
  const s = native.autocastState(autocastDevice(device));
  return { enabled: s.enabled, dtype: dtypeName(s.dtype) };
}

/**
 * Runs `fn` with autocast on (or off, with `enabled: false`) for one device, then restores the
 * previous state, also when `fn` throws. The state is per thread, like grad mode. Leaving the
 * outermost scope drops libtorch's cache of down-cast weights, so each step casts the weights the
 * optimiser has just updated. `fn` must be synchronous, as for `tidy`.
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  const device = autocastDevice(options.device);
  const dtype = options.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  if (dtype !== 'bfloat16' && dtype !== 'float16') {
    throw new TorchError(`autocast computes in 'bfloat16' or 'float16', not '${String(dtype)}'`, 'E_ARGUMENT');
  }
  const previous = native.autocastState(device);
  native.setAutocast(device, options.enabled ?? true, DTYPE_CODES[dtype]);
  native.autocastEnter();
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TorchError('autocast(fn): fn returned a Promise; autocast scopes are synchronous (the state is per thread and an await would leak it)', 'E_ARGUMENT');
    }
    return result;
  } finally {
    native.autocastExit();
    native.setAutocast(device, previous.enabled, previous.dtype);
  }
}

export interface GradScalerOptions {
  /** Where the gradients live (default 'cuda', as PyTorch; 'cpu' works too). */
  device?: string;
  /** The first scale (default 2¹⁶). */
  initScale?: number;
  /** Multiplier after `growthInterval` steps without overflow (default 2). */
  growthFactor?: number;
  /** Multiplier after an overflow (default 0.5). */
  backoffFactor?: number;
  /** Overflow-free steps before the scale grows (default 2000). */
  growthInterval?: number;
  /** false makes every method a pass-through, so one loop serves both precisions (default true). */
  enabled?: boolean;
}

/** What `GradScaler.step` needs of an optimiser: `optim.Adam` and `optim.SGD` have it. */
export interface ScalableOptimizer {
  readonly params: readonly Tensor[];
  step(): void;
}

/** The scaler's state under PyTorch's names, for checkpoints. */
export interface GradScalerState {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

/**
 * Loss scaling for float16: multiplies the loss so small gradients survive float16's range, then
 * divides the gradients back before the optimiser steps, skipping any step whose gradients hold
 * an infinity or NaN and halving the scale after one; PyTorch's fused kernels do the work, so the
 * numbers and the schedule are PyTorch's. bfloat16 has float32's range and needs no scaler.
 */
export class GradScaler {
  readonly enabled: boolean;
  readonly device: string;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly #scale: Tensor | undefined;
  readonly #growthTracker: Tensor | undefined;
  /** Optimisers unscaled since the last update, with their found-infinity flag. */
  readonly #unscaled = new Map<ScalableOptimizer, Tensor>();
  #disposed = false;

  constructor(options: GradScalerOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.device = deviceArg(options.device ?? 'cuda') as string;
    this.growthFactor = options.growthFactor ?? 2;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
    const initScale = options.initScale ?? 2 ** 16;
    check(initScale > 0 && Number.isFinite(initScale), () => `GradScaler: initScale must be positive, got ${initScale}`);
    check(this.growthFactor > 1, () => `GradScaler: growthFactor must be above 1, got ${this.growthFactor}`);
    check(this.backoffFactor > 0 && this.backoffFactor < 1, () => `GradScaler: backoffFactor must be in (0, 1), got ${this.backoffFactor}`);
    check(Number.isInteger(this.growthInterval) && this.growthInterval > 0, () => `GradScaler: growthInterval must be a positive integer, got ${this.growthInterval}`);
    if (this.enabled) {
      this.#scale = keep(full([1], initScale, { dtype: 'float32', device: this.device }));
      this.#growthTracker = keep(zeros([1], { dtype: 'int32', device: this.device }));
    }
  }

  #alive(): void {
    if (this.#disposed) throw new TorchError('GradScaler was disposed', 'E_DISPOSED');
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    this.#alive();
    return this.#scale === undefined ? 1 : this.#scale.item();
  }

  /** loss × scale, a new tensor (the loss itself when disabled). */
  scale(loss: Tensor): Tensor {
    this.#alive();
    if (this.#scale === undefined) return loss;
    return loss.mul(this.#scale.to({ device: loss.device }));
  }

  /**
   * Divides the optimiser's gradients by the scale in place (call before clipping gradients).
   * At most once per optimiser between updates.
   */
  unscale(optimizer: ScalableOptimizer): void {
    this.#alive();
    if (this.#scale === undefined) return;
    check(!this.#unscaled.has(optimizer), () => 'GradScaler.unscale: already unscaled this optimiser since the last update()');
    const grads = optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== undefined);
    const foundInf = keep(zeros([1], { dtype: 'float32', device: this.device }));
    noGrad(() => {
      const inv = this.#scale!.reciprocal();
      try {
        if (grads.length > 0) native.ampUnscale(grads, foundInf, inv);
      } finally {
        inv.dispose();
      }
    });
    this.#unscaled.set(optimizer, foundInf);
  }

  /**
   * Unscales (unless `unscale` already did) and steps the optimiser unless a gradient is infinite
   * or NaN. Returns whether it stepped.
   */
  step(optimizer: ScalableOptimizer): boolean {
    this.#alive();
    if (this.#scale === undefined) {
      optimizer.step();
      return true;
    }
    if (!this.#unscaled.has(optimizer)) this.unscale(optimizer);
    const overflow = (this.#unscaled.get(optimizer) as Tensor).item() !== 0;
    if (!overflow) optimizer.step();
    return !overflow;
  }

  /** Adjusts the scale after the step: backs off after an overflow, grows after a clean run. */
  update(): void {
    this.#alive();
    const scale = this.#scale;
    const tracker = this.#growthTracker;
    if (scale === undefined || tracker === undefined) return;
    const flags = [...this.#unscaled.values()];
    this.#unscaled.clear();
    if (flags.length === 0) return;
    noGrad(() => {
      let found = flags[0] as Tensor;
      for (const f of flags.slice(1)) found = found.add(f);
      try {
        native.ampUpdateScale(scale, tracker, found, this.growthFactor, this.backoffFactor, this.growthInterval);
      } finally {
        if (found !== flags[0]) found.dispose();
        for (const f of flags) f.dispose();
      }
    });
  }

  stateDict(): GradScalerState {
    this.#alive();
    return {
      scale: this.getScale(),
      growth_factor: this.growthFactor,
      backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval,
      _growth_tracker: this.#growthTracker === undefined ? 0 : this.#growthTracker.item(),
    };
  }

  loadStateDict(state: GradScalerState): void {
    this.#alive();
    if (this.#scale === undefined) return;
    check(state.scale > 0 && Number.isFinite(state.scale), () => `GradScaler.loadStateDict: scale must be positive, got ${state.scale}`);
    check(Number.isInteger(state._growth_tracker) && state._growth_tracker >= 0, () => `GradScaler.loadStateDict: _growth_tracker must be a whole number, got ${state._growth_tracker}`);
    noGrad(() => {
      this.#scale!.fill_(state.scale);
      this.#growthTracker!.fill_(state._growth_tracker);
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#scale?.dispose();
    this.#growthTracker?.dispose();
    for (const f of this.#unscaled.values()) f.dispose();
    this.#unscaled.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
