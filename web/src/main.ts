/**
 * The dashboard's page: the navigation, and the page the URL's hash names, loaded on demand.
 * Pages live in pages/, one file each; shared pieces in components/.
 */
import { html, nothing, render } from 'lit-html';
import './style.css';
import { getJson } from './api.js';
import { failureView } from './components/failure.js';
import { match, type PageEntry, type Unmount } from './router.js';

const PAGES: readonly PageEntry[] = [
  { pattern: '', title: 'Overview', nav: true, load: () => import('./pages/landing.js') },
  { pattern: 'tables', title: 'Tables', nav: true, load: () => import('./pages/tables.js') },
  { pattern: 'tables/:table', title: 'Table', load: () => import('./pages/table.js') },
  { pattern: 'sql', title: 'SQL', nav: true, load: () => import('./pages/sql.js') },
  { pattern: 'gallery', title: 'Gallery', nav: true, load: () => import('./pages/gallery.js') },
  { pattern: 'runs', title: 'Runs', nav: true, load: () => import('./pages/runs.js') },
  { pattern: 'runs/:run', title: 'Run', load: () => import('./pages/run.js') },
  { pattern: 'compare', title: 'Compare runs', load: () => import('./pages/compare.js') },
  { pattern: 'sweeps/:sweep', title: 'Sweep', load: () => import('./pages/sweep.js') },
  { pattern: 'evaluations', title: 'Evaluations', nav: true, load: () => import('./pages/evaluations.js') },
  { pattern: 'explanations', title: 'Explanations', nav: true, load: () => import('./pages/explanations.js') },
  { pattern: 'lineage/:run', title: 'Lineage', load: () => import('./pages/lineage.js') },
  { pattern: 'review', title: 'Review', nav: true, load: () => import('./pages/review.js') },
  { pattern: 'review/:run', title: 'Review', load: () => import('./pages/review.js') },
];

const host = document.getElementById('page')!;
let unmount: Unmount | undefined;
let generation = 0;

function renderNav(active: PageEntry | undefined): void {
  const links = PAGES.filter((p) => p.nav);
  render(html`${links.map((p) => html`<a href="#/${p.pattern}" class=${active?.pattern.split('/')[0] === p.pattern ? 'active' : ''}>${p.title}</a>`)}`, document.getElementById('nav')!);
}

async function show(): Promise<void> {
  const mine = ++generation;
  unmount?.();
  unmount = undefined;
  const found = match(PAGES, location.hash);
  renderNav(found?.page);
  if (found === undefined) {
    render(failureView(`No page at ${location.hash}`), host);
    return;
  }
  document.title = `${found.page.title} · DSI`;
  render(html`<p class="muted">Loading…</p>`, host);
  try {
    const page = await found.page.load();
    if (mine !== generation) return;
    // Clear through lit: removing its markers by hand would leave the next render() writing into detached nodes.
    render(nothing, host);
    const result = await page.mount(host, found.route);
    if (mine !== generation) {
      if (typeof result === 'function') result();
      return;
    }
    if (typeof result === 'function') unmount = result;
  } catch (e) {
    if (mine === generation) render(failureView(e), host);
  }
}

window.addEventListener('hashchange', () => void show());
void show();
void getJson<{ store: string | null; cinema: string | null }>('/health').then((h) => {
  document.getElementById('store-name')!.textContent = h.store ?? h.cinema ?? '';
}).catch(() => undefined);
