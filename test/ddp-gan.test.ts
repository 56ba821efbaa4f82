/**
 * Data-parallel GANs: SyncBatchNorm in two Gloo workers equals BatchNorm on the concatenated batch
 * in one process (outputs, input and parameter gradients, running statistics; unequal shares);
 * `convertSyncBatchnorm` keeps state-dict keys, values and tensors; per-rank draws (noise, dropout
 * masks) are the rows of one process's draw for the global batch; and a DCGAN trained by
 * `dsi ml train --nproc 2` at batch 4 ends with the weights of one process at batch 8 (the 32×32
 * stack with batch norm in both networks, and the 28×28 one with dropout), while `--no-sync-bn`
 * does not.
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
import { trainGan } from '../src/ml/index.js';
import { drawForRank, rankPositions } from '../src/ml/train/distributed-run.js';
import { RankDropout } from '../src/ml/train/rank-dropout.js';
import { plumeStore } from './helpers/plume-ensemble.js';
import { tempDir } from './helpers/store-helpers.js';
import { weightDifference } from './helpers/weight-difference.js';
import { freePort } from '../src/free-port.js';

const { nn } = torch;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const WORKER = path.join(HERE, 'helpers/sync-batch-norm-worker.js');
const env = { ...process.env, OMP_NUM_THREADS: '1', TORCH_CPP_LOG_LEVEL: 'ERROR' };

type Check = { diff: number; bound: number };
type WorkerResult = { ok: boolean; rank: number; message?: string } & Record<string, Record<string, Check>>;

/** Both ranks of the SyncBatchNorm worker; their JSON lines in rank order. */
async function syncBatchNormWorkers(): Promise<WorkerResult[]> {
  const port = await freePort();
  return Promise.all(
    [0, 1].map(
      (rank) =>
        new Promise<WorkerResult>((resolve, reject) => {
          const child = spawn(process.execPath, [WORKER], { env: { ...env, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', reject);
          child.on('close', () => {
            try {
              resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as WorkerResult);
            } catch {
              reject(new Error(`rank ${rank}: not JSON: ${out}\n${err}`));
            }
          });
        }),
    ),
  );
}

describe('SyncBatchNorm', () => {
  it('in two Gloo workers with 3 and 5 rows equals BatchNorm on all 8 rows in one process', async () => {
    const results = await syncBatchNormWorkers();
    for (const r of results) {
      assert.ok(r.ok, `rank ${r.rank}: ${r.message}`);
      for (const layer of ['batchNorm2d', 'batchNorm1d']) {
        for (const [what, { diff, bound }] of Object.entries(r[layer]!)) {
          assert.ok(diff <= bound, `rank ${r.rank} ${layer} ${what}: difference ${diff} above ${bound}`);
        }
      }
    }
  });

  it('convertSyncBatchnorm keeps state-dict keys, values and the tensors themselves; alone it is BatchNorm', () => {
    class Net extends nn.Module {
      readonly conv = this.registerModule('conv', new nn.Conv2d(2, 3, 3));
      readonly bn = this.registerModule('bn', new nn.BatchNorm2d(3));
      readonly body = this.registerModule('body', new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 4), new nn.BatchNorm1d(4, { momentum: null })));
      override forward(x: torch.Tensor): torch.Tensor {
        return this.body.forward(this.bn.forward(this.conv.forward(x)));
      }
    }
    torch.manualSeed(3);
    const net = new Net();
    const plain = new Net();
    const x = torch.randn([5, 2, 4, 4]);
    // A step in training mode first, so the running statistics and counters hold values.
    net.forward(x);
    plain.loadStateDict(net.stateDict());
    const before = net.stateDict();
    const tensors = [...net.parameters(), ...net.buffers()];
    const converted = nn.SyncBatchNorm.convertSyncBatchnorm(net);
    assert.equal(converted, net);
    assert.ok(net.bn instanceof nn.SyncBatchNorm, 'the field now holds the SyncBatchNorm');
    assert.ok(net.body.at(2) instanceof nn.SyncBatchNorm, "Sequential's own list too");
    assert.equal((net.body.at(2) as torch.nn.SyncBatchNorm).momentum, null);
    const after = net.stateDict();
    assert.deepEqual([...after.keys()], [...before.keys()]);
    for (const [k, t] of before) assert.deepEqual(after.get(k)!.toArray(), t.toArray(), k);
    assert.deepEqual([...net.parameters(), ...net.buffers()], tensors, 'the same tensor objects');
    // No process group: exactly BatchNorm's path, in training and in evaluation.
    assert.deepEqual(net.forward(x).toArray(), plain.forward(x).toArray());
    assert.deepEqual(net.stateDict().get('bn.running_var')!.toArray(), plain.stateDict().get('bn.running_var')!.toArray());
    net.eval();
    plain.eval();
    assert.deepEqual(net.forward(x).toArray(), plain.forward(x).toArray());
    // A checkpoint of the converted network loads into plain BatchNorm.
    const file = path.join(tempDir('dsi-syncbn-'), 'net.safetensors');
    net.save(file);
    const reloaded = new Net();
    reloaded.load(file);
    assert.deepEqual(reloaded.stateDict().get('body.2.running_mean')!.toArray(), net.stateDict().get('body.2.running_mean')!.toArray());
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    assert.ok(nn.SyncBatchNorm.convertSyncBatchnorm(new nn.BatchNorm1d(3)) instanceof nn.SyncBatchNorm, 'a BatchNorm itself comes back converted');
  });

  it("rank positions: DistributedSampler's stride, or whole pairs when paired", () => {
    const w = (rank: number): { rank: number; worldSize: number; localRank: number } => ({ rank, worldSize: 2, localRank: rank });
    assert.deepEqual(rankPositions(3, w(0)), [0, 2, 4]);
    assert.deepEqual(rankPositions(3, w(1)), [1, 3, 5]);
    // 8 global rows, pairs (j, 4 + j): rank 0 takes pairs 0 and 1, rank 1 pairs 2 and 3.
    assert.deepEqual(rankPositions(4, w(0), true), [0, 1, 4, 5]);
    assert.deepEqual(rankPositions(4, w(1), true), [2, 3, 6, 7]);
    assert.deepEqual(rankPositions(4, { rank: 0, worldSize: 1, localRank: 0 }, true), [0, 1, 2, 3]);
  });
});

