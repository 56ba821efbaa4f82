/**
 * A run's report as ONE self-contained HTML file, to open in any browser or mail: its parameters,
 * data and provenance, loss curves (inline SVG), labelled sample grids of the last epoch and a few
 * earlier ones and the predictions' contact sheets (PNG embedded as `data:` URIs), evaluations,
 * and lineage.
 *
 * Guarantees: opening the file makes no request to any server or network: no external script,
 * style, image or font, no `src`/`href` but `data:` URIs and `#` anchors, styles inline and no
 * script at all. Every value read from the store is HTML-escaped (`escapeHtml`), the SVG comes
 * from the project's own vega-lite renderer. An image file the store names but that is missing or
 * outside the store's data folder is listed as missing, never read.
 *
 * @example
 * const html = await runReportHtml(store, 'gan-20261202-1');
 * await writeRunReport(store, 'gan-20261202-1', 'report.html');
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import { escapeHtml } from '../../html-escape.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import { runLineage, type LineageRun } from '../lineage/run-lineage.js';
import { lossPlotSvg } from '../plots/loss-plot.js';
import { CONTACT_SHEET_NAME } from '../predict/contact-sheet.js';
import { storedParams } from '../registry/run-record.js';
import { RunRegistry, type EpochRecord, type RunRecord } from '../registry/run-registry.js';

/** How many epochs' sample grids a report shows (the last one and earlier ones spread evenly). */
export const REPORT_SAMPLE_EPOCHS = 4;
/** How many contact sheets of predictions a report embeds at most. */
export const REPORT_CONTACT_SHEETS = 4;
/** The largest image a report embeds; a larger one is named, not embedded. */
export const REPORT_MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif;color:#1d232a;background:#f6f7f9;margin:0}
main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d9dee3;padding-bottom:.2rem}
.muted{color:#66707a}.card{background:#fff;border:1px solid #d9dee3;border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;background:#fff}
th,td{padding:.25rem .6rem;border-bottom:1px solid #d9dee3;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.v{font-family:ui-monospace,'DejaVu Sans Mono',monospace;word-break:break-all}
figure{display:inline-block;margin:0 1rem 1rem 0;vertical-align:top;max-width:540px}figcaption{color:#66707a;font-size:12px}
figure img{max-width:100%;border:1px solid #d9dee3;background:#fff}
.chart svg{max-width:100%;height:auto;background:#fff}
.status{display:inline-block;padding:0 .5rem;border-radius:10px;font-size:12px;background:#eaeef2}
nav a{margin-right:.75rem}
`;

const table = (headers: readonly string[], rows: readonly (readonly unknown[])[]): string =>
  `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td class="v">${escapeHtml(display(v))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

const keyValues = (entries: readonly (readonly [string, unknown])[]): string =>
  entries.length === 0 ? '<p class="muted">none</p>' : `<table><tbody>${entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="v">${escapeHtml(display(v))}</td></tr>`).join('')}</tbody></table>`;

export function display(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `data:image/png;base64,…` of the PNG `file` (a registry FILE value), or why it is not shown. */
export function pngDataUri(registry: RunRegistry, file: string): { uri: string } | { missing: string } {
  let absolute: string;
  try {
    absolute = registry.absolute(file, 'an image of the report');
  } catch (e) {
    return { missing: e instanceof Error ? e.message : String(e) };
  }
  try {
    const stat = fs.statSync(absolute);
    if (!stat.isFile()) return { missing: 'not a file' };
    if (stat.size > REPORT_MAX_IMAGE_BYTES) return { missing: `larger than ${REPORT_MAX_IMAGE_BYTES} bytes` };
    return { uri: `data:image/png;base64,${fs.readFileSync(absolute).toString('base64')}` };
  } catch {
    return { missing: 'missing' };
  }
}

function figure(registry: RunRegistry, file: string, caption: string): string {
  const image = pngDataUri(registry, file);
  if ('missing' in image) return `<figure><figcaption>${escapeHtml(caption)}: ${escapeHtml(file)} (${escapeHtml(image.missing)})</figcaption></figure>`;
  return `<figure><img src="${image.uri}" alt="${escapeHtml(caption)}"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** The epochs whose sample grids are shown: the last and up to `count - 1` earlier ones, evenly spread. */
export function sampleEpochs(epochs: readonly EpochRecord[], count = REPORT_SAMPLE_EPOCHS): EpochRecord[] {
  const withSamples = epochs.filter((e) => e.FILE_samples !== null);
  if (withSamples.length <= count) return withSamples;
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(Math.round((i * (withSamples.length - 1)) / (count - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => withSamples[i]!);
}

function lineageRow(r: LineageRun, current: string): readonly unknown[] {
  return [
    r.run_id === current ? `${r.run_id} (this run)` : r.run_id,
    r.kind,
    r.model,
    r.state,
    r.parent_run_id,
    r.epochs_done,
    `${r.data.rows} rows${r.data.included_predictions > 0 ? ` + ${r.data.included_predictions} generated` : ''}`,
    `${r.predictions.total} (${r.predictions.accepted} accepted, ${r.predictions.rejected} rejected)`,
    r.evaluations.map((e) => `${e.metric} ${display(e.value)}`).join(', '),
    `${r.reviews.total}${r.reviews.mean_rating === null ? '' : `, mean rating ${display(r.reviews.mean_rating)}`}`,
  ];
}

async function hasTable(store: Store, name: string): Promise<boolean> {
  return (await store.tables()).some((t) => t.toLowerCase() === name);
}

async function contactSheets(store: Store, registry: RunRegistry, runId: string): Promise<string[]> {
  if (!(await hasTable(store, 'ml_predictions'))) return [];
  const rows = await store.query('SELECT FILE, created_at FROM ml_predictions WHERE run_id = ? ORDER BY created_at', [runId]);
  const folders = [...new Set(rows.map((r) => path.posix.dirname(String(r['FILE']))))];
  const sheets: string[] = [];
  for (const folder of folders) {
    const sheet = `${folder}/${CONTACT_SHEET_NAME}`;
    try {
      if (fs.existsSync(registry.absolute(sheet))) sheets.push(sheet);
    } catch {
      // A folder outside the data folder: its sheet is not shown.
    }
  }
  return sheets.slice(-REPORT_CONTACT_SHEETS);
}

/** The report of run `runId` as one HTML document; `E_ML_RUN` when the store has no such run. */
export async function runReportHtml(store: Store, runId: string): Promise<string> {
  if (typeof runId !== 'string' || runId.trim() === '') throw new MlError('E_ML_ARGUMENT', `runReportHtml: runId must name a run, got ${JSON.stringify(runId)}`);
  const registry = new RunRegistry(store);
  const run: RunRecord = await registry.get(runId);
  const epochs = await registry.epochs(run.run_id);
  const params = Object.entries(storedParams(run));
  let env: [string, unknown][] = [];
  if (run.env !== null && run.env !== undefined) {
    try {
      const parsed: unknown = typeof run.env === 'string' ? JSON.parse(run.env) : run.env;
      env = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed as Record<string, unknown>) : [['env', parsed]];
    } catch {
      env = [['env', run.env]];
    }
  }

  let curves = '<p class="muted">no epochs recorded</p>';
  if (epochs.length > 0) {
    try {
      curves = `<div class="chart">${await lossPlotSvg(epochs, `Losses of ${run.run_id}`)}</div>`;
    } catch (e) {
      curves = `<p class="muted">${escapeHtml(e instanceof Error ? e.message : String(e))}</p>`;
    }
  }
  const samples = sampleEpochs(epochs);
  const sheets = await contactSheets(store, registry, run.run_id);
  const evaluations: Row[] = (await hasTable(store, 'ml_evaluations'))
    ? await store.query('SELECT metric, value, std, condition, epoch, n_real, n_generated, feature_run_id, source, created_at FROM ml_evaluations WHERE run_id = ? ORDER BY created_at, metric', [run.run_id])
    : [];
  const lineage = await runLineage(store, run.run_id);
  const lineageRuns = [...lineage.ancestry, ...lineage.descendants];

  const facts: [string, unknown][] = [
    ['run', run.run_id],
    ['kind', run.kind],
    ['model', run.model],
    ['status', run.state],
    ['parent run', run.parent_run_id],
    ['created', run.created_at],
    ['finished', run.finished_at],
    ['epochs done', run.epochs_done],
    ['steps done', run.steps_done],
    ['seed', run.seed],
    ['images per second', run.images_per_second],
    ['error', run.error],
  ];
  const data: [string, unknown][] = [
    ['query', run.data_query],
    ['rows', run.data_rows],
    ['hash', run.data_hash],
    ['included predictions', run.included_predictions],
  ];

  const sections = [
    `<h2 id="parameters">Parameters</h2>${keyValues(params)}`,
    `<h2 id="data">Data</h2>${keyValues(data)}`,
    `<h2 id="provenance">Provenance</h2>${keyValues(env)}`,
    `<h2 id="curves">Loss curves</h2>${curves}${epochs.length === 0 ? '' : table(['epoch', 'd_loss', 'g_loss', 'loss', 'steps', 'images/s', 'seconds'], epochs.map((e) => [e.epoch, e.d_loss, e.g_loss, e.loss, e.steps, e.images_per_second, e.seconds]))}`,
    `<h2 id="samples">Sample grids</h2>${samples.length === 0 ? '<p class="muted">no sample grids recorded</p>' : samples.map((e) => figure(registry, e.FILE_samples!, `epoch ${e.epoch}`)).join('')}`,
    sheets.length === 0 ? '' : `<h2 id="predictions">Predictions</h2>${sheets.map((s) => figure(registry, s, `contact sheet ${path.posix.basename(path.posix.dirname(s))}`)).join('')}`,
    `<h2 id="evaluations">Evaluations</h2>${
      evaluations.length === 0
        ? '<p class="muted">no evaluations recorded</p>'
        : table(['metric', 'value', 'std', 'condition', 'epoch', 'n_real', 'n_generated', 'feature run', 'source', 'created'], evaluations.map((r) => [r['metric'], r['value'], r['std'], r['condition'], r['epoch'], r['n_real'], r['n_generated'], r['feature_run_id'], r['source'], r['created_at']]))
    }`,
    `<h2 id="lineage">Lineage</h2><p class="muted">From the first run to this one, then its descendants.</p>${table(['run', 'kind', 'model', 'status', 'parent', 'epochs', 'data', 'predictions', 'evaluations', 'reviews'], lineageRuns.map((r) => lineageRow(r, run.run_id)))}`,
  ];
  const nav = ['parameters', 'data', 'provenance', 'curves', 'samples', ...(sheets.length > 0 ? ['predictions'] : []), 'evaluations', 'lineage'].map((id) => `<a href="#${id}">${id}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run ${escapeHtml(run.run_id)} · DSI report</title>
<style>${STYLE}</style></head>
<body><main>
<h1>Run ${escapeHtml(run.run_id)}</h1>
<p class="muted">${escapeHtml(run.kind)} · ${escapeHtml(run.model)} · <span class="status">${escapeHtml(run.state)}</span> · report written ${escapeHtml(new Date().toISOString())}</p>
<nav>${nav}</nav>
<div class="card">${keyValues(facts)}</div>
${sections.join('\n')}
</main></body></html>
`;
}

/** Writes the report of `runId` to `file` atomically; returns the file's size in bytes. */
export async function writeRunReport(store: Store, runId: string, file: string): Promise<number> {
  if (typeof file !== 'string' || file.trim() === '') throw new MlError('E_ML_ARGUMENT', `writeRunReport: file must name the HTML file to write, got ${JSON.stringify(file)}`);
  const html = await runReportHtml(store, runId);
  const bytes = Buffer.from(html, 'utf8');
  await writeFileAtomic(path.resolve(file), bytes);
  return bytes.byteLength;
}
