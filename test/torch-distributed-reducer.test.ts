/**
 * torch.distributed.Reducer: gradients averaged over two Gloo worker processes
 * (test/helpers/reducer-worker.ts) during the backward pass, in accumulate mode (`backward`, twice
 * before a step) and capture mode (`torch.grad`), with several buckets and an unused parameter;
 * a peer that exits makes `backward` fail with E_DISTRIBUTED; a world of one changes nothing.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { freePort } from '../src/free-port.js';

const dist = torch.distributed;
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/reducer-worker.js');
const UNUSED = 2;

type Grads = (number[] | null)[];
type Result = Record<string, unknown> & { ok: boolean };

/** Runs two ranks of `scenario`; each rank's JSON line (a rank that exits on purpose: `silent`). */
async function runPair(scenario: string): Promise<Result[]> {
  const port = await freePort();
  return Promise.all(
    [0, 1].map(
      (rank) =>
        new Promise<Result>((resolve, reject) => {
          const env = { ...process.env, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), OMP_NUM_THREADS: '1', TORCH_CPP_LOG_LEVEL: 'ERROR' };
          const child = spawn(process.execPath, [WORKER, scenario], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', reject);
          child.on('close', () => {
            const line = out.trim().split('\n').pop() ?? '';
            if (line === '') return resolve({ ok: true, silent: true, stderr: err });
            try {
              resolve(JSON.parse(line) as Result);
            } catch {
              reject(new Error(`rank ${rank}: not JSON: ${out}\n${err}`));
            }
          });
        }),
    ),
  );
}

/** The two ranks' mean in float32: Gloo's float32 sum, then an exact halving. */
const mean = (a: number[], b: number[]): number[] => a.map((x, i) => Math.fround(x + b[i]!) / 2);

/**
 * Accumulate mode writes `grad += avg − local` into a gradient that already holds local (plus what
 * earlier passes left): each of the float32 subtraction and addition rounds once, by at most half
 * an ulp of its result, so the error is at most 2^-24 · (|avg − local| + |result|) per pass, bounded
 * here by 2^-23 · Σ |terms| over the passes.
 */
function assertClose(got: number[], want: number[], scale: number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => {
    const tol = 2 ** -23 * scale[i]!;
    assert.ok(Math.abs(g - want[i]!) <= tol, `${what}[${i}]: ${g} vs ${want[i]} (tolerance ${tol})`);
  });
}

