/**
 * Evaluations across runs (FID, KID, precision/recall, IS, faithfulness, diversity): filtered by
 * run, metric, feature classifier and condition (overall, per condition), shown as tables grouped
 * by the classifier whose features produced them (values compare only within a group), and for a
 * chosen metric as charts: across checkpoints (a line per run) and per condition (bars per run).
 * The filters live in the URL (`#/evaluations?metric=fid&runs=a`).
 */
import { html, nothing, render } from 'lit-html';
import { apiUrl, getJson } from '../api.js';
import { rowsTable } from '../components/rows-table.js';
import type { Row } from '../components/run-types.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface Answer {
  rows: Row[];
  more: boolean;
  facets: { metrics: string[]; runs: string[]; feature_runs: string[]; epochs: number[]; conditions: string[] };
}

const COLUMNS = ['run_id', 'metric', 'value', 'std', 'condition', 'epoch', 'n_real', 'n_generated', 'source', 'created_at'];
const MAX_CONDITION_CHARTS = 4;

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  const filter = {
    runs: route.query.get('runs') ?? '',
    metric: route.query.get('metric') ?? '',
    feature_run_id: route.query.get('feature_run_id') ?? '',
    condition: route.query.get('condition') ?? '',
  };
  const data = await getJson<Answer>('/evaluations', filter);
  const go = (change: Partial<typeof filter>): void => {
    location.hash = href('evaluations', { ...filter, ...change });
  };
  const select = (label: string, key: keyof typeof filter, options: [string, string][]) =>
    html`<label>${label} <select data-filter=${key} @change=${(e: Event) => go({ [key]: (e.target as HTMLSelectElement).value })}>${options.map(([v, text]) => html`<option value=${v} ?selected=${filter[key] === v}>${text}</option>`)}</select></label>`;

  const groups = new Map<string, Row[]>();
  for (const r of data.rows) {
    const key = r['feature_run_id'] === null || r['feature_run_id'] === undefined ? 'none' : String(r['feature_run_id']);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const runsOfMetric = [...new Set(data.rows.map((r) => String(r['run_id'])))];
  const featureRuns = [...groups.keys()];
  const chartFeatures = filter.feature_run_id !== '' ? filter.feature_run_id : featureRuns.length === 1 ? featureRuns[0]! : undefined;
  const conditionRuns = [...new Set(data.rows.filter((r) => r['condition'] !== null).map((r) => String(r['run_id'])))].slice(0, MAX_CONDITION_CHARTS);

  render(
    html`<h1>Evaluations</h1>
      <div class="toolbar">
        ${select('run', 'runs', [['', 'all runs'], ...data.facets.runs.map((r): [string, string] => [r, r])])}
        ${select('metric', 'metric', [['', 'all metrics'], ...data.facets.metrics.map((m): [string, string] => [m, m])])}
        ${select('features', 'feature_run_id', [['', 'any classifier'], ...data.facets.feature_runs.map((f): [string, string] => [f, f === 'none' ? 'no features' : f])])}
        ${select('condition', 'condition', [['', 'overall and per condition'], ['overall', 'overall only'], ['conditions', 'per condition only'], ...data.facets.conditions.map((c): [string, string] => [c, c])])}
      </div>
      <p class="note">Values computed with different feature classifiers (feature_run_id) are not comparable: tables are grouped by classifier, and charts use one.</p>
      ${filter.metric === ''
        ? html`<p class="muted">Choose a metric to chart it across checkpoints and per condition.</p>`
        : chartFeatures === undefined
          ? html`<p class="muted">${filter.metric} comes from ${featureRuns.length} feature classifiers here: choose one to chart it.</p>`
          : html`<div class="chart-row">
              ${runsOfMetric.length === 0 ? nothing : html`<div class="card"><img class="chart" data-chart="epochs" alt=${`${filter.metric} across checkpoints`} src=${apiUrl('/evaluations/epochs.svg', { runs: runsOfMetric.join(','), metric: filter.metric, feature_run_id: chartFeatures })} /></div>`}
              ${conditionRuns.map((run) => html`<div class="card"><img class="chart" data-chart="conditions" alt=${`${filter.metric} of ${run} per condition`} src=${apiUrl('/evaluations/conditions.svg', { run, metric: filter.metric, feature_run_id: chartFeatures })} /></div>`)}
            </div>`}
      ${data.rows.length === 0 ? html`<p class="muted">No evaluations match: run <code>dsi ml evaluate</code> on a run first.</p>` : nothing}
      ${[...groups.entries()].map(
        ([features, rows]) => html`<div class="card" data-features=${features}>
          <h2>${features === 'none' ? 'Without features' : html`Features of <a href=${href(`runs/${encodeURIComponent(features)}`)}>${features}</a>`} <span class="muted">(${rows.length} values)</span></h2>
          ${rowsTable(COLUMNS, rows)}
        </div>`,
      )}
      ${data.more ? html`<p class="muted">More rows match than are shown; narrow the filters.</p>` : nothing}`,
    view,
  );
}
