/**
 * A training loop in a worker_threads Worker while the main thread stays responsive: the Worker
 * trains the DCGAN with its own thread count and keeps stepping until the main thread — which
 * meanwhile runs timers, its own tensors and its own thread setting — tells it to stop.
 * Nothing here depends on timing: the Worker cannot finish before the main thread has done its
 * work, because the main thread is what stops it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const url = (p: string): string => new URL(`file://${path.join(root, p)}`).href;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const stop = new Int32Array(workerData.stop);
Promise.all([import(workerData.torchUrl), import(workerData.modelsUrl)]).then(([torch, models]) => {
  torch.setNumThreads(1);
  torch.manualSeed(1);
  const gen = models.dcganGenerator();
  const disc = models.dcganDiscriminator();
  const optG = new torch.optim.Adam(gen.parameters(), { lr: 1e-4 });
  const optD = new torch.optim.Adam(disc.parameters(), { lr: 1e-4 });
  const real = torch.keep(torch.tidy(() => torch.rand([16, 1, 28, 28]).mul(2).sub(1)));
  let steps = 0;
  let losses;
  do {
    losses = models.dcganTrainStep(gen, disc, optG, optD, real);
    steps++;
    if (steps === 1) parentPort.postMessage({ kind: 'started' });
  } while (Atomics.load(stop, 0) === 0);
  const threads = torch.getNumThreads();
  for (const x of [optG, optD, gen, disc, real]) x.dispose();
  parentPort.postMessage({ kind: 'done', steps, threads, losses, live: torch.memory().tensors });
}).catch((e) => parentPort.postMessage({ kind: 'error', error: String(e && e.stack || e) }));
`;

it('trains in a Worker while the main thread keeps working, each with its own thread count', async () => {
  const mainThreads = torch.getNumThreads();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { stop: stop.buffer, torchUrl: url('dist/src/torch/index.js'), modelsUrl: url('dist/src/ml/index.js') },
  });
  try {
    const messages: Record<string, unknown>[] = [];
    let wake: (() => void) | undefined;
    worker.on('message', (m: Record<string, unknown>) => {
      messages.push(m);
      wake?.();
    });
    worker.on('error', (e) => messages.push({ kind: 'error', error: String(e) }));
    const next = async (kind: string): Promise<Record<string, unknown>> => {
      for (;;) {
        const m = messages.find((x) => x['kind'] === kind || x['kind'] === 'error');
        if (m !== undefined) {
          if (m['kind'] === 'error') throw new Error(String(m['error']));
          return m;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    await next('started');
    // The Worker is mid-loop now. The main thread's event loop runs timers, and its torch work
    // uses its own thread count, untouched by the Worker's setNumThreads(1).
    let ticks = 0;
    for (let i = 0; i < 3; i++) {
      await sleep(1);
      ticks++;
    }
    const sum = torch.tidy(() => torch.ones([64, 64]).matmul(torch.ones([64, 64])).sum().item());
    assert.equal(sum, 64 * 64 * 64);
    assert.equal(torch.getNumThreads(), mainThreads);
    assert.equal(ticks, 3);
    assert.ok(!messages.some((m) => m['kind'] === 'done'), 'the Worker was still training while the main thread worked');
    Atomics.store(stop, 0, 1);
    const done = await next('done');
    assert.ok((done['steps'] as number) >= 1);
    assert.equal(done['threads'], 1, "the Worker's own setting");
    const losses = done['losses'] as { dLoss: number; gLoss: number };
    assert.ok(Number.isFinite(losses.dLoss) && Number.isFinite(losses.gLoss));
    assert.equal(done['live'], 0, 'the Worker freed every tensor');
    assert.equal(torch.getNumThreads(), mainThreads);
  } finally {
    await worker.terminate();
  }
});
