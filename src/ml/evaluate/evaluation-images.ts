/**
 * The images of an evaluation, each passed once through the feature classifier for its features
 * and logits: real images selected by a query (the reference set, the run's training images, the
 * stored predictions to evaluate instead of generating), decoded at the classifier's size and
 * channels; and the set under evaluation, stored predictions (their `params` column gives their
 * conditions) or images generated from a checkpoint with seeds `seed … seed + n − 1` and the
 * condition combinations spread evenly (every level, 10 bin centres of a continuous range, all
 * combinations, repeated in order). The same checkpoint, count and seed give the same images.
 *
 * Every query is run before the first image is generated, so a bad one stops the call first. A
 * query that fails or selects nothing is an `E_ML_DATA` error naming which query it was (an
 * `E_UNSAFE_PATH` refusal passes through as it is); prediction files must lie inside the store's
 * data folder. `EvaluationImages` holds the feature classifier and, once it generates, one GAN's
 * weights that each checkpoint is loaded into in turn; it is the caller's to dispose. Time in the classifier is added to `timings.features`,
 * time generating to `timings.generation`.
 */
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { Cell } from '../../store/types.js';
import { architectureOf, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import type { ConditionSpec } from '../models/conditions.js';
import { createGan, type Gan } from '../models/gan.js';
import { generateImages } from '../predict/generate-images.js';
import type { Evaluation } from './evaluate-run.js';
import { featureMatrix, type FeatureMatrix } from './metrics/index.js';

/** Images with the classifier's penultimate activations and logits, row i for image i. */
export interface ImageSet {
  readonly images: LoadedImages;
  readonly features: FeatureMatrix;
  readonly logits: FeatureMatrix;
}

/** The set under evaluation: the condition values each image was made for (`{}` for an unconditional one) and the epoch of its checkpoint. */
export interface EvaluatedSet extends ImageSet {
  readonly combos: Record<string, Cell>[];
  readonly epoch: number;
}

/** What the evaluated set is compared with, and the stored predictions to evaluate (decoded, features not yet taken) when asked for. */
export interface EvaluationInputs {
  readonly reference: ImageSet;
  readonly stored: LoadedImages | undefined;
  readonly training: ImageSet;
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

export class EvaluationImages {
  readonly #e: Evaluation;
  #gan: Gan | undefined;

  constructor(evaluation: Evaluation) {
    this.#e = evaluation;
  }

  /** The images of `sql` at the classifier's size; `what` names the query in errors (`predictions` are files the store wrote). */
  async load(sql: string, what: 'reference' | 'predictions' | 'training', imageColumn?: string): Promise<LoadedImages> {
    const { extractor: fx, registry } = this.#e;
    const store = registry.store;
    const within = what === 'predictions' && store.dataFolder !== undefined ? { within: store.dataFolder } : {};
    const images = await loadImages(store, sql, { size: fx.size, channels: fx.channels, ...within, ...(imageColumn === undefined ? {} : { imageColumn }) }).catch((e: unknown) => {
      if (e instanceof StoreError && e.code === 'E_UNSAFE_PATH') throw e;
      throw new MlError('E_ML_DATA', `the ${what} query: ${e instanceof Error ? e.message.replace(/^loadImages: /, '') : String(e)}`, { cause: e });
    });
    if (images.count === 0) throw new MlError('E_ML_DATA', `the ${what} query selects no images: ${sql}`);
    return images;
  }

  /** `images` with their features and logits; progress goes under `features of ${what}`. */
  extract(images: LoadedImages, what: string): ImageSet {
    const { extractor: fx, onProgress, timings } = this.#e;
    const t = performance.now();
    const out = fx.extract(images.pixels, images.count, onProgress === undefined ? {} : { onProgress, task: `features of ${what}` });
    timings.features += (performance.now() - t) / 1000;
    return { images, features: featureMatrix(out.features, images.count, fx.featureDim), logits: featureMatrix(out.logits, images.count, fx.levels.length) };
  }

  /** The reference, stored-prediction and training images, in that order; `predictions` must select `prediction_id` and `FILE`. */
  async inputs(reference: string, predictions: string | undefined): Promise<EvaluationInputs> {
    const referenceSet = this.extract(await this.load(reference, 'reference'), 'reference images');
    const stored = predictions === undefined ? undefined : await this.load(predictions, 'predictions', 'FILE');
    if (stored !== undefined && !('prediction_id' in stored.columns)) throw new MlError('E_ML_DATA', 'the predictions query must select rows of ml_predictions with their prediction_id and FILE columns');
    const training = this.extract(await this.load(this.#e.run.data_query, 'training'), 'training images');
    return { reference: referenceSet, stored, training };
  }

  /** Stored predictions: their newest recorded epoch, or the run's `epochs_done` when none is recorded. */
  stored(images: LoadedImages): EvaluatedSet {
    const fx = this.#e.extractor;
    if (images.height !== fx.size || images.channels !== fx.channels) throw new MlError('E_ML_DATA', 'the predictions are not the size the classifier takes');
    const epochs = images.columns['epoch']?.filter((e) => e !== null).map(Number) ?? [];
    return { ...this.extract(images, 'stored predictions'), combos: storedCombinations(images), epoch: epochs.length > 0 ? Math.max(...epochs) : this.#e.run.epochs_done };
  }

  /** `count` images of the run's newest checkpoint, refused unless the GAN makes images of the classifier's size. */
  newest(): EvaluatedSet {
    const { run, extractor: fx, registry, checkpoint } = this.#e;
    const params = run.params;
    if (architectureOf(params).size !== fx.size || params.channels !== fx.channels) {
      throw new MlError('E_ML_RUN', `the classifier ${fx.runId} takes ${fx.size}×${fx.size}×${fx.channels} images, the GAN makes ${params.size}×${params.size}×${params.channels}`);
    }
    return this.generate(registry.absolute(checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`));
  }

  /** `count` images of the checkpoint in `folder`; progress goes under `generate (epoch N)`. */
  generate(folder: string): EvaluatedSet {
    const { device, metrics: { seed }, count: n, timings, onProgress, extractor: fx } = this.#e;
    const gan = (this.#gan ??= createGan(architectureOf(this.#e.run.params)));
    const epoch = loadCheckpoint(folder, gan).epoch;
    gan.to(device);
    const all = evenCombinations(this.#e.run.params.conditions);
    const combos = Array.from({ length: n }, (_, i) => all[i % all.length]!);
    const t = performance.now();
    const onBatch = (done: number, total: number): void => onProgress?.({ task: `generate (epoch ${epoch})`, done, total, unit: 'images' });
    const pixels = generateImages(gan, { seeds: Array.from({ length: n }, (_, i) => seed + i), combos, device, onBatch });
    timings.generation += (performance.now() - t) / 1000;
    const images: LoadedImages = { pixels, count: n, channels: fx.channels, height: fx.size, width: fx.size, columns: {}, files: [], cache: 'off', decoded: 0 };
    return { ...this.extract(images, `generated images (epoch ${epoch})`), combos, epoch };
  }

  /** Frees the GAN's and the classifier's weights; twice is harmless. */
  dispose(): void {
    this.#gan?.dispose();
    this.#e.extractor.dispose();
  }
}
