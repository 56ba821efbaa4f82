/**
 * A finished classifier run as the feature extractor of the GAN metrics (DESIGN §5): its logits
 * feed the Inception Score and class faithfulness, its penultimate activations FID, KID and
 * precision/recall. Every metric value records the extractor's run id (`feature_run_id`): values
 * are comparable only with the same one.
 *
 * ```ts
 * const runId = await defaultFeatureRun(store, 'mnist');          // newest finished classifier of mnist
 * using fx = await loadFeatureExtractor(store, runId!);
 * const { features, logits } = fx.extract(images.pixels, images.count); // N × 128 and N × 10, float32
 * ```
 *
 * The extractor resizes nothing: callers pass uint8 pixels at the classifier's `size` and
 * `channels` (`loadImages(store, sql, { size: fx.size, channels: fx.channels })`).
 */
import fs from 'node:fs';
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import { classifierOutputs, createClassifier, type ImageClassifier } from '../models/classifier.js';
import type { ClassifierRunParams } from '../registry/run-params.js';
import { storedParams, type RunRecord } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { resolveDevice } from '../device.js';
import { classifierArchitectureOf, loadClassifierCheckpoint } from '../checkpoints/classifier-checkpoint.js';

export interface FeatureExtractor extends Disposable {
  readonly runId: string;
  readonly labelColumn: string;
  /** Class labels in logit order. */
  readonly levels: (string | number)[];
  /** Side of the images it reads. */
  readonly size: number;
  readonly channels: 1 | 3;
  /** Length of a feature vector (128). */
  readonly featureDim: number;
  /**
   * uint8 planar pixels N × C × S × S → penultimate activations (N × featureDim) and logits
   * (N × levels.length), float32 row-major; eval mode, no gradients, in batches (default 500).
   * The same pixels give the same values, whatever the batch. With `onProgress`, one event per
   * batch under `task` (default `features`), in images.
   */
  extract(pixels: Uint8Array, count: number, options?: ExtractOptions): { features: Float32Array; logits: Float32Array };
  /** Frees the weights; twice is harmless, `extract` afterwards throws E_ML_RUN. */
  dispose(): void;
}

export interface ExtractOptions {
  /** Images per forward pass (default 500). */
  readonly batch?: number;
  readonly onProgress?: ProgressCallback;
  /** The progress events' task (default `features`). */
  readonly task?: string;
}

class ClassifierFeatureExtractor implements FeatureExtractor {
  readonly runId: string;
  readonly labelColumn: string;
  readonly levels: (string | number)[];
  readonly size: number;
  readonly channels: 1 | 3;
  readonly featureDim: number;
  readonly #model: ImageClassifier;
  readonly #device: string;
  #disposed = false;

  constructor(runId: string, params: ClassifierRunParams, model: ImageClassifier, device: string) {
    this.runId = runId;
    this.labelColumn = params.label_column;
    this.levels = Object.freeze([...params.levels]) as (string | number)[];
    this.size = params.size;
    this.channels = params.channels;
    this.featureDim = params.feature_dim;
    this.#model = model;
    this.#device = device;
    Object.freeze(this);
  }

  extract(pixels: Uint8Array, count: number, options: ExtractOptions = {}): { features: Float32Array; logits: Float32Array } {
    if (this.#disposed) throw new MlError('E_ML_RUN', `the feature extractor of ${this.runId} was disposed`);
    const perImage = this.channels * this.size * this.size;
    if (!Number.isInteger(count) || count < 0) throw new MlError('E_ML_ARGUMENT', `extract: count must be a whole number ≥ 0, got ${String(count)}`);
    if (!(pixels instanceof Uint8Array) || pixels.length !== count * perImage) {
      throw new MlError(
        'E_ML_ARGUMENT',
        `extract: classifier ${this.runId} reads ${this.channels} × ${this.size} × ${this.size} uint8 images, so ${count} images are ${count * perImage} bytes; got ${pixels instanceof Uint8Array ? `${pixels.length}` : String(pixels)} (load them with size ${this.size}, channels ${this.channels})`,
      );
    }
    const batch = options.batch ?? 500;
    if (!Number.isInteger(batch) || batch < 1) throw new MlError('E_ML_ARGUMENT', `extract: batch must be a positive whole number, got ${String(options.batch)}`);
    const onProgress = options.onProgress;
    if (onProgress === undefined) return classifierOutputs(this.#model, pixels, count, { batch, device: this.#device, features: true });
    // One batch at a time, so each can be reported; the values do not depend on the batch.
    const task = options.task ?? 'features';
    const features = new Float32Array(count * this.featureDim);
    const logits = new Float32Array(count * this.levels.length);
    onProgress({ task, done: 0, total: count, unit: 'images' });
    for (let start = 0; start < count; start += batch) {
      const m = Math.min(batch, count - start);
      const out = classifierOutputs(this.#model, pixels.subarray(start * perImage, (start + m) * perImage), m, { batch, device: this.#device, features: true });
      features.set(out.features, start * this.featureDim);
      logits.set(out.logits, start * this.levels.length);
      onProgress({ task, done: start + m, total: count, unit: 'images' });
    }
    return { features, logits };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#model.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * The feature extractor of classifier run `runId`, its newest checkpoint loaded in eval mode.
 * `E_ML_RUN` when the run is unknown, not a classifier or not finished; `E_ML_CHECKPOINT` when its
 * checkpoint is missing or of another architecture; `E_ML_DEVICE` for a device that is not there.
 */
export async function loadFeatureExtractor(store: Store, runId: string, options: { device?: string } = {}): Promise<FeatureExtractor> {
  if (typeof runId !== 'string' || runId === '') throw new MlError('E_ML_ARGUMENT', `the features run must be a run id, got ${JSON.stringify(runId)}`);
  const device = resolveDevice(options.device ?? 'cpu');
  const registry = new RunRegistry(store);
  const run = await registry.getRun(runId, 'classifier', ', not a classifier; features come from a finished classifier run');
  if (run.status !== 'finished') throw new MlError('E_ML_RUN', `classifier run ${run.run_id} is ${run.state}, not finished; its features are not final (resume run ${run.run_id} to finish it)`);
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `classifier run ${run.run_id} has no checkpoint`);
  const folder = registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
  if (!fs.existsSync(folder)) throw new MlError('E_ML_CHECKPOINT', `the checkpoint of classifier run ${run.run_id} is missing: ${run.FILE_checkpoint}`);
  const params = run.params;
  let model: ImageClassifier;
  try {
    model = createClassifier(classifierArchitectureOf(params));
  } catch (e) {
    throw new MlError('E_ML_RUN', `classifier run ${run.run_id} records no usable architecture: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    loadClassifierCheckpoint(folder, model);
    model.to(device).eval();
  } catch (e) {
    model.dispose();
    throw e;
  }
  return new ClassifierFeatureExtractor(run.run_id, params, model, device);
}

/**
 * The newest finished classifier run whose `params.source_table` is `sourceTable`
 * (case-insensitive), or undefined (also when `sourceTable` is null).
 */
export async function defaultFeatureRun(store: Store, sourceTable: string | null): Promise<string | undefined> {
  if (sourceTable === null || sourceTable === undefined) return undefined;
  const want = sourceTable.toLowerCase();
  const runs = await new RunRegistry(store).list();
  // As stored: a classifier whose params do not match its kind is passed over here, not refused.
  const tableOf = (r: RunRecord): unknown => storedParams(r)['source_table'];
  const found = runs.find((r) => r.kind === 'classifier' && r.status === 'finished' && String(tableOf(r)).toLowerCase() === want && typeof tableOf(r) === 'string');
  return found?.run_id;
}
