/**
 * One run: its state and progress, links to its lineage, review and report, its loss curves per
 * epoch and per step, its sample grids per epoch (a slider), parameters, data, provenance,
 * checkpoints and evaluations. While the run trains the page follows its event stream
 * (`/api/runs/ID/events`): the progress bar moves with every change, a finished epoch adds its
 * sample grid and redraws the curves at once, new steps redraw the step curve at most every few
 * seconds. The stream is closed when the run ends or the reader leaves.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { apiUrl, fileUrl, getJson, listen } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatTime, formatValue } from '../components/format.js';
import { progressBar } from '../components/progress-bar.js';
import { rowsTable } from '../components/rows-table.js';
import type { EpochRow, Row, RunSummary } from '../components/run-types.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface RunDetail {
  run: RunSummary & { params: Row; env: Row; data_query: string; data_hash: string; seed: number; FILE_checkpoint: string | null; included_predictions: string[] };
  epochs: EpochRow[];
  checkpoints: { epoch: number | null; path: string; exists: boolean }[];
  evaluations: Row[];
  counts: Record<string, number>;
  children: string[];
  links: { lineage: string; review: string; report: string };
}

/** The step curve is redrawn at most this often while steps arrive. */
const STEP_REDRAW_MS = 3000;

const kv = (entries: [string, unknown][]): TemplateResult =>
  html`<dl class="kv">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' && v !== null ? JSON.stringify(v) : formatValue(v)}</dd>`)}</dl>`;

export async function mount(host: HTMLElement, route: Route): Promise<() => void> {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  const runId = route.params['run']!;
  const path = `/runs/${encodeURIComponent(runId)}`;
  const detail = await getJson<RunDetail>(path);
  let run = detail.run as RunDetail['run'];
  const epochs = [...detail.epochs];
  let sample = epochs.filter((e) => e.FILE_samples !== null).length - 1;
  let epochVersion = 0;
  let stepVersion = 0;
  let lastStepDraw = 0;
  let stepTimer: ReturnType<typeof setTimeout> | undefined;
  let live = '';
  let failure: unknown;
  let stop: (() => void) | undefined;

  const draw = (): void => {
    const grids = epochs.filter((e) => e.FILE_samples !== null);
    const shown = grids[Math.max(0, Math.min(sample, grids.length - 1))];
    render(
      html`<h1>Run ${run.run_id}</h1>
        <div class="card run-head">
          <span class="status ${run.state}" data-state=${run.state}>${run.state}</span>
          ${progressBar(run.epochs_done, run.epochs_target, run.state)}
          <span class="progress-text">epoch <strong data-epochs>${run.epochs_done}</strong>${run.epochs_target === null ? '' : ` of ${run.epochs_target}`} · step ${run.steps_done}</span>
          <span class="muted">${live}</span>
          <span class="links"><a href=${detail.links.lineage}>lineage</a><a href=${detail.links.review}>review</a><a href=${href('explanations', { run: run.run_id })}>explanations</a><a href=${detail.links.report} download>report</a><a href=${href('compare', { runs: [run.run_id, run.parent_run_id, ...detail.children].filter((x) => x !== null).join(',') })}>compare with family</a></span>
        </div>
        ${run.error === null ? nothing : failureView(run.error)}
        ${failure === undefined ? nothing : failureView(failure)}
        <div class="grid-2">
          <div class="card"><h2>Losses per epoch</h2><img class="chart" data-chart="epoch" alt="losses per epoch" src=${apiUrl(`${path}/curves.svg`, { per: 'epoch', v: epochVersion })} /></div>
          <div class="card"><h2>Losses per step</h2><img class="chart" data-chart="step" alt="losses per step" src=${apiUrl(`${path}/curves.svg`, { per: 'step', v: stepVersion })} /></div>
        </div>
        <div class="card samples">
          <h2>Samples</h2>
          ${shown === undefined
            ? html`<p class="muted">no sample grid yet</p>`
            : html`<div class="toolbar"><label>epoch <input type="range" min="0" max=${grids.length - 1} .value=${String(grids.indexOf(shown))} @input=${(e: Event) => { sample = Number((e.target as HTMLInputElement).value); draw(); }} /></label>
                <strong>${shown.epoch}</strong> <span class="muted">of ${grids.at(-1)!.epoch}</span></div>
                <a href=${fileUrl(shown.FILE_samples!)} target="_blank" rel="noopener"><img alt=${`samples after epoch ${shown.epoch}`} src=${fileUrl(shown.FILE_samples!)} /></a>`}
        </div>
        <div class="grid-2">
          <div class="card"><h2>Parameters</h2>${kv(Object.entries(run.params ?? {}))}</div>
          <div class="card">
            <h2>Data</h2>
            <code class="query">${run.data_query}</code>
            ${kv([['rows', run.data_rows], ['hash', run.data_hash], ['seed', run.seed], ['included predictions', run.included_predictions.length], ['parent', run.parent_run_id], ['children', detail.children.join(', ') || null]])}
            <h2>Provenance</h2>
            ${kv([...Object.entries(run.env ?? {}), ['created', formatTime(run.created_at)], ['finished', formatTime(run.finished_at)], ['heartbeat', formatTime(run.heartbeat_at)]])}
          </div>
        </div>
        <div class="card"><h2>Epochs</h2>${rowsTable(['epoch', 'd_loss', 'g_loss', 'loss', 'steps', 'images_per_second', 'seconds', 'FILE_samples', 'created_at'], epochs as unknown as Row[])}</div>
        <div class="card"><h2>Checkpoints</h2>
          ${rowsTable(['epoch', 'path', 'on disk'], detail.checkpoints.map((c) => ({ epoch: c.epoch ?? 'newest', path: c.path, 'on disk': c.exists ? 'yes' : 'pruned' })))}
        </div>
        <div class="card"><h2>Evaluations</h2>
          ${rowsTable(['metric', 'value', 'std', 'condition', 'epoch', 'feature_run_id', 'n_real', 'n_generated', 'created_at'], detail.evaluations)}
          <p class="note">Values are comparable only between rows with the same feature_run_id. <a href=${href('evaluations', { runs: run.run_id })}>All evaluations of this run</a></p>
        </div>`,
      view,
    );
  };

  const redrawSteps = (): void => {
    const wait = lastStepDraw + STEP_REDRAW_MS - Date.now();
    if (stepTimer !== undefined) return;
    if (wait <= 0) {
      lastStepDraw = Date.now();
      stepVersion++;
      draw();
      return;
    }
    stepTimer = setTimeout(() => {
      stepTimer = undefined;
      redrawSteps();
    }, wait);
  };

  const follow = (): void => {
    live = 'following live';
    const last = epochs.at(-1)?.epoch ?? 0;
    stop = listen(
      `${path}/events?afterEpoch=${last}&afterStep=${run.steps_done}`,
      (event, data) => {
        if (event === 'progress') run = { ...run, ...(data as RunSummary) };
        else if (event === 'epoch') {
          const row = data as EpochRow;
          const at = epochs.findIndex((e) => e.epoch >= row.epoch);
          if (at >= 0) epochs.splice(at, epochs.length - at);
          epochs.push(row);
          sample = epochs.filter((e) => e.FILE_samples !== null).length - 1;
          epochVersion++;
          redrawSteps();
        } else if (event === 'steps') redrawSteps();
        else if (event === 'end') {
          stop?.();
          stop = undefined;
          live = `ended: ${(data as { state: string }).state}`;
          epochVersion++;
          stepVersion++;
          void getJson<RunDetail>(path).then((d) => {
            run = d.run;
            detail.checkpoints = d.checkpoints;
            detail.evaluations = d.evaluations;
            draw();
          }).catch((e: unknown) => { failure = e; draw(); });
        } else if (event === 'failure') {
          failure = (data as { message: string }).message;
        }
        draw();
      },
      ['progress', 'epoch', 'steps', 'end', 'failure'],
    );
  };

  if (run.state === 'running') follow();
  draw();
  return () => {
    stop?.();
    clearTimeout(stepTimer);
  };
}
