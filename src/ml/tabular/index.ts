/**
 * Tabular emulators: regression models of one numeric column on others of any store table or
 * query, recorded as runs of kind `regressor` (docs/ml-emulators.md).
 *
 * ```ts
 * const r = await trainEmulator(store, { model: 'random-forest', table: 'wildfire', target: 'burned_area', features: ['wind_speed', 'fuels'], seed: 1 });
 * using e = await loadEmulator(store, r.run_id);
 * e.predict([[8, 'ST5_FFDUET_TLS']]);
 * ```
 */
export {
  trainEmulator,
  emulatorTableQuery,
  describeHyper,
  type TrainEmulatorOptions,
  type TrainEmulatorResult,
  type EmulatorRunParams,
} from './train-emulator.js';
export { EMULATOR_CHECKPOINT_FILE, EMULATOR_CHECKPOINT_FORMAT, type EmulatorCheckpoint } from '../checkpoints/emulator-checkpoint.js';
export { loadEmulator, type Emulator } from './emulator.js';
export { predictEmulator, type PredictEmulatorOptions, type PredictEmulatorResult } from './predict-emulator.js';
export { regressionMetrics, REGRESSION_METRICS, type RegressionMetrics } from './regression-metrics.js';
export { EMULATOR_MODELS, isEmulatorModel, type EmulatorModel, type HyperParameters } from './models/index.js';
export { CV_FOLDS, type GridCandidate } from './grid-search.js';
export { MAX_LEVELS as MAX_ONE_HOT_LEVELS, type Encoding, type FeatureEncoding, type NumericEncoding, type TextEncoding } from './feature-encoding.js';
export { type RawCoefficients } from './models/linear-models.js';
