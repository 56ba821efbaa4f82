/**
 * Evaluate a GAN run against real images with a classifier's features (DESIGN §5): FID, KID,
 * precision and recall on penultimate activations, Inception Score on logits, class faithfulness
 * of a conditional model, per-image score and distance to the nearest training image; overall, per
 * condition value (per bin of 10 equal-width bins for continuous conditions) and, on request, per
 * saved epoch. Values go to `ml_evaluations` with the feature run that produced them, per-image
 * values to the run's `ml_predictions` rows, plots to the run's folder.
 *
 * ```ts
 * const r = await evaluateRun(store, { run: 'gan-…', reference: "SELECT * FROM mnist WHERE split = 'test'" });
 * r.metrics.fid; r.per_condition[3].metrics.class_faithfulness;
 * ```
 *
 * Everything that can be wrong (the run, the features run, the reference query, the predictions
 * query) is found before anything is generated or stored; the rows go in one transaction.
 *
 * With `onProgress`, every phase reports: generation and feature extraction per batch of images,
 * then each metric (`FID`, `KID` per group of subsets, `precision and recall` and `nearest
 * training image` per block of rows, `Inception Score`), the condition groups, and each saved
 * epoch's metrics under `epoch N: …`.
 *
 * Each phase has its own file beside this one; `evaluateRun` lists them in order.
 */
import type { Store } from '../../store/store.js';
import { RunRegistry } from '../registry/run-registry.js';
import { chooseFeatureExtractor } from './choose-feature-extractor.js';
import { EvaluatedImages } from './evaluated-set.js';
import { overallMetrics, type Scoring } from './evaluated-set-metrics.js';
import { loadEvaluationInputs } from './evaluation-inputs.js';
import { writeEvaluationPlots } from './evaluation-plots.js';
import type { EvaluationResult, EvaluationTimings } from './evaluation-result.js';
import { ImageSets } from './image-sets.js';
import { perConditionMetrics } from './per-condition-metrics.js';
import { perEpochMetrics } from './per-epoch-metrics.js';
import { predictionScores } from './prediction-scores.js';
import { recordEvaluation } from './record-evaluation.js';
import { resolveEvaluation, type EvaluateRunOptions } from './resolve-evaluation.js';

export { conditionGroup } from './condition-groups.js';
export { evenCombinations } from './evaluated-set.js';
export type { ConditionEvaluation, EvaluationResult, MetricValues } from './evaluation-result.js';
export type { EvaluateRunOptions } from './resolve-evaluation.js';

/** Evaluate a GAN run (see the file comment). */
export async function evaluateRun(store: Store, options: EvaluateRunOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const registry = new RunRegistry(store);
  const { run, params, checkpoint, count, seed, metrics: o, device } = await resolveEvaluation(registry, options);
  const features = await chooseFeatureExtractor(store, params, options.features, device);
  const { featureRunId, extractor } = features;
  const warnings: string[] = [];
  const timings: EvaluationTimings = { generation: 0, features: 0, metrics: 0, total: 0 };
  const onProgress = options.onProgress;
  try {
    const sets = new ImageSets(store, extractor, timings, onProgress);
    const inputs = await loadEvaluationInputs(sets, run, options.reference, options.predictions);
    const { reference, training, stored } = inputs;
    const images = new EvaluatedImages(params, sets, features, { device, seed, timings, onProgress });
    try {
      const evaluated = stored !== undefined ? images.stored(stored, run.epochs_done) : images.newest(registry, run, checkpoint, count);
      const scoring: Scoring = { extractor, conditions: params.conditions };

      const t0 = performance.now();
      const overall = overallMetrics(reference, training, evaluated, scoring, o, warnings, onProgress);
      const perCondition = perConditionMetrics(
        { conditions: params.conditions, reference, evaluated: evaluated.set, combos: evaluated.combos, scored: overall.scored, featureDim: extractor.featureDim },
        o,
        warnings,
        onProgress,
      );
      timings.metrics += (performance.now() - t0) / 1000;
      const perEpoch = options.everyCheckpoint ? perEpochMetrics({ registry, runId: run.run_id, images, reference, scoring, count }, o, warnings, timings, onProgress) : [];
      const scoredPredictions = await predictionScores(registry, run, inputs, overall, sets, scoring, onProgress);

      const source = stored !== undefined ? 'predictions' : 'generated';
      const files = await writeEvaluationPlots(registry, run, overall.metrics, perCondition, perEpoch, overall.scored.scores);
      const nReal = reference.features.rows;
      const nGenerated = evaluated.set.features.rows;
      await recordEvaluation(registry, { runId: run.run_id, featureRunId, source, epoch: evaluated.epoch, nReal, nGenerated, metrics: overall.metrics, perCondition, perEpoch, count }, scoredPredictions);
      timings.total = (performance.now() - started) / 1000;
      return {
        run_id: run.run_id,
        feature_run_id: featureRunId,
        epoch: evaluated.epoch,
        source,
        n_real: nReal,
        n_generated: nGenerated,
        metrics: overall.metrics,
        per_condition: perCondition,
        per_epoch: perEpoch,
        predictions_scored: scoredPredictions?.ids.length ?? 0,
        warnings: [...new Set(warnings)],
        timings,
        files,
      };
    } finally {
      images.dispose();
    }
  } finally {
    extractor.dispose();
  }
}
