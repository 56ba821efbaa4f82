/**
 * The tables page: every table with its counts, search across tables (`#/tables?q=TERM`: table
 * names, column names and cells), and the ER diagram of the store's relations.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { getJson } from '../api.js';
import { erDiagram } from '../components/er-diagram.js';
import { failureView } from '../components/failure.js';
import { rowsTable } from '../components/rows-table.js';
import type { SearchAnswer, StoreSchema, TableEntry } from '../components/store-types.js';
import { count, tableList } from '../components/table-list.js';
import { href, type Route } from '../router.js';
import './data-pages.css';

interface State {
  tables: readonly TableEntry[];
  schema: StoreSchema;
  withRegistry: boolean;
  term: string;
  search: SearchAnswer | undefined;
  searchError: unknown;
}

function searchView(s: State): TemplateResult | typeof nothing {
  if (s.searchError !== undefined) return failureView(s.searchError);
  const r = s.search;
  if (r === undefined) return nothing;
  const byTable = new Map<string, Record<string, unknown>[]>();
  for (const row of r.rows) {
    const t = String(row['dsi_table_name']);
    byTable.set(t, [...(byTable.get(t) ?? []), row]);
  }
  const link = (t: string): TemplateResult => html`<a href=${href(`tables/${encodeURIComponent(t)}`)}>${t}</a>`;
  return html`<div class="card search-results">
    <h2>“${r.term}”: ${count(r.totalRows)} rows${r.rows.length < r.totalRows ? html` <span class="muted small">(the first ${r.limit} of each table shown)</span>` : nothing}</h2>
    ${r.tables.length > 0 ? html`<p>Tables: ${r.tables.map((t, i) => html`${i > 0 ? ', ' : ''}${link(t)}`)}</p>` : nothing}
    ${r.columns.length > 0 ? html`<p>Columns: ${r.columns.map((c, i) => html`${i > 0 ? ', ' : ''}${link(c.table)}.${c.column}`)}</p>` : nothing}
    ${[...byTable].map(([t, rows]) => {
      const columns = Object.keys(rows[0]!).filter((c) => c !== 'dsi_table_name');
      return html`<h3>${link(t)} <span class="muted small">${count(r.rowsPerTable[t] ?? rows.length)} rows match</span></h3>${rowsTable(columns, rows)}`;
    })}
    ${r.totalRows === 0 && r.tables.length === 0 && r.columns.length === 0 ? html`<p class="muted">Nothing matches.</p>` : nothing}
  </div>`;
}

function view(s: State, update: (patch: Partial<State>) => void, search: (term: string) => void): TemplateResult {
  const declared = s.schema.edges.filter((e) => e.implied === undefined).length;
  const diagram = erDiagram(s.schema, (t) => !t.catalog && (s.withRegistry || !t.registry));
  const user = s.tables.filter((t) => !t.registry && !t.catalog);
  const managed = s.tables.filter((t) => t.registry || t.catalog);
  return html`<h1>Tables</h1>
    <form class="toolbar" role="search" @submit=${(e: Event) => {
      e.preventDefault();
      search(String(new FormData(e.target as HTMLFormElement).get('q') ?? ''));
    }}>
      <input name="q" type="search" placeholder="search tables, columns and cells" .value=${s.term} aria-label="search term" />
      <button class="primary" type="submit">Search</button>
      ${s.term !== '' ? html`<button type="button" @click=${() => search('')}>Clear</button>` : nothing}
    </form>
    ${searchView(s)}
    <div class="card"><h2>Tables <span class="muted small">${user.length}</span></h2>
      ${user.length === 0 ? html`<p class="muted">No tables of your own yet.</p>` : tableList(user)}
      ${managed.length > 0 ? html`<h3>Kept by the store</h3>${tableList(managed)}` : nothing}</div>
    <div class="card"><h2>Relations</h2>
      <p class="toolbar"><label><input type="checkbox" .checked=${s.withRegistry} @change=${(e: Event) => update({ withRegistry: (e.target as HTMLInputElement).checked })} /> show the run registry's tables</label>
        <span class="muted">${declared} foreign key${declared === 1 ? '' : 's'}${s.withRegistry ? html` · dashed: links the run registry keeps (run_id, prediction_id), not declared keys` : nothing}</span></p>
      <div class="er"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="ER diagram of the store's relations" width=${diagram.width} height=${diagram.height} viewBox="0 0 ${diagram.width} ${diagram.height}">${diagram.drawing}</svg></div>
    </div>`;
}

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  const [{ tables }, schema] = await Promise.all([getJson<{ tables: TableEntry[] }>('/tables'), getJson<StoreSchema>('/relations')]);
  const state: State = { tables, schema, withRegistry: tables.every((t) => t.registry || t.catalog), term: route.query.get('q') ?? '', search: undefined, searchError: undefined };
  const draw = (): void => {
    render(view(state, update, (term) => void search(term)), host);
  };
  const update = (patch: Partial<State>): void => {
    Object.assign(state, patch);
    draw();
  };
  const search = async (term: string): Promise<void> => {
    history.replaceState(null, '', href('tables', { q: term }));
    update({ term, search: undefined, searchError: undefined });
    if (term.trim() === '') return;
    try {
      update({ search: await getJson<SearchAnswer>('/search', { q: term }) });
    } catch (e) {
      update({ searchError: e });
    }
  };
  draw();
  if (state.term !== '') await search(state.term);
}
