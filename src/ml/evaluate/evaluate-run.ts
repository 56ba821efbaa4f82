/**
 * Evaluate a GAN run against real images with a classifier's features (DESIGN §5): FID, KID,
 * precision and recall and diversity (mean pairwise distance, generated over real) on penultimate
 * activations, Inception Score on logits, class faithfulness of a conditional model, per-image
 * score and distance to the nearest training image; overall, per condition value (per bin of 10
 * equal-width bins for continuous conditions) and, on request, per saved epoch. Values go to
 * `ml_evaluations` with the feature run that produced them, per-image values to the run's
 * `ml_predictions` rows, plots to the run's folder.
 *
 * ```ts
 * const r = await evaluateRun(store, { run: 'gan-…', reference: "SELECT * FROM mnist WHERE split = 'test'" });
 * r.metrics.fid; r.per_condition[3].metrics.class_faithfulness;
 * ```
 *
 * Everything that can be wrong (the run, the options, the features run, the reference query, the
 * predictions query) is found before anything is generated or stored, in that order: the run must
 * be a GAN run with a checkpoint, counts whole numbers within their limits (src/ml/call-limits.ts),
 * the device one that exists. The rows go in one transaction.
 *
 * With `onProgress`, every phase reports: generation and feature extraction per batch of images,
 * then each metric (`FID`, `KID` per group of subsets, `precision and recall` and `nearest
 * training image` per block of rows, `diversity`, `Inception Score`), the condition groups, and
 * each saved epoch's metrics under `epoch N: …`. `evaluateRun` lists the phases in order; they
 * live beside it.
 */
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import { CALL_LIMITS, checkCallSize, checkWholeNumber, checkSeed } from '../call-limits.js';
import { resolveDevice } from '../device.js';
import type { RunRecordOf } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { EvaluationImages } from './evaluation-images.js';
import { overallMetrics, perConditionMetrics, perEpochMetrics, type SetMetricsOptions } from './evaluation-metrics.js';
import { defaultFeatureRun, loadFeatureExtractor, type FeatureExtractor } from './feature-extractor.js';
import { predictionScores, recordEvaluation, writeEvaluationPlots } from './record-evaluation.js';

export interface EvaluateRunOptions {
  readonly run: string;
  /** A read-only query selecting the real images to compare with (and their condition columns). */
  readonly reference: string;
  /** The classifier run whose features are used (default: the newest trained on the run's table). */
  readonly features?: string;
  /** Images to generate, spread evenly over the conditions (default 10,000). */
  readonly count?: number;
  /** Evaluate these stored predictions (a query over ml_predictions) instead of generating. */
  readonly predictions?: string;
  /** Also evaluate each saved epoch checkpoint (overall values, one set of rows per epoch). */
  readonly everyCheckpoint?: boolean;
  /** Seeds of the generated images (image i uses seed + i; default 0) and of IS/KID sampling. */
  readonly seed?: number;
  readonly device?: string;
  readonly splits?: number;
  readonly kidSubsets?: number;
  readonly kidSubsetSize?: number;
  readonly k?: number;
  /** Progress of every phase (see the file comment). */
  readonly onProgress?: ProgressCallback;
}

/** Metric name → value (`fid`, `kid`, `kid_std`, `precision`, `recall`, `diversity`, `is`, `is_std`, `class_faithfulness`, …). */
export type MetricValues = Record<string, number>;

export interface ConditionEvaluation {
  condition: string;
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
}

/** The overall values of one saved epoch's checkpoint. */
export interface EpochEvaluation {
  epoch: number;
  metrics: MetricValues;
}

/** Seconds spent generating images, extracting features and computing metrics, and in all; phases add to them as they run. */
export interface EvaluationTimings {
  generation: number;
  features: number;
  metrics: number;
  total: number;
}

/** What `evaluateRun` returns; every name is also a column or key of what the command line prints. */
export interface EvaluationResult {
  run_id: string;
  feature_run_id: string;
  epoch: number;
  source: 'generated' | 'predictions';
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
  per_condition: ConditionEvaluation[];
  per_epoch: EpochEvaluation[];
  /** Stored predictions given a score and nn_distance by this call. */
  predictions_scored: number;
  warnings: string[];
  timings: EvaluationTimings;
  /** Plots written, relative to the store's folder. */
  files: Record<string, string>;
}

