/**
 * torch.distributed over Gloo on this machine: worker processes (test/helpers/distributed-worker.ts)
 * rendezvous by TCP (env://, torchrun's variables) and by file, and check every collective's
 * result exactly; bad arguments fail before any rendezvous; a peer that exits makes the
 * survivor's collective fail within the timeout, naming its rank. NCCL needs a CUDA libtorch
 * and a GPU: here only its refusal is checked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { rankValues } from './helpers/distributed-worker.js';
import { freePort } from '../src/free-port.js';

const dist = torch.distributed;
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/distributed-worker.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsi-dist-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Result = Record<string, unknown> & { ok: boolean };

/** Runs `world` ranks of SCENARIO and returns each rank's JSON line, in rank order. */
async function runWorld(scenario: string, world: number, env: Record<string, string>): Promise<Result[]> {
  const runs = Array.from({ length: world }, (_, rank) =>
    new Promise<Result>((resolve, reject) => {
      const child = spawn(process.execPath, [WORKER, scenario], {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(world), OMP_NUM_THREADS: '1', TORCH_CPP_LOG_LEVEL: 'ERROR', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', () => {
        const line = out.trim().split('\n').pop() ?? '';
        if (line === '') {
          // A rank that exits on purpose (peer-dies) prints nothing.
          resolve({ ok: true, silent: true, stderr: err });
          return;
        }
        try {
          resolve(JSON.parse(line) as Result);
        } catch {
          reject(new Error(`rank ${rank}: not JSON: ${out}\n${err}`));
        }
      });
    }),
  );
  return Promise.all(runs);
}

/** What every rank must hold after `op` over ranks 0..world-1, in `dtype`'s arithmetic. */
function expected(op: string, dtype: 'float32' | 'float64', world: number): number[] {
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const rows = Array.from({ length: world }, (_, r) => rankValues(r));
  return rows[0]!.map((_, i) => {
    const column = rows.map((row) => row[i]!);
    const sum = column.reduce((a, b) => a + b, 0);
    if (op === 'sum') return round(sum);
    if (op === 'avg') return round(round(sum) / world);
    return round(op === 'max' ? Math.max(...column) : Math.min(...column));
  });
}

function checkCollectives(results: Result[], world: number): void {
  results.forEach((r, rank) => {
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r['rank'], rank);
    assert.equal(r['world'], world);
    assert.equal(r['backend'], 'gloo');
    for (const dtype of ['float32', 'float64'] as const) {
      for (const op of ['sum', 'avg', 'max', 'min']) assert.deepEqual(r[`${op}/${dtype}`], expected(op, dtype, world), `${op} ${dtype} on rank ${rank}`);
    }
    assert.deepEqual(r['broadcast'], rankValues(world > 1 ? 1 : 0), 'broadcast from rank 1');
    const gathered = Array.from({ length: world }, (_, q) => [q, q + 0.5]);
    assert.deepEqual(r['allGather'], gathered, 'all_gather in rank order');
    assert.deepEqual(r['allGatherIntoTensor'], gathered.flat());
    const scattered = Array.from({ length: world }, (_, q) => 10 * q + rank).reduce((a, b) => a + b, 0);
    assert.deepEqual(r['reduceScatter'], [scattered]);
    assert.deepEqual(r['product/int64'], [Array.from({ length: world }, (_, q) => q + 1).reduce((a, b) => a * b, 1)]);
    assert.deepEqual(r['info'], { rank, size: world, backend: 'gloo' });
    assert.equal(r['initializedAfter'], false);
  });
}

