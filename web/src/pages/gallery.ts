/**
 * The gallery (`#/gallery?table=T`, `?sql=QUERY` or `?cinema=1`, with `&file=COLUMN` and
 * `&filter=JSON`, which the page keeps up to date so a filtered view can be linked): the rows'
 * images as a grid, filtered by their parameter columns (a pair of sliders for a numeric column
 * with many values, a select for a column with few). The server computes the facets and sends
 * the images a page at a time with the filter applied, so the page never holds more rows than
 * the reader has scrolled past: the next page loads when the end of the grid comes into view
 * (IntersectionObserver). A click shows the image large with all its parameters; arrows step,
 * Escape closes. Without a source, the page offers the tables with files and a query box.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { cinemaFileUrl, fileUrl, getJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatValue } from '../components/format.js';
import type { Facet, GalleryFacets, GalleryImages, GallerySources, JsonCell, JsonRow } from '../components/store-types.js';
import { count } from '../components/table-list.js';
import { href, type Route, type Unmount } from '../router.js';
import './data-pages.css';
import './gallery.css';

const PAGE = 120;
const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;
const TILE_SIZES = { small: 72, medium: 112, large: 180 } as const;

type Term = { min?: number; max?: number } | { in: JsonCell[] };

interface State {
  readonly source: Readonly<Record<string, string>>;
  facets: GalleryFacets | undefined;
  filter: Map<string, Term>;
  rows: JsonRow[];
  total: number | undefined;
  more: boolean;
  loading: boolean;
  error: unknown;
  open: number | undefined;
  tile: keyof typeof TILE_SIZES;
}

/** The step of a range slider: 1 for whole numbers, else about 1/200 of the range. */
function stepOf(f: Extract<Facet, { kind: 'range' }>): number {
  if (f.integer) return 1;
  const span = f.max - f.min;
  return span > 0 ? Number((span / 200).toPrecision(2)) : 1;
}

function facetView(f: Facet, s: State, change: (column: string, term: Term | undefined) => void): TemplateResult {
  if (f.kind === 'none') return html`<div class="facet"><label class="name">${f.column}</label><span class="muted small">${count(f.distinct)} distinct values, not filtered</span></div>`;
  if (f.kind === 'choice') {
    const term = s.filter.get(f.column);
    const chosen = term !== undefined && 'in' in term ? f.values.findIndex((v) => v.value === term.in[0]) : -1;
    return html`<div class="facet"><label class="name" for=${`facet-${f.column}`}>${f.column}</label>
      <select id=${`facet-${f.column}`} data-column=${f.column} @change=${(e: Event) => {
        const i = Number((e.target as HTMLSelectElement).value);
        change(f.column, i < 0 ? undefined : { in: [f.values[i]!.value] });
      }}>
        <option value="-1" ?selected=${chosen < 0}>all</option>
        ${f.values.map((v, i) => html`<option value=${i} ?selected=${i === chosen}>${formatValue(v.value)} (${count(v.count)})</option>`)}
      </select></div>`;
  }
  const term = s.filter.get(f.column);
  const lo = term !== undefined && 'min' in term && term.min !== undefined ? term.min : f.min;
  const hi = term !== undefined && 'max' in term && term.max !== undefined ? term.max : f.max;
  const set = (which: 'min' | 'max', value: number): void => {
    const next = { min: which === 'min' ? Math.min(value, hi) : lo, max: which === 'max' ? Math.max(value, lo) : hi };
    change(f.column, next.min <= f.min && next.max >= f.max ? undefined : { min: next.min, max: next.max });
  };
  return html`<div class="facet" data-column=${f.column}><label class="name">${f.column}</label>
    <input type="range" aria-label=${`${f.column} from`} min=${f.min} max=${f.max} step=${stepOf(f)} .value=${String(lo)} @input=${(e: Event) => set('min', Number((e.target as HTMLInputElement).value))} />
    <input type="range" aria-label=${`${f.column} to`} min=${f.min} max=${f.max} step=${stepOf(f)} .value=${String(hi)} @input=${(e: Event) => set('max', Number((e.target as HTMLInputElement).value))} />
    <div class="bounds"><span>${formatValue(lo)}</span><span>${formatValue(hi)}</span></div></div>`;
}

function captionOf(row: JsonRow, facets: GalleryFacets): string {
  const shown = [...facets.facets.filter((f) => f.kind === 'choice' && f.values.length > 1), ...facets.facets.filter((f) => f.kind === 'range' && !/^(id|index|row)$/i.test(f.column))];
  return shown.slice(0, 3).map((f) => `${f.column} ${formatValue(row[f.column])}`).join(' · ');
}

function tileView(row: JsonRow, i: number, facets: GalleryFacets, url: (v: string) => string, open: (i: number) => void): TemplateResult {
  const value = row[facets.fileColumn ?? ''];
  const file = typeof value === 'string' ? value : '';
  const caption = captionOf(row, facets);
  return html`<div class="tile" tabindex="0" role="button" aria-label=${`open ${file}`} @click=${() => open(i)} @keydown=${(e: KeyboardEvent) => {
    if (e.key === 'Enter') open(i);
  }}>${IMAGE.test(file) ? html`<img loading="lazy" src=${url(file)} alt=${caption || file} />` : html`<div class="nonimage">${file || '(no file)'}</div>`}
    <div class="caption" title=${caption}>${caption}</div></div>`;
}

