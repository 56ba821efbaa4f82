/**
 * One sweep compared (`#/sweeps/ID`): a row per grid point with its grid values as columns, its
 * run (linked), state, final losses and newest evaluations (test MSE, accuracy…); a `pending`
 * point has no run yet (a Slurm task not started, or a training refused before its run existed).
 * "Compare" opens the finished runs side by side (at most 8). Refreshed every few seconds while
 * some point is still pending or running.
 */
import { html, render } from 'lit-html';
import { getJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatTime, formatValue } from '../components/format.js';
import type { SweepPointView, SweepSummary } from '../../../src/server/api-types.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface SweepDetail {
  sweep: SweepSummary & { train_args: string[]; finished_at: string | null };
  columns: string[];
  metrics: string[];
  points: SweepPointView[];
}

const REFRESH_MS = 5000;
const MAX_COMPARED = 8;

export function mount(host: HTMLElement, route: Route): () => void {
  const view = host.appendChild(document.createElement('div'));
  const id = route.params['sweep'] ?? '';
  let data: SweepDetail | undefined;
  let failure: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;

  const draw = (): void => {
    const s = data?.sweep;
    const runs = (data?.points ?? []).filter((p) => p.run_id !== null).map((p) => p.run_id!).slice(0, MAX_COMPARED);
    render(
      html`<h1>Sweep ${s?.name ?? id}</h1>
        ${failure === undefined ? '' : failureView(failure)}
        ${s === undefined || data === undefined
          ? html`<p class="muted">Loading…</p>`
          : html`<div class="toolbar">
                <span class="status ${s.state}">${s.state}</span>
                <span class="muted">${s.launcher}${s.job_id === null ? '' : ` job ${s.job_id}`} · ${s.finished} of ${s.points} finished · ${formatTime(s.created_at)}</span>
                <button class="primary" ?disabled=${runs.length < 2} @click=${() => (location.hash = href('compare', { runs: runs.join(',') }))}>Compare runs</button>
              </div>
              <p class="muted">dsi ml train ${s.train_args.join(' ')}</p>
              <div class="table-wrap"><table class="rows sweep-points">
                <thead><tr><th>#</th>${data.columns.map((c) => html`<th>${c}</th>`)}<th>run</th><th>state</th><th>epochs</th><th>final loss</th><th>final d_loss</th>${data.metrics.map((m) => html`<th>${m}</th>`)}</tr></thead>
                <tbody>${data.points.map(
                  (p) => html`<tr data-point=${p.point}>
                    <td>${p.point}</td>
                    ${data!.columns.map((c) => html`<td>${p.values[c] ?? ''}</td>`)}
                    <td>${p.run_id === null ? '–' : html`<a href=${href(`runs/${encodeURIComponent(p.run_id)}`)}>${p.run_id}</a>`}</td>
                    <td><span class="status ${p.state}" title=${p.error ?? ''}>${p.state}</span></td>
                    <td>${p.epochs_done ?? '–'}</td>
                    <td>${formatValue(p.final_loss)}</td>
                    <td>${formatValue(p.final_d_loss)}</td>
                    ${data!.metrics.map((m) => html`<td>${formatValue(p.metrics[m] ?? null)}</td>`)}
                  </tr>`,
                )}</tbody>
              </table></div>`}`,
      view,
    );
  };
  const load = async (): Promise<void> => {
    try {
      data = await getJson<SweepDetail>(`/sweeps/${encodeURIComponent(id)}`);
      failure = undefined;
    } catch (e) {
      failure = e;
    }
    if (gone) return;
    draw();
    if (data?.points.some((p) => p.state === 'pending' || p.state === 'running')) timer = setTimeout(() => void load(), REFRESH_MS);
  };
  draw();
  void load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}