describe('torch.distributed (Gloo)', () => {
  it('two ranks through env:// (TCPStore): every collective, exact', async () => {
    const port = await freePort();
    const results = await runWorld('collectives', 2, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
    checkCollectives(results, 2);
  });

  it('three ranks through file://: odd sizes, avg not a power of two', async () => {
    const results = await runWorld('collectives', 3, { DSI_INIT_METHOD: `file://${path.join(tmp, 'rendezvous')}` });
    checkCollectives(results, 3);
  });

  it('a peer that exits: the survivor fails within the timeout with E_DISTRIBUTED naming its rank', async () => {
    const port = await freePort();
    const [survivor, gone] = await runWorld('peer-dies', 2, { DSI_INIT_METHOD: `tcp://127.0.0.1:${port}`, DSI_TIMEOUT_MS: '3000' });
    assert.equal(gone!['silent'], true);
    assert.equal(survivor!.ok, false, JSON.stringify(survivor));
    assert.equal(survivor!['code'], 'E_DISTRIBUTED');
    assert.match(String(survivor!['message']), /^allReduce on rank 0 of 2 \(gloo, timeout 3000 ms\): /);
    assert.ok((survivor!['elapsedMs'] as number) < 3500, `failed after ${survivor!['elapsedMs']} ms`);
  });

  it('a world of one, in this process, on a store given to initProcessGroup', () => {
    const store = new dist.TCPStore('127.0.0.1', 0, { isMaster: true, worldSize: 1, timeoutMs: 5000 });
    assert.ok(store.port > 0);
    store.set('k', 'v');
    assert.equal(Buffer.from(store.get('k')).toString(), 'v');
    assert.equal(store.add('n', 2), 2);
    assert.equal(store.add('n', 3), 5);
    assert.throws(() => store.wait(['missing'], 100), (e: torch.TorchError) => e.code === 'E_DISTRIBUTED' && /timeout 100 ms/.test(e.message));
    const group = dist.initProcessGroup({ backend: 'gloo', store, rank: 0, worldSize: 1, timeoutMs: 3000 });
    assert.equal(dist.isInitialized(), true);
    assert.equal(dist.getRank(), 0);
    assert.equal(dist.getWorldSize(), 1);
    assert.throws(() => dist.initProcessGroup({ backend: 'gloo', store, rank: 0, worldSize: 1 }), { code: 'E_DISTRIBUTED' });
    const t = torch.tensor([1.5, -2, 3]);
    dist.allReduce(t, { op: 'avg' });
    assert.deepEqual([...t.toArray()], [1.5, -2, 3]);
    dist.broadcast(t, { src: 0 });
    dist.barrier();
    assert.throws(() => dist.broadcast(t, { src: 1 }), /broadcast: src: expected a rank in \[0, 1\), got 1/);
    assert.throws(() => dist.allReduce(torch.tensor([1], { dtype: 'int64' }), { op: 'avg' }), /'avg' needs a floating-point tensor/);
    assert.throws(() => dist.allGather([], t), /expected 1 tensors/);
    dist.destroyProcessGroup();
    dist.destroyProcessGroup();
    assert.equal(dist.isInitialized(), false);
    assert.equal(group.isDestroyed, true);
    assert.throws(() => group.allReduce(t), { code: 'E_DISTRIBUTED', message: /destroyed/ });
    assert.throws(() => dist.allReduce(t), { code: 'E_DISTRIBUTED', message: /not initialised/ });
    store.close();
    store.close();
  });

  it('bad arguments fail before any rendezvous, with one clear line', () => {
    const init = (o: Partial<torch.distributed.InitProcessGroupOptions>) => () =>
      dist.initProcessGroup({ backend: 'gloo', initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 2, ...o } as torch.distributed.InitProcessGroupOptions);
    assert.throws(init({ rank: 2 }), { code: 'E_ARGUMENT', message: 'initProcessGroup: rank: expected an integer in [0, 2) for a world of 2, got 2' });
    assert.throws(init({ backend: 'mpi' as never }), { code: 'E_ARGUMENT', message: "initProcessGroup: unknown backend 'mpi' (gloo, nccl)" });
    assert.throws(init({ worldSize: 0 }), { code: 'E_ARGUMENT' });
    assert.throws(init({ initMethod: 'udp://x:1' }), { code: 'E_ARGUMENT', message: /expected env:\/\/, tcp:\/\/HOST:PORT or file:\/\/\/PATH/ });
    assert.throws(init({ initMethod: 'tcp://nohost' }), { code: 'E_ARGUMENT', message: /expected tcp:\/\/HOST:PORT/ });
    const saved = { ...process.env };
    try {
      delete process.env['MASTER_ADDR'];
      assert.throws(init({ initMethod: 'env://' }), { code: 'E_ARGUMENT', message: 'initProcessGroup: env:// needs MASTER_ADDR in the environment' });
      delete process.env['RANK'];
      assert.throws(() => dist.initProcessGroup({ backend: 'gloo', worldSize: 2 }), { code: 'E_ARGUMENT', message: /env:\/\/ needs RANK/ });
    } finally {
      process.env = saved;
    }
    if (!dist.isNcclAvailable()) {
      assert.throws(init({ backend: 'nccl' }), { code: 'E_DISTRIBUTED', message: /nccl backend needs CUDA/ });
    }
    assert.equal(dist.isInitialized(), false);
  });
});
