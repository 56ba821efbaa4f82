/**
 * How far a floating-point result may be from the reference library's result for the same
 * computation, derived from the computation rather than from the machine a fixture came from.
 *
 * The reference values in test/fixtures/torch were computed by PyTorch on one CPU; libtorch picks
 * its kernels per CPU (AVX-512 with AMX, AVX-512 with bf16, AVX2, scalar: `ATEN_CPU_CAPABILITY`
 * forces one), and those kernels sum in different orders and fuse multiply-adds differently. Both
 * results are then correctly computed in floating point and differ only by rounding. The model:
 *
 *     |ours − theirs| ≤ c · (|theirs| + scale),   c = k · ε · (steps + 1) · √reduction
 *
 * - ε is the unit roundoff of the dtype the arithmetic rounds to (float32 2⁻²³; bfloat16 2⁻⁷
 *   for autocast outputs; float16 2⁻¹⁰; float64 2⁻⁵²).
 * - `reduction` is the longest sum inside one step (a matmul's or a convolution's inner length, a
 *   mean's count). Two summation orders of n terms differ by at most about n·ε·Σ|x|; with
 *   independent rounding errors the difference grows like √n·ε·Σ|x| (Higham & Mary,
 *   "A new approach to probabilistic rounding error analysis", 2019), which is what is used.
 * - `steps` is the number of dependent steps the error is carried through (optimiser steps,
 *   recurrences): each step adds its own rounding to the error it inherits, so the bound grows
 *   linearly with the steps taken.
 * - `scale` is the magnitude of the quantities the result is computed from (for example the
 *   largest parameter of a trajectory): a value near zero obtained by cancellation carries the
 *   rounding error of the large terms that cancelled, which a purely relative bound misses.
 * - `k` (default 8) covers the handful of roundings per element inside one step (a product, a
 *   sum, an update) and the ratio between Σ|x| and the scale.
 *
 * Real mistakes (a wrong formula, a missing term, another random draw, a wrong order) move results
 * by many orders of magnitude more than this, so the bound keeps the comparisons able to fail.
 */

/** Unit roundoff (half the distance from 1 to the next number) of each floating dtype. */
export const UNIT_ROUNDOFF = Object.freeze({
  float64: 2 ** -53,
  float32: 2 ** -24,
  float16: 2 ** -11,
  bfloat16: 2 ** -8,
});

export type RoundedDtype = keyof typeof UNIT_ROUNDOFF;

export interface ErrorModel {
  /** The dtype the arithmetic rounds to (default float32). */
  dtype?: RoundedDtype;
  /** Dependent steps the error is carried through (default 0: one computation). */
  steps?: number;
  /** The longest sum inside one step (default 1). */
  reduction?: number;
  /** Magnitude of the quantities the result is computed from (default 0: purely relative). */
  scale?: number;
  /** Roundings per element per step (default 8). */
  k?: number;
}

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** The tolerance the error model gives (see the file comment): rtol = c, atol = c · scale. */
export function tolerance(model: ErrorModel = {}): Tolerance {
  const { dtype = 'float32', steps = 0, reduction = 1, scale = 0, k = 8 } = model;
  for (const [name, v, min] of [['steps', steps, 0], ['reduction', reduction, 1], ['scale', scale, 0], ['k', k, 0]] as const) {
    if (!Number.isFinite(v) || v < min) throw new RangeError(`tolerance: ${name} must be a finite number ≥ ${min}, got ${v}`);
  }
  const c = k * UNIT_ROUNDOFF[dtype] * (steps + 1) * Math.sqrt(reduction);
  return Object.freeze({ rtol: c, atol: c * scale });
}

/** Largest absolute value of a list of numbers (the `scale` of a computation's inputs). */
export function maxAbs(values: ArrayLike<number | bigint | boolean>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(Number(values[i])));
  return m;
}
