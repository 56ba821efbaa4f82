/**
 * Tabular emulators: the encoding (standardised numbers, one-hot text, refusals naming row and
 * column); the linear models against known coefficients and closed forms (least squares exact,
 * ridge → least squares as α → 0, lasso's soft-thresholding on an orthogonal design); the four
 * metrics by hand; forest, k-NN and MLP fitting smooth functions, seed-deterministic; the grid
 * search's choice and its recorded candidates; the run, its evaluations and checkpoint; predict
 * into a new table that joins back; the CLI; bad input that stores nothing; the wildfire example
 * end to end.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { Store } from '../src/store/store.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';
import { RunRegistry, loadEmulator, predictEmulator, regressionMetrics, trainEmulator, type TrainEmulatorOptions } from '../src/ml/index.js';
import { mixSeed, SeededRandom, seededPermutation } from '../src/ml/data/seeded-random.js';
import { encodeColumns, featureKinds, fitEncoding } from '../src/ml/tabular/feature-encoding.js';
import { fitLasso, fitLeastSquares } from '../src/ml/tabular/models/linear-models.js';
import { RegressionForest } from '../src/ml/tabular/models/regression-forest.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const WILDFIRE = path.join(ROOT, 'examples', 'wildfiredata_full.csv');

let dir: string;
let db: string;
let store: Store;
let startTensors = 0;

/** A seeded uniform stream in [lo, hi). */
function uniform(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 16777216) * (hi - lo);
  };
}

/** Writes rows as a CSV file and reads it into table `name`. */
async function table(name: string, header: string[], rows: (number | string)[][]): Promise<void> {
  const file = path.join(dir, `${name}.csv`);
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.map(String).join(','))].join('\n') + '\n');
  await store.read(file, { table: name });
}

async function count(sql: string): Promise<number> {
  return Number((await store.query(sql))[0]!['n']);
}

async function runCount(): Promise<number> {
  return (await store.tables()).includes('ml_runs') ? count('SELECT count(*) AS n FROM ml_runs') : 0;
}

async function rejectsMl(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** y = 3a − 2b + 0.5 (+ noise), a in [0, 100), b in [−5, 5), c irrelevant. */
function linearRows(n: number, noise: number, seed: number): number[][] {
  const u = uniform(seed);
  return Array.from({ length: n }, () => {
    const a = u(0, 100);
    const b = u(-5, 5);
    const c = u(10, 20);
    return [a, b, c, 3 * a - 2 * b + 0.5 + noise * u(-1, 1)];
  });
}

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-emulator-'));
  db = path.join(dir, 'e.db');
  store = await openStore(db);
  await table('exact', ['a', 'b', 'c', 'y'], linearRows(60, 0, 1));
  await table('noisy', ['a', 'b', 'c', 'y'], linearRows(200, 0.01, 2));
  const u = uniform(3);
  const effect: Record<string, number> = { hi: 4, lo: -3, mid: 0 };
  const levels = Object.keys(effect);
  await table(
    'levels',
    ['x', 'kind', 'y'],
    Array.from({ length: 90 }, (_, i) => {
      const x = u(0, 10);
      const kind = levels[i % 3]!;
      return [x, kind, 2 + 1.5 * x + effect[kind]!];
    }),
  );
  const v = uniform(4);
  await table(
    'smooth',
    ['a', 'b', 'y'],
    Array.from({ length: 600 }, () => {
      const a = v(-1, 1);
      const b = v(-1, 1);
      return [a, b, Math.sin(2 * a) + b * b];
    }),
  );
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor the emulators made is freed');
});

