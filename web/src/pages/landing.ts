/**
 * The landing page: the store at a glance without a click. Its tables with row and column counts
 * (the run registry's `ml_` tables and the store's own `dsi_` tables set apart), its runs with
 * their state; or, when the dashboard shows a Cinema database, that database and a way into its
 * gallery.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { getJson } from '../api.js';
import { formatTime } from '../components/format.js';
import type { Overview, RunEntry } from '../components/store-types.js';
import { count, tableList } from '../components/table-list.js';
import { href, type Route } from '../router.js';
import './data-pages.css';

function runsTable(runs: readonly RunEntry[]): TemplateResult {
  if (runs.length === 0) return html`<p class="muted">No runs yet: <code>dsi ml train …</code> records them here.</p>`;
  return html`<div class="table-wrap"><table class="rows">
    <thead><tr><th>run</th><th>kind</th><th>model</th><th>state</th><th class="num">epochs</th><th>created</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr>
      <td><a href=${href(`runs/${encodeURIComponent(r.run_id)}`)}>${r.run_id}</a>${r.parent_run_id === null ? nothing : html`<br /><span class="muted small">child of ${r.parent_run_id}</span>`}</td>
      <td>${r.kind}</td><td>${r.model}</td>
      <td><span class="status ${r.state}" title=${r.state === 'killed' ? 'running, but its heartbeat stopped: the process is gone' : r.status}>${r.state}</span></td>
      <td class="num">${r.epochs_done}</td><td>${formatTime(r.created_at)}</td>
    </tr>`)}</tbody></table></div>`;
}

function view(o: Overview): TemplateResult {
  if (o.store === null && o.cinema !== null) {
    const c = o.cinema;
    return html`<h1>Cinema database</h1>
      <div class="card"><p><code>${c.folder}</code></p>
        <p>${count(c.rows)} images · parameters: ${c.columns.filter((n) => !c.fileColumns.includes(n)).join(', ') || '(none)'}</p>
        <p><a class="button primary" href=${href('gallery', { cinema: 1 })}>Open the gallery</a></p></div>`;
  }
  const user = o.tables.filter((t) => !t.registry && !t.catalog);
  const managed = o.tables.filter((t) => t.registry || t.catalog);
  return html`<h1>Overview <span class="muted small">${o.store ?? ''}</span></h1>
    <div class="overview">
      <section class="card" aria-labelledby="tables-h">
        <h2 id="tables-h">Tables <span class="muted small">${user.length}</span></h2>
        ${user.length === 0 ? html`<p class="muted">No tables yet: <code>dsi read FILE</code> adds one.</p>` : tableList(user)}
        ${managed.length === 0 ? nothing : html`<h3>Kept by the store</h3>${tableList(managed)}`}
        <p class="toolbar"><a href=${href('tables')}>All tables, search and relations</a> · <a href=${href('sql')}>SQL</a></p>
      </section>
      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">Runs <span class="muted small">${o.runs.length}</span></h2>
        ${runsTable(o.runs)}
      </section>
    </div>`;
}

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  void route;
  render(view(await getJson<Overview>('/overview')), host);
}