/** One evaluation as its phases share it: the checked call, its feature classifier, and where warnings, timings and progress go. */
export interface Evaluation {
  readonly registry: RunRegistry;
  readonly run: RunRecordOf<'gan'>;
  /** The run's newest checkpoint (`ml_runs.FILE_checkpoint`, relative to the store's folder). */
  readonly checkpoint: string;
  /** Images to generate per checkpoint; image i uses `metrics.seed` + i. */
  readonly count: number;
  readonly device: string;
  readonly metrics: SetMetricsOptions;
  /** Disposed with the evaluation's images. */
  readonly extractor: FeatureExtractor;
  readonly warnings: string[];
  readonly timings: EvaluationTimings;
  readonly onProgress: ProgressCallback | undefined;
}

/** The run and the options checked in this order (the run, its kind, its checkpoint, each option), then the feature classifier: the one named, or the newest finished one trained on the GAN's own table. */
async function openEvaluation(store: Store, options: EvaluateRunOptions): Promise<Evaluation> {
  const registry = new RunRegistry(store);
  const run = await registry.getRun(options.run, 'gan', '; evaluate takes a GAN run');
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
  const count = checkWholeNumber('count', options.count, 10_000, 2);
  checkCallSize('count', count, CALL_LIMITS.evaluateImages, 'FID and KID settle far below that (10,000 is the usual count); evaluate fewer images', 'images');
  const seed = checkSeed('seed', options.seed ?? 0, count);
  const kidSubsets = checkWholeNumber('kidSubsets', options.kidSubsets, 100);
  checkCallSize('kidSubsets', kidSubsets, CALL_LIMITS.kidSubsets, 'the mean over 100 subsets (the default) is already stable; give fewer', 'subsets');
  const metrics = { splits: checkWholeNumber('splits', options.splits, 10), kidSubsets, kidSubsetSize: checkWholeNumber('kidSubsetSize', options.kidSubsetSize, 1000, 2), k: checkWholeNumber('k', options.k, 3), seed };
  const device = resolveDevice(options.device ?? 'cpu');
  const featureRunId = options.features ?? (await defaultFeatureRun(store, run.params.source_table ?? null));
  if (featureRunId === undefined) {
    const table = run.params.source_table ?? 'its table';
    throw new MlError('E_ML_RUN', (o) => `no classifier has been trained on ${table} to give features; train a classifier on ${table} (its label column as the label) or name one with ${o('features')}`);
  }
  const extractor = await loadFeatureExtractor(store, featureRunId, { device });
  const timings = { generation: 0, features: 0, metrics: 0, total: 0 };
  return { registry, run, checkpoint: run.FILE_checkpoint, count, device, metrics, extractor, warnings: [], timings, onProgress: options.onProgress };
}

/** Evaluate a GAN run (see the file comment). */
export async function evaluateRun(store: Store, options: EvaluateRunOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const e = await openEvaluation(store, options);
  const { run, timings } = e;
  const images = new EvaluationImages(e);
  try {
    const inputs = await images.inputs(options.reference, options.predictions);
    const { reference, stored } = inputs;
    const evaluated = stored !== undefined ? images.stored(stored) : images.newest();

    const t0 = performance.now();
    const overall = overallMetrics(e, inputs, evaluated);
    const perCondition = perConditionMetrics(e, reference, evaluated, overall.scored);
    timings.metrics += (performance.now() - t0) / 1000;
    const perEpoch = options.everyCheckpoint ? perEpochMetrics(e, images, reference) : [];
    const scoredPredictions = await predictionScores(e, images, inputs, overall);

    const result: EvaluationResult = {
      run_id: run.run_id,
      feature_run_id: e.extractor.runId,
      epoch: evaluated.epoch,
      source: stored !== undefined ? 'predictions' : 'generated',
      n_real: reference.features.rows,
      n_generated: evaluated.features.rows,
      metrics: overall.metrics,
      per_condition: perCondition,
      per_epoch: perEpoch,
      predictions_scored: scoredPredictions?.ids.length ?? 0,
      warnings: [...new Set(e.warnings)],
      timings,
      files: {},
    };
    // Rows first, then the plots take their folder's name (record-evaluation.ts): a kill leaves no plots without rows.
    const plots = await writeEvaluationPlots(e, result, overall.scored.scores);
    try {
      await recordEvaluation(e, result, scoredPredictions);
    } catch (err) {
      plots.staging.abort();
      throw err;
    }
    plots.staging.commit();
    result.files = plots.files;
    timings.total = (performance.now() - started) / 1000;
    return result;
  } finally {
    images.dispose();
  }
}
