/** The tabular model families by name (the `model` option); adding one: docs/ml-emulators.md. */
import { MlError } from '../../../errors.js';
import { knnFamily } from './knn-regressor.js';
import { lassoFamily, linearFamily, ridgeFamily } from './linear-models.js';
import { mlpFamily } from './mlp-regressor.js';
import { forestFamily } from './regression-forest.js';
import type { RegressorFamily } from './regressor.js';

export const EMULATOR_MODELS = ['linear', 'ridge', 'lasso', 'knn', 'random-forest', 'mlp'] as const;
export type EmulatorModel = (typeof EMULATOR_MODELS)[number];

const FAMILIES: Readonly<Record<EmulatorModel, RegressorFamily>> = {
  linear: linearFamily,
  ridge: ridgeFamily,
  lasso: lassoFamily,
  knn: knnFamily,
  'random-forest': forestFamily,
  mlp: mlpFamily,
};

export function isEmulatorModel(name: unknown): name is EmulatorModel {
  return typeof name === 'string' && (EMULATOR_MODELS as readonly string[]).includes(name);
}

/** The family of the `model` option NAME, or an E_ML_ARGUMENT error listing the models. */
export function regressorFamily(name: unknown): RegressorFamily {
  if (!isEmulatorModel(name)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('model')} must be one of ${EMULATOR_MODELS.join(', ')} for an emulator, got ${JSON.stringify(name)}`);
  return FAMILIES[name];
}

export type { RegressorFamily, FittedRegressor, HyperParameters, EncodedRows, FitContext } from './regressor.js';
