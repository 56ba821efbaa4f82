/**
 * A run as one compact card, for a notebook cell or any page that shows several runs: what it is
 * and where it stands, its loss curves (per step where the run recorded steps, else per epoch),
 * its last sample grid and its newest overall evaluation values. The whole report is
 * run-report.ts; this is its summary.
 *
 * The same guarantees as the report: every value read from the store is HTML-escaped, images are
 * `data:` URIs of files inside the store's data folder (one outside it, or missing, is named, not
 * read), the curves are the project's own SVG embedded as images, and there is no script.
 *
 * @example
 * const { html, text } = await runCard(store, 'gan-20261202-1');
 */
import { escapeHtml } from '../../html-escape.js';
import type { Store } from '../../store/store.js';
import { linePlotSvg, type LineSeries } from '../plots/line-plot.js';
import { lossPlotSvg } from '../plots/loss-plot.js';
import { RunRegistry, type EpochRecord, type StepRecord } from '../registry/run-registry.js';
import { storedParams } from '../registry/run-record.js';
import { display, pngDataUri } from './run-report.js';

/** Points of a step curve at most: a longer run's steps are thinned evenly (the last one kept). */
const MAX_STEP_POINTS = 1000;

export interface RunCard {
  readonly html: string;
  readonly text: string;
}

/** Every `k`-th of `steps` and the last, at most {@link MAX_STEP_POINTS}. */
function thinned(steps: readonly StepRecord[]): StepRecord[] {
  if (steps.length <= MAX_STEP_POINTS) return [...steps];
  const k = Math.ceil(steps.length / MAX_STEP_POINTS);
  return steps.filter((_, i) => i % k === 0 || i === steps.length - 1);
}

/** The loss curves as SVG: per step when steps were recorded, else per epoch; undefined when neither has a loss. */
async function curvesSvg(runId: string, epochs: readonly EpochRecord[], steps: readonly StepRecord[]): Promise<string | undefined> {
  try {
    if (steps.length > 1) {
      const points = thinned(steps);
      const series: LineSeries[] = (['d_loss', 'g_loss', 'loss'] as const)
        .map((name) => ({ name, points: points.map((s) => ({ x: s.step, y: s[name] ?? Number.NaN })).filter((p) => Number.isFinite(p.y)) }))
        .filter((s) => s.points.length > 0);
      if (series.length > 0) return await linePlotSvg(series, { title: `Losses of ${runId} per step`, xLabel: 'step', yLabel: 'loss', width: 420, height: 220 });
    }
    if (epochs.length > 0) return await lossPlotSvg(epochs, `Losses of ${runId}`);
  } catch {
    // No finite loss to draw: the card says so below.
  }
  return undefined;
}

/** The card of run `runId` of `store`, as HTML and as text. */
export async function runCard(store: Store, runId: string): Promise<RunCard> {
  const registry = new RunRegistry(store);
  const run = await registry.get(runId);
  const epochs = await registry.epochs(run.run_id);
  const steps = await registry.steps(run.run_id);
  const params = storedParams(run);
  const planned = typeof params['epochs'] === 'number' ? ` of ${params['epochs']}` : '';
  const facts: [string, unknown][] = [
    ['epochs', `${run.epochs_done}${planned}`],
    ['steps', run.steps_done],
    ['data rows', run.data_rows],
    ['seed', run.seed],
    ['images/s', run.images_per_second],
    ['d_loss', run.d_loss],
    ['g_loss', run.g_loss],
    ['parent', run.parent_run_id],
    ['created', run.created_at],
    ['finished', run.finished_at],
    ['error', run.error],
  ].filter(([, v]) => v !== null && v !== undefined) as [string, unknown][];
  const evaluations = (await store.tables()).some((t) => t.toLowerCase() === 'ml_evaluations')
    ? await store.query(
        `SELECT metric, value FROM ml_evaluations e WHERE run_id = ? AND condition IS NULL
           AND created_at = (SELECT max(created_at) FROM ml_evaluations WHERE run_id = e.run_id AND condition IS NULL) ORDER BY metric`,
        [run.run_id],
      )
    : [];

  const svg = await curvesSvg(run.run_id, epochs, steps);
  const lastSamples = [...epochs].reverse().find((e) => e.FILE_samples !== null);
  const samples = lastSamples ? pngDataUri(registry, lastSamples.FILE_samples!) : undefined;

  const kv = (entries: readonly (readonly [string, unknown])[]) =>
    `<table style="border-collapse:collapse;font-size:12px">${entries.map(([k, v]) => `<tr><td style="color:#666;padding:1px 8px 1px 0">${escapeHtml(k)}</td><td style="font-family:monospace">${escapeHtml(display(v))}</td></tr>`).join('')}</table>`;
  const curve = svg
    ? `<img alt="loss curves" style="max-width:440px;background:#fff" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`
    : '<div style="color:#666;font-size:12px">no losses recorded</div>';
  const grid = !lastSamples
    ? ''
    : samples && 'uri' in samples
      ? `<figure style="margin:0"><img alt="samples" style="max-width:440px;border:1px solid #ddd" src="${samples.uri}"><figcaption style="font-size:11px;color:#666">samples after epoch ${lastSamples.epoch}</figcaption></figure>`
      : `<div style="font-size:12px;color:#a00">samples of epoch ${lastSamples.epoch}: ${escapeHtml(lastSamples.FILE_samples!)} (${escapeHtml(samples?.missing ?? 'missing')})</div>`;
  const metrics = evaluations.length === 0 ? '' : `<div style="margin-top:6px"><b style="font-size:12px">evaluation</b>${kv(evaluations.map((r) => [String(r['metric']), r['value']]))}</div>`;
  const html =
    `<div class="dsi-run" style="border:1px solid #d9dee3;border-radius:6px;padding:8px 12px;display:inline-block;background:#fff">` +
    `<div style="font-size:14px"><b>${escapeHtml(run.run_id)}</b> · ${escapeHtml(run.kind)} · ${escapeHtml(run.model)} · <span style="padding:0 6px;border-radius:8px;background:#eaeef2">${escapeHtml(run.state)}</span></div>` +
    `<div style="display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap;margin-top:6px"><div>${kv(facts)}${metrics}</div><div>${curve}</div>${grid}</div>` +
    `<div style="font-size:11px;color:#666;margin-top:4px">data: ${escapeHtml(run.data_query)}</div></div>`;

  const text = [
    `${run.run_id}  ${run.kind} ${run.model}  ${run.state}`,
    ...facts.map(([k, v]) => `  ${k}: ${display(v)}`),
    ...evaluations.map((r) => `  ${String(r['metric'])}: ${display(r['value'])}`),
    `  data: ${run.data_query}`,
  ].join('\n');
  return { html, text };
}