describe('per-rank randomness', () => {
  const world = (rank: number): { rank: number; worldSize: number; localRank: number } => ({ rank, worldSize: 2, localRank: rank });

  it('drawForRank and RankDropout: two ranks from one generator state hold the global draw, rows interleaved', () => {
    const x = torch.randn([6, 3, 2]);
    const draws = [0, 1].map((rank) => {
      torch.manualSeed(11);
      const noise = drawForRank(3, world(rank), (rows) => torch.randn([rows, 4]));
      const dropped = new RankDropout(0.4, world(rank)).forward(x.narrow(0, 3 * rank, 3));
      return { noise, dropped, after: torch.rand([1]).item() as number };
    });
    // One process at the global batch: the noise of 6 rows, then dropout on all 6 (rows of rank r
    // at r, r + 2, r + 4; x's rows here are rank 0's then rank 1's, so dropout sees them interleaved).
    torch.manualSeed(11);
    const noise = torch.randn([6, 4]);
    const order = torch.tensor([0, 3, 1, 4, 2, 5], { dtype: 'int64' });
    const dropped = torch.F.dropout(x.indexSelect(0, order), 0.4, true);
    const after = torch.rand([1]).item() as number;
    for (const rank of [0, 1]) {
      const rows = torch.tensor(rankPositions(3, world(rank)), { dtype: 'int64' });
      assert.deepEqual(draws[rank]!.noise.toArray(), noise.indexSelect(0, rows).toArray());
      assert.deepEqual(draws[rank]!.dropped.toArray(), dropped.indexSelect(0, rows).toArray());
      assert.equal(draws[rank]!.after, after, 'the generator ends where one process leaves it');
    }
  });
});

