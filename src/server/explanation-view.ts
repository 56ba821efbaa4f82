/**
 * SHAP explanations as the dashboard shows them: the list of explanations (one per
 * `explanation_id`: what was explained, by which run, base value and prediction, its heat map),
 * one explanation's values sorted by magnitude, and a bar chart of them with the base value.
 *
 * Σ value over an explanation equals prediction − base_value (ml_explanations' invariant); the
 * detail returns that sum so the page can show it. A heat map (image explanations) tints each
 * segment red (raised the output) or blue (lowered it) with opacity ∝ |value| / max |value|
 * (src/ml/explain/heatmap.ts); `max_abs` is that scale's end.
 */
import { barPlotSvg, MAX_SHAP_BARS, shapBars, shapTitle } from '../ml/index.js';
import type { Store } from '../store/store.js';
import type { Cell, Row } from '../store/types.js';
import { notFound } from './http-errors.js';
import { tablesOf } from './run-view.js';

export interface ExplanationSummary {
  readonly explanation_id: string;
  readonly run_id: string;
  readonly target: string;
  readonly method: string | null;
  readonly output: string | null;
  readonly base_value: number;
  readonly prediction: number;
  readonly FILE_heatmap: string | null;
  readonly features: number;
  readonly max_abs: number;
  readonly created_at: string;
}

const summaryOf = (r: Row): ExplanationSummary => ({
  explanation_id: String(r['explanation_id']),
  run_id: String(r['run_id']),
  target: String(r['target']),
  method: r['method'] === null || r['method'] === undefined ? null : String(r['method']),
  output: r['output'] === null || r['output'] === undefined ? null : String(r['output']),
  base_value: Number(r['base_value']),
  prediction: Number(r['prediction']),
  FILE_heatmap: r['FILE_heatmap'] === null || r['FILE_heatmap'] === undefined ? null : String(r['FILE_heatmap']),
  features: Number(r['features']),
  max_abs: Number(r['max_abs']),
  created_at: String(r['created_at']),
});

const SUMMARY = `SELECT explanation_id, min(run_id) AS run_id, min(target) AS target, min(method) AS method, min(output) AS output, min(base_value) AS base_value,
  min(prediction) AS prediction, min(FILE_heatmap) AS FILE_heatmap, count(*) AS features, max(abs(value)) AS max_abs, min(created_at) AS created_at FROM ml_explanations`;

/** The explanations, newest first, of `run` when given. */
export async function explanationList(store: Store, run?: string): Promise<ExplanationSummary[]> {
  if (!(await tablesOf(store)).has('ml_explanations')) return [];
  const params: Cell[] = run === undefined ? [] : [run];
  const rows = await store.query(`${SUMMARY}${run === undefined ? '' : ' WHERE run_id = ?'} GROUP BY explanation_id ORDER BY min(created_at) DESC, explanation_id LIMIT 1000`, params);
  return rows.map(summaryOf);
}

/** One explanation: its summary, its values by decreasing magnitude and their sum; a 404 when there is none. */
export async function explanationDetail(store: Store, id: string) {
  const missing = notFound(`no explanation "${id}" in this store`, 'E_NO_EXPLANATION');
  if (!(await tablesOf(store)).has('ml_explanations')) throw missing;
  const head = await store.query(`${SUMMARY} WHERE explanation_id = ? GROUP BY explanation_id`, [id]);
  if (head.length === 0) throw missing;
  const values = (await store.query('SELECT feature, value FROM ml_explanations WHERE explanation_id = ?', [id]))
    .map((r) => ({ feature: String(r['feature']), value: Number(r['value']) }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.feature.localeCompare(b.feature));
  return { explanation: summaryOf(head[0]!), values, sum: values.reduce((a, v) => a + v.value, 0) };
}

/** The explanation's SHAP values as bars (the {@link MAX_SHAP_BARS} largest, the rest summed); the title gives the base value and the prediction. */
export async function explanationBarsSvg(store: Store, id: string): Promise<string> {
  const { explanation, values } = await explanationDetail(store, id);
  return barPlotSvg(shapBars(values), { title: shapTitle(explanation.base_value, explanation.prediction), xLabel: 'feature', yLabel: 'SHAP value' });
}
