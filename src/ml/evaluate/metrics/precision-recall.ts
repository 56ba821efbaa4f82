/**
 * Improved precision and recall (Kynkäänniemi et al. 2019). Each sample's radius is the distance
 * to its k-th nearest neighbour within its own set (itself excluded; default k = 3), which
 * estimates that set's manifold as a union of balls:
 *
 *   precision = share of generated samples inside some real sample's ball (‖g − r‖ ≤ radius(r))
 *   recall    = share of real samples inside some generated sample's ball
 *
 * Precision says how much of what is generated looks real, recall how much of the real variety
 * is generated. Distances are chunked (nearest-neighbours.ts), so 10,000 × 10,000 fits memory.
 *
 * ```ts
 * const { precision, recall } = precisionRecall(real, gen, { k: 3 });
 * ```
 */
import { MlError } from '../../../errors.js';
import type { ProgressCallback } from '../../../progress.js';
import { requireRealAndGenerated, wholeOption, type FeatureMatrix } from './feature-matrix.js';
import { countInsideSomeBall, kthNeighbourSquaredRadii } from './nearest-neighbours.js';

export interface PrecisionRecallOptions {
  /** The neighbour whose distance is a sample's radius (default 3). */
  readonly k?: number;
  /** One event per block of rows under `task` (default `precision and recall`): each set's radii, then each set against the other's balls. */
  readonly onProgress?: ProgressCallback;
  readonly task?: string;
}

/** E_ML_DATA unless both sets have more than k samples (a k-th neighbour other than the sample itself). */
export function requireNeighbours(real: FeatureMatrix, gen: FeatureMatrix, k: number): void {
  for (const [m, label] of [[real, 'real'], [gen, 'generated']] as const) {
    if (m.rows <= k) throw new MlError('E_ML_DATA', `precision and recall with k = ${k} need more than ${k} samples in each set; the ${label} set has ${m.rows}`);
  }
}

/** Precision and recall of generated against real features. */
export function precisionRecall(real: FeatureMatrix, gen: FeatureMatrix, options: PrecisionRecallOptions = {}): { precision: number; recall: number } {
  requireRealAndGenerated(real, gen);
  const k = wholeOption('k', options.k ?? 3, 1);
  requireNeighbours(real, gen, k);
  const total = 2 * (real.rows + gen.rows);
  const at = (offset: number) => (options.onProgress === undefined ? undefined : { onProgress: options.onProgress, task: options.task ?? 'precision and recall', offset, total });
  const realRadii = kthNeighbourSquaredRadii(real, k, at(0));
  const genRadii = kthNeighbourSquaredRadii(gen, k, at(real.rows));
  return {
    precision: countInsideSomeBall(gen, real, realRadii, at(real.rows + gen.rows)) / gen.rows,
    recall: countInsideSomeBall(real, gen, genRadii, at(real.rows + 2 * gen.rows)) / real.rows,
  };
}