const LR = 1e-3;
const EPOCHS = 2;
/** 16 plume images a run: 2 steps an epoch either way (one process at 8, two workers at 4 each). */
const COMMON = ['ml', 'train', '--model', 'dcgan', '--table', 'plumes', '--epochs', String(EPOCHS), '--lr', String(LR), '--seed', '5', '--threads', '1', '--json'];

/**
 * The mean difference allowed between two float32 computations of the same S steps. Each batch
 * statistic is a float32 sum of at most n terms (the largest per-channel count), summed in another
 * order and split over two ranks: a relative error of about n · 2^-24 per batch-norm layer, and a
 * gradient passes L of them, so gradients differ by about L · n · 2^-24 relatively. Adam's step is
 * about ±lr whatever the gradient's size, so what differs is the sign of the elements whose
 * gradient is within that error of 0: a share of about L · n · 2^-24 of them, each a step of up to
 * 2 · lr apart. Over S steps, with the differences fed back through the next steps' fakes (a
 * factor 4 of room): mean ≤ lr · S · 8 · L · n · 2^-24. The largest difference is at most lr · S.
 */
const meanBound = (steps: number, layers: number, n: number): number => LR * steps * 8 * layers * n * 2 ** -24;

describe('data-parallel DCGAN', () => {
  let dir: string;
  const stores: Store[] = [];

  before(async () => {
    dir = tempDir('dsi-ddp-gan-');
    for (const size of [32, 28]) stores.push((await plumeStore(path.join(dir, String(size)), { train: 16, test: 0, size })).store);
  });

  after(async () => {
    for (const s of stores) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function dsi(size: number, args: string[]): { run_id: string; steps_done: number; FILE_checkpoint: string } {
    const cwd = path.join(dir, String(size));
    const r = spawnSync(process.execPath, [DSI, '--db', path.join(cwd, 'dsi.db'), ...args], { cwd, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { run_id: string; steps_done: number; FILE_checkpoint: string };
  }

  /** The float32 parameters (not the running statistics) of a checkpoint's networks. */
  function parameters(size: number, checkpoint: string): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const file of ['generator.safetensors', 'discriminator.safetensors']) {
      const { tensors } = loadSafetensors(path.join(dir, String(size), checkpoint, file));
      for (const [k, t] of tensors) {
        if (t.dtype === 'float32' && !/running_(mean|var)$/.test(k)) out.set(`${file}:${k}`, t.toArray() as Float32Array);
        t.dispose();
      }
    }
    return out;
  }

  it('32×32 (batch norm in both networks): two workers at batch 4 equal one process at batch 8 with sync batch norm, and not without', async (t) => {
    const one = await trainGan(stores[0]!, { table: 'plumes', model: 'dcgan', epochs: EPOCHS, batch: 8, lr: LR, seed: 5, threads: 1 });
    const synced = dsi(32, [...COMMON, '--batch', '4', '--nproc', '2']);
    const unsynced = dsi(32, [...COMMON, '--batch', '4', '--nproc', '2', '--no-sync-bn']);
    const steps = one.steps_done;
    assert.equal(synced.steps_done, steps);
    const a = parameters(32, one.FILE_checkpoint!);
    const same = weightDifference(a, parameters(32, synced.FILE_checkpoint));
    const other = weightDifference(a, parameters(32, unsynced.FILE_checkpoint));
    t.diagnostic(`${same.count} parameters after ${steps} steps; sync: largest difference ${same.worst}, mean ${same.mean}; --no-sync-bn: largest ${other.worst}, mean ${other.mean}`);
    // n = 8 · 16 · 16 = 2^11 (the generator's last batch norm); the generator's gradients pass
    // L = 5 batch norms (its 3, the discriminator's 2).
    const bound = meanBound(steps, 5, 2 ** 11);
    assert.ok(same.worst <= LR * steps, `largest difference ${same.worst} above lr · steps = ${LR * steps}`);
    assert.ok(same.mean <= bound, `mean difference ${same.mean} above lr · S · 8 · L · n · 2^-24 = ${bound}`);
    // Per-worker statistics normalise with other means and variances (batches of 4, not 8):
    // the gradients differ by a sizeable fraction, and so do most Adam steps.
    assert.ok(other.mean > LR * steps * 2 ** -6, `--no-sync-bn mean difference ${other.mean} should be far from one process's`);
  });

  it("28×28 (TensorFlow's DCGAN: dropout in the discriminator): two workers at batch 4 equal one process at batch 8", async (t) => {
    const one = await trainGan(stores[1]!, { table: 'plumes', model: 'dcgan', epochs: EPOCHS, batch: 8, lr: LR, seed: 5, threads: 1 });
    const two = dsi(28, [...COMMON, '--batch', '4', '--nproc', '2']);
    const steps = one.steps_done;
    assert.equal(two.steps_done, steps);
    const same = weightDifference(parameters(28, one.FILE_checkpoint!), parameters(28, two.FILE_checkpoint));
    t.diagnostic(`${same.count} parameters after ${steps} steps: largest difference ${same.worst}, mean ${same.mean}`);
    // n = 8 · 14 · 14 = 1568 (the last batch norm); L = 3 (the generator's; the discriminator has
    // none). Dropout masks drawn per worker instead (a different mask on most rows) would move
    // most weights by about lr a step.
    const bound = meanBound(steps, 3, 8 * 14 * 14);
    assert.ok(same.worst <= LR * steps, `largest difference ${same.worst} above lr · steps = ${LR * steps}`);
    assert.ok(same.mean <= bound, `mean difference ${same.mean} above lr · S · 8 · L · n · 2^-24 = ${bound}`);
  });

  it('the classifier (batch norm and a dropout layer): two workers at batch 4 equal one process at batch 8', async (t) => {
    // Two classes from a parameter: which half of the field the plume starts in.
    const query = "SELECT *, CASE WHEN x0 < 0.5 THEN 'left' ELSE 'right' END AS side FROM plumes";
    const common = ['ml', 'train', '--model', 'classifier', '--query', query, '--label-col', 'side', '--epochs', String(EPOCHS), '--lr', String(LR), '--seed', '5', '--threads', '1', '--json'];
    const one = dsi(28, [...common, '--batch', '8']);
    const two = dsi(28, [...common, '--batch', '4', '--nproc', '2']);
    assert.equal(two.steps_done, one.steps_done);
    const weights = (checkpoint: string): Map<string, Float32Array> => {
      const out = new Map<string, Float32Array>();
      const { tensors } = loadSafetensors(path.join(dir, '28', checkpoint, 'model.safetensors'));
      for (const [k, x] of tensors) {
        if (x.dtype === 'float32' && !/running_(mean|var)$/.test(k)) out.set(k, x.toArray() as Float32Array);
        x.dispose();
      }
      return out;
    };
    const same = weightDifference(weights(one.FILE_checkpoint), weights(two.FILE_checkpoint));
    t.diagnostic(`${same.count} parameters after ${one.steps_done} steps: largest difference ${same.worst}, mean ${same.mean}`);
    // n = 8 · 14 · 14 = 1568 (the first batch norm's count per channel), L = 2 batch norms; the
    // dropout masks are the global batch's (a per-worker mask would move most weights by about lr).
    const bound = meanBound(one.steps_done, 2, 8 * 14 * 14);
    assert.ok(same.worst <= LR * one.steps_done, `largest difference ${same.worst} above lr · steps`);
    assert.ok(same.mean <= bound, `mean difference ${same.mean} above lr · S · 8 · L · n · 2^-24 = ${bound}`);
  });
});
