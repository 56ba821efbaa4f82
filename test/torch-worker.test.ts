/**
 * The addon in worker_threads: it loads in two Workers at once and in the main thread, each
 * computes correctly, grad mode is per thread, and a Worker sets its own intra-op thread count.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const torchUrl = new URL(`file://${path.join(root, 'dist/src/torch/index.js')}`).href;

/**
 * Each Worker runs this (CommonJS, so it imports the ESM torch layer dynamically). Commands arrive
 * as messages; every reply is { id, ...result }. `gate` is a shared Int32Array for holding a Worker
 * inside noGrad while the others look at their own grad mode.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const gate = new Int32Array(workerData.gate);
import(workerData.torchUrl).then((torch) => {
  const nums = (t) => Array.from(t.toArray(), Number);
  const commands = {
    compute: ({ scale }) => {
      const r = torch.tidy(() => {
        const a = torch.linspace(-1, 1, 128).reshape(8, 16).mul(scale).sin();
        const b = torch.linspace(0, 2, 64).reshape(16, 4).cos();
        const w = torch.ones([4], { requiresGrad: true });
        const y = a.matmul(b).mul(w).sum();
        y.backward();
        return { product: nums(a.matmul(b)), sum: y.item(), grad: nums(w.grad) };
      });
      return { ...r, memory: torch.memory() };
    },
    seed: ({ seed }) => (torch.manualSeed(seed), {}),
    gradMode: () => torch.tidy(() => ({ enabled: torch.isGradEnabled(), tracked: torch.ones([2], { requiresGrad: true }).mul(2).requiresGrad })),
    holdNoGrad: () => {
      const inside = torch.noGrad(() => {
        parentPort.postMessage({ id: 'holding' });
        Atomics.wait(gate, 0, 0, 10000);
        return torch.tidy(() => ({ enabled: torch.isGradEnabled(), tracked: torch.ones([2], { requiresGrad: true }).mul(2).requiresGrad }));
      });
      return { inside, after: torch.isGradEnabled() };
    },
    threads: ({ n }) => {
      const before = torch.getNumThreads();
      torch.setNumThreads(n);
      const after = torch.getNumThreads();
      const ok = torch.tidy(() => torch.ones([256, 256]).matmul(torch.ones([256, 256])).mean().item());
      return { before, after, ok };
    },
  };
  parentPort.on('message', ({ id, command, args }) => {
    try {
      parentPort.postMessage({ id, ...commands[command](args ?? {}) });
    } catch (e) {
      parentPort.postMessage({ id, error: String(e && e.stack || e) });
    }
  });
  parentPort.postMessage({ id: 'ready' });
});
`;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Reply = Record<string, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

class TorchWorker {
  readonly worker: Worker;
  #next = 0;
  #waiting = new Map<string, (r: Reply) => void>();
  readonly ready: Promise<Reply>;

  constructor(gate: SharedArrayBuffer) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { torchUrl, gate } });
    this.ready = this.expect('ready');
    this.worker.on('message', (m: Reply) => {
      const resolve = this.#waiting.get(m['id'] as string);
      this.#waiting.delete(m['id'] as string);
      resolve?.(m);
    });
  }

  /** Resolves with the next reply carrying this id. */
  expect(id: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, resolve);
      this.worker.once('error', reject);
    });
  }

  async call(command: string, args: Reply = {}): Promise<Reply> {
    const id = String(this.#next++);
    const reply = this.expect(id);
    this.worker.postMessage({ id, command, args });
    const r = await reply;
    assert.equal(r['error'], undefined, `worker ${command}: ${r['error']}`);
    return r;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** What the main thread computes for the same scale. */
function expected(scale: number): { product: number[]; sum: number; grad: number[] } {
  return torch.tidy(() => {
    const a = torch.linspace(-1, 1, 128).reshape(8, 16).mul(scale).sin();
    const b = torch.linspace(0, 2, 64).reshape(16, 4).cos();
    const p = a.matmul(b);
    return {
      product: Array.from(p.toArray() as Float32Array),
      sum: p.sum().item(),
      grad: Array.from(p.sum(0).toArray() as Float32Array),
    };
  });
}

describe('torch in worker threads', () => {
  it('two Workers and the main thread load the addon at once and each computes what the main thread does', async () => {
    const gate = new SharedArrayBuffer(4);
    const workers = [new TorchWorker(gate), new TorchWorker(gate)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const [r1, r2] = await Promise.all([workers[0]!.call('compute', { scale: 2 }), workers[1]!.call('compute', { scale: 3 })]);
      for (const [r, scale] of [
        [r1!, 2],
        [r2!, 3],
      ] as const) {
        const e = expected(scale);
        assert.deepEqual(r['product'], e.product);
        assert.ok(Math.abs(r['sum'] - e.sum) < 1e-4, `sum ${r['sum']} vs ${e.sum}`);
        r['grad'].forEach((g: number, i: number) => assert.ok(Math.abs(g - e.grad[i]!) < 1e-4));
        // Each thread counts its own tensors: nothing is left alive in the Worker after its tidy.
        assert.equal(r['memory'].tensors, 0);
      }
      assert.notDeepEqual(r1!['product'], r2!['product']);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('grad mode is per thread: noGrad held in one Worker leaves the other Worker and the main thread recording', async () => {
    const gate = new SharedArrayBuffer(4);
    const flag = new Int32Array(gate);
    const [holder, other] = [new TorchWorker(gate), new TorchWorker(gate)];
    try {
      await Promise.all([holder.ready, other.ready]);
      const holding = holder.expect('holding');
      const held = holder.call('holdNoGrad');
      await holding;
      // The holder is now blocked inside noGrad.
      const seen = await other.call('gradMode');
      assert.deepEqual([seen['enabled'], seen['tracked']], [true, true]);
      assert.equal(torch.isGradEnabled(), true);
      torch.tidy(() => assert.equal(torch.ones([2], { requiresGrad: true }).mul(2).requiresGrad, true));
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      const r = await held;
      assert.deepEqual(r['inside'], { enabled: false, tracked: false });
      assert.equal(r['after'], true);
    } finally {
      await Promise.all([holder.terminate(), other.terminate()]);
    }
  });

  it('the random generator is the process\'s (as in libtorch): manualSeed in a Worker reseeds the main thread\'s draws too', async () => {
    const w = new TorchWorker(new SharedArrayBuffer(4));
    try {
      await w.ready;
      torch.manualSeed(5);
      const reference = torch.tidy(() => Array.from(torch.randn([4]).toArray() as Float32Array));
      torch.manualSeed(99);
      await w.call('seed', { seed: 5 });
      assert.deepEqual(torch.tidy(() => Array.from(torch.randn([4]).toArray() as Float32Array)), reference);
    } finally {
      await w.terminate();
    }
  });

  it('setNumThreads in a Worker sets that Worker\'s count and leaves the main thread\'s alone', async () => {
    const mainThreads = torch.getNumThreads();
    const w = new TorchWorker(new SharedArrayBuffer(4));
    try {
      await w.ready;
      const r = await w.call('threads', { n: 1 });
      assert.equal(r['after'], 1);
      assert.equal(r['ok'], 256);
      assert.equal(torch.getNumThreads(), mainThreads);
    } finally {
      await w.terminate();
    }
  });
});