describe('encoding', () => {
  it('standardises numbers with the population std of the fitted rows and one-hot encodes text with sorted levels', () => {
    const columns = [
      [1, 2, 3, 4],
      ['b', 'a', 'b', 'c'],
      [7, 7, 7, 7],
    ];
    const kinds = featureKinds(['n', 't', 'k'], columns, 'query');
    assert.deepEqual(kinds, ['numeric', 'text', 'numeric']);
    const rows = Int32Array.of(0, 1, 2, 3);
    const enc = fitEncoding(['n', 't', 'k'], kinds, columns, rows);
    assert.deepEqual(enc.columns, ['n', 't=a', 't=b', 't=c', 'k']);
    const n = enc.features[0]!;
    assert.ok(n.kind === 'numeric');
    assert.equal(n.mean, 2.5);
    assert.equal(n.std, Math.sqrt(1.25), 'population std (ddof 0)');
    const k = enc.features[2]!;
    assert.ok(k.kind === 'numeric' && k.std === 1, 'a constant column gets std 1');
    const x = encodeColumns(enc, columns, Int32Array.of(1), 'query');
    assert.deepEqual([...x], [(2 - 2.5) / Math.sqrt(1.25), 1, 0, 0, 0]);
  });

  it('refuses a NULL, a column mixing numbers and text, and an unseen level, naming row and column', () => {
    assert.throws(() => featureKinds(['a'], [[1, null]], 'query'), /feature "a" is NULL in row 2 of the query/);
    assert.throws(() => featureKinds(['a'], [[1, 'x']], 'query'), /feature "a" mixes numbers \(row 1: 1\) and text \(row 2: "x"\)/);
    const enc = fitEncoding(['t'], ['text'], [['a', 'b']], Int32Array.of(0, 1));
    assert.throws(() => encodeColumns(enc, [['z']], Int32Array.of(0), 'query'), /feature "t" is "z" in row 1 of the query, a level the model was not trained on \(its levels: "a", "b"\)/);
  });
});

describe('linear models', () => {
  it('linear recovers y = 3a − 2b + 0.5 in raw units (to 1e-6 without noise, 1e-3 with a little)', async () => {
    for (const [name, tolerance] of [
      ['exact', 1e-6],
      ['noisy', 1e-3],
    ] as const) {
      const r = await trainEmulator(store, { model: 'linear', table: name, target: 'y', features: ['a', 'b', 'c'], seed: 1 });
      using e = await loadEmulator(store, r.run_id);
      const { intercept, coefficients } = e.coefficients!;
      assert.ok(Math.abs(coefficients['a']! - 3) < tolerance, `${name}: a ${coefficients['a']}`);
      assert.ok(Math.abs(coefficients['b']! + 2) < tolerance, `${name}: b ${coefficients['b']}`);
      assert.ok(Math.abs(coefficients['c']!) < tolerance, `${name}: c ${coefficients['c']}`);
      assert.ok(Math.abs(intercept - 0.5) < tolerance * 20, `${name}: intercept ${intercept}`);
      if (name === 'exact') assert.ok(r.metrics.mse < 1e-18 && r.metrics.r2 > 1 - 1e-12, `exact data fit exactly: ${JSON.stringify(r.metrics)}`);
    }
  });

  it('ridge with α → 0 equals least squares; larger α shrinks the weights', () => {
    const u = uniform(9);
    const n = 50;
    const x = new Float64Array(n * 3).map(() => u(-2, 2));
    const y = Float64Array.from({ length: n }, (_, i) => x[i * 3]! - 0.5 * x[i * 3 + 1]! + 0.1 * u(-1, 1));
    const data = { x, y, rows: n, width: 3 };
    const ls = fitLeastSquares(data, 0);
    const ridge = fitLeastSquares(data, 1e-10);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(ls.weights[j]! - ridge.weights[j]!) < 1e-9, `weight ${j}`);
    assert.ok(Math.abs(ls.intercept - ridge.intercept) < 1e-9);
    const strong = fitLeastSquares(data, 100);
    assert.ok(Math.abs(strong.weights[0]!) < Math.abs(ls.weights[0]!) * 0.8, 'α = 100 shrinks');
  });

  it('lasso on an orthogonal standardised design is soft-thresholding: w = S(xᵀy/n, α)', () => {
    // Columns ±1 in the patterns ++−−, +−+−, +−−+: mean 0, variance 1, orthogonal.
    const pattern = [
      [1, 1, 1],
      [1, -1, -1],
      [-1, 1, -1],
      [-1, -1, 1],
    ];
    const n = 40;
    const x = new Float64Array(n * 3);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = pattern[i % 4]!;
      x.set(p, i * 3);
      y[i] = 5 + 3 * p[0]! + 0.2 * p[1]! - 1 * p[2]!;
    }
    const alpha = 0.5;
    const fit = fitLasso({ x, y, rows: n, width: 3 }, alpha);
    const soft = (z: number) => Math.sign(z) * Math.max(Math.abs(z) - alpha, 0);
    assert.deepEqual([...fit.weights].map((w) => +w.toFixed(12)), [soft(3), soft(0.2), soft(-1)].map((w) => +w.toFixed(12)));
    assert.equal(fit.weights[1], 0, 'the weak column is exactly zero');
    assert.ok(Math.abs(fit.intercept - 5) < 1e-12 && fit.converged === true);
  });

  it('lasso zeroes an irrelevant feature that least squares keeps', async () => {
    const r = await trainEmulator(store, { model: 'lasso', table: 'noisy', target: 'y', features: ['a', 'b', 'c'], alpha: 0.05, seed: 1 });
    using e = await loadEmulator(store, r.run_id);
    const c = e.coefficients!.coefficients;
    assert.equal(c['c'], 0, 'c carries no signal');
    assert.ok(Math.abs(c['a']! - 3) < 0.01 && Math.abs(c['b']! + 2) < 0.05, JSON.stringify(c));
    assert.ok(r.metrics.r2 > 0.999);
  });

  it("one-hot encoding recovers each level's effect (level coefficients sum to zero, differences are the effects)", async () => {
    const r = await trainEmulator(store, { model: 'linear', table: 'levels', target: 'y', features: ['x', 'kind'], seed: 5 });
    using e = await loadEmulator(store, r.run_id);
    const { intercept, coefficients: c } = e.coefficients!;
    assert.deepEqual(e.encoding.columns, ['x', 'kind=hi', 'kind=lo', 'kind=mid']);
    assert.ok(Math.abs(c['x']! - 1.5) < 1e-9);
    assert.ok(Math.abs(c['kind=hi']! - c['kind=mid']! - 4) < 1e-9);
    assert.ok(Math.abs(c['kind=lo']! - c['kind=mid']! + 3) < 1e-9);
    assert.ok(Math.abs(c['kind=hi']! + c['kind=lo']! + c['kind=mid']!) < 1e-9);
    assert.ok(Math.abs(intercept + c['kind=mid']! - 2) < 1e-9, 'intercept + the mid level = the base 2');
    assert.deepEqual([...e.predict([[1, 'hi'], [1, 'lo']])].map((v) => +v.toFixed(9)), [7.5, 0.5]);
  });
});

