/**
 * The surrogate workflow on the stand-in plume ensemble (test/helpers/plume-ensemble.ts, 48
 * training and 16 held-out 32 × 32 fields): a short run beats the nearest-training-run baseline
 * on the held-out fields and records its evaluations; a stopped and resumed run reproduces an
 * uninterrupted one to the byte; the members differ and their mean is the prediction; every bad
 * input is refused in one line before anything is written; a categorical parameter is embedded;
 * the SHAP values over the parameters
 * sum to the prediction minus the base value, and the parameter the fields do not depend on
 * gets about 0; a child run re-runs its parent's query, so rows added since join; the CLI path.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { encodePng } from '../src/images/png-codec.js';
import type { Store } from '../src/store/store.js';
import * as torch from '../src/torch/index.js';
import { explainRun, RunRegistry, trainSurrogate, type TrainSurrogateOptions, type TrainSurrogateResult } from '../src/ml/index.js';
import { openImagePredictor } from '../src/ml/predict/image-predictor.js';
import { plumeImage, plumePoints, plumeStore, PLUME_PARAMETERS } from './helpers/plume-ensemble.js';
import { tempDir } from './helpers/store-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

const PARAMETERS = [...PLUME_PARAMETERS, 'noise'];
/** A few seconds on one thread: 48 fields, batches of 8, two narrow members. */
const SMALL: TrainSurrogateOptions = { table: 'plumes', conditionColumns: PARAMETERS, epochs: 15, batch: 8, lr: 3e-3, width: 16, seed: 5, threads: 1, checkpointEvery: 5 };

let dir: string;
let store: Store;
let learnt: TrainSurrogateResult;
let startTensors = 0;

async function rowCount(table: string, where = ''): Promise<number> {
  if (!(await store.tables()).includes(table)) return 0;
  return Number((await store.query(`SELECT count(*) AS n FROM ${table} ${where}`))[0]!['n']);
}

