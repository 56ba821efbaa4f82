/**
 * What every tabular model is to the emulator workflow: a family that fits a regressor on encoded
 * rows (row-major Float64Array, standardised numeric columns and 0/1 level columns), knows its
 * hyper-parameters and its grid, and rebuilds a fitted regressor from its checkpoint.
 * Adding a model: docs/ml-emulators.md, "Adding a model".
 */
import { MlError } from '../../../errors.js';
import type { DataParallelFit } from '../../train/data-parallel-fit.js';

/** A fitted model over encoded rows. */
export interface FittedRegressor {
  /** One prediction per row of `x` (rows × the width it was fitted on, row-major). */
  predict(x: Float64Array, rows: number): Float64Array;
  /** What the checkpoint's JSON keeps to rebuild the model (plain JSON values). */
  state(): Record<string, unknown>;
  /** Writes the files the JSON does not hold (the MLP's weights) into a checkpoint folder. */
  saveFiles?(folder: string): void;
  /** Frees native memory (the MLP's tensors); harmless twice. */
  dispose(): void;
}

/** Encoded training rows. */
export interface EncodedRows {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
  readonly width: number;
}

/** Hyper-parameters, as `ml_runs.params.hyper` records them. */
export interface HyperParameters {
  /** ridge, lasso: the penalty. */
  alpha?: number;
  /** knn: neighbours. */
  k?: number;
  /** knn: `uniform` or `distance` (1/d) weighting of the neighbours. */
  weights?: 'uniform' | 'distance';
  /** random-forest: trees. */
  trees?: number;
  /** random-forest: the trees' depth limit (null: grown until leaves are pure or hold 1 row). */
  max_depth?: number | null;
  /** mlp: hidden layer sizes. */
  hidden?: number[];
  /** mlp: passes over the training rows. */
  epochs?: number;
  /** mlp: Adam's learning rate. */
  lr?: number;
  /** mlp: rows per step. */
  batch?: number;
}

export interface FitContext {
  readonly seed: number;
  /**
   * mlp: awaited after each epoch with its mean training loss (MSE in the target's unit²), so
   * a long fit can record epochs and heartbeats as it goes.
   */
  readonly onEpoch?: (epoch: number, loss: number, seconds: number) => void | Promise<void>;
  /** mlp: the workers of a data-parallel fit (absent: one process). */
  readonly dataParallel?: DataParallelFit;
}


export interface RegressorFamily {
  readonly name: string;
  /** The hyper-parameter names the model takes (others are refused). */
  readonly options: readonly (keyof HyperParameters)[];
  /** Those the grid search chooses (giving one together with a grid search is refused). */
  readonly gridded: readonly (keyof HyperParameters)[];
  /** Defaults filled in and every value checked (an MlError E_ML_ARGUMENT names the bad one). */
  resolve(given: HyperParameters): HyperParameters;
  /** The grid-search candidates (docs/ml-emulators.md, "Grid search"); `data` are the training rows. */
  grid(base: HyperParameters, data: EncodedRows): HyperParameters[];
  /** The fewest training rows the model can be fitted on with these hyper-parameters. */
  minRows(h: HyperParameters): number;
  fit(data: EncodedRows, h: HyperParameters, context: FitContext): Promise<FittedRegressor>;
  /** Rebuilds a fitted model from `state()` and the checkpoint folder. */
  load(state: Record<string, unknown>, h: HyperParameters, width: number, folder: string): FittedRegressor;
}

/** `value` as a whole number ≥ 1, or an E_ML_ARGUMENT error naming the hyper-parameter `option`. */
export function wholeNumberOption(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a whole number ≥ 1, got ${String(value)}`);
  return value;
}