describe('metrics', () => {
  it('MSE, RMSE, MAE and R² match a hand computation', () => {
    // errors −0.5, 0, 1, −1: SSE 2.25; mean 2.5, SS_tot 5.
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2, 5]);
    assert.deepEqual(m, { mse: 0.5625, rmse: 0.75, mae: 0.625, r2: 0.55 });
    assert.equal(regressionMetrics([3, 3], [3, 3]).r2, 1, 'constant actual values, perfect: 1');
    assert.equal(regressionMetrics([3, 3], [3, 4]).r2, 0, 'constant actual values, imperfect: 0');
  });

  it('the stored metrics are those of the held-out rows the params list, recomputed from the checkpoint', async () => {
    await table('tiny', ['a', 'y'], [[1, 2], [2, 3.9], [3, 6.2], [4, 8.1], [5, 9.7], [6, 12.4], [7, 13.8], [8, 16.3], [9, 18.1], [10, 19.9]]);
    const before = await runCount();
    const r = await trainEmulator(store, { model: 'linear', table: 'tiny', target: 'y', features: ['a'], testSize: 0.3, seed: 11 });
    assert.equal(await runCount(), before + 1);
    const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
    assert.deepEqual([run.kind, run.model, run.status, run.data_rows, run.seed], ['regressor', 'linear', 'finished', 10, 11]);
    assert.equal(run.data_query, 'SELECT * FROM "tiny" ORDER BY rowid');
    assert.match(run.data_hash, /^[0-9a-f]{64}$/);
    const split = run.params['split'] as { test_rows: number[]; n_train: number };
    assert.equal(split.test_rows.length, 3);
    assert.equal(split.n_train, 7);
    const data = await store.query(run.data_query);
    using e = await loadEmulator(store, r.run_id);
    const held = split.test_rows.map((k) => data[k - 1]!);
    const predicted = e.predict(held.map((row) => [row['a'] as number]));
    const actual = held.map((row) => Number(row['y']));
    const byHand = regressionMetrics(actual, predicted);
    const stored = await store.query("SELECT metric, value, n_real, condition FROM ml_evaluations WHERE run_id = ? AND source = 'test' ORDER BY metric", [r.run_id]);
    assert.deepEqual(
      stored.map((s) => [s['metric'], s['n_real'], s['condition']]),
      [
        ['mae', 3, null],
        ['mse', 3, null],
        ['r2', 3, null],
        ['rmse', 3, null],
      ],
    );
    for (const s of stored) assert.ok(Math.abs(Number(s['value']) - byHand[s['metric'] as 'mse']) < 1e-9, `${String(s['metric'])}`);
    assert.equal(await count(`SELECT count(*) AS n FROM ml_evaluations WHERE run_id = '${r.run_id}' AND source = 'train' AND n_real = 7`), 4);
    const checkpoint = path.join(dir, run.FILE_checkpoint!);
    assert.ok(fs.existsSync(path.join(checkpoint, 'emulator.json')));
  });
});

