/**
 * A GAN run as an {@link ImagePredictor}: its generator loaded from a checkpoint (the run's
 * latest, or one epoch's), stochastic (image i depends on `seeds[i]` as well as on its parameters)
 * and of one member. Image i is the image `generateImages` draws for seed `seeds[i]`: noise
 * `manualSeed(seeds[i]); randn([1, noiseDim])`, so `predict` and `predictPixels` agree with every
 * other GAN prediction of the same seed, and with PyTorch's.
 *
 * `predict` gives the generator's tanh output mapped linearly onto [0, 1]; `predictPixels` gives
 * the 8-bit samples GAN predictions have always been written with (`tanhToUint8`), computed from
 * the generator's own floats so that no second rounding can move a sample.
 *
 * ```ts
 * const p = await openGanPredictor(store, run, { epoch: 3 });
 * const pixels = p.predictPixels([{ label: 7 }], { seeds: [42] }); // 1 × 1 × 28 × 28 uint8
 * p.dispose();
 * ```
 */
import fs from 'node:fs';
import { recoverFolderSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { architectureOf, checkpointName, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import { resolveDevice } from '../device.js';
import { createGan } from '../models/gan.js';
import { requireKind, type RunRecord } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { generateImages, generateTanh, type GenerateRequest } from './generate-images.js';
import type { ImagePredictor, OpenPredictorOptions, PredictOptions } from './image-predictor.js';

/** A GAN's predictor: an {@link ImagePredictor} that also gives its images as the 8-bit samples GAN predictions are stored with. */
export interface GanPredictor extends ImagePredictor {
  readonly stochastic: true;
  /** The images of {@link ImagePredictor.predict} as planar uint8 samples, round((v + 1) · 127.5) of the generator's output. */
  predictPixels(combos: readonly Readonly<Record<string, Cell>>[], options?: PredictOptions): Uint8Array;
}

/** The checkpoint folder of `run` to load: the one of `epoch`, or the run's latest. */
export function ganCheckpointPath(registry: RunRegistry, run: RunRecord, epoch: number | undefined): string {
  if (epoch !== undefined) {
    const folder = registry.runPath(run.run_id, 'checkpoints', checkpointName({ epoch, stepInEpoch: 0 }));
    recoverFolderSync(folder);
    if (!fs.existsSync(folder)) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} kept no checkpoint of epoch ${epoch}`);
    return folder;
  }
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
  return registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
}

/** Opens GAN run `run`'s generator (the opener `openImagePredictor` uses for kind `gan`). */
export async function openGanPredictor(store: Store, record: RunRecord, options: OpenPredictorOptions = {}): Promise<GanPredictor> {
  const run = requireKind(record, 'gan', '; a GAN predictor opens GAN runs');
  const registry = new RunRegistry(store);
  const device = resolveDevice(options.device ?? 'cpu');
  const folder = ganCheckpointPath(registry, run, options.epoch);
  const architecture = architectureOf(run.params);
  const gan = createGan(architecture);
  let epoch: number;
  try {
    epoch = loadCheckpoint(folder, gan).epoch;
    gan.to(device);
  } catch (e) {
    gan.dispose();
    throw e;
  }
  let disposed = false;
  const request = (combos: readonly Readonly<Record<string, Cell>>[], predictOptions: PredictOptions): GenerateRequest => {
    if (disposed) throw new MlError('E_ML_RUN', `the predictor of run ${run.run_id} was disposed`);
    const seeds = predictOptions.seeds;
    if (seeds === undefined || seeds.length !== combos.length) {
      throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id} is a GAN: ${o('seeds')} must give one seed per combination (${combos.length}), got ${seeds === undefined ? 'none' : seeds.length}`);
    }
    if (predictOptions.member !== undefined && predictOptions.member !== 0) {
      throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id} is a GAN, a model of one member: ${o('member')} must be 0, got ${String(predictOptions.member)}`);
    }
    return { seeds, combos, device };
  };
  return Object.freeze({
    run,
    conditions: architecture.conditions,
    size: architecture.size,
    channels: architecture.channels,
    epoch,
    checkpoint: registry.relative(folder),
    stochastic: true as const,
    members: 1,
    predict(combos: readonly Readonly<Record<string, Cell>>[], predictOptions: PredictOptions = {}): Float32Array {
      const values = generateTanh(gan, request(combos, predictOptions));
      for (let i = 0; i < values.length; i++) {
        const v = (values[i]! + 1) / 2;
        // NaN fails both comparisons and becomes 0, as in tanhToUint8.
        values[i] = v >= 1 ? 1 : v > 0 ? v : 0;
      }
      return values;
    },
    predictPixels(combos: readonly Readonly<Record<string, Cell>>[], predictOptions: PredictOptions = {}): Uint8Array {
      return generateImages(gan, request(combos, predictOptions));
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      gan.dispose();
    },
  });
}
