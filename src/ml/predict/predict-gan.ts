/**
 * Generate images from a trained GAN for chosen parameter combinations, write them as PNGs in the
 * run's folder and as rows of `ml_predictions`, each with the seed that reproduces it: image k of
 * a call uses seed S + k, and its noise is libtorch's `manualSeed(S + k); randn([1, noiseDim])`,
 * the same numbers PyTorch's `torch.manual_seed(S + k); torch.randn(1, noise_dim)` draws.
 *
 * ```ts
 * const out = await predictGan(store, { run: 'gan-20261127-053512-a1b2', grid: { label: '0..9' }, count: 10, seed: 1 });
 * ```
 *
 * This is {@link predictImages} (predict-images.ts: staging, contact sheet, rows in one
 * transaction, kill-safety, Cinema export) for a run that must be a GAN; its results always carry
 * seeds.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { RunRegistry } from '../registry/run-registry.js';
import { predictImages, type PredictImagesOptions, type PredictImagesResult } from './predict-images.js';

export type PredictGanOptions = PredictImagesOptions;

export interface Prediction {
  prediction_id: string;
  params: Record<string, Cell>;
  seed: number;
  /** Whether a continuous parameter lies outside the range trained on. */
  extrapolated: boolean;
  FILE: string;
}

export interface PredictGanResult extends Omit<PredictImagesResult, 'seed' | 'predictions'> {
  seed: number;
  predictions: Prediction[];
}

export async function predictGan(store: Store, options: PredictGanOptions): Promise<PredictGanResult> {
  await new RunRegistry(store).getRun(options.run, 'gan', '; predict generates images from GAN runs');
  const result = await predictImages(store, options);
  const seeded = (seed: number | null): number => {
    if (seed === null) throw new MlError('E_ML_RUN', `run ${result.run_id} gave predictions without seeds; a GAN's are seeded`);
    return seed;
  };
  return { ...result, seed: seeded(result.seed), predictions: result.predictions.map((p) => ({ ...p, seed: seeded(p.seed) })) };
}