describe('random forest, k-NN and MLP', () => {
  it('a random forest fits a smooth function (R² > 0.9), the same forest for the same seed and another for another', async () => {
    const options: TrainEmulatorOptions = { model: 'random-forest', table: 'smooth', target: 'y', features: ['a', 'b'], trees: 30, seed: 7 };
    const a = await trainEmulator(store, options);
    const b = await trainEmulator(store, options);
    const c = await trainEmulator(store, { ...options, seed: 8 });
    assert.ok(a.metrics.r2 > 0.9, `R² ${a.metrics.r2}`);
    assert.deepEqual(a.metrics, b.metrics);
    const grid = Array.from({ length: 50 }, (_, i) => [i / 25 - 1, 0.3]);
    using ea = await loadEmulator(store, a.run_id);
    using eb = await loadEmulator(store, b.run_id);
    using ec = await loadEmulator(store, c.run_id);
    assert.deepEqual(ea.predict(grid), eb.predict(grid));
    assert.notDeepEqual(ea.predict(grid), ec.predict(grid));
  });

  it('a single deep tree on rows of distinct values reproduces every row of its bootstrap sample exactly', () => {
    const x = Float64Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    const y = Float64Array.of(5, 3, 8, 1, 9, 2, 7, 0, 6, 4, 11, 10);
    const seed = 1;
    const forest = RegressionForest.fit({ x, y, rows: 12, width: 1 }, 1, null, seed);
    const t = forest.trees[0]!;
    assert.ok(t.feature.length > 1 && t.feature.filter((f) => f === -1).length === (t.feature.length + 1) / 2, 'a binary tree in preorder');
    // The tree's bootstrap sample, drawn as the forest draws it (tree 0 of this seed).
    const rng = new SeededRandom(mixSeed(seed, 0, 0xf0e5));
    const drawn = new Set<number>();
    for (let i = 0; i < 12; i++) drawn.add(Math.floor(rng.next() * 12));
    assert.ok(drawn.size >= 4, `the bootstrap holds ${drawn.size} distinct rows`);
    const predictions = forest.predict(x, 12);
    // A grown-out tree gives each drawn row its own leaf: its own y, which no constant can match
    // since the drawn ys differ; a row left out gets the y of a drawn row.
    for (const r of drawn) assert.equal(predictions[r], y[r], `row ${r} (drawn): prediction ${predictions[r]}, y ${y[r]}`);
    const drawnYs = new Set([...drawn].map((r) => y[r]!));
    for (const p of predictions) assert.ok(drawnYs.has(p), `prediction ${p} is the y of a drawn row`);
    assert.equal(new Set(predictions).size, drawn.size, 'as many distinct predictions as drawn rows');
  });

  it('k-NN fits the smooth function (R² > 0.9) and distance weights reproduce the training rows', async () => {
    const r = await trainEmulator(store, { model: 'knn', table: 'smooth', target: 'y', features: ['a', 'b'], k: 5, seed: 3 });
    assert.ok(r.metrics.r2 > 0.9, `R² ${r.metrics.r2}`);
    const d = await trainEmulator(store, { model: 'knn', table: 'smooth', target: 'y', features: ['a', 'b'], k: 5, weights: 'distance', seed: 3 });
    assert.ok(d.train_metrics.mse === 0, 'a training row is its own nearest neighbour at distance 0');
    const again = await trainEmulator(store, { model: 'knn', table: 'smooth', target: 'y', features: ['a', 'b'], k: 5, seed: 3 });
    assert.deepEqual(again.metrics, r.metrics);
  });

  it('an MLP learns the smooth function (R² > 0.9) through the torch layer, with its epochs and weights recorded', async () => {
    const r = await trainEmulator(store, { model: 'mlp', table: 'smooth', target: 'y', features: ['a', 'b'], hidden: [32, 32], epochs: 60, lr: 1e-2, batch: 64, seed: 2 });
    assert.ok(r.metrics.r2 > 0.9, `R² ${r.metrics.r2}`);
    assert.equal(r.epochs_done, 60);
    const epochs = await new RunRegistry(store).epochs(r.run_id);
    assert.deepEqual(epochs.map((e) => e.epoch), Array.from({ length: 60 }, (_, i) => i + 1));
    assert.ok(epochs.at(-1)!.loss! < epochs[0]!.loss! / 5, 'the loss falls');
    const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
    assert.equal(run.epochs_done, 60);
    const folder = path.join(dir, run.FILE_checkpoint!);
    const weights = torch.loadSafetensors(path.join(folder, 'model.safetensors'));
    assert.deepEqual([...weights.tensors.keys()].sort(), ['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    for (const t of weights.tensors.values()) t.dispose();
    // The checkpoint reproduces the stored held-out R².
    const data = await store.query(run.data_query);
    const held = (run.params['split'] as { test_rows: number[] }).test_rows.map((k) => data[k - 1]!);
    const e = await loadEmulator(store, r.run_id);
    const m = regressionMetrics(held.map((row) => Number(row['y'])), e.predict(held.map((row) => [row['a'] as number, row['b'] as number])));
    assert.ok(Math.abs(m.r2 - r.metrics.r2) < 1e-12);
    e.dispose();
    e.dispose();
    assert.throws(() => e.predict([[0, 0]]), /disposed/);
  });
});

describe('grid search', () => {
  it('ridge picks a small α for clean linear data; every candidate is recorded in params and as cv rows', async () => {
    const r = await trainEmulator(store, { model: 'ridge', table: 'noisy', target: 'y', features: ['a', 'b', 'c'], gridSearch: true, seed: 4 });
    assert.equal(r.hyper.alpha, 0.01);
    assert.deepEqual(r.grid_search!.candidates.map((c) => c.hyper.alpha), [0.01, 0.1, 1, 10, 100]);
    const mses = r.grid_search!.candidates.map((c) => c.mse);
    assert.deepEqual([...mses].sort((a, b) => a - b), mses, 'the CV error grows with α here');
    for (const c of r.grid_search!.candidates) assert.equal(c.fold_mse.length, 5);
    const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
    assert.deepEqual((run.params['hyper'] as { alpha: number }).alpha, 0.01);
    const cv = await store.query("SELECT condition, value, std FROM ml_evaluations WHERE run_id = ? AND source = 'cv' ORDER BY value", [r.run_id]);
    assert.deepEqual(cv.map((c) => c['condition']), ['cv alpha=0.01', 'cv alpha=0.1', 'cv alpha=1', 'cv alpha=10', 'cv alpha=100']);
  });

  it('k-NN on a noisy smooth function chooses more than one neighbour', async () => {
    const u = uniform(21);
    await table(
      'bumpy',
      ['a', 'y'],
      Array.from({ length: 400 }, () => {
        const a = u(0, 6);
        return [a, Math.sin(a) + 0.5 * u(-1, 1)];
      }),
    );
    const r = await trainEmulator(store, { model: 'knn', table: 'bumpy', target: 'y', features: ['a'], gridSearch: true, seed: 1 });
    assert.ok(r.hyper.k! >= 5 && r.hyper.k! <= 50, `k ${r.hyper.k}`);
    assert.equal(r.grid_search!.candidates.length, 12);
    const best = Math.min(...r.grid_search!.candidates.map((c) => c.mse));
    assert.equal(r.grid_search!.candidates.find((c) => c.hyper.k === r.hyper.k && c.hyper.weights === r.hyper.weights)!.mse, best);
  });
});

describe('predict into a new table', () => {
  it('writes row, the features, the target and <target>_predicted; it joins back to the query by row', async () => {
    const r = await trainEmulator(store, { model: 'linear', table: 'levels', target: 'y', features: ['x', 'kind'], seed: 5 });
    const query = "SELECT * FROM levels WHERE kind <> 'lo' ORDER BY rowid";
    const out = await predictEmulator(store, { run: r.run_id, query, outTable: 'level_predictions' });
    assert.deepEqual(out, { run_id: r.run_id, table: 'level_predictions', rows: 60, column: 'y_predicted', row_column: 'row' });
    const info = await store.describe('level_predictions');
    assert.deepEqual(info.columns.map((c) => [c.name, c.type]), [
      ['row', 'integer'],
      ['x', 'float'],
      ['kind', 'text'],
      ['y', 'float'],
      ['y_predicted', 'float'],
    ]);
    const joined = await store.query(
      `SELECT q.x AS x, q.kind AS kind, q.y AS y, p.y_predicted AS predicted FROM (SELECT ROW_NUMBER() OVER () AS n, * FROM (${query})) q JOIN level_predictions p ON p.row = q.n ORDER BY q.n`,
    );
    assert.equal(joined.length, 60);
    using e = await loadEmulator(store, r.run_id);
    const expected = e.predict(joined.map((j) => [j['x'] as number, j['kind'] as string]));
    joined.forEach((j, i) => {
      assert.equal(j['predicted'], expected[i]);
      assert.ok(Math.abs(Number(j['predicted']) - Number(j['y'])) < 1e-9, 'the exact model predicts y');
    });
  });
});

describe('bad input stores nothing', () => {
  it('refuses a text target, an unknown column, the target among the features, an empty query, too few rows and foreign options', async () => {
    const runs = await runCount();
    await table('mixed', ['a', 'label', 'y'], [[1, 'x', 1], [2, 'y', 2], [3, 'x', 'three'], [4, 'y', 4]]);
    const base = { model: 'linear', table: 'noisy', target: 'y', features: ['a', 'b'], seed: 1 } as const;
    // One word in a CSV column makes the whole column text: the first row is named.
    await rejectsMl(trainEmulator(store, { ...base, table: 'mixed', features: ['a'] }), 'E_ML_DATA', /target "y" holds text \("1"\) in row 1 of the table "mixed"; a regressor predicts a numeric column/);
    await rejectsMl(
      trainEmulator(store, { ...base, table: undefined, query: "SELECT a, CASE WHEN rowid = 3 THEN 'three' ELSE y END AS y FROM noisy ORDER BY rowid", features: ['a'] }),
      'E_ML_DATA',
      /target "y" holds text \("three"\) in row 3 of the query/,
    );
    await rejectsMl(trainEmulator(store, { ...base, table: 'levels', target: 'kind', features: ['x'] }), 'E_ML_DATA', /target "kind" holds text \("\w+"\) in row 1/);
    await rejectsMl(trainEmulator(store, { ...base, features: ['a', 'nope'] }), 'E_ML_DATA', /the table "noisy" has no column "nope" \(feature\); its columns: a, b, c, y/);
    await rejectsMl(trainEmulator(store, { ...base, features: ['a', 'Y'] }), 'E_ML_ARGUMENT', /target "y" is also among features/);
    await rejectsMl(trainEmulator(store, { ...base, table: undefined, query: 'SELECT * FROM noisy WHERE a < 0' }), 'E_ML_DATA', /the query returned no rows/);
    await rejectsMl(trainEmulator(store, { ...base, table: undefined, query: 'SELECT * FROM noisy LIMIT 2' }), 'E_ML_DATA', /has 2 rows: with testSize 0.2 that is 1 for training and 1 held out; model linear needs at least 2 training rows/);
    await rejectsMl(trainEmulator(store, { ...base, model: 'knn', k: 500 }), 'E_ML_DATA', /needs at least 500 training rows/);
    await rejectsMl(trainEmulator(store, { ...base, alpha: 1 }), 'E_ML_ARGUMENT', /alpha is not for model linear, which takes no hyper-parameters/);
    await rejectsMl(trainEmulator(store, { ...base, model: 'ridge', alpha: 1, gridSearch: true }), 'E_ML_ARGUMENT', /alpha is chosen by gridSearch/);
    await rejectsMl(trainEmulator(store, { ...base, testSize: 1 }), 'E_ML_ARGUMENT', /testSize must be a share between 0 and 1/);
    await rejectsMl(trainEmulator(store, { ...base, model: 'svm' as 'linear' }), 'E_ML_ARGUMENT', /^model must be one of linear, ridge, lasso, knn, random-forest, mlp/);
    await assert.rejects(trainEmulator(store, { ...base, table: 'missing' }), /no table named "missing"/);
    assert.equal(await runCount(), runs, 'no run row was written');
  });

  it('refuses an existing or reserved out table, an empty query and an unseen level, leaving no table behind', async () => {
    const r = await trainEmulator(store, { model: 'ridge', table: 'levels', target: 'y', features: ['x', 'kind'], seed: 1 });
    const tables = await store.tables();
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT * FROM levels', outTable: 'levels' }), 'E_ML_ARGUMENT', /table "levels" already exists/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT * FROM levels', outTable: 'ml_mine' }), 'E_ML_ARGUMENT', /keeps for its own tables/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT * FROM levels', outTable: 'my table' }), 'E_ML_ARGUMENT', /would be stored as "my_table"/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT * FROM levels WHERE x < 0', outTable: 'p1' }), 'E_ML_DATA', /the query returned no rows/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: "SELECT x, 'huge' AS kind FROM levels", outTable: 'p2' }), 'E_ML_DATA', /feature "kind" is "huge" in row 1 of the query, a level the model was not trained on/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT x FROM levels', outTable: 'p3' }), 'E_ML_DATA', /the query has no column "kind"/);
    await rejectsMl(predictEmulator(store, { run: r.run_id, query: 'SELECT NULL AS x, kind FROM levels', outTable: 'p4' }), 'E_ML_DATA', /feature "x" is NULL in row 1 of the query/);
    await rejectsMl(predictEmulator(store, { run: 'regressor-nope', query: 'SELECT * FROM levels', outTable: 'p5' }), 'E_ML_RUN', /no run "regressor-nope"/);
    assert.deepEqual(await store.tables(), tables);
  });

  it('a held-out row with a level no training row has moves to the training rows', async () => {
    const n = 20;
    // A seed whose draw puts the one "rare" row (the last) among the 18 held out.
    const seed = Array.from({ length: 50 }, (_, s) => s).find((s) => Array.from(seededPermutation(n, mixSeed(s, 0x7e57)).subarray(0, 18)).includes(n - 1))!;
    await table('rare', ['x', 'kind', 'y'], Array.from({ length: n }, (_, i) => [i, i === n - 1 ? 'rare' : 'common', 2 * i]));
    const r = await trainEmulator(store, { model: 'linear', table: 'rare', target: 'y', features: ['x', 'kind'], testSize: 0.9, seed });
    const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
    const split = run.params['split'] as { test_rows: number[]; moved_to_train: number[] };
    assert.deepEqual(split.moved_to_train, [n]);
    assert.ok(!split.test_rows.includes(n));
    assert.equal(r.n_test, 17);
  });
});

