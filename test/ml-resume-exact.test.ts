/**
 * A GAN or classifier run interrupted at any point and resumed ends with exactly the per-epoch
 * losses of an uninterrupted run with the same seed: killed (`kill -9` in a child process, or an
 * error) before its first checkpoint, after an epoch whose checkpoint was skipped, after a
 * checkpoint, between writing a checkpoint and recording it, or stopped mid-epoch.
 *
 * 8 images in batches of 4: 2 steps an epoch, 3 epochs, a checkpoint every 2 epochs (after
 * epochs 2 and 3), so steps 1–4 come before the first checkpoint. The sngan case also resumes its
 * balanced condition draws, its mode-seeking pairs and the moving average of its generator: the
 * last checkpoint's averaged weights are the uninterrupted run's, bit for bit.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunRegistry, trainClassifier, trainGan, type TrainClassifierOptions, type TrainGanOptions } from '../src/ml/index.js';
import * as torch from '../src/torch/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'train-killed-child.js');

type Trainer = 'gan' | 'sngan' | 'classifier';
const OPTIONS: Record<Trainer, TrainGanOptions & Partial<TrainClassifierOptions>> = {
  gan: { table: 'digits', epochs: 3, batch: 4, seed: 7, threads: 1, checkpointEvery: 2 },
  sngan: { table: 'digits', conditionColumns: ['label'], model: 'sngan', width: 4, modeSeeking: 0.5, epochs: 3, batch: 4, seed: 7, threads: 1, checkpointEvery: 2 },
  classifier: { table: 'digits', labelColumn: 'label', epochs: 3, batch: 4, seed: 7, threads: 1, checkpointEvery: 2 },
};

let dir: string;
let m: MnistStore;
let registry: RunRegistry;
let startTensors = 0;
const uninterrupted: Partial<Record<Trainer, unknown[][]>> = {};
/** The uninterrupted sngan run's last averaged generator, as saved. */
let averagedWeights: Buffer | undefined;

function train(trainer: Trainer, options: TrainGanOptions & Partial<TrainClassifierOptions>): Promise<{ run_id: string; status: string; epochs_done: number }> {
  return trainer === 'classifier' ? trainClassifier(m.store, options as TrainClassifierOptions) : trainGan(m.store, options);
}

/** Per epoch: number and losses, as recorded. */
async function losses(runId: string): Promise<unknown[][]> {
  return (await registry.epochs(runId)).map((e) => [e.epoch, e.d_loss, e.g_loss, e.loss]);
}

/** A run killed by an error right after step `step`; returns its id. */
async function failedAfter(trainer: Trainer, step: number): Promise<string> {
  let runId = '';
  await assert.rejects(
    train(trainer, {
      ...OPTIONS[trainer],
      onProgress: (e) => {
        if (e.unit !== 'steps') return;
        runId = e.task.replace('train ', '');
        if (e.done === step) throw new Error(`interrupted after step ${step}`);
      },
    }),
    /interrupted after step/,
  );
  return runId;
}

/** A run whose process got SIGKILL at `at` (`step:N` or `record:N`); returns its id. */
async function killedAt(trainer: Trainer, at: string, options: Record<string, unknown> = {}): Promise<string> {
  const before = new Set((await registry.list()).map((r) => r.run_id));
  const r = spawnSync(process.execPath, [CHILD, m.db, trainer, JSON.stringify({ ...OPTIONS[trainer], ...options }), at], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.signal, 'SIGKILL', `the child was killed: ${r.stdout}${r.stderr}`);
  const run = (await registry.list()).find((x) => !before.has(x.run_id))!;
  assert.equal(run.state, 'killed');
  return run.run_id;
}

async function resumeAndCompare(trainer: Trainer, runId: string): Promise<void> {
  const resumed = await train(trainer, { resume: runId, threads: 1 });
  assert.deepEqual([resumed.status, resumed.epochs_done], ['finished', 3]);
  assert.deepEqual(await losses(runId), uninterrupted[trainer], 'the same losses, epoch by epoch, as the uninterrupted run');
  if (trainer === 'sngan') assert.ok(averagedOf(resumed.run_id).equals(averagedWeights!), "the moving average is the uninterrupted run's");
}

/** The averaged generator file of a run's last checkpoint. */
function averagedOf(runId: string): Buffer {
  const folder = path.join(registry.runFolder(runId).absolute, 'checkpoints', 'epoch-0003');
  return fs.readFileSync(path.join(folder, 'generator-average.safetensors'));
}

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-resume-exact-'));
  m = await makeMnistStore(dir, 8);
  registry = new RunRegistry(m.store);
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor the runs made is freed');
});

for (const trainer of ['gan', 'sngan', 'classifier'] as const) {
  describe(`${trainer}: resume matches an uninterrupted run exactly`, () => {
    before(async () => {
      const whole = await train(trainer, OPTIONS[trainer]);
      assert.equal(whole.status, 'finished');
      uninterrupted[trainer] = await losses(whole.run_id);
      assert.equal(uninterrupted[trainer]!.length, 3);
      if (trainer === 'sngan') averagedWeights = averagedOf(whole.run_id);
    });

    it('kill -9 after step 1, before the first checkpoint', async () => {
      const runId = await killedAt(trainer, 'step:1');
      assert.equal((await registry.get(runId)).FILE_checkpoint, null, 'no checkpoint yet');
      await resumeAndCompare(trainer, runId);
    });

    it('interrupted after step 3: epoch 1 recorded, its checkpoint skipped', async () => {
      const runId = await failedAfter(trainer, 3);
      const run = await registry.get(runId);
      assert.deepEqual([run.epochs_done, run.FILE_checkpoint], [1, null]);
      await resumeAndCompare(trainer, runId);
    });

    it('interrupted after step 5, past the checkpoint of epoch 2', async () => {
      const runId = await failedAfter(trainer, 5);
      assert.match((await registry.get(runId)).FILE_checkpoint!, /epoch-0002$/);
      await resumeAndCompare(trainer, runId);
    });

    it('kill -9 after a checkpoint is written and before the run records it: the previous checkpoint is still whole', async () => {
      const runId = await killedAt(trainer, 'record:2', { checkpointEvery: 1 });
      const run = await registry.get(runId);
      assert.match(run.FILE_checkpoint!, /epoch-0001$/, 'the store still points at epoch 1');
      assert.ok(fs.existsSync(path.join(path.dirname(path.join(dir, run.FILE_checkpoint!)), 'epoch-0002')), 'epoch 2 was written');
      await resumeAndCompare(trainer, runId);
    });

    it('stopped mid-epoch after step 1 (a mid-epoch checkpoint)', async () => {
      const controller = new AbortController();
      const stopped = await train(trainer, { ...OPTIONS[trainer], signal: controller.signal, onProgress: (e) => e.unit === 'steps' && e.done === 1 && controller.abort() });
      assert.equal(stopped.status, 'stopped');
      assert.match((await registry.get(stopped.run_id)).FILE_checkpoint!, /epoch-0000-step-000001$/);
      await resumeAndCompare(trainer, stopped.run_id);
    });
  });
}
