/**
 * Per-image values for the run's stored predictions (`ml_predictions.score` and `nn_distance`):
 * when the evaluated set is stored predictions, their own values; otherwise, when the run has
 * stored predictions, they are loaded, scored by the same classifier and measured against the
 * same training images. Nothing is written here: the values go in with the evaluation's rows.
 */
import type { ProgressCallback } from '../../progress.js';
import type { Cell } from '../../store/types.js';
import type { RunRecord, RunRegistry } from '../registry/run-registry.js';
import { storedCombinations } from './evaluated-set.js';
import type { OverallEvaluation, Scoring } from './evaluated-set-metrics.js';
import type { EvaluationInputs } from './evaluation-inputs.js';
import { scoreImages } from './image-scores.js';
import type { ImageSets } from './image-sets.js';
import { nearestNeighbourDistances } from './metrics/index.js';

/** `ids[i]` gets `scores[i]` and `nn[i]`. */
export interface PredictionScores {
  readonly ids: readonly Cell[];
  readonly scores: Float64Array;
  readonly nn: Float64Array;
}

/** The values of the evaluated stored predictions, else of the run's own stored predictions, else undefined when it has none. */
export async function predictionScores(
  registry: RunRegistry,
  run: RunRecord,
  inputs: EvaluationInputs,
  overall: OverallEvaluation,
  sets: ImageSets,
  scoring: Scoring,
  onProgress: ProgressCallback | undefined,
): Promise<PredictionScores | undefined> {
  if (inputs.stored !== undefined) return { ids: inputs.stored.columns['prediction_id']!, scores: overall.scored.scores, nn: overall.nn };
  if ((await registry.predictionCount(run.run_id)) === 0) return undefined;
  const own = sets.extract(await sets.load(registry.predictionsQuery(run.run_id), 'predictions', 'FILE'), 'stored predictions');
  const ownCombos = storedCombinations(own.images);
  const s = scoreImages(scoring.extractor, own, scoring.conditions.length > 0 ? ownCombos : undefined);
  const nn = nearestNeighbourDistances(own.features, inputs.training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image of stored predictions' });
  return { ids: own.images.columns['prediction_id']!, scores: s.scores, nn };
}
