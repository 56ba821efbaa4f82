/** Reshaping layers (PyTorch's nn.Flatten and nn.Unflatten). */
import type { Tensor } from '../tensor.js';
import { TorchError, check } from '../errors.js';
import { Module } from './module.js';

/**
 * Flattens dimensions `startDim` … `endDim` into one (by default all but the batch dimension).
 *
 * ```ts
 * new nn.Flatten().forward(x); // N×C×H×W → N×(C·H·W)
 * ```
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    check(Number.isInteger(startDim) && Number.isInteger(endDim), () => `Flatten: startDim and endDim must be integers, got ${startDim}, ${endDim}`);
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/**
 * Expands dimension `dim` into `sizes` (their product must equal its size).
 *
 * ```ts
 * new nn.Unflatten(1, [256, 7, 7]).forward(x); // N×12544 → N×256×7×7
 * ```
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly sizes: readonly number[];

  constructor(dim: number, sizes: readonly number[]) {
    super();
    check(Number.isInteger(dim), () => `Unflatten: dim must be an integer, got ${dim}`);
    check(
      Array.isArray(sizes) && sizes.length > 0 && sizes.every((s) => Number.isInteger(s) && (s > 0 || s === -1)),
      () => `Unflatten: sizes must be a non-empty list of positive integers, got [${String(sizes)}]`,
    );
    this.dim = dim;
    this.sizes = Object.freeze([...sizes]);
  }

  override forward(x: Tensor): Tensor {
    const shape = x.shape;
    const d = this.dim < 0 ? shape.length + this.dim : this.dim;
    if (d < 0 || d >= shape.length) {
      throw new TorchError(`Unflatten: dim ${this.dim} is out of range for shape [${shape.join(', ')}]`, 'E_INDEX');
    }
    return x.reshape(...shape.slice(0, d), ...this.sizes, ...shape.slice(d + 1));
  }
}
