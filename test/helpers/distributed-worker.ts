/**
 * One rank of a process group for test/torch-distributed.test.ts and bench/allreduce.ts, run as
 * `node distributed-worker.js SCENARIO` with the rendezvous in torchrun's environment (RANK,
 * WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or DSI_INIT_METHOD (tcp:// or file://). It prints one
 * JSON line on stdout: `{ ok: true, ... }` with what it computed, or `{ ok: false, code, message,
 * elapsedMs }` when a call failed.
 *
 * Scenarios:
 * - `collectives`: all-reduce (sum, avg, max, min on float32 and float64), broadcast from rank 1
 *   (rank 0 when alone), all-gather into a list and into a tensor, reduce-scatter, barrier and the
 *   store; the input of rank r is {@link rankValues}(r).
 * - `peer-dies`: rank 1 exits after the first barrier; the others then all-reduce, which must fail.
 * - `bench`: all-reduce of float32 tensors of DSI_BENCH_SIZES megabytes, DSI_BENCH_REPEATS times.
 */
import * as torch from '../../src/torch/index.js';

const dist = torch.distributed;

/** The input of rank r: small integers and halves, so sums are exact in float32. */
export function rankValues(r: number): number[] {
  return [r + 1, 2 * r + 0.5, 0 - r, 10 - 3 * r, r * r];
}

function initMethod(): string {
  return process.env['DSI_INIT_METHOD'] ?? 'env://';
}

function timeoutMs(): number {
  return Number(process.env['DSI_TIMEOUT_MS'] ?? 20_000);
}

function collectives(): Record<string, unknown> {
  const group = dist.initProcessGroup({ backend: 'gloo', initMethod: initMethod(), timeoutMs: timeoutMs() });
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const out: Record<string, unknown> = { rank, world, backend: dist.getBackend() };
  for (const dtype of ['float32', 'float64'] as const) {
    for (const op of ['sum', 'avg', 'max', 'min'] as const) {
      const t = torch.tensor(rankValues(rank), { dtype });
      dist.allReduce(t, { op });
      out[`${op}/${dtype}`] = [...t.toArray()];
      t.dispose();
    }
  }
  const src = world > 1 ? 1 : 0;
  const b = torch.tensor(rankValues(rank), { dtype: 'float64' });
  dist.broadcast(b, { src });
  out['broadcast'] = [...b.toArray()];
  const mine = torch.tensor([rank, rank + 0.5], { dtype: 'float32' });
  const gathered = Array.from({ length: world }, () => torch.zeros([2]));
  dist.allGather(gathered, mine);
  out['allGather'] = gathered.map((g) => [...g.toArray()]);
  const flat = torch.zeros([2 * world]);
  dist.allGatherIntoTensor(flat, mine);
  out['allGatherIntoTensor'] = [...flat.toArray()];
  // Rank r contributes inputs[j] = [10·r + j]; rank j receives Σ_r (10·r + j).
  const inputs = Array.from({ length: world }, (_, j) => torch.tensor([10 * rank + j], { dtype: 'float64' }));
  const scattered = torch.zeros([1], { dtype: 'float64' });
  dist.reduceScatter(scattered, inputs);
  out['reduceScatter'] = [...scattered.toArray()];
  const ints = torch.tensor([rank + 1], { dtype: 'int64' });
  dist.allReduce(ints, { op: 'product' });
  out['product/int64'] = [...ints.toArray()].map(Number);
  dist.barrier();
  out['info'] = { rank: group.rank, size: group.size, backend: group.backend };
  dist.destroyProcessGroup();
  dist.destroyProcessGroup(); // idempotent
  out['initializedAfter'] = dist.isInitialized();
  return out;
}

function peerDies(): Record<string, unknown> {
  dist.initProcessGroup({ backend: 'gloo', initMethod: initMethod(), timeoutMs: timeoutMs() });
  dist.barrier();
  if (dist.getRank() === 1) process.exit(0);
  // Let the peer be gone before the collective starts.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const t = torch.ones([1024]);
  const start = performance.now();
  try {
    dist.allReduce(t);
  } catch (e) {
    const err = e as torch.TorchError;
    return { ok: false, code: err.code, message: err.message, elapsedMs: performance.now() - start };
  }
  return { ok: true, elapsedMs: performance.now() - start };
}

function bench(): Record<string, unknown> {
  dist.initProcessGroup({ backend: 'gloo', initMethod: initMethod(), timeoutMs: timeoutMs() });
  const sizes = (process.env['DSI_BENCH_SIZES'] ?? '1,4,16,64').split(',').map(Number);
  const repeats = Number(process.env['DSI_BENCH_REPEATS'] ?? 5);
  const results: { mb: number; seconds: number }[] = [];
  for (const mb of sizes) {
    const t = torch.ones([(mb * 1024 * 1024) / 4]);
    dist.allReduce(t); // warm-up: connections and buffers
    dist.barrier();
    const start = performance.now();
    for (let i = 0; i < repeats; i++) dist.allReduce(t);
    results.push({ mb, seconds: (performance.now() - start) / 1000 / repeats });
    t.dispose();
  }
  dist.destroyProcessGroup();
  return { rank: 0, results };
}

const scenario = process.argv[2];
if (scenario !== undefined && process.argv[1]?.endsWith('distributed-worker.js')) {
  let result: Record<string, unknown>;
  try {
    const run = { collectives, 'peer-dies': peerDies, bench }[scenario];
    if (run === undefined) throw new Error(`unknown scenario ${scenario}`);
    result = { ok: true, ...run() };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    result = { ok: false, code: err.code ?? 'E_UNKNOWN', message: err.message ?? String(e) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
