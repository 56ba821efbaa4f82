/**
 * The metrics of one evaluated set against the reference set: the distribution metrics
 * (set-metrics.ts) followed by the score metrics (image-scores.ts), in that key order, which is
 * the order of the recorded rows. The overall evaluation adds the mean distance of each image to
 * its nearest training image (`mean_nn_distance`); a saved epoch's evaluation does not.
 */
import type { ProgressCallback } from '../../progress.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { EvaluatedSet } from './evaluated-set.js';
import type { MetricValues } from './evaluation-result.js';
import type { FeatureExtractor } from './feature-extractor.js';
import { addScoreMetrics, mean, scoreImages, type ImageScores } from './image-scores.js';
import type { ImageSet } from './image-sets.js';
import { nearestNeighbourDistances } from './metrics/index.js';
import { setMetrics, type MetricProgress, type SetMetricsOptions } from './set-metrics.js';

/** How generated images are scored: the classifier, and the GAN's conditions (none: images are scored by their top class). */
export interface Scoring {
  readonly extractor: FeatureExtractor;
  readonly conditions: readonly ConditionSpec[];
}

export interface SetEvaluation {
  readonly metrics: MetricValues;
  readonly scored: ImageScores;
}

export interface OverallEvaluation extends SetEvaluation {
  /** Per evaluated image: the distance to its nearest training image. */
  readonly nn: Float64Array;
}

/** Distribution and score metrics of `evaluated` against `reference`; FID warnings are labelled with `label`. */
export function evaluatedSetMetrics(reference: ImageSet, evaluated: EvaluatedSet, scoring: Scoring, o: SetMetricsOptions, warnings: string[], label: string, progress: MetricProgress | undefined): SetEvaluation {
  const { set, combos } = evaluated;
  const metrics = setMetrics(reference.features, set.features, set.logits, o, warnings, label, progress);
  const scored = scoreImages(scoring.extractor, set, scoring.conditions.length > 0 ? combos : undefined);
  addScoreMetrics(metrics, scored);
  return { metrics, scored };
}

/** The overall values: those of {@link evaluatedSetMetrics}, then `mean_nn_distance` (progress under `nearest training image`). */
export function overallMetrics(reference: ImageSet, training: ImageSet, evaluated: EvaluatedSet, scoring: Scoring, o: SetMetricsOptions, warnings: string[], onProgress: ProgressCallback | undefined): OverallEvaluation {
  const { metrics, scored } = evaluatedSetMetrics(reference, evaluated, scoring, o, warnings, 'overall', onProgress === undefined ? undefined : { onProgress, prefix: '' });
  const nn = nearestNeighbourDistances(evaluated.set.features, training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image' });
  metrics['mean_nn_distance'] = mean(nn);
  return { metrics, scored, nn };
}
