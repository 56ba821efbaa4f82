/**
 * The background set of an explanation: the rows whose values stand in for absent features, over
 * which the base value E[f] is taken. K rows drawn without replacement with the project's seeded
 * generator, so the same seed draws the same rows; all rows when K is at least their number.
 *
 * ```ts
 * drawBackground(60000, 100, 0); // 100 ascending row indices, the same for seed 0 every time
 * drawBackground(3, 100, 0);     // [0, 1, 2]
 * ```
 */
import { MlError } from '../../errors.js';
import { mixSeed, seededPermutation } from '../data/seeded-random.js';

/** The default K. */
export const DEFAULT_BACKGROUND = 100;

/** min(K, rowCount) distinct row indices (0-based, ascending) drawn with `seed`. */
export function drawBackground(rowCount: number, size: number, seed: number): Int32Array {
  if (!Number.isInteger(rowCount) || rowCount < 1) throw new MlError('E_ML_DATA', `the background needs at least one row to draw from, got ${String(rowCount)}`);
  if (!Number.isInteger(size) || size < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('background')} must be a whole number of rows ≥ 1, got ${String(size)}`);
  if (!Number.isInteger(seed)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('seed')} must be a whole number, got ${String(seed)}`);
  if (size >= rowCount) return Int32Array.from({ length: rowCount }, (_, i) => i);
  return seededPermutation(rowCount, mixSeed(seed, 0x4247)) // 'BG'
    .slice(0, size)
    .sort();
}
