/**
 * One table (`#/tables/NAME?offset&limit&sort&desc&where`): its columns with types, keys, units and
 * relations; its rows a page at a time (the server reads only that page), sorted by a column;
 * and the find language over it (`label == 3`), with the server's message when a condition does
 * not parse. FILE cells show as thumbnails.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { getJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { rowsTable } from '../components/rows-table.js';
import type { FoundRows, SchemaColumn, TablePage } from '../components/store-types.js';
import { count } from '../components/table-list.js';
import { href, type Route } from '../router.js';
import './data-pages.css';

const PAGE_SIZES = [25, 50, 100, 250, 1000] as const;

interface State {
  readonly table: string;
  offset: number;
  limit: number;
  sort: string | undefined;
  descending: boolean;
  where: string;
  page: TablePage | undefined;
  found: FoundRows | undefined;
  error: unknown;
  findError: unknown;
}

const tableLink = (t: string): TemplateResult => html`<a href=${href(`tables/${encodeURIComponent(t)}`)}>${t}</a>`;

function columnsView(p: TablePage): TemplateResult {
  const row = (c: SchemaColumn): TemplateResult => html`<tr>
    <td>${c.primaryKey ? html`<span class="key" title="primary key">PK</span>` : nothing}${c.references ? html`<span class="fk" title="foreign key">FK</span>` : nothing}${c.name}</td>
    <td>${c.type} <span class="muted">${c.declaredType}</span></td>
    <td>${c.unit ?? html`<span class="muted">–</span>`}</td>
    <td>${c.references ? html`→ ${tableLink(c.references.table)}.${c.references.column}` : c.file ? html`<span class="muted">files</span>` : nothing}</td>
  </tr>`;
  return html`<details class="card" open><summary><strong>Columns</strong> <span class="muted">${p.columns.length}</span></summary>
    <div class="table-wrap"><table class="rows columns-list"><thead><tr><th>column</th><th>type</th><th>unit</th><th>relation</th></tr></thead>
      <tbody>${p.columns.map(row)}</tbody></table></div>
    ${p.referencedBy.length > 0 ? html`<p>Referenced by: ${p.referencedBy.map((e, i) => html`${i > 0 ? ', ' : ''}${tableLink(e.table)}.${e.column} → ${e.refColumn}${e.implied ? html` <span class="muted">(registry)</span>` : nothing}`)}</p>` : nothing}
  </details>`;
}

function pager(s: State, p: TablePage, go: (patch: Partial<State>) => void): TemplateResult {
  const last = Math.max(0, Math.floor((p.total - 1) / s.limit) * s.limit);
  const pageNo = Math.floor(s.offset / s.limit) + 1;
  const pages = Math.max(1, Math.ceil(p.total / s.limit));
  return html`<div class="pager">
    <button ?disabled=${s.offset === 0} @click=${() => go({ offset: 0 })} >« first</button>
    <button ?disabled=${s.offset === 0} @click=${() => go({ offset: Math.max(0, s.offset - s.limit) })}>‹ previous</button>
    <span>rows ${p.total === 0 ? 0 : count(s.offset + 1)}–${count(Math.min(p.total, s.offset + s.limit))} of ${count(p.total)}</span>
    <button ?disabled=${s.offset + s.limit >= p.total} @click=${() => go({ offset: s.offset + s.limit })}>next ›</button>
    <button ?disabled=${s.offset >= last} @click=${() => go({ offset: last })} >last »</button>
    <label>page <input type="number" min="1" max=${pages} .value=${String(pageNo)} style="width:6rem" @change=${(e: Event) => {
      const n = Math.min(pages, Math.max(1, Math.round(Number((e.target as HTMLInputElement).value) || 1)));
      go({ offset: (n - 1) * s.limit });
    }} /> of ${count(pages)}</label>
    <label>rows per page <select @change=${(e: Event) => go({ limit: Number((e.target as HTMLSelectElement).value), offset: 0 })}>
      ${PAGE_SIZES.map((n) => html`<option value=${n} ?selected=${n === s.limit}>${n}</option>`)}</select></label>
  </div>`;
}

function view(s: State, go: (patch: Partial<State>) => void, find: (where: string, offset?: number) => void): TemplateResult {
  if (s.page === undefined) return s.error === undefined ? html`<p class="muted">Loading…</p>` : html`<h1>${s.table}</h1>${failureView(s.error)}`;
  const p = s.page;
  const columns = p.columns.map((c) => c.name);
  const fileColumns = p.columns.filter((c) => c.file).map((c) => c.name);
  const sql = `SELECT * FROM "${p.table.replace(/"/g, '""')}"`;
  const onSort = (column: string): void => go({ sort: column, descending: s.sort === column ? !s.descending : false, offset: 0 });
  return html`<h1>${p.table} ${p.registry ? html`<span class="tag">run registry</span>` : nothing}<span class="muted small"> ${count(p.total)} rows</span></h1>
    <p class="toolbar"><a href=${href('tables')}>← all tables</a> · <a href=${href('sql', { q: sql })}>query in SQL</a>
      ${fileColumns.length > 0 ? html` · <a href=${href('gallery', { table: p.table })}>show as gallery</a>` : nothing}</p>
    ${columnsView(p)}
    <form class="toolbar" @submit=${(e: Event) => {
      e.preventDefault();
      find(String(new FormData(e.target as HTMLFormElement).get('where') ?? ''));
    }}>
      <label for="find-where">find</label>
      <input id="find-where" class="find" name="where" .value=${s.where} placeholder=${`${columns[0] ?? 'column'} > 5   ·   name ~ 'text'   ·   x (1, 10)`} />
      <button class="primary" type="submit">Find</button>
      ${s.where !== '' ? html`<button type="button" @click=${() => find('')}>Clear</button>` : nothing}
    </form>
    ${s.findError !== undefined ? failureView(s.findError) : nothing}
    ${s.found !== undefined
      ? html`<div class="pager"><span><strong>${count(s.found.total)}</strong> rows where <code>${s.found.where}</code>${s.found.total > s.found.rows.length ? html`: ${count(s.found.offset + 1)}–${count(s.found.offset + s.found.rows.length)}` : nothing}</span>
          ${s.found.total > s.found.limit ? html`<button ?disabled=${s.found.offset === 0} @click=${() => find(s.where, Math.max(0, s.found!.offset - s.found!.limit))}>‹ previous</button>
            <button ?disabled=${!s.found.more} @click=${() => find(s.where, s.found!.offset + s.found!.limit)}>next ›</button>` : nothing}</div>
        ${rowsTable(['dsi_row_index', ...columns], s.found.rows)}`
      : html`${s.error !== undefined ? failureView(s.error) : nothing}${pager(s, p, go)}
        ${rowsTable(columns, p.rows, { sort: s.sort === undefined ? undefined : { column: s.sort, descending: s.descending }, onSort })}
        ${p.total > s.limit ? pager(s, p, go) : nothing}`}`;
}

function numberParam(text: string | null, fallback: number): number {
  const n = Number(text);
  return text !== null && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  const q = route.query;
  const state: State = {
    table: route.params['table'] ?? '',
    offset: numberParam(q.get('offset'), 0),
    limit: numberParam(q.get('limit'), 50) || 50,
    sort: q.get('sort') ?? undefined,
    descending: q.get('desc') === '1',
    where: q.get('where') ?? '',
    page: undefined,
    found: undefined,
    error: undefined,
    findError: undefined,
  };
  let generation = 0;
  const draw = (): void => {
    render(view(state, (patch) => void go(patch), (where, offset) => void find(where, offset)), host);
  };
  const remember = (): void => {
    history.replaceState(null, '', href(`tables/${encodeURIComponent(state.table)}`, {
      offset: state.offset || undefined, limit: state.limit === 50 ? undefined : state.limit, sort: state.sort, desc: state.descending ? 1 : undefined, where: state.where,
    }));
  };
  const go = async (patch: Partial<State>): Promise<void> => {
    Object.assign(state, patch);
    const mine = ++generation;
    remember();
    try {
      const page = await getJson<TablePage>(`/tables/${encodeURIComponent(state.table)}`, { offset: state.offset, limit: state.limit, sort: state.sort, desc: state.descending ? 1 : undefined });
      if (mine !== generation) return;
      state.page = page;
      state.error = undefined;
    } catch (e) {
      if (mine !== generation) return;
      state.error = e;
    }
    draw();
  };
  const find = async (where: string, offset = 0): Promise<void> => {
    state.where = where.trim();
    state.found = undefined;
    state.findError = undefined;
    remember();
    if (state.where !== '') {
      try {
        state.found = await getJson<FoundRows>(`/tables/${encodeURIComponent(state.table)}/find`, { where: state.where, offset, limit: state.limit });
      } catch (e) {
        state.findError = e;
      }
    }
    draw();
  };
  draw();
  await go({});
  if (state.where !== '') await find(state.where);
}
