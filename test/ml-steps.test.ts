/**
 * Per-step losses in `ml_steps`: one row per training step with the losses the progress callback
 * reported, read back in order (all, or after a step), never duplicated when a run is resumed
 * (from its checkpoint, or from scratch when it was killed before one), and cleared with its run.
 *
 * 8 images in batches of 4: 2 steps an epoch, 3 epochs, a checkpoint every 2 epochs (after step 4).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlError } from '../src/errors.js';
import { RunRegistry, trainGan, type TrainGanOptions } from '../src/ml/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const OPTIONS: TrainGanOptions = { table: 'digits', epochs: 3, batch: 4, seed: 7, threads: 1, checkpointEvery: 2 };

let dir: string;
let m: MnistStore;
let registry: RunRegistry;
let runId = '';
/** The losses the uninterrupted run reported, per step (1-based index). */
const reported: { step: number; epoch: number; d_loss: number; g_loss: number }[] = [];

/** A run that fails right after step `step` (before that step's row is written); returns its id. */
async function failedAfter(step: number): Promise<string> {
  let id = '';
  await assert.rejects(
    trainGan(m.store, {
      ...OPTIONS,
      onProgress: (e) => {
        if (e.unit !== 'steps') return;
        id = e.task.replace('train ', '');
        if (e.done === step) throw new Error(`interrupted after step ${step}`);
      },
    }),
    /interrupted/,
  );
  return id;
}

const stepLosses = async (id: string): Promise<unknown[][]> => (await registry.steps(id)).map((s) => [s.step, s.epoch, s.d_loss, s.g_loss]);
const expected = (): unknown[][] => reported.map((r) => [r.step, r.epoch, r.d_loss, r.g_loss]);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-steps-'));
  m = await makeMnistStore(dir, 8);
  registry = new RunRegistry(m.store);
  const result = await trainGan(m.store, {
    ...OPTIONS,
    onProgress: (e) => {
      if (e.unit !== 'steps') return;
      const d = e.detail as Record<string, number>;
      reported.push({ step: e.done, epoch: d['epoch']!, d_loss: d['d_loss']!, g_loss: d['g_loss']!});
    },
  });
  runId = result.run_id;
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ml_steps', () => {
  it('records one row per step with the losses the progress callback reported', async () => {
    assert.equal(reported.length, 6);
    const rows = await registry.steps(runId);
    assert.deepEqual(rows.map((r) => r.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(rows.map((r) => r.epoch), [1, 1, 2, 2, 3, 3]);
    assert.deepEqual(await stepLosses(runId), expected());
    assert.ok(rows.every((r) => r.loss === null && r.run_id === runId && r.created_at !== ''), 'a GAN step has no single loss');
  });

  it('reads only the steps after afterStep, and refuses a bad afterStep', async () => {
    assert.deepEqual((await registry.steps(runId, { afterStep: 4 })).map((r) => r.step), [5, 6]);
    assert.deepEqual(await registry.steps(runId, { afterStep: 6 }), []);
    assert.deepEqual(await registry.steps('gan-no-such-run'), []);
    await assert.rejects(registry.steps(runId, { afterStep: -1 }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /afterStep/.test(e.message));
  });

  it('a run resumed from scratch (killed before its first checkpoint) stores each step once', async () => {
    const id = await failedAfter(3);
    assert.deepEqual((await registry.steps(id)).map((r) => r.step), [1, 2], 'the first epoch flushed its steps; step 3 was not flushed');
    await trainGan(m.store, { resume: id });
    assert.deepEqual(await stepLosses(id), expected());
  });

  it('a run resumed from its checkpoint drops the steps written after it and stores each step once', async () => {
    const id = await failedAfter(5);
    assert.deepEqual((await registry.steps(id)).map((r) => r.step), [1, 2, 3, 4]);
    // As if a heartbeat had flushed step 5 before the process died: the resume (from step 4) writes it again.
    await registry.transaction((tx) => tx.insert('ml_steps', [{ run_id: id, step: 5, epoch: 3, d_loss: -1, g_loss: -1, loss: null, created_at: new Date().toISOString() }]));
    await trainGan(m.store, { resume: id });
    assert.deepEqual(await stepLosses(id), expected());
  });

  it('writes the steps taken so far with each heartbeat, so a run killed mid-epoch keeps them', async () => {
    // The clock jumps past the heartbeat interval at every step: each step's heartbeat is due.
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow() + offset;
    let id = '';
    try {
      await assert.rejects(
        trainGan(m.store, {
          ...OPTIONS,
          batch: 2, // 4 steps an epoch
          onProgress: (e) => {
            if (e.unit !== 'steps') return;
            id = e.task.replace('train ', '');
            offset += 11_000;
            if (e.done === 3) throw new Error('interrupted after step 3');
          },
        }),
        /interrupted/,
      );
    } finally {
      Date.now = realNow;
    }
    assert.deepEqual((await registry.steps(id)).map((r) => [r.step, r.epoch]), [[1, 1], [2, 1]], 'steps 1 and 2 came with their heartbeats; step 3 died with the process');
  });

  it('deleting a run clears its steps', async () => {
    const id = await failedAfter(3);
    assert.equal((await registry.counts(id))['ml_steps'], 2);
    const deleted = await registry.delete(id);
    assert.equal(deleted.rows['ml_steps'], 2);
    assert.deepEqual(await registry.steps(id), []);
  });
});
