/**
 * One rank of a Gloo group for test/torch-distributed-reducer.test.ts, run as
 * `node reducer-worker.js SCENARIO` with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT). It prints one JSON line: `{ ok: true, ... }` or `{ ok: false, code, message }`.
 *
 * The model: h = tanh(x·w1 + b1), y = h·w2 + b2, loss = Σ y²; parameters [w1, b1, unused, w2, b2]
 * (`unused` takes no part). Rank r's batches are {@link batch}(r, 0) and (r, 1), so ranks differ.
 *
 * Scenarios:
 * - `average`: each rank first computes its local gradients of both batches with `torch.grad`
 *   (no reducer yet), then with a Reducer of a 40-byte cap: `backward` on batch 0, the gradients
 *   copied, `backward` on batch 1 (accumulating), copied; then `.grad` cleared and `torch.grad` on
 *   batch 0 (capture mode). It prints all of them and the reducer's buckets; then, with the
 *   reducer removed, local gradients, and a new reducer's pass after the group is destroyed.
 * - `peer-dies`: rank 1 exits after a barrier; rank 0's `backward` then must fail.
 * - `peer-dies-in-backward`: rank 1 exits after a differentiable all-reduce's forward; rank 0's
 *   `backward` through it must fail as a collective does.
 */
import * as torch from '../../src/torch/index.js';

const dist = torch.distributed;

/** Rank r's batch k: 3 rows of 3 small values, different per rank and batch. */
export function batch(r: number, k: number): number[][] {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => ((i * 3 + j + 1) * (r + 1) + k * 5) / 10 - 0.7));
}

function model(): torch.Tensor[] {
  torch.manualSeed(3);
  const shapes = [[3, 4], [4], [2], [4, 2], [2]];
  return shapes.map((s) => torch.randn(s).requiresGrad_());
}

function loss(params: torch.Tensor[], x: number[][]): torch.Tensor {
  const [w1, b1, , w2, b2] = params as [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor];
  const h = torch.tensor(x).matmul(w1).add(b1).tanh();
  return h.matmul(w2).add(b2).pow(2).sum();
}

const values = (t: torch.Tensor | undefined): number[] | null => (t === undefined ? null : [...(t.toArray() as Float32Array)]);

function average(): Record<string, unknown> {
  dist.initProcessGroup({ backend: 'gloo', timeoutMs: 20_000 });
  const rank = dist.getRank();
  const params = model();
  const local = [0, 1].map((k) => torch.grad([loss(params, batch(rank, k))], params, { allowUnused: true }).map(values));
  const reducer = new dist.Reducer(params, { bucketCapBytes: 40 });
  loss(params, batch(rank, 0)).backward();
  const afterOne = params.map((p) => values(p.grad));
  loss(params, batch(rank, 1)).backward();
  const afterTwo = params.map((p) => values(p.grad));
  params.forEach((p) => (p.grad = undefined));
  const captured = torch.grad([loss(params, batch(rank, 0))], params, { allowUnused: true }).map(values);
  const gradsAfterCapture = params.map((p) => p.grad === undefined);
  const buckets = reducer.buckets;
  reducer.remove();
  reducer.remove();
  // A small first bucket (DDP's first_bucket_bytes_cap): the last parameter alone, then as before.
  const firstSmall = new dist.Reducer(params, { bucketCapBytes: 40, firstBucketCapBytes: 8 });
  const bucketsFirstSmall = firstSmall.buckets;
  firstSmall.remove();
  // Removed: gradients stay local.
  const afterRemove = torch.grad([loss(params, batch(rank, 0))], params, { allowUnused: true }).map(values);
  // A reducer does not keep its group alive: once the group is destroyed, its next pass fails.
  const orphan = new dist.Reducer(params);
  dist.destroyProcessGroup();
  let afterDestroy = '';
  try {
    loss(params, batch(rank, 0)).backward();
  } catch (e) {
    afterDestroy = `${(e as torch.TorchError).code}: ${(e as Error).message}`;
  }
  orphan.remove();
  return { rank, local, afterOne, afterTwo, captured, gradsAfterCapture, buckets, bucketsFirstSmall, afterRemove, afterDestroy };
}

function peerDies(): Record<string, unknown> {
  dist.initProcessGroup({ backend: 'gloo', timeoutMs: 20_000 });
  const params = model();
  const reducer = new dist.Reducer(params);
  dist.barrier();
  if (dist.getRank() === 1) process.exit(0);
  try {
    loss(params, batch(0, 0)).backward();
  } catch (e) {
    const err = e as torch.TorchError;
    // The process goes on: the next pass through the same reducer fails the same way, not worse.
    let again = '';
    try {
      loss(params, batch(0, 1)).backward();
    } catch (e2) {
      again = (e2 as torch.TorchError).code;
    }
    reducer.remove();
    return { ok: false, code: err.code, message: err.message, again };
  }
  return { ok: true };
}

function peerDiesInBackward(): Record<string, unknown> {
  dist.initProcessGroup({ backend: 'gloo', timeoutMs: 20_000 });
  const x = torch.ones([3]).requiresGrad_(true);
  const y = dist.nn.allReduce(x, { op: 'sum' });
  dist.barrier();
  if (dist.getRank() === 1) process.exit(0);
  try {
    y.sum().backward();
  } catch (e) {
    const err = e as torch.TorchError;
    return { ok: false, code: err.code, message: err.message };
  }
  return { ok: true };
}

const scenario = process.argv[2];
if (scenario !== undefined && process.argv[1]?.endsWith('reducer-worker.js')) {
  let result: Record<string, unknown>;
  try {
    const run = { average, 'peer-dies': peerDies, 'peer-dies-in-backward': peerDiesInBackward }[scenario];
    if (run === undefined) throw new Error(`unknown scenario ${scenario}`);
    result = { ok: true, ...run() };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    result = { ok: false, code: err.code ?? 'E_UNKNOWN', message: err.message ?? String(e) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
