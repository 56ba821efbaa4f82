/**
 * Evaluations as the dashboard shows them: the `ml_evaluations` rows of any runs, metrics and
 * conditions (FID, KID, precision/recall, IS, faithfulness, diversity — overall, per condition,
 * per checkpoint), and two charts: a metric per condition as bars, a metric across checkpoints as
 * one line per run.
 *
 * Values computed with features of different classifiers (`feature_run_id`) are not comparable:
 * the rows carry it, the facets list it, and a chart that would mix two is refused with a 400
 * asking to choose one (`feature_run_id=RUN`, or `none` for metrics without features).
 */
import { barPlotSvg, linePlotSvg, RunRegistry, type Bar, type LineSeries } from '../ml/index.js';
import type { Store } from '../store/store.js';
import type { Cell, Row } from '../store/types.js';
import { badRequest } from './http-errors.js';
import { shortRunName } from './run-charts.js';
import { tablesOf } from './run-view.js';
import { placeholderSvg } from './svg-answer.js';

/** Which rows: any of these left undefined does not filter. */
export interface EvaluationFilter {
  readonly runs?: readonly string[] | undefined;
  readonly metric?: string | undefined;
  /** A classifier's run id, or `none` for rows without one. */
  readonly featureRun?: string | undefined;
  /** `overall` (condition NULL), `conditions` (not NULL), or one condition's text. */
  readonly condition?: string | undefined;
  readonly epoch?: number | undefined;
}

/** Rows returned at most. */
export const MAX_EVALUATION_ROWS = 5000;

const COLUMNS = 'run_id, metric, value, std, n_real, n_generated, feature_run_id, condition, epoch, source, created_at';

/** The rows `filter` selects, newest first, and whether more were left out. */
export async function evaluationRows(store: Store, filter: EvaluationFilter): Promise<{ rows: Row[]; more: boolean }> {
  if (!(await tablesOf(store)).has('ml_evaluations')) return { rows: [], more: false };
  const where: string[] = [];
  const params: Cell[] = [];
  if (filter.runs !== undefined) {
    where.push(`run_id IN (${filter.runs.map(() => '?').join(', ')})`);
    params.push(...filter.runs);
  }
  if (filter.metric !== undefined) {
    where.push('metric = ?');
    params.push(filter.metric);
  }
  if (filter.featureRun === 'none') where.push('feature_run_id IS NULL');
  else if (filter.featureRun !== undefined) {
    where.push('feature_run_id = ?');
    params.push(filter.featureRun);
  }
  if (filter.condition === 'overall') where.push('condition IS NULL');
  else if (filter.condition === 'conditions') where.push('condition IS NOT NULL');
  else if (filter.condition !== undefined) {
    where.push('condition = ?');
    params.push(filter.condition);
  }
  if (filter.epoch !== undefined) {
    where.push('epoch = ?');
    params.push(filter.epoch);
  }
  const sql = `SELECT ${COLUMNS} FROM ml_evaluations${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY created_at DESC, run_id, metric, condition LIMIT ?`;
  const rows = await store.query(sql, [...params, MAX_EVALUATION_ROWS + 1]);
  return { rows: rows.slice(0, MAX_EVALUATION_ROWS), more: rows.length > MAX_EVALUATION_ROWS };
}

/** What the store's evaluations can be filtered by: metrics, runs, feature classifiers, epochs, conditions. */
export async function evaluationFacets(store: Store) {
  if (!(await tablesOf(store)).has('ml_evaluations')) return { metrics: [], runs: [], feature_runs: [], epochs: [], conditions: [] };
  const distinct = async (column: string): Promise<Cell[]> => (await store.query(`SELECT DISTINCT ${column} AS v FROM ml_evaluations ORDER BY ${column}`)).map((r) => r['v'] ?? null);
  return {
    metrics: (await distinct('metric')).map(String),
    runs: (await distinct('run_id')).map(String),
    feature_runs: (await distinct('feature_run_id')).map((v) => (v === null ? 'none' : String(v))),
    epochs: (await distinct('epoch')).filter((v) => v !== null).map(Number),
    conditions: (await distinct('condition')).filter((v) => v !== null).map(String),
  };
}

/** The one feature classifier of `rows`, or a 400 when they mix several. */
function singleFeatureRun(rows: readonly Row[], metric: string): string {
  const found = [...new Set(rows.map((r) => (r['feature_run_id'] === null || r['feature_run_id'] === undefined ? 'none' : String(r['feature_run_id']))))];
  if (found.length > 1) {
    throw badRequest(`the values of ${metric} come from ${found.length} feature classifiers (${found.join(', ')}) and are not comparable: choose one with feature_run_id=RUN (or none)`, 'E_MIXED_FEATURES');
  }
  return found[0] ?? 'none';
}

/** `metric` of `run` per condition (the newest value of each, at `epoch` when given) as bars with ± std. */
export async function conditionBarsSvg(store: Store, filter: { run: string; metric: string; featureRun?: string | undefined; epoch?: number | undefined }): Promise<string> {
  await new RunRegistry(store).get(filter.run);
  const { rows } = await evaluationRows(store, { runs: [filter.run], metric: filter.metric, featureRun: filter.featureRun, condition: 'conditions', epoch: filter.epoch });
  if (rows.length === 0) return placeholderSvg(`run ${filter.run} has no per-condition ${filter.metric}`);
  const features = singleFeatureRun(rows, filter.metric);
  const newest = new Map<string, Row>();
  for (const r of rows) if (!newest.has(String(r['condition']))) newest.set(String(r['condition']), r); // rows are newest first
  const bars: Bar[] = [...newest.entries()]
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([label, r]) => ({ label, value: Number(r['value']), ...(r['std'] === null || r['std'] === undefined ? {} : { error: Math.abs(Number(r['std'])) }) }));
  return barPlotSvg(bars, { title: `${filter.metric} of ${filter.run} per condition (features: ${features})`, xLabel: 'condition', yLabel: filter.metric });
}

/** The overall `metric` of each of `runs` across the checkpoints evaluated (the newest value per epoch), one line per run. */
export async function epochLinesSvg(store: Store, filter: { runs: readonly string[]; metric: string; featureRun?: string | undefined }): Promise<string> {
  const registry = new RunRegistry(store);
  for (const id of filter.runs) await registry.get(id);
  const { rows } = await evaluationRows(store, { runs: filter.runs, metric: filter.metric, featureRun: filter.featureRun, condition: 'overall' });
  const withEpoch = rows.filter((r) => r['epoch'] !== null && r['epoch'] !== undefined);
  if (withEpoch.length === 0) return placeholderSvg(`no overall ${filter.metric} at a known checkpoint`);
  const features = singleFeatureRun(withEpoch, filter.metric);
  const series: LineSeries[] = [];
  for (const id of filter.runs) {
    const newest = new Map<number, number>();
    for (const r of withEpoch) if (r['run_id'] === id && !newest.has(Number(r['epoch']))) newest.set(Number(r['epoch']), Number(r['value']));
    const points = [...newest.entries()].sort(([a], [b]) => a - b).map(([x, y]) => ({ x, y }));
    if (points.length > 0) series.push({ name: shortRunName(id), points });
  }
  return linePlotSvg(series, { title: `${filter.metric} across checkpoints (features: ${features})`, xLabel: 'epoch', yLabel: filter.metric, width: 560, height: 280 });
}
