/**
 * Train a tabular emulator: a regression model of one numeric column (the target) on others (the
 * features) of any store table or query, judged on held-out rows and recorded as a run of kind
 * `regressor` (DESIGN §4; docs/ml-emulators.md).
 *
 * ```ts
 * const r = await trainEmulator(store, { model: 'ridge', table: 'wildfire', target: 'burned_area',
 *   features: ['wind_speed', 'wdir', 'smois', 'fuels'], seed: 1, gridSearch: true });
 * r.metrics.r2; // on the held-out 20 %, also in ml_evaluations (metric r2, source test)
 * ```
 *
 * Everything that can be wrong (options, columns, NULLs, text where a number belongs, too few
 * rows) is found before the run row is written; an error while fitting marks the run `failed`.
 *
 * The held-out rows: `ceil(testSize × rows)` rows drawn by `seededPermutation(rows,
 * mixSeed(seed, 0x7e57))`; a drawn row whose text level occurs in no training row moves to the
 * training rows (a model cannot be judged on a level it has never seen). `params.split.test_rows`
 * lists the held-out rows (1-based, in the data query's order).
 */
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import { TRAINERS } from '../train/trainers/index.js';
import { runTraining } from '../train/training-session.js';
import type { FeatureEncoding } from './feature-encoding.js';
import type { GridCandidate } from './grid-search.js';
import type { EmulatorModel, HyperParameters } from './models/index.js';
import type { RegressionMetrics } from './regression-metrics.js';

export { describeHyper, emulatorTableQuery } from '../train/trainers/emulator-trainer.js';

export interface TrainEmulatorOptions {
  readonly model: EmulatorModel;
  /** A table: all of its rows, in the order they were added (`data_query` says how). */
  readonly table?: string;
  /** A read-only query; its row order is the run's "row N" (give an ORDER BY to make it stable). */
  readonly query?: string;
  /** The numeric column to predict. */
  readonly target: string;
  /** The input columns: numbers (standardised) or text (one-hot). */
  readonly features: readonly string[];
  /** Share of the rows held out for the metrics (default 0.2); 0 < testSize < 1. */
  readonly testSize?: number;
  /** Seeds the split, the folds, the forest's bootstraps and the MLP (default: random, recorded). */
  readonly seed?: number;
  /** Choose the hyper-parameters by 5-fold cross-validation over the model's grid (docs/ml-emulators.md). */
  readonly gridSearch?: boolean;
  /** ridge, lasso: the penalty (default 1, scikit-learn's). */
  readonly alpha?: number;
  /** knn: neighbours (default 5). */
  readonly k?: number;
  /** knn: `uniform` (default) or `distance` weighting. */
  readonly weights?: 'uniform' | 'distance';
  /** random-forest: trees (default 100). */
  readonly trees?: number;
  /** random-forest: depth limit (default none). */
  readonly maxDepth?: number | null;
  /** mlp: hidden layer sizes (default [100]). */
  readonly hidden?: readonly number[];
  /** mlp: epochs (default 200). */
  readonly epochs?: number;
  /** mlp: Adam's learning rate (default 1e-3). */
  readonly lr?: number;
  /** mlp: rows per step (default 200). */
  readonly batch?: number;
  /**
   * mlp: libtorch's threads while it trains (default 1: layers this small gain nothing from more,
   * and more threads stall badly when another process holds a core). Restored afterwards.
   */
  readonly threads?: number;
  readonly onProgress?: ProgressCallback;
}

import type { EmulatorRunParams } from '../registry/run-params.js';
export type { EmulatorRunParams };

export interface TrainEmulatorResult {
  run_id: string;
  status: 'finished';
  model: EmulatorModel;
  target: string;
  features: string[];
  /** MSE, RMSE, MAE and R² on the held-out rows. */
  metrics: RegressionMetrics;
  /** The same on the training rows. */
  train_metrics: RegressionMetrics;
  n_rows: number;
  n_train: number;
  n_test: number;
  hyper: HyperParameters;
  /** Every candidate's cross-validation MSE, when grid-searched. */
  grid_search: EmulatorRunParams['grid_search'];
  /** mlp: epochs trained (0 for the other models). */
  epochs_done: number;
  seconds: number;
  FILE_checkpoint: string;
}

/**
 * Train an emulator (see the file comment): the training session driving the emulator trainer.
 * Returns when the run is finished; throws (after marking the run `failed`) on an error while
 * fitting.
 */
export function trainEmulator(store: Store, options: TrainEmulatorOptions): Promise<TrainEmulatorResult> {
  return runTraining(store, TRAINERS.regressor, options);
}