describe('torch.distributed.Reducer (Gloo, two ranks)', () => {
  it('averages during backward (twice, accumulating) and torch.grad; several buckets; an unused parameter stays undefined', async () => {
    const results = await runPair('average');
    results.forEach((r) => assert.equal(r.ok, true, JSON.stringify(r)));
    const [r0, r1] = results as [Result, Result];
    const local = [r0['local'], r1['local']] as [Grads[], Grads[]];
    // Reverse order, 40-byte cap: b2 (8 B) + w2 (32 B); b1 (16 B) + unused (8 B); w1 (48 B) alone.
    assert.deepEqual(r0['buckets'], [[4, 3], [2, 1], [0]]);
    // Parameters of 48, 16, 8, 32 and 8 bytes: a first bucket of at most 8 bytes holds the last alone.
    assert.deepEqual(r0['bucketsFirstSmall'], [[4], [3, 2], [1], [0]]);
    for (const r of results) {
      const afterOne = r['afterOne'] as Grads;
      const afterTwo = r['afterTwo'] as Grads;
      const captured = r['captured'] as Grads;
      for (let p = 0; p < 5; p++) {
        if (p === UNUSED) {
          assert.equal(afterOne[p], null, 'the unused parameter has no gradient');
          assert.equal(afterTwo[p], null);
          assert.equal(captured[p], null);
          continue;
        }
        const [a0, a1] = [local[0][0]![p]!, local[1][0]![p]!];
        const [c0, c1] = [local[0][1]![p]!, local[1][1]![p]!];
        const avg1 = mean(a0, a1);
        const avg2 = mean(c0, c1);
        const mine1 = r['rank'] === 0 ? a0 : a1;
        const mine2 = r['rank'] === 0 ? c0 : c1;
        assertClose(afterOne[p]!, avg1, avg1.map((x, i) => Math.abs(x) + Math.abs(mine1[i]!)), `rank ${r['rank']} backward 1 p${p}`);
        const sum = avg1.map((x, i) => x + avg2[i]!);
        assertClose(afterTwo[p]!, sum, sum.map((_, i) => Math.abs(avg1[i]!) + Math.abs(avg2[i]!) + Math.abs(mine1[i]!) + Math.abs(mine2[i]!)), `rank ${r['rank']} backward 2 p${p}`);
        // Capture mode copies the average itself: exact.
        assert.deepEqual(captured[p], avg1, `rank ${r['rank']} torch.grad p${p}`);
        // The local gradients differ between the ranks: the average is not a rank's own.
        assert.notDeepEqual(a0, a1);
      }
      assert.deepEqual(r['gradsAfterCapture'], [true, true, true, true, true], 'torch.grad leaves .grad alone');
      assert.deepEqual(r['afterRemove'], (r['local'] as Grads[])[0], 'a removed reducer leaves gradients local');
      assert.match(String(r['afterDestroy']), /^E_DISTRIBUTED: gradient reducer on rank \d of 2 \(gloo, timeout 20000 ms\): the process group was destroyed$/);
    }
  });

  it('a peer that exits: backward throws E_DISTRIBUTED naming the bucket and rank, and the process goes on', async () => {
    const [survivor, gone] = await runPair('peer-dies');
    assert.equal(gone!['silent'], true);
    assert.equal(survivor!.ok, false, JSON.stringify(survivor));
    assert.equal(survivor!['code'], 'E_DISTRIBUTED');
    assert.match(String(survivor!['message']), /^allReduce of gradient bucket 1 of 1 on rank 0 of 2 \(gloo, timeout 20000 ms\): /);
    assert.equal(survivor!['again'], 'E_DISTRIBUTED');
  });

  it("a peer that exits before a differentiable all-reduce's backward: backward throws E_DISTRIBUTED", async () => {
    const [survivor, gone] = await runPair('peer-dies-in-backward');
    assert.equal(gone!['silent'], true);
    assert.equal(survivor!.ok, false, JSON.stringify(survivor));
    assert.equal(survivor!['code'], 'E_DISTRIBUTED');
    assert.match(String(survivor!['message']), /^allReduce \(backward of the differentiable all-reduce\) on rank 0 of 2 \(gloo, timeout 20000 ms\): /);
  });
});

describe('torch.distributed.Reducer (this process)', () => {
  it('a world of one registers nothing: gradients are the local ones, exactly', () => {
    assert.throws(() => new dist.Reducer([]), { code: 'E_DISTRIBUTED', message: /Reducer: the default process group is not initialised/ });
    const store = new dist.TCPStore('127.0.0.1', 0, { isMaster: true, worldSize: 1, timeoutMs: 5000 });
    dist.initProcessGroup({ backend: 'gloo', store, rank: 0, worldSize: 1, timeoutMs: 3000 });
    try {
      torch.manualSeed(1);
      const w = torch.randn([3, 2]).requiresGrad_();
      const x = torch.randn([4, 3]);
      const want = torch.grad([x.matmul(w).pow(2).sum()], [w])[0]!.toArray();
      const reducer = new dist.Reducer([w], { bucketCapBytes: 8 });
      assert.equal(reducer.worldSize, 1);
      assert.deepEqual(reducer.buckets, []);
      x.matmul(w).pow(2).sum().backward();
      assert.deepEqual(w.grad!.toArray(), want);
      reducer.remove();
      assert.equal(reducer.isRemoved, true);
      assert.throws(() => new dist.Reducer([w.mul(2)]), { code: 'E_ARGUMENT', message: 'Reducer: params[0]: expected a leaf tensor that requires grad (a parameter)' });
      assert.throws(() => new dist.Reducer([w, w]), { code: 'E_ARGUMENT', message: 'Reducer: params[1]: the same parameter twice' });
      assert.throws(() => new dist.Reducer([w], { bucketCapBytes: 0 }), { code: 'E_ARGUMENT', message: 'Reducer: bucketCapBytes: expected a positive integer, got 0' });
    } finally {
      dist.destroyProcessGroup();
      store.close();
    }
  });
});