function lightbox(s: State, url: (v: string) => string, step: (d: number) => void, close: () => void): TemplateResult | typeof nothing {
  if (s.open === undefined || s.facets === undefined) return nothing;
  const row = s.rows[s.open];
  if (row === undefined) return nothing;
  const file = String(row[s.facets.fileColumn ?? ''] ?? '');
  return html`<div class="lightbox" role="dialog" aria-modal="true" aria-label="image" @click=${(e: Event) => {
    if (e.target === e.currentTarget) close();
  }}>
    ${IMAGE.test(file) ? html`<img src=${url(file)} alt=${file} />` : nothing}
    <div class="params"><table><tbody>${Object.entries(row).map(([k, v]) => html`<tr><td>${k}</td><td>${formatValue(v)}</td></tr>`)}</tbody></table>
      <div class="nav"><button @click=${() => step(-1)} ?disabled=${s.open === 0}>‹ previous</button><button @click=${() => step(1)} ?disabled=${s.open >= s.rows.length - 1 && !s.more}>next ›</button>
        <a class="button" href=${url(file)} target="_blank" rel="noopener">file</a><button @click=${close}>close (Esc)</button></div></div>
  </div>`;
}

function pickView(sources: GallerySources, sqlText: string): TemplateResult {
  return html`<h1>Gallery</h1><div class="source-pick">
    <div class="card"><h2>Tables with files</h2>
      ${sources.cinema !== null ? html`<p><a href=${href('gallery', { cinema: 1 })}>Cinema database</a> <span class="muted">${count(sources.cinema.rows)} rows</span></p>` : nothing}
      ${sources.tables.length === 0 ? html`<p class="muted">No table has a FILE column.</p>` : html`<ul>${sources.tables.map((t) => html`<li><a href=${href('gallery', { table: t.table })}>${t.table}</a> <span class="muted">${count(t.rows)} rows · ${t.fileColumns.join(', ')}</span></li>`)}</ul>`}</div>
    <form class="card" @submit=${(e: Event) => {
      e.preventDefault();
      const sql = String(new FormData(e.target as HTMLFormElement).get('sql') ?? '').trim();
      if (sql !== '') location.hash = href('gallery', { sql });
    }}><h2>A query</h2>
      <textarea class="sql" name="sql" placeholder="SELECT * FROM my_images WHERE …">${sqlText}</textarea>
      <div class="toolbar"><button class="primary" type="submit">Show as gallery</button><span class="muted">read-only; its rows need a FILE column</span></div></form>
  </div>`;
}

/** The filter a link carries (`filter=` JSON, as the server reads it); anything unreadable is no filter. */
function initialFilter(text: string | null): Map<string, Term> {
  if (text === null || text === '') return new Map();
  try {
    const json: unknown = JSON.parse(text);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return new Map();
    return new Map(Object.entries(json as Record<string, Term>).filter(([, t]) => t !== null && typeof t === 'object'));
  } catch {
    return new Map();
  }
}

