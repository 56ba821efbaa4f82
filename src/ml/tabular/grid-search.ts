/**
 * Grid search by k-fold cross-validation on the training rows (the held-out test rows are never
 * seen): the rows are shuffled once by `seededPermutation(rows, mixSeed(seed, 0xcf01))` and cut
 * into `folds` contiguous folds; every candidate is fitted on each fold's complement (encoding
 * refitted there too) and scored by the MSE on the fold; the candidate with the lowest mean MSE
 * wins, the earlier one in the grid on a tie.
 *
 * ```ts
 * const { best, candidates } = await gridSearch(ridgeFamily, grid, folds, { seed: 1 });
 * ```
 */
import { mixSeed, seededPermutation } from '../data/seeded-random.js';
import { regressionMetrics } from './regression-metrics.js';
import type { EncodedRows, HyperParameters, RegressorFamily } from './models/regressor.js';

export const CV_FOLDS = 5;

/** One fold: the rows a candidate is fitted on and the rows it is scored on, both encoded. */
export interface Fold {
  readonly fit: EncodedRows;
  readonly validate: EncodedRows;
}

/** A candidate's cross-validation score, as `ml_runs.params.grid_search.candidates` records it. */
export interface GridCandidate {
  readonly hyper: HyperParameters;
  /** Mean validation MSE over the folds. */
  readonly mse: number;
  /** Population standard deviation of the folds' MSEs. */
  readonly mse_std: number;
  readonly fold_mse: readonly number[];
}

/** Positions 0…n−1 split into `folds` shuffled folds (each a sorted list of positions). */
export function foldPositions(n: number, folds: number, seed: number): Int32Array[] {
  const order = seededPermutation(n, mixSeed(seed, 0xcf01));
  return Array.from({ length: folds }, (_, f) => order.slice(Math.floor((f * n) / folds), Math.floor(((f + 1) * n) / folds)).sort());
}

/** Fits every candidate on every fold; `between` runs after each fit and `onEpoch` after each MLP epoch (heartbeats, progress). */
export async function gridSearch(
  family: RegressorFamily,
  candidates: readonly HyperParameters[],
  folds: readonly Fold[],
  options: { seed: number; between?: (done: number, total: number) => Promise<void>; onEpoch?: () => Promise<void> },
): Promise<{ best: GridCandidate; candidates: GridCandidate[] }> {
  const scored: GridCandidate[] = [];
  const total = candidates.length * folds.length;
  let done = 0;
  for (const hyper of candidates) {
    const foldMse: number[] = [];
    for (const fold of folds) {
      const model = await family.fit(fold.fit, hyper, { seed: options.seed, ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }) });
      try {
        foldMse.push(regressionMetrics(fold.validate.y, model.predict(fold.validate.x, fold.validate.rows)).mse);
      } finally {
        model.dispose();
      }
      done++;
      await options.between?.(done, total);
    }
    const mean = foldMse.reduce((a, b) => a + b, 0) / foldMse.length;
    const std = Math.sqrt(foldMse.reduce((a, b) => a + (b - mean) ** 2, 0) / foldMse.length);
    scored.push({ hyper, mse: mean, mse_std: std, fold_mse: foldMse });
  }
  let best = scored[0]!;
  for (const c of scored) if (c.mse < best.mse) best = c;
  return { best, candidates: scored };
}