describe('CLI', () => {
  it('dsi ml train --json prints run_id and the metrics; dsi ml predict writes the table; option mix-ups exit 2', () => {
    const t = dsi(['ml', 'train', '--model', 'ridge', '--table', 'noisy', '--target', 'y', '--features', 'a,b,c', '--alpha', '0.5', '--seed', '3', '--json']);
    assert.equal(t.status, 0, t.stderr);
    const result = JSON.parse(t.stdout) as { run_id: string; metrics: Record<string, number>; hyper: { alpha: number } };
    assert.match(result.run_id, /^regressor-/);
    assert.deepEqual(Object.keys(result.metrics), ['mse', 'rmse', 'mae', 'r2']);
    assert.ok(result.metrics['r2']! > 0.99);
    assert.equal(result.hyper.alpha, 0.5);
    const p = dsi(['ml', 'predict', '--run', result.run_id, '--query', 'SELECT * FROM noisy', '--out-table', 'cli_predictions', '--json']);
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), { run_id: result.run_id, table: 'cli_predictions', rows: 200, column: 'y_predicted', row_column: 'row' });
    const bad = dsi(['ml', 'train', '--model', 'knn', '--table', 'noisy', '--target', 'y', '--features', 'a', '--alpha', '1']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--alpha is not for --model knn/);
    const gan = dsi(['ml', 'train', '--model', 'dcgan', '--table', 'noisy', '--target', 'y']);
    assert.equal(gan.status, 2);
    assert.match(gan.stderr, /--target is for tabular emulators/);
    const image = dsi(['ml', 'train', '--model', 'linear', '--table', 'noisy', '--target', 'y', '--features', 'a', '--label-col', 'y']);
    assert.equal(image.status, 2);
    assert.match(image.stderr, /--label-col is for image models \(GANs, classifiers, surrogates\)/);
    const ganOption = dsi(['ml', 'predict', '--run', result.run_id, '--count', '2']);
    assert.equal(ganOption.status, 2);
    assert.match(ganOption.stderr, /--count is for GAN runs/);
  });
});

