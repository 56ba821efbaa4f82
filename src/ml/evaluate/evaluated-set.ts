/**
 * The set under evaluation and the conditions it was made for: stored predictions (their
 * `params` column), or images generated from a checkpoint with seeds `seed … seed + n − 1` and the
 * condition combinations spread evenly (every level, 10 bin centres of a continuous range, all
 * combinations, repeated in order). The same checkpoint, count and seed give the same images.
 *
 * An `EvaluatedImages` holds one GAN's weights; it loads each checkpoint into them in turn and is
 * the caller's to dispose. Time spent generating is added to `timings.generation`.
 */
import { MlError } from '../../errors.js';
import type { LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import { createGan, type Gan } from '../models/gan.js';
import { generateImages } from '../predict/generate-images.js';
import type { RunRecord, RunRegistry } from '../registry/run-registry.js';
import type { GanRunParams } from '../registry/run-params.js';
import { architectureOf, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import type { EvaluationTimings } from './evaluation-result.js';
import type { ChosenFeatures } from './choose-feature-extractor.js';
import type { ImageSet, ImageSets } from './image-sets.js';

/** Images with the condition values each was made for (`{}` for an unconditional one) and the epoch of their checkpoint. */
export interface EvaluatedSet {
  readonly set: ImageSet;
  readonly combos: Record<string, Cell>[];
  readonly epoch: number;
}

/** Condition values spread evenly: every level, 10 bin centres of a continuous range, all combinations. */
export function evenCombinations(conditions: readonly ConditionSpec[]): Record<string, Cell>[] {
  let combos: Record<string, Cell>[] = [{}];
  for (const c of conditions) {
    const values: Cell[] =
      c.kind === 'categorical' ? (c.levels as Cell[]) : c.min === c.max ? [c.min] : Array.from({ length: 10 }, (_, i) => c.min + ((c.max - c.min) * (i + 0.5)) / 10);
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [c.name]: v })));
  }
  return combos;
}

/** The condition values of stored predictions, from their `params` column (JSON, or NULL for none). */
export function storedCombinations(images: LoadedImages): Record<string, Cell>[] {
  return images.columns['params']!.map((p) => (p === null ? {} : (JSON.parse(String(p)) as Record<string, Cell>)));
}

export interface EvaluatedImagesOptions {
  readonly device: string;
  /** Image i uses seed + i. */
  readonly seed: number;
  readonly timings: EvaluationTimings;
  readonly onProgress: ProgressCallback | undefined;
}

/** The images under evaluation, stored or generated from the run's checkpoints, with their features. */
export class EvaluatedImages implements Disposable {
  readonly #params: GanRunParams;
  readonly #gan: Gan;
  readonly #sets: ImageSets;
  readonly #features: ChosenFeatures;
  readonly #options: EvaluatedImagesOptions;

  constructor(params: GanRunParams, sets: ImageSets, features: ChosenFeatures, options: EvaluatedImagesOptions) {
    this.#params = params;
    this.#gan = createGan(architectureOf(params));
    this.#sets = sets;
    this.#features = features;
    this.#options = options;
  }

  /** Stored predictions: their newest recorded epoch, or the run's `epochsDone` when none is recorded. */
  stored(images: LoadedImages, epochsDone: number): EvaluatedSet {
    const fx = this.#features.extractor;
    if (images.height !== fx.size || images.channels !== fx.channels) throw new MlError('E_ML_DATA', 'the predictions are not the size the classifier takes');
    const set = this.#sets.extract(images, 'stored predictions');
    const combos = storedCombinations(images);
    const epochs = images.columns['epoch']?.filter((e) => e !== null).map(Number) ?? [];
    return { set, combos, epoch: epochs.length > 0 ? Math.max(...epochs) : epochsDone };
  }

  /** `n` images of the run's newest checkpoint (`ml_runs.FILE_checkpoint`), refused unless the GAN makes images of the classifier's size. */
  newest(registry: RunRegistry, run: RunRecord, checkpoint: string, n: number): EvaluatedSet {
    const params = this.#params;
    const { featureRunId, extractor: fx } = this.#features;
    if (architectureOf(params).size !== fx.size || params.channels !== fx.channels) {
      throw new MlError('E_ML_RUN', `the classifier ${featureRunId} takes ${fx.size}×${fx.size}×${fx.channels} images, the GAN makes ${params.size}×${params.size}×${params.channels}`);
    }
    return this.generate(registry.absolute(checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`), n);
  }

  /** `n` images of the checkpoint in `folder`; progress goes under `generate (epoch N)`. */
  generate(folder: string, n: number): EvaluatedSet {
    const { device, seed, timings, onProgress } = this.#options;
    const gan = this.#gan;
    const fx = this.#features.extractor;
    const epoch = loadCheckpoint(folder, gan).epoch;
    gan.to(device);
    const all = evenCombinations(this.#params.conditions);
    const combos = Array.from({ length: n }, (_, i) => all[i % all.length]!);
    const t = performance.now();
    const onBatch = (done: number, total: number): void => onProgress?.({ task: `generate (epoch ${epoch})`, done, total, unit: 'images' });
    const pixels = generateImages(gan, { seeds: Array.from({ length: n }, (_, i) => seed + i), combos, device, onBatch });
    timings.generation += (performance.now() - t) / 1000;
    const images: LoadedImages = { pixels, count: n, channels: fx.channels, height: fx.size, width: fx.size, columns: {}, files: [], cache: 'off', decoded: 0 };
    return { set: this.#sets.extract(images, `generated images (epoch ${epoch})`), combos, epoch };
  }

  /** Frees the GAN's weights; twice is harmless. */
  dispose(): void {
    this.#gan.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
