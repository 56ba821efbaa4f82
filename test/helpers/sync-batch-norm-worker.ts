/**
 * One rank of test/ddp-gan.test.ts's SyncBatchNorm check, run as `node sync-batch-norm-worker.js`
 * with torchrun's variables (RANK, WORLD_SIZE = 2, MASTER_ADDR, MASTER_PORT). Every rank makes the
 * same global batch from one seed, computes plain BatchNorm on all of it (the one-process
 * reference) and SyncBatchNorm on its own rows (rank 0 the first ROWS[0], rank 1 the next
 * ROWS[1]: unequal shares), and prints one JSON line: for each quantity (output, input gradient,
 * weight and bias gradients summed over ranks, running statistics after two steps, the counter)
 * the largest difference from the reference and the bound it must stay under.
 *
 * The bound: each quantity is a sum over at most n = (all rows) · (positions per channel) terms,
 * then a few element-wise operations; float32 rounding of a sum of n terms is at most
 * (n − 1) · 2^-24 times the sum of their magnitudes (Higham, Accuracy and Stability, §4.2), and
 * both implementations round that way (in different orders). So the bound is
 * 8 · n · 2^-24 · M, M the largest magnitude in the computation of that quantity (the reference's
 * largest value times 1 + max|x − mean| / σ, the normalised input's range), the 8 covering the
 * few chained operations (mean, deviation, variance, rsqrt, scale) whose errors add.
 */
import * as torch from '../../src/torch/index.js';

const dist = torch.distributed;
const { nn } = torch;

/** Rows of each rank: unequal on purpose. */
const ROWS = [3, 5] as const;
const U = 2 ** -24;

type Check = { diff: number; bound: number };

function maxAbs(t: torch.Tensor): number {
  return torch.tidy(() => t.abs().max().item() as number);
}

function maxDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() as number);
}

/** SyncBatchNorm on this rank's rows against BatchNorm on every row, for inputs shaped [8, ...rest]. */
function compare(make: () => torch.nn.BatchNorm, rest: number[], seed: number): Record<string, Check> {
  const rank = dist.getRank();
  const total = ROWS[0] + ROWS[1];
  const offset = rank === 0 ? 0 : ROWS[0];
  const mine = ROWS[rank]!;
  torch.manualSeed(seed);
  // A mean far from 0 (3) against a spread of 2: the two-pass variance matters.
  const x1 = torch.randn([total, ...rest]).mul(2).add(3);
  const x2 = torch.randn([total, ...rest]).mul(2).add(3);
  const g = torch.randn([total, ...rest]);
  const weight = torch.rand([rest[0]!]).add(0.5);
  const bias = torch.randn([rest[0]!]);
  const reference = make();
  const sync = nn.SyncBatchNorm.convertSyncBatchnorm(make()) as torch.nn.SyncBatchNorm;
  for (const m of [reference, sync]) torch.noGrad(() => (m.weight!.copy_(weight), m.bias!.copy_(bias)));

  // Step 1: outputs and gradients of the loss Σ y·g.
  const xr = x1.clone().requiresGrad_(true);
  const yr = reference.forward(xr);
  yr.mul(g).sum().backward();
  const xs = x1.narrow(0, offset, mine).clone().requiresGrad_(true);
  const ys = sync.forward(xs);
  ys.mul(g.narrow(0, offset, mine)).sum().backward();
  // Each rank's weight gradient is of its own loss: their sum is the reference's (the loss is a sum).
  const wGrad = sync.weight!.grad!.clone();
  const bGrad = sync.bias!.grad!.clone();
  dist.allReduce(wGrad);
  dist.allReduce(bGrad);
  // Step 2: running statistics after two batches.
  torch.noGrad(() => {
    reference.forward(x2);
    sync.forward(x2.narrow(0, offset, mine).contiguous());
  });

  const n = total * rest.slice(1).reduce((a, b) => a * b, 1);
  const spread = torch.tidy(() => {
    const dims = [0, ...rest.slice(1).map((_, i) => i + 2)];
    const mean = x1.mean(dims, { keepdim: true });
    const sd = x1.var({ dim: dims, correction: 0, keepdim: true }).sqrt();
    return x1.sub(mean).abs().div(sd).max().item() as number;
  });
  const bound = (m: number): number => 8 * n * U * m * (1 + spread);
  const out: Record<string, Check> = {
    output: { diff: maxDiff(ys, yr.narrow(0, offset, mine)), bound: bound(maxAbs(yr)) },
    inputGrad: { diff: maxDiff(xs.grad!, xr.grad!.narrow(0, offset, mine)), bound: bound(maxAbs(xr.grad!)) },
    weightGrad: { diff: maxDiff(wGrad, reference.weight!.grad!), bound: bound(maxAbs(reference.weight!.grad!)) },
    biasGrad: { diff: maxDiff(bGrad, reference.bias!.grad!), bound: bound(maxAbs(reference.bias!.grad!)) },
    runningMean: { diff: maxDiff(sync.runningMean!, reference.runningMean!), bound: bound(maxAbs(reference.runningMean!)) },
    runningVar: { diff: maxDiff(sync.runningVar!, reference.runningVar!), bound: bound(maxAbs(reference.runningVar!)) },
    counter: { diff: Math.abs((sync.numBatchesTracked!.item() as number) - (reference.numBatchesTracked!.item() as number)), bound: 0 },
  };
  return out;
}

function main(): void {
  dist.initProcessGroup({ backend: 'gloo', timeoutMs: 20_000 });
  try {
    const result = {
      ok: true,
      rank: dist.getRank(),
      batchNorm2d: compare(() => new nn.BatchNorm2d(4), [4, 3, 3], 1),
      batchNorm1d: compare(() => new nn.BatchNorm1d(5, { momentum: null }), [5], 2),
    };
    console.log(JSON.stringify(result));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, code: (e as { code?: string }).code, message: e instanceof Error ? e.message : String(e) }));
  } finally {
    dist.destroyProcessGroup();
  }
}

main();
