/**
 * What an evaluation leaves behind.
 *
 * - Rows, in one transaction (either all of it is stored or none): one `ml_evaluations` row per
 *   metric (overall, then per condition group, then per saved epoch; a metric's standard deviation
 *   rides on its row as `std`, a value that is not finite is NULL), all sharing the feature run,
 *   the source and one `created_at`; and the per-image `score` and `nn_distance` of the run's
 *   stored predictions: those evaluated, or else, when the run has some, its own predictions
 *   scored by the same classifier against the same training images.
 * - Plots, as PNGs in a new folder `evaluations/<UTC stamp>/` of the run's folder: always the
 *   histogram of the evaluated images' scores; FID, class faithfulness and diversity per
 *   condition group when any group has the value; FID, IS and precision/recall/faithfulness per epoch when saved epochs
 *   were evaluated. Paths come back relative to the store's folder.
 *
 * Order, for a process killed at any point: the plots are written into a staging folder (a
 * temporary of src/atomic-write.ts, swept by the next evaluation once this process is gone), the
 * rows are committed, and only then does the staging folder take its name. So a plot folder
 * always belongs to a stored evaluation; a kill between the commit and the rename (one system
 * call) loses that evaluation's plots, never its rows.
 */
import path from 'node:path';
import { beginAtomicFolderSync, type AtomicTarget } from '../../atomic-write.js';
import type { Cell, Row } from '../../store/types.js';
import { barPlotSvg } from '../plots/bar-plot.js';
import { histogramSvg } from '../plots/histogram.js';
import { linePlotSvg } from '../plots/line-plot.js';
import { writePlot } from '../plots/write-plot.js';
import { now } from '../registry/run-registry.js';
import type { Evaluation, EvaluationResult, MetricValues } from './evaluate-run.js';
import { storedCombinations, type EvaluationImages, type EvaluationInputs } from './evaluation-images.js';
import { round, scoreImages, type ImageScores } from './evaluation-metrics.js';
import { nearestNeighbourDistances } from './metrics/index.js';

/** Metrics whose standard deviation is stored beside them. */
const STD_OF: Record<string, string> = { kid: 'kid_std', is: 'is_std' };

/** Per-image values of stored predictions: `ids[i]` gets `scores[i]` and `nn[i]`. */
type PredictionScores = { readonly ids: readonly Cell[]; readonly scores: Float64Array; readonly nn: Float64Array };

