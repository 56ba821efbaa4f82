/**
 * The plots of one evaluation, as PNGs in a new folder `evaluations/<UTC stamp>/` of the run's
 * folder: always the histogram of the evaluated images' scores; FID and class faithfulness per
 * condition group when any group has the value; and FID, IS and precision/recall/faithfulness per
 * epoch when saved epochs were evaluated. Paths come back relative to the store's folder.
 */
import path from 'node:path';
import { makeFolderSync } from '../../atomic-write.js';
import { barPlotSvg } from '../plots/bar-plot.js';
import { histogramSvg } from '../plots/histogram.js';
import { linePlotSvg } from '../plots/line-plot.js';
import { writePlot } from '../plots/write-plot.js';
import type { RunRecord, RunRegistry } from '../registry/run-registry.js';
import { round } from './condition-groups.js';
import type { ConditionEvaluation, EpochEvaluation, MetricValues } from './evaluation-result.js';

/** Per-condition bars, the score histogram and, with several epochs, metrics per epoch, as PNGs in the run's folder. */
export async function writeEvaluationPlots(
  registry: RunRegistry,
  run: RunRecord,
  metrics: MetricValues,
  perCondition: readonly ConditionEvaluation[],
  perEpoch: readonly EpochEvaluation[],
  scores: Float64Array,
): Promise<Record<string, string>> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = registry.runPath(run.run_id, 'evaluations', stamp);
  makeFolderSync(dir);
  const files: Record<string, string> = {};
  const put = async (name: string, svg: Promise<string>): Promise<void> => {
    const file = path.join(dir, `${name}.png`);
    await writePlot(await svg, file);
    files[name] = registry.relative(file);
  };
  await put('score_histogram', histogramSvg(Array.from(scores), { title: `Classifier score of generated images (${run.run_id})`, xLabel: 'score', bins: 20 }));
  const withFid = perCondition.filter((c) => Number.isFinite(c.metrics['fid']));
  if (withFid.length > 0) {
    await put('fid_per_condition', barPlotSvg(withFid.map((c) => ({ label: c.condition, value: c.metrics['fid']! })), { title: `FID per condition (overall ${round(metrics['fid'] ?? NaN)})`, xLabel: 'condition', yLabel: 'FID' }));
  }
  const withFaith = perCondition.filter((c) => Number.isFinite(c.metrics['class_faithfulness']));
  if (withFaith.length > 0) {
    await put('faithfulness_per_condition', barPlotSvg(withFaith.map((c) => ({ label: c.condition, value: c.metrics['class_faithfulness']! })), { title: 'Class faithfulness per condition', xLabel: 'condition', yLabel: 'accuracy of the classifier' }));
  }
  if (perEpoch.length > 0) {
    const series = (name: string) => ({ name, points: perEpoch.filter((e) => Number.isFinite(e.metrics[name])).map((e) => ({ x: e.epoch, y: e.metrics[name]! })) });
    await put('fid_per_epoch', linePlotSvg([series('fid')], { title: 'FID per epoch', xLabel: 'epoch', yLabel: 'FID' }));
    await put('is_per_epoch', linePlotSvg([series('is')], { title: 'Inception Score per epoch', xLabel: 'epoch', yLabel: 'IS' }));
    const pr = [series('precision'), series('recall'), series('class_faithfulness')].filter((s) => s.points.length > 0);
    if (pr.length > 0) await put('precision_recall_per_epoch', linePlotSvg(pr, { title: 'Precision, recall and faithfulness per epoch', xLabel: 'epoch', yLabel: 'share' }));
  }
  return files;
}
