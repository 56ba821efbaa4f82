/**
 * An evaluation (`evaluateRun`'s result) as a notebook shows it: its metrics as a table (overall,
 * then one row per condition), a bar chart of one metric per condition, and, when it evaluated
 * several saved epochs, that metric against the epoch.
 */
import { barPlotSpec, linePlotSpec, type EvaluationResult } from '../../ml/index.js';
import { StoreError } from '../../errors.js';
import type { Output } from '../rendering.js';
import { chartOutput } from './chart-output.js';
import { rowsOutput } from './rows-output.js';

/** The metric charted when none is asked for: the first of these the evaluation has per condition. */
const PREFERRED = ['fid', 'class_faithfulness', 'kid', 'precision', 'recall', 'diversity', 'mean_score', 'is'] as const;

/** Whether `value` has the shape of an {@link EvaluationResult}. */
export function isEvaluationResult(value: unknown): value is EvaluationResult {
  const v = value as Partial<EvaluationResult> | null;
  return typeof v === 'object' && v !== null && typeof v.run_id === 'string' && typeof v.feature_run_id === 'string' && typeof v.metrics === 'object' && Array.isArray(v.per_condition);
}

const round = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(5)));

/** The outputs of `evaluation`; `metric` chooses the charted metric. */
export async function evaluationOutputs(evaluation: EvaluationResult, metric: string | undefined, pageSize: number): Promise<Output[]> {
  const names = [...new Set([...Object.keys(evaluation.metrics), ...evaluation.per_condition.flatMap((c) => Object.keys(c.metrics))])];
  const table = [
    { condition: '(all)', n_real: evaluation.n_real, n_generated: evaluation.n_generated, ...Object.fromEntries(names.map((n) => [n, round(evaluation.metrics[n])])) },
    ...evaluation.per_condition.map((c) => ({ condition: c.condition, n_real: c.n_real, n_generated: c.n_generated, ...Object.fromEntries(names.map((n) => [n, round(c.metrics[n])])) })),
  ];
  const title = `Evaluation of ${evaluation.run_id} (epoch ${evaluation.epoch}, ${evaluation.source} images, features of ${evaluation.feature_run_id})`;
  const outputs: Output[] = [rowsOutput(table, { pageSize, title })];

  const perCondition = new Set(evaluation.per_condition.flatMap((c) => Object.keys(c.metrics).filter((k) => Number.isFinite(c.metrics[k]))));
  const perEpoch = new Set(evaluation.per_epoch.flatMap((e) => Object.keys(e.metrics)));
  if (metric !== undefined && !names.includes(metric)) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `show: the evaluation has no metric "${metric}" for ${o('metric')}; it has ${names.join(', ')}`);
  }
  const charted = metric ?? PREFERRED.find((m) => perCondition.has(m)) ?? PREFERRED.find((m) => perEpoch.has(m)) ?? names[0];
  if (charted === undefined) return outputs;

  const bars = evaluation.per_condition.filter((c) => Number.isFinite(c.metrics[charted])).map((c) => ({ label: c.condition, value: c.metrics[charted]! }));
  if (bars.length > 0) {
    const chartTitle = `${charted} per condition, ${evaluation.run_id}`;
    outputs.push(await chartOutput(barPlotSpec(bars, { title: chartTitle, xLabel: 'condition', yLabel: charted }), bars.map((b) => ({ condition: b.label, [charted]: round(b.value) })), chartTitle));
  }
  const points = evaluation.per_epoch.filter((e) => Number.isFinite(e.metrics[charted])).map((e) => ({ x: e.epoch, y: e.metrics[charted]! }));
  if (points.length >= 2) {
    const chartTitle = `${charted} per saved epoch, ${evaluation.run_id}`;
    outputs.push(await chartOutput(linePlotSpec([{ name: charted, points }], { title: chartTitle, xLabel: 'epoch', yLabel: charted }), points.map((p) => ({ epoch: p.x, [charted]: round(p.y) })), chartTitle));
  }
  return outputs;
}
