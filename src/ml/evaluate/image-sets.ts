/**
 * Images as an evaluation sees them: selected by a query (or generated), decoded at the feature
 * classifier's size and channels, and passed through it once for features and logits.
 *
 * A query that fails or selects nothing is an `E_ML_DATA` error naming which query it was (an
 * `E_UNSAFE_PATH` refusal passes through as it is); prediction files must lie inside the store's
 * data folder. Time spent in the classifier is added to `timings.features`.
 */
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { EvaluationTimings } from './evaluation-result.js';
import type { FeatureExtractor } from './feature-extractor.js';
import { featureMatrix, type FeatureMatrix } from './metrics/index.js';

/** Images with the classifier's penultimate activations and logits, row i for image i. */
export interface ImageSet {
  readonly images: LoadedImages;
  readonly features: FeatureMatrix;
  readonly logits: FeatureMatrix;
}

/** Which query is loaded: `predictions` are files the store wrote. */
export type ImageQueryRole = 'reference' | 'predictions' | 'training';

export class ImageSets {
  readonly #store: Store;
  readonly #extractor: FeatureExtractor;
  readonly #timings: EvaluationTimings;
  readonly #onProgress: ProgressCallback | undefined;

  constructor(store: Store, extractor: FeatureExtractor, timings: EvaluationTimings, onProgress: ProgressCallback | undefined) {
    this.#store = store;
    this.#extractor = extractor;
    this.#timings = timings;
    this.#onProgress = onProgress;
  }

  /** The images of `sql` at the classifier's size; `what` names the query in errors. */
  async load(sql: string, what: ImageQueryRole, imageColumn?: string): Promise<LoadedImages> {
    const at = { size: this.#extractor.size, channels: this.#extractor.channels };
    // Predictions are files the store wrote: they must lie inside its data folder.
    const within = what === 'predictions' && this.#store.dataFolder !== undefined ? { within: this.#store.dataFolder } : {};
    const images = await loadImages(this.#store, sql, { ...at, ...within, ...(imageColumn === undefined ? {} : { imageColumn }) }).catch((e: unknown) => {
      if (e instanceof StoreError && e.code === 'E_UNSAFE_PATH') throw e;
      throw new MlError('E_ML_DATA', `the ${what} query: ${e instanceof Error ? e.message.replace(/^loadImages: /, '') : String(e)}`, { cause: e });
    });
    if (images.count === 0) throw new MlError('E_ML_DATA', `the ${what} query selects no images: ${sql}`);
    return images;
  }

  /** `images` with their features and logits; progress goes under `features of ${what}`. */
  extract(images: LoadedImages, what: string): ImageSet {
    const fx = this.#extractor;
    const onProgress = this.#onProgress;
    const t = performance.now();
    const out = fx.extract(images.pixels, images.count, onProgress === undefined ? {} : { onProgress, task: `features of ${what}` });
    this.#timings.features += (performance.now() - t) / 1000;
    return { images, features: featureMatrix(out.features, images.count, fx.featureDim), logits: featureMatrix(out.logits, images.count, fx.levels.length) };
  }
}