export async function mount(host: HTMLElement, route: Route): Promise<Unmount | void> {
  const source: Record<string, string> = {};
  for (const key of ['table', 'sql', 'cinema', 'file']) {
    const v = route.query.get(key);
    if (v !== null && v !== '') source[key] = v;
  }
  if (source['table'] === undefined && source['sql'] === undefined && source['cinema'] === undefined) {
    const sources = await getJson<GallerySources>('/gallery/sources');
    if (sources.cinema !== null && sources.tables.length === 0) source['cinema'] = '1';
    else {
      render(pickView(sources, ''), host);
      return;
    }
  }
  const state: State = { source, facets: undefined, filter: initialFilter(route.query.get('filter')), rows: [], total: undefined, more: false, loading: false, error: undefined, open: undefined, tile: 'medium' };
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = (v: string): string => (state.facets?.files === 'cinema' ? cinemaFileUrl(v) : fileUrl(v));

  const filterJson = (): string | undefined => (state.filter.size === 0 ? undefined : JSON.stringify(Object.fromEntries(state.filter)));
  const loadMore = async (): Promise<void> => {
    if (state.loading || (!state.more && state.rows.length > 0) || state.facets === undefined || state.facets.fileColumn === null) return;
    const mine = generation;
    state.loading = true;
    draw();
    try {
      const page = await getJson<GalleryImages>('/gallery/images', { ...state.source, filter: filterJson(), offset: state.rows.length, limit: PAGE });
      if (mine !== generation) return;
      state.rows = [...state.rows, ...page.rows];
      state.more = page.more;
      if (page.total !== undefined) state.total = page.total;
    } catch (e) {
      if (mine === generation) state.error = e;
    } finally {
      if (mine === generation) state.loading = false;
    }
    draw();
    // Still on screen (a tall window, a short page): keep filling.
    if (mine === generation && state.more && sentinelVisible()) void loadMore();
  };
  const restart = (): void => {
    generation++;
    history.replaceState(null, '', href('gallery', { ...state.source, filter: filterJson() }));
    Object.assign(state, { rows: [], total: undefined, more: false, loading: false, error: undefined, open: undefined });
    draw();
    void loadMore();
  };
  const change = (column: string, term: Term | undefined): void => {
    if (term === undefined) state.filter.delete(column);
    else state.filter.set(column, term);
    draw();
    clearTimeout(timer);
    timer = setTimeout(restart, 200);
  };
  const openAt = (i: number): void => {
    state.open = i;
    draw();
  };
  const step = (d: number): void => {
    if (state.open === undefined) return;
    const next = Math.max(0, state.open + d);
    if (next >= state.rows.length) {
      if (state.more) void loadMore().then(() => openAt(Math.min(next, state.rows.length - 1)));
      return;
    }
    openAt(next);
  };
  const close = (): void => {
    state.open = undefined;
    draw();
  };
  const onKey = (e: KeyboardEvent): void => {
    if (state.open === undefined) return;
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowRight') step(1);
    else if (e.key === 'ArrowLeft') step(-1);
    else return;
    e.preventDefault();
  };

  const sentinelVisible = (): boolean => {
    const el = host.querySelector('.sentinel');
    return el !== null && el.getBoundingClientRect().top < window.innerHeight + 600;
  };

  function draw(): void {
    const f = state.facets;
    if (f === undefined) {
      render(state.error === undefined ? html`<p class="muted">Loading…</p>` : html`<h1>Gallery</h1>${failureView(state.error)}<p><a href=${href('gallery')}>choose other rows</a></p>`, host);
      return;
    }
    const title = f.label === 'query' ? html`query <code class="small">${state.source['sql']}</code>` : f.label;
    render(html`<h1>Gallery <span class="muted small">${title}</span></h1>
      <div class="gallery" style=${`--tile: ${TILE_SIZES[state.tile]}px`}>
        <aside class="card filters" aria-label="filters"><h2>Filters</h2>
          ${f.fileColumns.length > 1 ? html`<div class="facet"><label class="name" for="file-column">images from</label><select id="file-column" @change=${(e: Event) => {
            location.hash = href('gallery', { ...state.source, file: (e.target as HTMLSelectElement).value });
          }}>${f.fileColumns.map((c) => html`<option ?selected=${c === f.fileColumn}>${c}</option>`)}</select></div>` : nothing}
          ${f.facets.length === 0 ? html`<p class="muted">No parameter columns.</p>` : f.facets.map((facet) => facetView(facet, state, change))}
          ${state.filter.size > 0 ? html`<button @click=${() => {
            state.filter.clear();
            restart();
          }}>Clear filters</button>` : nothing}
        </aside>
        <section>
          <div class="toolbar"><span class="shown"><strong>${state.total === undefined ? '…' : count(state.total)}</strong> of ${count(f.total)} rows${state.rows.length > 0 && state.total !== undefined && state.rows.length < state.total ? html` <span class="muted">(${count(state.rows.length)} loaded)</span>` : nothing}</span>
            <label>size <select @change=${(e: Event) => {
              state.tile = (e.target as HTMLSelectElement).value as State['tile'];
              draw();
            }}>${Object.keys(TILE_SIZES).map((k) => html`<option ?selected=${k === state.tile}>${k}</option>`)}</select></label>
            ${state.source['table'] !== undefined ? html`<a href=${href(`tables/${encodeURIComponent(state.source['table'])}`)}>table view</a>` : nothing}
            ${state.source['sql'] !== undefined ? html`<a href=${href('sql', { q: state.source['sql'] })}>as rows</a>` : nothing}</div>
          ${state.error !== undefined ? failureView(state.error) : nothing}
          ${f.fileColumn === null ? html`<p class="muted">The query returns no rows.</p>` : nothing}
          <div class="tiles">${state.rows.map((r, i) => tileView(r, i, f, url, openAt))}</div>
          <div class="sentinel"></div>
          ${state.loading ? html`<p class="muted">Loading…</p>` : !state.more && state.rows.length > 0 ? html`<p class="muted">All ${count(state.rows.length)} shown.</p>` : nothing}
          ${!state.loading && state.total === 0 ? html`<p class="muted">No rows match these filters.</p>` : nothing}
        </section>
      </div>
      ${lightbox(state, url, step, close)}`, host);
  }

  draw();
  try {
    state.facets = await getJson<GalleryFacets>('/gallery/facets', state.source);
  } catch (e) {
    state.error = e;
    draw();
    return;
  }
  draw();
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void loadMore();
  }, { rootMargin: '600px' });
  const sentinel = host.querySelector('.sentinel');
  if (sentinel !== null) observer.observe(sentinel);
  document.addEventListener('keydown', onKey);
  void loadMore();
  return () => {
    generation++;
    clearTimeout(timer);
    observer.disconnect();
    document.removeEventListener('keydown', onKey);
  };
}
