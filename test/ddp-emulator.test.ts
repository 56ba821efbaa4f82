/**
 * The MLP emulator, data-parallel: two Gloo workers at batch 8 (`dsi ml train --model mlp
 * --nproc 2`) fit the weights of one process at batch 16 (48 training rows: 3 steps an epoch
 * either way), rank 0 alone writes, and the emulators that fit in one go refuse `--nproc` before
 * any worker starts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/index.js';
import type { Store } from '../src/store/store.js';
import { loadSafetensors } from '../src/torch/io/safetensors.js';
import { trainEmulator } from '../src/ml/index.js';
import { tempDir } from './helpers/store-helpers.js';
import { weightDifference } from './helpers/weight-difference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const LR = 1e-3;
const EPOCHS = 4;
/** 60 rows, 12 held out: 48 training rows split evenly over 2 workers and into batches of 8. */
const ROWS = 60;
const COMMON = ['ml', 'train', '--model', 'mlp', '--table', 'points', '--target', 'y', '--features', 'a,b', '--hidden', '16', '--epochs', String(EPOCHS), '--lr', String(LR), '--seed', '7', '--json'];
const env = { ...process.env, OMP_NUM_THREADS: '1' };

let dir: string;
let store: Store;

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...args], { cwd: dir, encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function weights(checkpoint: string): Map<string, Float32Array> {
  const contents = loadSafetensors(path.join(dir, checkpoint, 'model.safetensors'));
  const out = new Map<string, Float32Array>();
  for (const [k, t] of contents.tensors) {
    out.set(k, t.toArray() as Float32Array);
    t.dispose();
  }
  return out;
}

describe('data-parallel MLP emulator', () => {
  before(async () => {
    dir = tempDir('dsi-ddp-mlp-');
    let s = 12345;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216;
    const lines = ['a,b,y'];
    for (let i = 0; i < ROWS; i++) {
      const a = next();
      const b = next();
      lines.push(`${a},${b},${a * a + 0.5 * b + 0.1 * next()}`);
    }
    fs.writeFileSync(path.join(dir, 'points.csv'), lines.join('\n') + '\n');
    store = await openStore(path.join(dir, 'dsi.db'));
    await store.read(path.join(dir, 'points.csv'), { table: 'points' });
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two workers at batch 8 fit the weights of one process at batch 16; only rank 0 wrote', async (t) => {
    const one = await trainEmulator(store, { model: 'mlp', table: 'points', target: 'y', features: ['a', 'b'], hidden: [16], epochs: EPOCHS, lr: LR, batch: 16, seed: 7, threads: 1 });
    assert.equal(one.n_train, 48);
    const r = dsi([...COMMON, '--batch', '8', '--nproc', '2']);
    assert.equal(r.status, 0, r.stderr);
    const two = JSON.parse(r.stdout) as { run_id: string; FILE_checkpoint: string; metrics: { mse: number } };
    const a = weights(one.FILE_checkpoint);
    const b = weights(two.FILE_checkpoint);
    // As test/ddp-training.test.ts derives: two means of 8 averaged against one mean of 16 differ
    // by float32 rounding, and Adam's steps of about lr bound an element's drift by lr per step
    // (S = 3 steps × 4 epochs), its mean drift by lr · S · 2^-16.
    const steps = 3 * EPOCHS;
    const { worst, mean, count } = weightDifference(a, b);
    t.diagnostic(`weights: ${count}; largest difference ${worst}, mean ${mean}`);
    assert.equal(count, 2 * 16 + 16 + 16 + 1);
    assert.ok(worst <= LR * steps, `largest difference ${worst} above lr · steps = ${LR * steps}`);
    assert.ok(mean <= LR * steps * 2 ** -16, `mean difference ${mean}`);
    // The held-out error of the same weights agrees to the rounding of the weights.
    assert.ok(Math.abs(two.metrics.mse - one.metrics.mse) <= 1e-4 * one.metrics.mse, `mse ${two.metrics.mse} against ${one.metrics.mse}`);
    // Rank 0 alone wrote: one run row and each epoch once, with a worker's 3 steps.
    const runs = await store.query(`SELECT count(*) AS n FROM ml_runs WHERE run_id = '${two.run_id}'`);
    assert.equal(Number(runs[0]!['n']), 1);
    const epochs = await store.query(`SELECT epoch, steps FROM ml_epochs WHERE run_id = '${two.run_id}' ORDER BY epoch`);
    assert.deepEqual(
      epochs.map((e) => [Number(e['epoch']), Number(e['steps'])]),
      Array.from({ length: EPOCHS }, (_, i) => [i + 1, 3]),
    );
  });

  it('an emulator fitted in one go, and a grid search, refuse --nproc before starting workers', async () => {
    const before = Number((await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n']);
    const ridge = dsi(['ml', 'train', '--model', 'ridge', '--table', 'points', '--target', 'y', '--features', 'a,b', '--nproc', '2']);
    assert.equal(ridge.status, 2, ridge.stderr);
    assert.match(ridge.stderr, /a ridge emulator is fitted in one process \(of the emulators, only --model mlp takes --nproc\)/);
    const grid = dsi([...COMMON, '--grid-search', '--nproc', '2']);
    assert.equal(grid.status, 2, grid.stderr);
    assert.match(grid.stderr, /--nproc and --grid-search cannot be combined/);
    assert.equal(Number((await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n']), before);
  });
});
