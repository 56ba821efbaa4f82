/**
 * The dashboard end to end, in headless Chromium (Debian's, driven by playwright-core) over a
 * store with real runs (test/helpers/dashboard-store.ts): every page opens without a console
 * error and shows its data; the gallery filters by a parameter; a training run started in another
 * process is followed live; three images are reviewed with the keyboard and the verdicts are found
 * in ml_reviews; a report and a Cinema database's viewer open from disk with the network off.
 * Screenshots of every page are saved in test-artifacts/dashboard/.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDashboard, type RunningDashboard } from '../src/server/index.js';
import { browserMissing, launchBrowser, screenshot, watchProblems } from './helpers/browser.js';
import { dashboardStore, type DashboardStore } from './helpers/dashboard-store.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// The functions given to page.evaluate run inside Chromium; this file compiles without the DOM's types.
declare const document: any;
declare const window: any;
declare const MutationObserver: any;
interface PageImage {
  readonly complete: boolean;
  readonly naturalWidth: number;
}

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
const missing = browserMissing();

let fx: DashboardStore;
let dashboard: RunningDashboard;
let browser: Browser;

before(async () => {
  if (missing !== undefined) return;
  fx = await dashboardStore();
  dashboard = await startDashboard({ db: fx.db, backend: 'sqlite', host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
});

/** A new page at `hash` of the dashboard, watched for console errors and failed requests. */
async function open(hash: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = watchProblems(page);
  await page.goto(`${dashboard.url}#/${hash}`);
  return { page, problems };
}

/**
 * Waits until the `img`s matching `selector` (the first `first` of them, scrolled into view, as
 * lazy images load only near it) have loaded with a size: a broken image fails.
 */
async function imagesLoaded(page: Page, selector: string, first = Infinity): Promise<number> {
  if (Number.isFinite(first)) await page.locator(selector).nth(first - 1).scrollIntoViewIfNeeded();
  await page.waitForFunction(([s, n]) => {
    const images = ([...document.querySelectorAll(s)] as PageImage[]).slice(0, n);
    return images.length > 0 && images.every((i: PageImage) => i.complete);
  }, [selector, first] as const);
  const sizes = (await page.$$eval(selector, (images) => (images as unknown as PageImage[]).map((i) => i.naturalWidth))).slice(0, first);
  assert.ok(sizes.every((w) => w > 0), `every ${selector} shows an image (widths ${sizes.join(', ')})`);
  return sizes.length;
}

const count = async (sql: string, params: (string | number)[] = []): Promise<number> => Number((await fx.store.query(sql, params))[0]!['n']);

