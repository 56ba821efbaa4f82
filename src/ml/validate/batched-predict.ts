/**
 * Predictions for many points in batches of {@link PREDICT_BATCH}: one call of the model per
 * batch rather than per point (a surrogate's forward pass costs about the same for 1 image as
 * for 64 on a CPU), and memory bounded by one batch plus the output.
 */
import { MlError } from '../../errors.js';
import type { Cell } from '../../store/types.js';
import type { ImagePredictor } from '../predict/image-predictor.js';

/** Points per call of the model. */
export const PREDICT_BATCH = 64;

export interface BatchedPredictOptions {
  /** One seed per point (a stochastic predictor). */
  readonly seeds?: readonly number[];
  /** One member of an ensemble. */
  readonly member?: number;
  /** After each batch: points done so far. */
  readonly onBatch?: (done: number) => void;
}

/** The images of `points`, `points × channels × size × size` in [0, 1], image i for point i. */
export function predictBatched(predictor: ImagePredictor, points: readonly Readonly<Record<string, Cell>>[], options: BatchedPredictOptions = {}): Float32Array {
  const per = predictor.channels * predictor.size * predictor.size;
  const out = new Float32Array(points.length * per);
  for (let start = 0; start < points.length; start += PREDICT_BATCH) {
    const end = Math.min(points.length, start + PREDICT_BATCH);
    const images = predictor.predict(points.slice(start, end), {
      ...(options.seeds === undefined ? {} : { seeds: options.seeds.slice(start, end) }),
      ...(options.member === undefined ? {} : { member: options.member }),
    });
    if (images.length !== (end - start) * per) {
      throw new MlError('E_ML_RUN', `the predictor of run ${predictor.run.run_id} returned ${images.length} values for ${end - start} images of ${predictor.channels} × ${predictor.size} × ${predictor.size}`);
    }
    out.set(images.subarray(0, (end - start) * per), start * per);
    options.onBatch?.(end);
  }
  return out;
}
