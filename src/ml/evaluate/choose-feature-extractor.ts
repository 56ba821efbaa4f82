/**
 * The classifier whose features an evaluation uses: the one named, or the newest finished
 * classifier trained on the GAN's own table (see feature-extractor.ts). When there is none, the
 * error says how to train one or name one; the returned extractor is the caller's to dispose.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { GanRunParams } from '../registry/run-params.js';
import { defaultFeatureRun, loadFeatureExtractor, type FeatureExtractor } from './feature-extractor.js';

export interface ChosenFeatures {
  /** The classifier run's id, recorded beside every metric value (`feature_run_id`). */
  readonly featureRunId: string;
  readonly extractor: FeatureExtractor;
}

/** The features run `named`, or the default one for the GAN's source table, loaded on `device`. */
export async function chooseFeatureExtractor(store: Store, params: GanRunParams, named: string | undefined, device: string): Promise<ChosenFeatures> {
  const featureRunId = named ?? (await defaultFeatureRun(store, params.source_table ?? null));
  if (featureRunId === undefined) {
    const table = params.source_table ?? 'its table';
    throw new MlError('E_ML_RUN', (o) => `no classifier has been trained on ${table} to give features; train a classifier on ${table} (its label column as the label) or name one with ${o('features')}`);
  }
  return { featureRunId, extractor: await loadFeatureExtractor(store, featureRunId, { device }) };
}