describe('the dashboard in a browser', { skip: missing }, () => {
  it('the landing page shows the tables with their row counts and the runs with their state, without a click', async () => {
    const { page, problems } = await open('');
    await page.getByText(fx.gan).first().waitFor();
    const text = await page.textContent('main');
    assert.match(text ?? '', /digits/);
    assert.match(text ?? '', /256/);
    for (const run of [fx.gan, fx.child, fx.classifier]) assert.ok(text?.includes(run), run);
    assert.match(text ?? '', /finished/);
    await screenshot(page, '01-landing');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('tables: the ER diagram, a table paged and sorted with thumbnails, a find condition and its error', async () => {
    const list = await open('tables');
    await list.page.locator('svg .er-table[data-table="digits"]').waitFor();
    await list.page.getByLabel("show the run registry's tables").check();
    await list.page.locator('svg .er-table[data-table="ml_runs"]').waitFor();
    const drawn = await list.page.$$eval('svg .er-table', (ts) => ts.map((t: any) => t.getAttribute('data-table')));
    assert.ok(drawn.includes('ml_runs') && drawn.includes('ml_predictions'), `the run registry's tables are drawn too: ${drawn.join(', ')}`);
    await screenshot(list.page, '02-tables');
    assert.deepEqual(list.problems, []);
    await list.page.close();

    const { page, problems } = await open('tables/digits');
    await page.getByText('256').first().waitFor();
    assert.equal(await imagesLoaded(page, 'img.thumb', 10), 10);
    await screenshot(page, '03-table-digits');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('the SQL box runs read-only SQL and shows the refusal of a write', async () => {
    const { page, problems } = await open('sql');
    const box = page.getByLabel('SQL');
    await box.fill('SELECT label, count(*) AS n FROM digits GROUP BY label ORDER BY label');
    await box.press('Control+Enter');
    await page.locator('table.rows tbody tr').nth(9).waitFor();
    assert.equal(await page.locator('table.rows tbody tr').count(), 10);
    await screenshot(page, '04-sql');
    await box.fill('DELETE FROM digits');
    await box.press('Control+Enter');
    await page.locator('.failure').waitFor();
    assert.match((await page.textContent('.failure')) ?? '', /read-only|E_READ_ONLY|write/i);
    assert.equal(await count('SELECT count(*) AS n FROM digits'), 256, 'nothing was deleted');
    assert.ok(problems.every((p) => /403/.test(p)), problems.join('\n'));
    await page.close();
  });

  it('the gallery shows a table as images and a select on a parameter narrows them to its rows', async () => {
    const { page, problems } = await open('gallery?table=digits');
    await imagesLoaded(page, '.tile img');
    await screenshot(page, '05-gallery');
    const threes = await count('SELECT count(*) AS n FROM digits WHERE label = 3');
    await page.selectOption('select[data-column="label"]', '3');
    await page.waitForFunction((n) => document.querySelectorAll('.tile').length === n, threes);
    const captions = await page.$$eval('.tile .caption', (cs) => cs.map((c) => c.textContent ?? ''));
    assert.ok(captions.every((c) => /label\D*3\b/.test(c)), captions.slice(0, 3).join(' | '));
    await imagesLoaded(page, '.tile img');
    await screenshot(page, '06-gallery-label-3');
    await page.locator('.tile').first().click();
    await page.locator('.lightbox').waitFor();
    assert.match((await page.textContent('.lightbox')) ?? '', /brightness/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('a run: curves per step and per epoch, sample grids, parameters and provenance; runs compared; lineage', async () => {
    const { page, problems } = await open(`runs/${fx.gan}`);
    await page.locator('[data-state="finished"]').waitFor();
    await imagesLoaded(page, 'img.chart');
    await imagesLoaded(page, '.samples img');
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /cdcgan/);
    assert.match(text, /SELECT/);
    await screenshot(page, '07-run');
    assert.deepEqual(problems, []);
    await page.close();

    const compare = await open(`compare?runs=${fx.gan},${fx.child}`);
    await imagesLoaded(compare.page, 'img.chart');
    assert.match((await compare.page.textContent('main')) ?? '', new RegExp(fx.child));
    await screenshot(compare.page, '08-compare');
    assert.deepEqual(compare.problems, []);
    await compare.page.close();

    const lineage = await open(`lineage/${fx.child}`);
    await lineage.page.locator(`[data-node]`).nth(2).waitFor();
    assert.match((await lineage.page.textContent('main')) ?? '', new RegExp(fx.gan));
    await screenshot(lineage.page, '09-lineage');
    assert.deepEqual(lineage.problems, []);
    await lineage.page.close();
  });

  it('evaluations and explanations show their values, charts and heat maps', async () => {
    const { page, problems } = await open('evaluations?metric=fid');
    await page.locator('table.rows tbody tr').first().waitFor();
    const table = (await page.textContent('table.rows')) ?? '';
    assert.ok(table.includes('fid') && table.includes('label=3'), 'FID overall and per condition');
    assert.ok(!table.includes('kid'), 'only the chosen metric');
    await imagesLoaded(page, 'img.chart');
    await screenshot(page, '10-evaluations');
    assert.deepEqual(problems, []);
    await page.close();

    const ex = await open('explanations');
    await imagesLoaded(ex.page, 'img.chart');
    await screenshot(ex.page, '11-explanations');
    assert.deepEqual(ex.problems, []);
    await ex.page.close();
  });

  it('three images reviewed with the keyboard land in ml_reviews with the reviewer, verdict, rating and time', async () => {
    const before = await count("SELECT count(*) AS n FROM ml_reviews WHERE source = 'dashboard'");
    const { page, problems } = await open(`review/${fx.gan}`);
    const reviewer = page.locator('#reviewer');
    await reviewer.fill('e2e-reviewer');
    await reviewer.press('Enter');
    await page.locator('.review-image img, img.review-image, .review img').first().waitFor();
    await imagesLoaded(page, 'main img');
    await screenshot(page, '12-review');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    const saved = (): Promise<unknown> => page.waitForResponse((r) => r.url().includes('/reviews') && r.request().method() === 'POST' && r.ok());
    for (const key of ['4', 'a', 'r', '5', 'a']) {
      const done = saved();
      await page.keyboard.press(key);
      await done;
    }
    const rows = await fx.store.query("SELECT prediction_id, reviewer, verdict, rating, source, created_at FROM ml_reviews WHERE source = 'dashboard' ORDER BY created_at, batch_index");
    assert.equal(rows.length - before, 5, 'five answers, each stored as given');
    const mine = rows.filter((r) => r['reviewer'] === 'e2e-reviewer');
    assert.equal(mine.length, 5);
    assert.deepEqual(mine.map((r) => [r['verdict'], r['rating']]), [[null, 4], ['accept', null], ['reject', null], [null, 5], ['accept', null]]);
    assert.equal(new Set(mine.map((r) => r['prediction_id'])).size, 3, 'three images');
    assert.ok(mine.every((r) => !Number.isNaN(Date.parse(String(r['created_at'])))));
    await screenshot(page, '13-review-after');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('a training run in another process is followed live: its epoch count rises on the page without a reload', async () => {
    const child = spawn(process.execPath, [bin, '--db', fx.db, 'ml', 'train', '--table', 'digits', '--cond-cols', 'label', '--epochs', '4', '--batch', '16', '--seed', '11', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let runId: string | undefined;
    for (let i = 0; i < 600 && runId === undefined; i++) {
      const rows = await fx.store.query("SELECT run_id FROM ml_runs WHERE seed = 11 AND status = 'running'");
      runId = rows[0]?.['run_id'] as string | undefined;
      if (runId === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(runId, `the run started: ${output}`);
    const { page, problems } = await open(`runs/${runId}`);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenEpochs: string[] }).seenEpochs = seen;
      const record = (): void => {
        const t = document.querySelector('[data-epochs]')?.textContent ?? '';
        if (seen.at(-1) !== t) seen.push(t);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
      record();
    });
    await page.locator('[data-state="finished"]').waitFor({ timeout: 240_000 });
    assert.equal(await exited, 0, output);
    await page.waitForFunction(() => document.querySelector('[data-epochs]')?.textContent === '4');
    const seen = await page.evaluate(() => (window as unknown as { seenEpochs: string[] }).seenEpochs);
    assert.ok(seen.length >= 2, `the page changed while the run trained: ${seen.join(' → ')}`);
    await imagesLoaded(page, 'img.chart');
    await screenshot(page, '14-run-live-finished');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('a report opens from disk with the network off and makes no request', async () => {
    const out = path.join(fx.dir, 'report.html');
    const r = spawnSync(process.execPath, [bin, '--db', fx.db, 'report', '--run', fx.gan, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pathToFileURL(out).href) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(pathToFileURL(out).href);
    await imagesLoaded(page, 'img');
    assert.ok((await page.locator('svg').count()) > 0, 'inline charts');
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), []);
    assert.match((await page.textContent('body')) ?? '', new RegExp(fx.gan));
    await screenshot(page, '15-report');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a Cinema database written by dsi write opens from disk in its own viewer, and in dsi serve X.cdb', async () => {
    const cdb = path.join(fx.dir, 'fours.cdb');
    const r = spawnSync(process.execPath, [bin, '--db', fx.db, 'write', cdb, '--query', 'SELECT id, label, brightness, FILE FROM digits WHERE label IN (4, 7) ORDER BY id'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cdb, 'index.html')));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watchProblems(page);
    await page.goto(pathToFileURL(path.join(cdb, 'index.html')).href);
    await imagesLoaded(page, 'img');
    const shown = await page.locator('img').count();
    assert.equal(shown, await count('SELECT count(*) AS n FROM digits WHERE label IN (4, 7)'));
    await screenshot(page, '16-cinema-viewer');
    assert.deepEqual(problems, []);
    await page.close();

    const served = await startDashboard({ db: '', backend: 'sqlite', cinema: cdb, host: '127.0.0.1', port: 0 });
    try {
      const gallery = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const galleryProblems = watchProblems(gallery);
      await gallery.goto(`${served.url}#/gallery`);
      await imagesLoaded(gallery, '.tile img');
      await screenshot(gallery, '17-serve-cdb-gallery');
      assert.deepEqual(galleryProblems, []);
      await gallery.close();
    } finally {
      await served.close();
    }
  });
});
