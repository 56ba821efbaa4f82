/**
 * `show()` without Jupyter: what it makes of each kind of value (rows, a store's table or query,
 * image rows, decoded images, a run, an evaluation, an explanation), the bundles it sends through
 * the display channel, the text it prints outside a notebook, and the kernel's two source-level
 * helpers (one-line errors, shorthand properties). The example notebooks run under Jupyter in
 * notebook-examples.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { StoreError } from '../src/index.js';
import type { LoadedImages } from '../src/images/load-images.js';
import { trainGan, type EvaluationResult, type ExplanationResult } from '../src/ml/index.js';
import { openDisplayChannel, type MimeBundle, type MimeMetadata } from '../src/notebook/display-channel.js';
import { errorLine } from '../src/notebook/error-line.js';
import { show, showOutputs, VEGA_LITE_MIME } from '../src/notebook/index.js';
import { expandShorthandProperties } from '../src/notebook/kernel.js';
import type { Store } from '../src/store/store.js';
import { browserMissing, launchBrowser } from './helpers/browser.js';
import { makeMnistStore } from './helpers/mnist-store.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

let dir: string;
let store: Store;

before(async () => {
  dir = tempDir('dsi-notebook-show-');
  store = (await makeMnistStore(dir, 64)).store;
});
after(async () => {
  await store.close();
  removeTempDirs();
});

// The function given to $eval runs inside Chromium; this file compiles without the DOM's types.
declare const getComputedStyle: (element: unknown) => { fontWeight: string };

const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `row ${i}`, value: i / 3 }));

describe('rows', () => {
  it('are an HTML table paged by radio buttons, and an aligned text table', async () => {
    const [out] = await showOutputs(rowsOf(45), { pageSize: 20 });
    assert.ok(out?.html);
    assert.equal(out.html.match(/<tbody/g)?.length, 3, 'three pages of 20, 20 and 5 rows');
    assert.equal(out.html.match(/type="radio"/g)?.length, 3);
    assert.equal(out.html.match(/<tr>/g)?.length, 46, 'a header row and every row');
    assert.match(out.html, /<th>id<\/th><th>name<\/th><th>value<\/th>/);
    assert.match(out.text, /^id\s+name\s+value$/m);
    assert.match(out.text, /^44\s+row 44\s+14\.6666666667$/m);
  });

  it('page in a browser by CSS alone: one page shown, a click on a page number shows that one', async (t) => {
    const missing = browserMissing();
    if (missing) return t.skip(missing);
    const [out] = await showOutputs(rowsOf(45), { pageSize: 20 });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent(`<!doctype html><body>${out!.html!}</body>`);
      const visibleIds = () => page.$$eval('tbody tr', (trs) => trs.filter((tr) => (tr as unknown as { offsetParent: unknown }).offsetParent !== null).map((tr) => tr.firstElementChild!.textContent));
      assert.deepEqual(await visibleIds(), Array.from({ length: 20 }, (_, i) => String(i)));
      await page.click('label:text-is("3")');
      assert.deepEqual(await visibleIds(), ['40', '41', '42', '43', '44']);
      assert.equal(await page.$eval('label:text-is("3")', (l) => getComputedStyle(l).fontWeight), '700', 'the page shown is marked');
      // Where a viewer strips the buttons, every page shows rather than none.
      await page.setContent(`<!doctype html><body>${out!.html!.replace(/<input[^>]*>/g, '')}</body>`);
      assert.equal((await visibleIds()).length, 45);
    } finally {
      await browser.close();
    }
  });

  it('embed at most maxRows and say how many there are', async () => {
    const [out] = await showOutputs(rowsOf(450), { maxRows: 100 });
    assert.equal(out?.html?.match(/<tr>/g)?.length, 101);
    assert.match(out!.html!, /showing 100 of 450 rows; raise maxRows to embed more/);
    assert.match(out!.text, /showing 50 of 450 rows/, 'the text shows at most 50 lines');
  });

  it('escape what the store holds', async () => {
    const [out] = await showOutputs([{ '<b>col': '<script>alert(1)</script>', n: null }]);
    assert.doesNotMatch(out!.html!, /<script>|<b>col/);
    assert.match(out!.html!, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('of no columns say so', async () => {
    const [out] = await showOutputs([]);
    assert.match(out!.text, /\(no rows\)/);
    assert.match(out!.html!, /no rows/);
  });

  it('come from a store: a table (paged in SQL, with its count), a query with parameters, the list of tables', async () => {
    const [table] = await showOutputs(store, { table: 'digits', maxRows: 10, as: 'table' });
    assert.match(table!.html!, /showing 10 of 64 rows/);
    const [query] = await showOutputs(store, { query: 'SELECT id, label FROM digits WHERE label = ? ORDER BY id', params: [3] });
    const threes = (await store.query('SELECT count(*) AS n FROM digits WHERE label = 3'))[0]!['n'];
    assert.equal(query!.html!.match(/<tr>/g)?.length, Number(threes) + 1);
    const [list] = await showOutputs(store);
    assert.match(list!.text, /^digits\s+5\s+64$/m);
  });

  it('and a Map (relations) become rows with a key column', async () => {
    const [out] = await showOutputs(new Map([['t', { primaryKey: 'id' }]]));
    assert.match(out!.text, /^t\s+id$/m);
  });
});

describe('images', () => {
  it('of a FILE column are a grid of thumbnails with their parameters', async () => {
    const [out] = await showOutputs(store, { query: 'SELECT id, label, FILE FROM digits ORDER BY id LIMIT 5' });
    assert.equal(out!.html!.match(/src="data:image\/png;base64,/g)?.length, 5);
    assert.match(out!.html!, /label<\/span> \d/);
    assert.match(out!.text, /^5 images$/m);
    assert.match(out!.text, /^00000\.png 28×28 {2}id=0 label=\d$/m);
  });

  it('missing or not images are named in place; URLs and as: "table" give a table', async () => {
    fs.writeFileSync(path.join(dir, 'notes.png'), 'not a png');
    const rows = [{ FILE: 'images/00000.png' }, { FILE: 'nowhere.png' }, { FILE: 'notes.png' }];
    const [grid] = await showOutputs(rows, { store });
    assert.match(grid!.text, /nowhere\.png \(file missing\)/);
    assert.match(grid!.text, /notes\.png \(not an image\)/);
    const [urls] = await showOutputs([{ FILE: 'https://example.org/a.png' }]);
    assert.doesNotMatch(urls!.html!, /<img/);
    const [table] = await showOutputs(rows, { store, as: 'table' });
    assert.doesNotMatch(table!.html!, /<img/);
    await assert.rejects(showOutputs([{ a: 1 }], { as: 'images' }), (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' && /no FILE column/.test(e.message));
  });

  it('decoded by loadImages are drawn from their pixels (planes interleaved right)', async () => {
    // Two 3 × 2 RGB images; pixel values say their channel, row and column.
    const [h, w, c] = [2, 3, 3];
    const pixels = new Uint8Array(2 * c * h * w);
    for (let n = 0; n < 2; n++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) pixels[n * c * h * w + ch * h * w + i] = n * 100 + ch * 30 + i;
    const images: LoadedImages = { pixels, count: 2, channels: 3, height: h, width: w, columns: { t: [1, 2] }, files: ['/x/a.png', '/x/b.png'], cache: 'off', decoded: 2 };
    const [out] = await showOutputs(images);
    const uris = [...out!.html!.matchAll(/data:image\/png;base64,([^"]+)/g)].map((m) => Buffer.from(m[1]!, 'base64'));
    assert.equal(uris.length, 2);
    const second = PNG.sync.read(uris[1]!);
    assert.deepEqual([second.width, second.height], [w, h]);
    for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) assert.equal(second.data[i * 4 + ch], 100 + ch * 30 + i);
    assert.match(out!.text, /^b\.png 3×2 {2}t=2$/m);
  });
});

const evaluation: EvaluationResult = {
  run_id: 'gan-1',
  feature_run_id: 'classifier-1',
  epoch: 3,
  source: 'generated',
  n_real: 100,
  n_generated: 60,
  metrics: { fid: 12.5, precision: 0.7 },
  per_condition: [
    { condition: 'label=0', n_real: 50, n_generated: 30, metrics: { fid: 10, precision: 0.8 } },
    { condition: 'label=1', n_real: 50, n_generated: 30, metrics: { fid: 15, precision: 0.6 } },
  ],
  per_epoch: [
    { epoch: 1, metrics: { fid: 30 } },
    { epoch: 3, metrics: { fid: 12.5 } },
  ],
  predictions_scored: 0,
  warnings: [],
  timings: { generation: 0, features: 0, metrics: 0, total: 0 } as EvaluationResult['timings'],
  files: {},
};

type Spec = { data: { values: Record<string, unknown>[] }; title: string };

describe('charts', () => {
  it('of an evaluation: its table, FID per condition and per epoch as Vega-Lite with a PNG at half its pixels', async () => {
    const outs = await showOutputs(evaluation);
    assert.equal(outs.length, 3);
    assert.match(outs[0]!.text, /^\(all\)\s+100\s+60\s+12\.5\s+0\.7$/m);
    const perCondition = outs[1]!.vegaLite as Spec;
    assert.deepEqual(perCondition.data.values.map((v) => [v['label'], v['value']]), [['label=0', 10], ['label=1', 15]]);
    const png = PNG.sync.read(outs[1]!.png!);
    assert.deepEqual(outs[1]!.pngSize, { width: png.width / 2, height: png.height / 2 });
    assert.deepEqual((outs[2]!.vegaLite as Spec).data.values.map((v) => [v['x'], v['y']]), [[1, 30], [3, 12.5]]);
    const [, precision] = await showOutputs(evaluation, { metric: 'precision' });
    assert.match(precision!.text, /^precision per condition/);
    await assert.rejects(showOutputs(evaluation, { metric: 'nope' }), /has no metric "nope" for metric; it has fid, precision/);
  });

  it('of an explanation: the largest values first, the rest summed, so the bars add up to prediction − base', async () => {
    const values = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, (i % 2 ? -1 : 1) * (i + 1) * 0.01]));
    const sum = Object.values(values).reduce((a, b) => a + b, 0);
    const explanation = { explanation_id: 'shap-1', run_id: 'r', kind: 'regressor', target: 'row 1', method: 'exact', output: 'y', prediction: 2 + sum, base_value: 2, values } as unknown as ExplanationResult;
    const [chart] = await showOutputs(explanation);
    const bars = (chart!.vegaLite as Spec).data.values;
    assert.equal(bars.length, 21);
    assert.equal(bars[0]!['label'], 'f24');
    assert.equal(bars[20]!['label'], '(5 others)');
    assert.ok(Math.abs(bars.reduce((a, b) => a + Number(b['value']), 0) - sum) < 1e-12);
    assert.match((chart!.vegaLite as Spec).title, /^SHAP values: 2 \(base\) \+ Σ = 2\.13 \(prediction\)/);
  });
});

describe('a run', () => {
  it('is a card with its state, step curve and last samples; it needs its store', async () => {
    const run = await trainGan(store, { table: 'digits', conditionColumns: ['label'], epochs: 1, batch: 32, seed: 1, threads: 2 });
    const [card] = await showOutputs(run, { store });
    assert.match(card!.html!, new RegExp(`<b>${run.run_id}</b> · gan · cdcgan`));
    assert.match(card!.html!, /src="data:image\/svg\+xml;base64,/, 'the loss curve');
    assert.match(card!.html!, /samples after epoch 1/);
    assert.match(card!.text, /^ {2}epochs: 1 of 1$/m);
    const [same] = await showOutputs(store, { run: run.run_id });
    assert.equal(same!.text, card!.text);
    await assert.rejects(showOutputs(run), /a run is read from its store; pass it as store/);
    await assert.rejects(showOutputs(store, { run: run.run_id, table: 'digits' }), /give one of table, query and run/);
    await assert.rejects(showOutputs(rowsOf(1), { table: 'digits' }), /table is read from a store/);
  });
});

describe('where the output goes', () => {
  it('in a notebook: one bundle per output through the display channel, charts with their Vega-Lite schema and PNG size', async () => {
    const sent: [MimeBundle, MimeMetadata | undefined][] = [];
    openDisplayChannel((bundle, metadata) => sent.push([bundle, metadata]));
    try {
      await show(evaluation);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('dsi-ts.notebook.display')];
    }
    assert.equal(sent.length, 3);
    assert.ok(typeof sent[0]![0]['text/html'] === 'string' && typeof sent[0]![0]['text/plain'] === 'string');
    const chart = sent[1]!;
    assert.equal((chart[0][VEGA_LITE_MIME] as { $schema: string }).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
    assert.equal(typeof chart[0]['image/png'], 'string');
    assert.ok(Number((chart[1]!['image/png'] as { width: number }).width) > 100);
  });

  it('elsewhere: the text on stdout', async () => {
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => written.push(String(s)) > 0) as typeof process.stdout.write;
    try {
      await show([{ a: 1, b: 'x' }]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(written.join(''), 'a      b\n───    ───\n1      x\n');
  });
});

describe('the kernel', () => {
  it('says what an error was in one line', () => {
    assert.equal(errorLine(new StoreError('E_SQL', 'query: SQL error: no such table: x\n  at line 2')), 'dsi: query: SQL error: no such table: x at line 2 (E_SQL)');
    assert.equal(errorLine(new TypeError('x is not a function')), 'TypeError: x is not a function');
    const fsError = Object.assign(new Error("ENOENT: no such file or directory, open 'nope.csv'"), { code: 'ENOENT', syscall: 'open', path: 'nope.csv' });
    assert.match(errorLine(fsError), /^dsi: .*nope\.csv/);
  });

  it('spells shorthand properties out, which tslab would leave pointing at nothing', () => {
    const ts = createRequire(import.meta.url)('@tslab/typescript-for-tslab');
    assert.equal(expandShorthandProperties(ts, 'await show(run, { store });'), 'await show(run, { store: store });');
    assert.equal(expandShorthandProperties(ts, 'f({ a, b: 1, c }, { d })'), 'f({ a: a, b: 1, c: c }, { d: d })');
    assert.equal(expandShorthandProperties(ts, '({ a = 1 } = o);'), '({ a = 1 } = o);', 'a destructuring default stays');
    assert.equal(expandShorthandProperties(ts, "const s = '{ store }';"), "const s = '{ store }';", 'text in strings stays');
  });
});
