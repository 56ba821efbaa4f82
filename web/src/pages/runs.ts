/**
 * The runs page: every run with its state (`killed` when a running run's process is gone), its
 * progress and last losses, refreshed every few seconds; tick runs to compare them side by side.
 * A run of a sweep links to the sweep's page, which compares its runs point by point.
 */
import { html, render } from 'lit-html';
import { getJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatTime, formatValue } from '../components/format.js';
import { progressBar } from '../components/progress-bar.js';
import type { RunSummary } from '../components/run-types.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

const REFRESH_MS = 5000;

export function mount(host: HTMLElement, route: Route): () => void {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  void route;
  const selected = new Set<string>();
  let runs: RunSummary[] | undefined;
  let failure: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;

  const toggle = (id: string, on: boolean): void => {
    if (on) selected.add(id);
    else selected.delete(id);
    draw();
  };
  const draw = (): void => {
    const compare = href('compare', { runs: [...selected].join(',') });
    render(
      html`<h1>Runs</h1>
        <div class="toolbar">
          <button class="primary" ?disabled=${selected.size < 2} @click=${() => (location.hash = compare)}>Compare ${selected.size} selected</button>
          <span class="muted">${runs === undefined ? 'Loading…' : `${runs.length} runs`}</span>
        </div>
        ${failure === undefined ? '' : failureView(failure)}
        ${runs === undefined
          ? ''
          : html`<div class="table-wrap"><table class="rows runs">
              <thead><tr><th></th><th>run</th><th>kind</th><th>state</th><th>progress</th><th>epochs</th><th>steps</th><th>d_loss</th><th>g_loss</th><th>images/s</th><th>rows</th><th>parent</th><th>sweep</th><th>started</th></tr></thead>
              <tbody>
                ${runs.length === 0 ? html`<tr><td colspan="14" class="muted">no runs in this store yet: train one with <code>dsi ml train</code></td></tr>` : ''}
                ${runs.map(
                  (r) => html`<tr data-run=${r.run_id}>
                    <td><input type="checkbox" aria-label=${`compare ${r.run_id}`} .checked=${selected.has(r.run_id)} @change=${(e: Event) => toggle(r.run_id, (e.target as HTMLInputElement).checked)} /></td>
                    <td><a href=${href(`runs/${encodeURIComponent(r.run_id)}`)}>${r.run_id}</a></td>
                    <td>${r.kind} <span class="muted">${r.model}</span></td>
                    <td><span class="status ${r.state}" title=${r.error ?? ''}>${r.state}</span></td>
                    <td>${progressBar(r.epochs_done, r.epochs_target, r.state)}</td>
                    <td>${r.epochs_done}${r.epochs_target === null ? '' : ` / ${r.epochs_target}`}</td>
                    <td>${r.steps_done}</td>
                    <td>${formatValue(r.d_loss)}</td>
                    <td>${formatValue(r.g_loss)}</td>
                    <td>${formatValue(r.images_per_second)}</td>
                    <td>${r.data_rows}</td>
                    <td>${r.parent_run_id === null ? '–' : html`<a href=${href(`runs/${encodeURIComponent(r.parent_run_id)}`)}>${r.parent_run_id}</a>`}</td>
                    <td>${r.sweep_id === null ? '–' : html`<a href=${href(`sweeps/${encodeURIComponent(r.sweep_id)}`)}>${r.sweep_id}</a>`}</td>
                    <td>${formatTime(r.created_at)}</td>
                  </tr>`,
                )}
              </tbody></table></div>`}`,
      view,
    );
  };
  const load = async (): Promise<void> => {
    try {
      runs = (await getJson<{ runs: RunSummary[] }>('/runs')).runs;
      failure = undefined;
    } catch (e) {
      failure = e;
    }
    if (gone) return;
    draw();
    timer = setTimeout(() => void load(), REFRESH_MS);
  };
  draw();
  void load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}