async function rejectsMl(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return true;
  });
}

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('surrogate', () => {
  before(async () => {
    dir = tempDir('dsi-surrogate-');
    ({ store } = await plumeStore(dir, { train: 48, test: 16 }));
    startTensors = torch.memory().tensors;
    learnt = await trainSurrogate(store, SMALL);
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('learns the stand-in: its held-out MSE is below the nearest training run\'s, and the run records it', async () => {
    assert.deepEqual([learnt.status, learnt.model, learnt.members, learnt.epochs_done, learnt.steps_done, learnt.n_train, learnt.n_test], ['finished', 'surrogate', 2, 15, 90, 48, 16]);
    assert.ok(learnt.test_mse! < learnt.nearest_run_mse!, `held-out MSE ${learnt.test_mse} vs the nearest run's ${learnt.nearest_run_mse}`);
    assert.ok(learnt.train_mse! < 0.02, `training MSE ${learnt.train_mse}`);
    const rows = await store.query(`SELECT metric, source, value, n_real FROM ml_evaluations WHERE run_id = '${learnt.run_id}' ORDER BY metric, source`);
    assert.deepEqual(rows.map((r) => [r['metric'], r['source'], r['n_real']]), [['mse', 'test', 16], ['mse', 'train', 48], ['nearest_run_mse', 'test', 16]]);
    assert.equal(rows[0]!['value'], learnt.test_mse);
    const run = await new RunRegistry(store).getRun(learnt.run_id, 'surrogate');
    assert.deepEqual([run.kind, run.params.members, run.params.conditions.map((c) => c.kind), run.params.test_query], ['surrogate', 2, PARAMETERS.map(() => 'continuous'), `SELECT * FROM "plumes" WHERE split = 'test'`]);
    assert.equal(await rowCount('ml_epochs', `WHERE run_id = '${learnt.run_id}'`), 15);
    assert.equal(await rowCount('ml_steps', `WHERE run_id = '${learnt.run_id}'`), 90);
    assert.equal(torch.memory().tensors, startTensors, 'no tensor outlives the run');
  });

  it('the members differ, and their mean is the prediction', async () => {
    const p = await openImagePredictor(store, learnt.run_id);
    try {
      assert.deepEqual([p.stochastic, p.members, p.size, p.channels, p.epoch], [false, 2, 32, 1, 15]);
      const combos = plumePoints(3, 99).map((q, i) => ({ ...q, noise: i / 3 }));
      const mean = p.predict(combos);
      const a = p.predict(combos, { member: 0 });
      const b = p.predict(combos, { member: 1 });
      let spread = 0;
      for (let i = 0; i < mean.length; i++) {
        assert.ok(Math.abs(mean[i]! - (a[i]! + b[i]!) / 2) < 1e-5, `pixel ${i}`);
        assert.ok(mean[i]! >= 0 && mean[i]! <= 1);
        spread = Math.max(spread, Math.abs(a[i]! - b[i]!));
      }
      assert.ok(spread > 1e-3, `the members differ (largest gap ${spread})`);
      assert.deepEqual(p.predict(combos), mean, 'deterministic');
      assert.throws(() => p.predict(combos, { member: 2 }), /member must be a whole number from 0 to 1/);
    } finally {
      p.dispose();
    }
  });

  it('a run stopped mid-epoch and resumed reproduces the uninterrupted losses and weights byte for byte', async () => {
    const options: TrainSurrogateOptions = { ...SMALL, epochs: 2 };
    const whole = await trainSurrogate(store, options);
    const controller = new AbortController();
    const stopped = await trainSurrogate(store, { ...options, signal: controller.signal, onProgress: (e) => e.unit === 'steps' && e.done === 8 && controller.abort() });
    assert.deepEqual([stopped.status, stopped.epochs_done, stopped.steps_done, stopped.test_mse], ['stopped', 1, 8, null]);
    assert.match(stopped.FILE_checkpoint!, /epoch-0001-step-000002$/);
    assert.equal(await rowCount('ml_evaluations', `WHERE run_id = '${stopped.run_id}'`), 0);
    const resumed = await trainSurrogate(store, { resume: stopped.run_id, threads: 1 });
    assert.deepEqual([resumed.status, resumed.run_id, resumed.steps_done, resumed.resumed], ['finished', stopped.run_id, 12, true]);
    const registry = new RunRegistry(store);
    const losses = async (id: string): Promise<number[]> => (await registry.steps(id)).map((s) => s.loss!);
    assert.deepEqual(await losses(resumed.run_id), await losses(whole.run_id), 'same step losses');
    const weights = (r: TrainSurrogateResult): Buffer => fs.readFileSync(path.join(dir, r.FILE_checkpoint!, 'model.safetensors'));
    assert.ok(weights(resumed).equals(weights(whole)), 'same weights');
    assert.equal(resumed.test_mse, whole.test_mse);
  });

  it('takes a categorical parameter through an embedding when asked', async () => {
    const r = await trainSurrogate(store, {
      query: "SELECT *, CASE WHEN x0 > 0.5 THEN 'right' ELSE 'left' END AS side FROM plumes WHERE split = 'train'",
      conditionColumns: ['side', 'y0'],
      categorical: ['side'],
      epochs: 1,
      members: 1,
      width: 8,
      seed: 1,
      threads: 1,
    });
    const run = await new RunRegistry(store).getRun(r.run_id, 'surrogate');
    assert.deepEqual(run.params.conditions.map((c) => [c.name, c.kind]), [['side', 'categorical'], ['y0', 'continuous']]);
    const p = await openImagePredictor(store, r.run_id);
    try {
      assert.equal(p.predict([{ side: 'left', y0: 0.3 }, { side: 'right', y0: 0.3 }]).length, 2 * 32 * 32);
    } finally {
      p.dispose();
    }
  });

  it('refuses bad parameters and images in one line, writing nothing', async () => {
    const runs = await rowCount('ml_runs');
    const train = "FROM plumes WHERE split = 'train'";
    const cases: [string, Promise<unknown>, string, RegExp][] = [
      ['no parameter columns', trainSurrogate(store, { table: 'plumes', conditionColumns: [] }), 'E_ML_ARGUMENT', /a surrogate needs its parameter columns \(conditionColumns\)/],
      ['a missing column', trainSurrogate(store, { table: 'plumes', conditionColumns: ['x0', 'heat'] }), 'E_ML_DATA', /no conditioning column "heat"/],
      ['a non-numeric column', trainSurrogate(store, { query: `SELECT *, CASE WHEN run = 3 THEN 'hot' ELSE x0 END AS mixed ${train}`, conditionColumns: ['mixed'] }), 'E_ML_DATA', /"mixed" is continuous but row 3 holds "hot", not a number/],
      ['a NULL (NaN) value', trainSurrogate(store, { query: `SELECT *, CASE WHEN run = 5 THEN NULL ELSE x0 END AS gap ${train}`, conditionColumns: ['gap'] }), 'E_ML_DATA', /"gap" is NULL in row 5/],
      ['a constant column', trainSurrogate(store, { query: `SELECT *, 0.5 AS fixed ${train}`, conditionColumns: ['x0', 'fixed'] }), 'E_ML_DATA', /parameter column "fixed" is constant \(every training row holds 0.5\)/],
      ['a test query without a parameter', trainSurrogate(store, { ...SMALL, testQuery: "SELECT run, FILE FROM plumes WHERE split = 'test'" }), 'E_ML_DATA', /the test query has no parameter column "x0" \(it returns run\)/],
      ['a bad member count', trainSurrogate(store, { ...SMALL, members: 0 }), 'E_ML_ARGUMENT', /members must be a positive whole number/],
      ['a child of another kind of option', trainSurrogate(store, { from: learnt.run_id, width: 8 }), 'E_ML_ARGUMENT', /from trains on the parent's data with its architecture; width cannot be given/],
    ];
    for (const [what, promise, code, pattern] of cases) await rejectsMl(promise, code, pattern).catch((e: unknown) => assert.fail(`${what}: ${String(e)}`));

    // Images of different sizes, without `size`: both files named.
    fs.writeFileSync(path.join(dir, 'images', 'small.png'), encodePng({ width: 28, height: 28, channels: 1, data: plumeImage({ x0: 0.5, y0: 0.5, width: 0.1, elongation: 1 }, 28) }));
    fs.writeFileSync(path.join(dir, 'mixed.csv'), 'a,FILE\n0.1,images/plume-0000.png\n0.9,images/small.png\n');
    await store.read(path.join(dir, 'mixed.csv'));
    await rejectsMl(trainSurrogate(store, { table: 'mixed', conditionColumns: ['a'] }), 'E_ML_DATA', /small\.png: is 28 × 28 pixels but plume-0000\.png is 32 × 32/);
    assert.equal(await rowCount('ml_runs'), runs, 'no run written');
  });

  it('explains a region over the parameters: values sum to prediction − base, and the irrelevant parameter gets about 0', async () => {
    const r = await explainRun(store, { run: learnt.run_id, row: 1, background: 16, region: [8, 8, 24, 24] });
    assert.equal(r.output, 'mean-intensity of region 8,8,24,24');
    assert.deepEqual(Object.keys(r.values), PARAMETERS);
    const sum = Object.values(r.values).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (r.prediction - r.base_value)) < 1e-6, `sum ${sum} vs ${r.prediction - r.base_value}`);
    const largest = Math.max(...Object.values(r.values).map(Math.abs));
    assert.ok(Math.abs(r.values['noise']!) < 0.5 * largest, `noise ${r.values['noise']} vs the largest ${largest}`);
    const whole = await explainRun(store, { run: learnt.run_id, row: 1, background: 4 });
    assert.equal(whole.output, 'mean-intensity');
    await rejectsMl(explainRun(store, { run: learnt.run_id, row: 1, region: [0, 0, 40, 8] }), 'E_ML_ARGUMENT', /region 0,0,40,8 reaches outside the 32 × 32 images/);
    await rejectsMl(explainRun(store, { run: learnt.run_id, row: 1, region: [4, 0, 4, 8] }), 'E_ML_ARGUMENT', /region 4,0,4,8 is empty/);
    await rejectsMl(explainRun(store, { run: learnt.run_id, row: 1, output: 'score' }), 'E_ML_ARGUMENT', /output score does not apply/);
  });

  it('a child starts from its parent and trains on the rows added since', async () => {
    const extra = plumePoints(8, 42);
    const lines = [`run,${PARAMETERS.join(',')},split,FILE`];
    extra.forEach((q, i) => {
      const name = `images/extra-${i}.png`;
      fs.writeFileSync(path.join(dir, name), encodePng({ width: 32, height: 32, channels: 1, data: plumeImage(q, 32) }));
      lines.push(`${100 + i},${PLUME_PARAMETERS.map((k) => q[k]).join(',')},0.5,train,${name}`);
    });
    fs.writeFileSync(path.join(dir, 'more.csv'), `${lines.join('\n')}\n`);
    await store.read(path.join(dir, 'more.csv'), { table: 'plumes' });
    const child = await trainSurrogate(store, { from: learnt.run_id, epochs: 1, threads: 1 });
    const run = await new RunRegistry(store).getRun(child.run_id, 'surrogate');
    assert.deepEqual([run.parent_run_id, run.data_rows, child.n_train, run.params.conditions], [learnt.run_id, 56, 56, (await new RunRegistry(store).getRun(learnt.run_id, 'surrogate')).params.conditions]);
    assert.ok(child.train_mse! < 0.05);
  });

  it('trains and explains from the command line', () => {
    const refused = dsi(['ml', 'train', '--model', 'surrogate', '--table', 'plumes', '--label-col', 'x0']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /--label-col is not for a surrogate/);
    const t = dsi(['ml', 'train', '--model', 'surrogate', '--table', 'plumes', '--cond-cols', 'x0,y0,width,elongation', '--epochs', '1', '--members', '1', '--width', '8', '--seed', '1', '--json']);
    assert.equal(t.status, 0, t.stderr);
    const r = JSON.parse(t.stdout) as TrainSurrogateResult;
    assert.deepEqual([r.model, r.members, r.epochs_done], ['surrogate', 1, 1]);
    const e = dsi(['ml', 'explain', '--run', r.run_id, '--row', '2', '--background', '4', '--region', '0,0,16,16', '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.equal((JSON.parse(e.stdout) as { output: string }).output, 'mean-intensity of region 0,0,16,16');
  });
});