describe('the wildfire example', () => {
  it('burned_area from wind, direction, moisture, fuels and ignition: text target refused, ridge grid-searched, predictions joined back', async (t) => {
    await store.read(WILDFIRE, { table: 'wildfire' });
    const rows = await count('SELECT count(*) AS n FROM wildfire');
    const features = ['wind_speed', 'wdir', 'smois', 'fuels', 'ignition'];
    const runs = await runCount();
    await rejectsMl(trainEmulator(store, { model: 'ridge', table: 'wildfire', target: 'fuels', features: ['wind_speed'] }), 'E_ML_DATA', /target "fuels" holds text \("ST5_FF_DUET"\) in row 1 of the table "wildfire"/);
    assert.equal(await runCount(), runs);
    const r = await trainEmulator(store, { model: 'ridge', table: 'wildfire', target: 'burned_area', features, gridSearch: true, seed: 1 });
    assert.equal(r.n_rows, rows);
    assert.equal(r.n_train + r.n_test, rows);
    assert.ok(r.metrics.r2 > 0.15 && r.metrics.r2 < 1, `R² ${r.metrics.r2}`);
    assert.ok(r.metrics.rmse > 0 && Math.abs(r.metrics.rmse ** 2 - r.metrics.mse) < 1e-6 * r.metrics.mse);
    using e = await loadEmulator(store, r.run_id);
    assert.equal(e.dataQuery, 'SELECT * FROM "wildfire" ORDER BY rowid');
    assert.deepEqual(e.features, features);
    assert.equal(e.encoding.width, 3 + 3 + new Set((await store.query('SELECT ignition FROM wildfire')).map((x) => x['ignition'])).size);
    const data = await store.query(e.dataQuery);
    const cells = data.map((d) => features.map((f) => d[f] as number | string));
    const started = performance.now();
    const many = e.predict(Array.from({ length: 10 }, () => cells).flat());
    assert.equal(many.length, 10 * rows);
    t.diagnostic(`predict: ${10 * rows} rows in ${(performance.now() - started).toFixed(0)} ms`);
    await predictEmulator(store, { run: r.run_id, query: e.dataQuery, outTable: 'wildfire_predicted' });
    const back = await store.query('SELECT w.burned_area_predicted AS p FROM wildfire_predicted w ORDER BY w.row');
    assert.deepEqual(back.map((b) => b['p']), [...many.subarray(0, rows)]);
  });
});
