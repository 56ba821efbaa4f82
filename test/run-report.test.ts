/**
 * `dsi report` and runReportHtml: one self-contained HTML file per run that loads nothing when
 * opened (only `data:` URIs and `#` anchors), holds the run's id, parameters, loss curves as
 * inline SVG, sample grids as embedded PNGs, evaluation values and lineage, and escapes every
 * store value; an unknown run is `E_ML_RUN`.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { RunRegistry, runReportHtml, sampleEpochs, writeRunReport } from '../src/ml/index.js';
import type { EpochRecord } from '../src/ml/index.js';
import { dashboardStore, type DashboardStore } from './helpers/dashboard-store.js';

const CLI = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'bin', 'dsi.js');
const HOSTILE = '<script>alert(1)</script>';

let fixture: DashboardStore;

/** Every URL the document would load or link to: src/href attributes and CSS url(). */
function references(html: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  const urls = [...html.matchAll(/url\(\s*['"]?([^'")]*)/gi)].map((m) => m[1] ?? '');
  return [...attributes, ...urls];
}

before(async () => {
  fixture = await dashboardStore();
  // A hostile value in a parameter and in the data query of the child run.
  const registry = new RunRegistry(fixture.store);
  const [row] = await fixture.store.query('SELECT params FROM ml_runs WHERE run_id = ?', [fixture.child]);
  const params = { ...(JSON.parse(String(row!['params'])) as Record<string, unknown>), note: HOSTILE };
  await registry.update(fixture.child, { params: JSON.stringify(params) });
});

describe('run report', () => {
  it('is one self-contained document: only data: URIs and #anchors, no script, no external style', async () => {
    const html = await runReportHtml(fixture.store, fixture.gan);
    const refs = references(html);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(ref.startsWith('data:') || ref.startsWith('#'), `a reference that would load something: ${ref.slice(0, 80)}`);
    assert.doesNotMatch(html, /<script\b/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /@import/i);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/)/i, 'no address but the SVG namespace');
  });

  it('holds the run id, parameters, provenance, an inline SVG chart, embedded sample grids, evaluations and lineage', async () => {
    const html = await runReportHtml(fixture.store, fixture.gan);
    assert.ok(html.includes(`Run ${fixture.gan}`));
    assert.match(html, /<svg\b/);
    const images = html.match(/data:image\/png;base64,/g) ?? [];
    assert.ok(images.length >= 3, `two epochs' sample grids and a contact sheet, got ${images.length}`);
    const [params] = await fixture.store.query('SELECT params, env FROM ml_runs WHERE run_id = ?', [fixture.gan]);
    const parsed = JSON.parse(String(params!['params'])) as Record<string, unknown>;
    const scalars = Object.entries(parsed).filter(([, v]) => typeof v === 'number' && Number.isInteger(v));
    assert.ok(scalars.length >= 2);
    for (const [key, value] of scalars) assert.ok(html.includes(`<th>${key}</th><td class="v">${String(value)}</td>`), `parameter ${key}`);
    const env = JSON.parse(String(params!['env'])) as Record<string, unknown>;
    assert.ok(Object.keys(env).some((k) => html.includes(`<th>${k}</th>`)), 'the provenance');
    const evaluations = await fixture.store.query("SELECT metric, value FROM ml_evaluations WHERE run_id = ? AND (condition IS NULL OR condition = '')", [fixture.gan]);
    assert.ok(evaluations.length > 0);
    for (const e of evaluations) {
      assert.ok(html.includes(`<td class="v">${String(e['metric'])}</td><td class="v">${String(Number(Number(e['value']).toPrecision(5)))}</td>`), `evaluation ${String(e['metric'])}`);
    }
    assert.ok(html.includes(`${fixture.gan} (this run)`), 'lineage marks the run');
    assert.ok(html.includes(fixture.child), 'lineage names the child');
  });

  it('escapes a hostile store value', async () => {
    const html = await runReportHtml(fixture.store, fixture.child);
    assert.ok(!html.includes(HOSTILE));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('refuses an unknown run with E_ML_RUN', async () => {
    await assert.rejects(runReportHtml(fixture.store, 'no-such-run'), (e: unknown) => e instanceof MlError && e.code === 'E_ML_RUN');
  });

  it('picks the last epoch and earlier ones spread evenly for the sample grids', () => {
    const epochs = Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, FILE_samples: `s${i + 1}.png` }) as EpochRecord);
    assert.deepEqual(sampleEpochs(epochs, 4).map((e) => e.epoch), [1, 4, 7, 10]);
    assert.deepEqual(sampleEpochs(epochs.slice(0, 2), 4).map((e) => e.epoch), [1, 2]);
  });

  it('writes the file atomically from the library and from `dsi report`, which exits 0', async () => {
    const out = path.join(fixture.dir, 'lib-report.html');
    const bytes = await writeRunReport(fixture.store, fixture.gan, out);
    assert.equal(fs.statSync(out).size, bytes);
    const cli = path.join(fixture.dir, 'cli-report.html');
    const r = spawnSync(process.execPath, [CLI, '--db', fixture.db, 'report', '--run', fixture.gan, '--out', cli], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /report of .*cli-report\.html/);
    const html = fs.readFileSync(cli, 'utf8');
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes(fixture.gan));
    const missing = spawnSync(process.execPath, [CLI, '--db', fixture.db, 'report', '--run', 'no-such-run', '--out', path.join(fixture.dir, 'x.html')], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^dsi: .*no-such-run/);
    assert.ok(!fs.existsSync(path.join(fixture.dir, 'x.html')));
  });
});
