/**
 * Data-parallel training through the training session, on 16 stand-in plume fields (a surrogate:
 * no batch norm): two Gloo workers at batch 4 (`dsi ml train --nproc 2`) end with the weights of
 * one process at batch 8 (same seed, same global batch order) to a float32 tolerance; only rank 0
 * wrote rows; a worker killed mid-run fails the run naming its rank, and `resume` finishes it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../src/store/store.js';
import * as torch from '../src/torch/index.js';
import { loadSafetensors } from '../src/torch/io/safetensors.js';
import { RunRegistry, trainSurrogate } from '../src/ml/index.js';
import { distributedShard } from '../src/ml/train/distributed-run.js';
import { plumeStore, PLUME_PARAMETERS } from './helpers/plume-ensemble.js';
import { tempDir } from './helpers/store-helpers.js';
import { weightDifference } from './helpers/weight-difference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const LR = 3e-3;
const EPOCHS = 2;
/** 16 fields: 2 steps an epoch either way (8 a step in one process; 4 a step on each of 2 workers). */
const COMMON = ['ml', 'train', '--model', 'surrogate', '--table', 'plumes', '--cond-cols', PLUME_PARAMETERS.join(','), '--epochs', String(EPOCHS), '--lr', String(LR), '--width', '8', '--members', '1', '--seed', '7', '--threads', '1', '--json'];

let dir: string;
let store: Store;

const env = { ...process.env, OMP_NUM_THREADS: '1' };

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...args], { cwd: dir, encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function weights(checkpoint: string): Map<string, Float32Array> {
  const contents = loadSafetensors(path.join(dir, checkpoint, 'model.safetensors'));
  const out = new Map<string, Float32Array>();
  for (const [k, t] of contents.tensors) {
    if (t.dtype === 'float32') out.set(k, t.toArray() as Float32Array);
    t.dispose();
  }
  return out;
}

describe('data-parallel training', () => {
  before(async () => {
    dir = tempDir('dsi-ddp-');
    ({ store } = await plumeStore(dir, { train: 16, test: 0 }));
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shards an epoch as DistributedSampler: padded, strided, together one batch of the whole', () => {
    const order = Int32Array.from([9, 3, 7, 1, 5]);
    assert.deepEqual([...distributedShard(order, { rank: 0, worldSize: 2, localRank: 0 })], [9, 7, 5]);
    assert.deepEqual([...distributedShard(order, { rank: 1, worldSize: 2, localRank: 1 })], [3, 1, 9]);
    assert.equal(distributedShard(order, { rank: 0, worldSize: 1, localRank: 0 }), order);
  });

  it('two workers at batch 4 end with the weights of one process at batch 8; only rank 0 wrote', async (t) => {
    const one = await trainSurrogate(store, { table: 'plumes', conditionColumns: PLUME_PARAMETERS, epochs: EPOCHS, batch: 8, lr: LR, width: 8, members: 1, seed: 7, threads: 1 });
    const r = dsi([...COMMON, '--batch', '4', '--nproc', '2']);
    assert.equal(r.status, 0, r.stderr);
    const two = JSON.parse(r.stdout) as { run_id: string; steps_done: number; FILE_checkpoint: string };
    assert.equal(two.steps_done, one.steps_done);
    const a = weights(one.FILE_checkpoint!);
    const b = weights(two.FILE_checkpoint);
    // The two means of 4 averaged against one mean of 8 differ by float32 rounding: a few ulps
    // (2^-24 relative) of each gradient. Adam turns a gradient into a step of about lr whatever
    // its size, so an element's step differs by at most lr when its gradient's sign is in doubt
    // (a gradient within rounding of 0) and by about lr · 2^-20 otherwise; over S steps the
    // weights differ by at most lr · S in the worst element, and on average (few gradients sit
    // within rounding of 0) by orders of magnitude less: lr · S · 2^-16 (without averaging, a
    // worker trained on half the data differs by about lr a step on most weights).
    const steps = one.steps_done;
    const { worst, mean, count } = weightDifference(a, b);
    t.diagnostic(`weights: ${count}; largest difference ${worst}, mean ${mean}`);
    assert.ok(count > 0);
    assert.ok(worst <= LR * steps, `largest difference ${worst} above lr · steps = ${LR * steps}`);
    assert.ok(mean <= LR * steps * 2 ** -16, `mean difference ${mean}`);
    // Rank 0 alone wrote: one run row, its epochs once, its steps once.
    const runs = await store.query(`SELECT count(*) AS n FROM ml_runs WHERE run_id = '${two.run_id}'`);
    assert.equal(Number(runs[0]!['n']), 1);
    const epochs = await store.query(`SELECT count(*) AS n FROM ml_epochs WHERE run_id = '${two.run_id}'`);
    assert.equal(Number(epochs[0]!['n']), EPOCHS);
    const stepRows = await store.query(`SELECT count(*) AS n FROM ml_steps WHERE run_id = '${two.run_id}'`);
    assert.equal(Number(stepRows[0]!['n']), steps);
  });

  it('a killed worker fails the run naming its rank; resume (one process) finishes it', async () => {
    const registry = new RunRegistry(store);
    const before = new Set((await store.query('SELECT run_id FROM ml_runs')).map((r) => r['run_id']));
    const child = spawn(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...COMMON.map((a) => (a === String(EPOCHS) ? '400' : a)), '--batch', '4', '--nproc', '2', '--dist-timeout', '20'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    // Wait for the run's first epoch, then kill rank 1 (the launcher's second child).
    let runId: string | undefined;
    while (runId === undefined && Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 200));
      const rows = await store.query(`SELECT run_id FROM ml_runs WHERE epochs_done >= 1`).catch(() => []);
      runId = rows.map((r) => String(r['run_id'])).find((id) => !before.has(id));
    }
    assert.ok(runId !== undefined, 'the run started');
    const ps = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    assert.equal(ps.length, 2, `two workers: ${ps.join(',')}`);
    process.kill(Math.max(...ps), 'SIGKILL');
    const killedAt = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.notEqual(code, 0);
    assert.match(stderr, /worker rank 1 of 2/);
    assert.ok(Date.now() - killedAt < 20_000, `failed within the timeout (${Date.now() - killedAt} ms)`);
    const run = await registry.get(runId);
    assert.equal(run.status, 'failed');
    assert.match(String(run.error), /worker rank 1 of 2/);
    const done = await trainSurrogate(store, { resume: runId, epochs: run.epochs_done + 1, threads: 1 });
    assert.equal(done.status, 'finished');
    assert.equal(done.epochs_done, run.epochs_done + 1);
  });
});
