/**
 * Runs side by side (`#/compare?runs=a,b,c`): the parameters with the rows that differ
 * highlighted (or only those), a metrics table (final losses, throughput, the newest overall
 * evaluations with the classifier their features came from), and the runs' loss curves overlaid
 * in one chart per epoch or per step.
 */
import { html, render } from 'lit-html';
import { apiUrl, getJson } from '../api.js';
import { formatValue } from '../components/format.js';
import type { RunSummary } from '../components/run-types.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface Comparison {
  runs: RunSummary[];
  params: { key: string; values: unknown[]; differs: boolean }[];
  metrics: { metric: string; feature_run_id: string | null; values: (number | null)[] }[];
}

const cell = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'object' && v !== null ? JSON.stringify(v) : formatValue(v));

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  const runs = route.query.get('runs') ?? '';
  const data = await getJson<Comparison>('/compare', { runs });
  let onlyDiffering = route.query.get('only') === 'differing';
  let per: 'epoch' | 'step' = 'epoch';
  let loss = '';
  const ids = data.runs.map((r) => r.run_id);
  const draw = (): void => {
    const params = onlyDiffering ? data.params.filter((p) => p.differs) : data.params;
    const differing = data.params.filter((p) => p.differs).length;
    render(
      html`<h1>Compare ${ids.length} runs</h1>
        <div class="card">
          <h2>Curves</h2>
          <div class="toolbar">
            <label>per <select @change=${(e: Event) => { per = (e.target as HTMLSelectElement).value as 'epoch' | 'step'; draw(); }}><option value="epoch" ?selected=${per === 'epoch'}>epoch</option><option value="step" ?selected=${per === 'step'}>step</option></select></label>
            <label>loss <select @change=${(e: Event) => { loss = (e.target as HTMLSelectElement).value; draw(); }}><option value="" ?selected=${loss === ''}>all</option>${['d_loss', 'g_loss', 'loss'].map((l) => html`<option ?selected=${loss === l}>${l}</option>`)}</select></label>
          </div>
          <img class="chart" alt="loss curves overlaid" data-chart="compare" src=${apiUrl('/compare/curves.svg', { runs: ids.join(','), per, loss })} />
        </div>
        <div class="card">
          <h2>Metrics</h2>
          <div class="table-wrap"><table class="rows compare-metrics">
            <thead><tr><th>metric</th><th>features</th>${ids.map((id) => html`<th><a href=${href(`runs/${encodeURIComponent(id)}`)}>${id}</a></th>`)}</tr></thead>
            <tbody>${data.metrics.map((m) => html`<tr><td>${m.metric}</td><td class="muted">${m.feature_run_id ?? ''}</td>${m.values.map((v) => html`<td>${formatValue(v)}</td>`)}</tr>`)}</tbody>
          </table></div>
          <p class="note">Evaluations are comparable only with the same features (feature classifier run).</p>
        </div>
        <div class="card">
          <h2>Parameters</h2>
          <div class="toolbar"><label><input type="checkbox" .checked=${onlyDiffering} @change=${(e: Event) => { onlyDiffering = (e.target as HTMLInputElement).checked; draw(); }} /> only the ${differing} that differ</label></div>
          <div class="table-wrap"><table class="rows compare-params">
            <thead><tr><th>parameter</th>${ids.map((id) => html`<th>${id}</th>`)}</tr></thead>
            <tbody>${params.map((p) => html`<tr class=${p.differs ? 'differs' : ''}><td>${p.key}</td>${p.values.map((v) => html`<td>${cell(v)}</td>`)}</tr>`)}</tbody>
          </table></div>
        </div>
        <div class="card">
          <h2>Runs</h2>
          <div class="table-wrap"><table class="rows">
            <thead><tr><th>run</th><th>state</th><th>epochs</th><th>steps</th><th>parent</th></tr></thead>
            <tbody>${data.runs.map((r) => html`<tr><td><a href=${href(`runs/${encodeURIComponent(r.run_id)}`)}>${r.run_id}</a></td><td><span class="status ${r.state}">${r.state}</span></td><td>${r.epochs_done}</td><td>${r.steps_done}</td><td>${r.parent_run_id ?? '–'}</td></tr>`)}</tbody>
          </table></div>
        </div>`,
      view,
    );
  };
  draw();
}
