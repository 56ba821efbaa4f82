/**
 * The real images an evaluation compares with, loaded before anything is generated or stored:
 * the reference set (the query the caller gives), the stored predictions to evaluate instead of
 * generating (when asked for), and the run's own training images (for the distance of each image
 * to its nearest training image). Every query that can fail is run here, so a bad one stops the
 * call before the first generated image.
 */
import { MlError } from '../../errors.js';
import type { LoadedImages } from '../../images/load-images.js';
import type { RunRecord } from '../registry/run-registry.js';
import type { ImageSet, ImageSets } from './image-sets.js';

export interface EvaluationInputs {
  /** The real images, with their condition columns. */
  readonly reference: ImageSet;
  /** Rows of ml_predictions to evaluate instead of generating (decoded, features not yet taken). */
  readonly stored: LoadedImages | undefined;
  /** The images the run trained on. */
  readonly training: ImageSet;
}

/** The reference, stored-prediction and training images, in that order; `predictions` must select `prediction_id` and `FILE`. */
export async function loadEvaluationInputs(sets: ImageSets, run: RunRecord, reference: string, predictions: string | undefined): Promise<EvaluationInputs> {
  const referenceSet = sets.extract(await sets.load(reference, 'reference'), 'reference images');
  const stored = predictions === undefined ? undefined : await sets.load(predictions, 'predictions', 'FILE');
  if (stored !== undefined && !('prediction_id' in stored.columns)) throw new MlError('E_ML_DATA', 'the predictions query must select rows of ml_predictions with their prediction_id and FILE columns');
  const training = sets.extract(await sets.load(run.data_query, 'training'), 'training images');
  return { reference: referenceSet, stored, training };
}
