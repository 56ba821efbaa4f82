/**
 * The SQL box (`#/sql?q=SQL`): a read-only query, as `dsi query` runs it. The first rows come back
 * with whether more follow; a statement that would write is refused by the server (its message is
 * shown). A result with a FILE column links to the gallery of the same query.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { postJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { rowsTable } from '../components/rows-table.js';
import type { QueryAnswer } from '../components/store-types.js';
import { count } from '../components/table-list.js';
import { href, type Route } from '../router.js';
import './data-pages.css';

const LIMITS = [100, 500, 1000, 5000] as const;

interface State {
  sql: string;
  limit: number;
  running: boolean;
  answer: QueryAnswer | undefined;
  error: unknown;
}

function resultView(s: State): TemplateResult | typeof nothing {
  if (s.error !== undefined) return failureView(s.error);
  const a = s.answer;
  if (a === undefined) return nothing;
  return html`<p class="toolbar"><span><strong>${count(a.rows.length)}</strong> row${a.rows.length === 1 ? '' : 's'}${a.more ? html`, <span class="muted">more follow (limit ${a.limit})</span>` : nothing}</span>
      ${a.fileColumns.length > 0 ? html`· <a href=${href('gallery', { sql: a.sql })}>show as gallery</a>` : nothing}</p>
    ${rowsTable(a.columns, a.rows)}`;
}

export function mount(host: HTMLElement, route: Route): void {
  const state: State = { sql: route.query.get('q') ?? '', limit: Number(route.query.get('limit')) || 500, running: false, answer: undefined, error: undefined };
  const run = async (): Promise<void> => {
    if (state.sql.trim() === '' || state.running) return;
    history.replaceState(null, '', href('sql', { q: state.sql, limit: state.limit === 500 ? undefined : state.limit }));
    Object.assign(state, { running: true, error: undefined });
    draw();
    try {
      state.answer = await postJson<QueryAnswer>('/sql', { sql: state.sql, limit: state.limit });
    } catch (e) {
      state.answer = undefined;
      state.error = e;
    }
    state.running = false;
    draw();
  };
  const draw = (): void => {
    render(html`<h1>SQL</h1>
      <form class="card" @submit=${(e: Event) => {
        e.preventDefault();
        void run();
      }}>
        <textarea class="sql" aria-label="SQL" spellcheck="false" placeholder="SELECT * FROM my_table WHERE …" .value=${state.sql}
          @input=${(e: Event) => (state.sql = (e.target as HTMLTextAreaElement).value)}
          @keydown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}></textarea>
        <div class="toolbar">
          <button class="primary" type="submit" ?disabled=${state.running}>${state.running ? 'Running…' : 'Run'}</button>
          <label>first <select @change=${(e: Event) => (state.limit = Number((e.target as HTMLSelectElement).value))}>
            ${LIMITS.map((n) => html`<option value=${n} ?selected=${n === state.limit}>${n}</option>`)}</select> rows</label>
          <span class="muted">read-only, as <code>dsi query</code> · Ctrl+Enter runs</span>
        </div>
      </form>
      ${resultView(state)}`, host);
  };
  draw();
  void run();
}