/** The values of the evaluated stored predictions, else of the run's own stored predictions, else undefined when it has none. */
export async function predictionScores(e: Evaluation, images: EvaluationImages, inputs: EvaluationInputs, overall: { scored: ImageScores; nn: Float64Array }): Promise<PredictionScores | undefined> {
  if (inputs.stored !== undefined) return { ids: inputs.stored.columns['prediction_id']!, scores: overall.scored.scores, nn: overall.nn };
  const predictions = e.registry.predictions;
  if ((await predictions.count(e.run.run_id)) === 0) return undefined;
  const own = images.extract(await images.load(predictions.runQuery(e.run.run_id), 'predictions', 'FILE'), 'stored predictions');
  const { scores } = scoreImages(e, own, storedCombinations(own.images));
  const onProgress = e.onProgress;
  const nn = nearestNeighbourDistances(own.features, inputs.training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image of stored predictions' });
  return { ids: own.images.columns['prediction_id']!, scores, nn };
}

/** Store the evaluation's rows and the predictions' scores together. */
export async function recordEvaluation(e: Evaluation, r: EvaluationResult, scored: PredictionScores | undefined): Promise<void> {
  const created = now();
  const rowsFor = (m: MetricValues, condition: string | null, nReal: number, nGen: number, epoch: number): Row[] =>
    Object.entries(m)
      .filter(([name]) => !Object.values(STD_OF).includes(name))
      .map(([metric, value]) => ({
        run_id: r.run_id,
        metric,
        value: Number.isFinite(value) ? value : null,
        std: STD_OF[metric] !== undefined ? (m[STD_OF[metric]!] ?? null) : null,
        n_real: nReal,
        n_generated: nGen,
        feature_run_id: r.feature_run_id,
        condition,
        epoch,
        source: r.source,
        created_at: created,
      }));
  await e.registry.transaction(async (tx) => {
    await tx.insert('ml_evaluations', [
      ...rowsFor(r.metrics, null, r.n_real, r.n_generated, r.epoch),
      ...r.per_condition.flatMap((c) => rowsFor(c.metrics, c.condition, c.n_real, c.n_generated, r.epoch)),
      ...r.per_epoch.flatMap((p) => rowsFor(p.metrics, null, r.n_real, e.count, p.epoch)),
    ]);
    if (scored !== undefined) {
      const { ids, scores, nn } = scored;
      for (let i = 0; i < ids.length; i++) await tx.update('ml_predictions', { score: scores[i]!, nn_distance: nn[i]! }, { prediction_id: ids[i]! });
    }
  });
}

/** Plots written into a staging folder: `files` name where they will be once `staging` is committed. */
export interface StagedPlots {
  readonly files: Record<string, string>;
  readonly staging: AtomicTarget;
}

/**
 * The score histogram, per-condition bars (FID, faithfulness, diversity) and, with saved epochs,
 * metrics per epoch of `r`, as PNGs staged for the run's folder: the caller commits the staging
 * once the rows are stored (see the file comment), or aborts it.
 */
export async function writeEvaluationPlots(e: Evaluation, r: EvaluationResult, scores: Float64Array): Promise<StagedPlots> {
  const { registry, run } = e;
  const { metrics, per_condition: perCondition, per_epoch: perEpoch } = r;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = registry.runPath(run.run_id, 'evaluations', stamp);
  const staging = beginAtomicFolderSync(dir);
  const files: Record<string, string> = {};
  const put = async (name: string, svg: Promise<string>): Promise<void> => {
    await writePlot(await svg, path.join(staging.temp, `${name}.png`));
    files[name] = registry.relative(path.join(dir, `${name}.png`));
  };
  try {
    await plots(put, run.run_id, metrics, perCondition, perEpoch, scores);
  } catch (err) {
    staging.abort();
    throw err;
  }
  return { files, staging };
}

/** Renders each plot of an evaluation through `put(name, svg)`. */
async function plots(
  put: (name: string, svg: Promise<string>) => Promise<void>,
  runId: string,
  metrics: EvaluationResult['metrics'],
  perCondition: EvaluationResult['per_condition'],
  perEpoch: EvaluationResult['per_epoch'],
  scores: Float64Array,
): Promise<void> {
  await put('score_histogram', histogramSvg(Array.from(scores), { title: `Classifier score of generated images (${runId})`, xLabel: 'score', bins: 20 }));
  const bars = async (name: string, metric: string, title: string, yLabel: string): Promise<void> => {
    const groups = perCondition.filter((c) => Number.isFinite(c.metrics[metric]));
    if (groups.length > 0) await put(name, barPlotSvg(groups.map((c) => ({ label: c.condition, value: c.metrics[metric]! })), { title, xLabel: 'condition', yLabel }));
  };
  await bars('fid_per_condition', 'fid', `FID per condition (overall ${round(metrics['fid'] ?? NaN)})`, 'FID');
  await bars('faithfulness_per_condition', 'class_faithfulness', 'Class faithfulness per condition', 'accuracy of the classifier');
  await bars('diversity_per_condition', 'diversity', 'Diversity per condition (1 = as varied as the real images, 0 = collapsed)', 'mean pairwise distance, generated / real');
  if (perEpoch.length > 0) {
    const series = (name: string) => ({ name, points: perEpoch.filter((p) => Number.isFinite(p.metrics[name])).map((p) => ({ x: p.epoch, y: p.metrics[name]! })) });
    await put('fid_per_epoch', linePlotSvg([series('fid')], { title: 'FID per epoch', xLabel: 'epoch', yLabel: 'FID' }));
    await put('is_per_epoch', linePlotSvg([series('is')], { title: 'Inception Score per epoch', xLabel: 'epoch', yLabel: 'IS' }));
    const pr = [series('precision'), series('recall'), series('class_faithfulness')].filter((s) => s.points.length > 0);
    if (pr.length > 0) await put('precision_recall_per_epoch', linePlotSvg(pr, { title: 'Precision, recall and faithfulness per epoch', xLabel: 'epoch', yLabel: 'share' }));
  }
}
