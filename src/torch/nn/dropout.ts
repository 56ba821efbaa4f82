/** Dropout (PyTorch's nn.Dropout): active in training mode only. */
import type { Tensor } from '../tensor.js';
import { dropout } from '../functional.js';
import { check } from '../errors.js';
import { Module } from './module.js';

/**
 * In training, zeroes each element with probability `p` and scales the rest by 1/(1−p); in
 * evaluation (`module.eval()`), the identity.
 *
 * ```ts
 * const drop = new nn.Dropout(0.3);
 * ```
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    check(typeof p === 'number' && p >= 0 && p <= 1, () => `Dropout: p must be a probability in [0, 1], got ${p}`);
    this.p = p;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
