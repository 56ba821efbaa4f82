/**
 * Where a training step's time goes: the binding's own costs (a native call, a tensor handle's
 * allocation and disposal, scope bookkeeping, copying data in and out) measured against PyTorch's
 * Python binding doing the same in the same run, and the DCGAN step split into its phases with
 * the number of native calls each makes (counted with torch.profile).
 *
 *   node dist/bench/torch-overhead.js [--batch 64] [--steps 10] [--json]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.js';
import { native } from '../src/torch/native.js';
import { dcganDiscriminator, dcganGenerator } from '../src/ml/models/index.js';
import { median } from '../src/bench/median.js';
import { referencePython } from '../src/bench/pytorch-reference.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '10' },
    calls: { type: 'string', default: '200000' },
    json: { type: 'boolean', default: false },
  },
});
const batch = Number(args.batch);
const steps = Number(args.steps);
const calls = Number(args.calls);
const log = (s: string): void => void (args.json ? process.stderr.write(`${s}\n`) : process.stdout.write(`${s}\n`));

function nsPer(n: number, fn: () => void): number {
  fn(); // warm the code path
  const reps: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    reps.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(reps);
}

// 1. Crossing costs on one-element tensors, where the compute is nothing and the binding is all.
const chunk = 1000;
const a = torch.keep(torch.ones([1]));
const b = torch.keep(torch.ones([1]));
const ours = {
  /** native add, handle wrapped and disposed at once: the bare crossing with one result tensor. */
  native_add_dispose_ns: nsPer(calls, () => {
    for (let i = 0; i < calls; i++) native.add(a, b).dispose();
  }),
  /** Tensor.add inside tidy (result tracked by the scope, disposed when it closes): what user code pays. */
  tidy_add_ns: nsPer(calls, () => {
    for (let i = 0; i < calls; i += chunk) torch.tidy(() => {
      for (let j = 0; j < chunk; j++) a.add(b);
    });
  }),
  /** In-place add: a crossing with no new tensor. */
  add_inplace_ns: nsPer(calls, () => {
    for (let i = 0; i < calls; i++) a.add_(b);
  }),
  /** A call that returns a number, no tensor at all. */
  dim_query_ns: nsPer(calls, () => {
    for (let i = 0; i < calls; i++) native.dim(a);
  }),
};

// 2. Copies in and out: one batch of 256 MNIST-sized float images.
const pixels = new Float32Array(256 * 784).map((_, i) => (i % 255) / 255);
const copyIters = 2000;
const mb = (pixels.byteLength * copyIters) / 1e6;
const copyIn = nsPer(copyIters, () => {
  for (let i = 0; i < copyIters; i++) torch.tensor(pixels, { shape: [256, 1, 28, 28] }).dispose();
});
const big = torch.keep(torch.tensor(pixels, { shape: [256, 1, 28, 28] }));
const copyOut = nsPer(copyIters, () => {
  for (let i = 0; i < copyIters; i++) big.toArray();
});
const reused = new Float32Array(big.numel());
const copyOutReused = nsPer(copyIters, () => {
  for (let i = 0; i < copyIters; i++) big.toArray(reused);
});
const gbPerS = (ns: number): number => mb / ((ns * copyIters) / 1e9) / 1000;
const copies = {
  to_tensor_gb_per_s: gbPerS(copyIn),
  to_array_gb_per_s: gbPerS(copyOut),
  to_array_reused_gb_per_s: gbPerS(copyOutReused),
};

// 3. PyTorch's Python binding doing the same, in the same run.
const PY = `
import json, statistics, sys, time, torch, numpy as np
torch.set_num_threads(${torch.getNumThreads()})
n = ${calls}
a = torch.ones(1); b = torch.ones(1)
def per(fn, n):
    fn(); r = []
    for _ in range(5):
        t = time.perf_counter_ns(); fn(); r.append((time.perf_counter_ns() - t) / n)
    return statistics.median(r)
def add():
    for _ in range(n): torch.add(a, b)
def add_():
    for _ in range(n): a.add_(b)
def dim():
    for _ in range(n): a.dim()
px = (np.arange(256 * 784, dtype=np.float32) % 255) / 255
k = ${copyIters}
def tin():
    for _ in range(k): torch.from_numpy(px).reshape(256, 1, 28, 28).clone()
t = torch.from_numpy(px).reshape(256, 1, 28, 28).clone()
def tout():
    for _ in range(k): t.numpy().copy()
mb = px.nbytes * k / 1e6
print(json.dumps({"add_ns": per(add, n), "add_inplace_ns": per(add_, n), "dim_query_ns": per(dim, n),
  "to_tensor_gb_per_s": mb / (per(tin, k) * k / 1e9) / 1000, "to_array_gb_per_s": mb / (per(tout, k) * k / 1e9) / 1000,
  "torch": torch.__version__}))
`;
const py = spawnSync(referencePython(), ['-c', PY], { encoding: 'utf8' });
const python = py.status === 0 ? (JSON.parse(py.stdout) as Record<string, number | string>) : null;
if (python === null) log(`PyTorch reference unavailable: ${py.stderr?.trim().split('\n').pop() ?? py.error?.message}`);

// 4. The DCGAN step in phases, with the native calls each makes (torch.profile per phase).
torch.manualSeed(0);
const gen = dcganGenerator();
const disc = dcganDiscriminator();
const optG = new torch.optim.Adam(gen.parameters(), { lr: 1e-4 });
const optD = new torch.optim.Adam(disc.parameters(), { lr: 1e-4 });
const real = torch.keep(torch.rand([batch, 1, 28, 28]).mul_(2).sub_(1));
type Phase = 'forward' | 'backward' | 'optimiser' | 'readout_and_dispose';
const phases: Phase[] = ['forward', 'backward', 'optimiser', 'readout_and_dispose'];
/** Runs one phase of the step; the counting and the timing passes each supply one. */
type Runner = <T>(phase: Phase, fn: () => T) => T;

/** One training step; `readout_and_dispose` also covers the scope freeing the step's tensors. */
function step(run: Runner): void {
  run('readout_and_dispose', () =>
    torch.tidy(() => {
      const { dLoss, gLoss, gp, dp } = run('forward', () => {
        const gp = gen.parameters();
        const dp = disc.parameters();
        const fake = gen.forward(torch.randn([batch, 100]));
        const r = disc.forward(real);
        const f = disc.forward(fake);
        const gLoss = torch.F.binaryCrossEntropyWithLogits(f, torch.onesLike(f));
        const dLoss = torch.F.binaryCrossEntropyWithLogits(r, torch.onesLike(r)).add(torch.F.binaryCrossEntropyWithLogits(f, torch.zerosLike(f)));
        return { dLoss, gLoss, gp, dp };
      });
      run('backward', () => {
        const gg = torch.grad([gLoss], gp, { retainGraph: true });
        const dg = torch.grad([dLoss], dp);
        gp.forEach((p, i) => (p.grad = gg[i]));
        dp.forEach((p, i) => (p.grad = dg[i]));
      });
      run('optimiser', () => {
        optD.step();
        optG.step();
      });
      dLoss.item();
      gLoss.item();
    }),
  );
}
const plain: Runner = (_phase, fn) => fn();

// Count native calls per phase on one step after the first (which creates the optimisers' state).
// The outer phase's count includes the inner ones' and is corrected below.
step(plain);
const counts = Object.fromEntries(phases.map((p) => [p, 0])) as Record<Phase, number>;
{
  const countInner: Runner = (phase, fn) => {
    const { result, profile } = torch.profile(fn);
    counts[phase] = profile.calls;
    return result;
  };
  // torch.profile does not nest: count the inner phases, then the whole step.
  step((phase, fn) => (phase === 'readout_and_dispose' ? fn() : countInner(phase, fn)));
  const whole = torch.profile(() => step(plain)).profile.calls;
  counts.readout_and_dispose = whole - counts.forward - counts.backward - counts.optimiser;
}

// Time the phases.
for (let i = 0; i < 3; i++) step(plain);
const times: Record<Phase, number[]> = { forward: [], backward: [], optimiser: [], readout_and_dispose: [] };
const totals: number[] = [];
for (let i = 0; i < steps; i++) {
  const inner: Partial<Record<Phase, number>> = {};
  const start = process.hrtime.bigint();
  step((phase, fn) => {
    if (phase === 'readout_and_dispose') return fn();
    const t0 = process.hrtime.bigint();
    const result = fn();
    inner[phase] = Number(process.hrtime.bigint() - t0) / 1e6;
    return result;
  });
  const total = Number(process.hrtime.bigint() - start) / 1e6;
  totals.push(total);
  for (const p of ['forward', 'backward', 'optimiser'] as const) times[p].push(inner[p]!);
  times.readout_and_dispose.push(total - inner.forward! - inner.backward! - inner.optimiser!);
}
const stepMs = median(totals);
const totalCalls = phases.reduce((s, p) => s + counts[p], 0);
const perCallNs = ours.tidy_add_ns;
const result = {
  batch,
  threads: torch.getNumThreads(),
  libtorch: torch.buildInfo().version,
  crossing_ns: { ours, python: python === null ? null : { add_ns: python['add_ns'], add_inplace_ns: python['add_inplace_ns'], dim_query_ns: python['dim_query_ns'] } },
  copies: { ours: copies, python: python === null ? null : { to_tensor_gb_per_s: python['to_tensor_gb_per_s'], to_array_gb_per_s: python['to_array_gb_per_s'] } },
  step: {
    median_ms: stepMs,
    phases_ms: Object.fromEntries(phases.map((p) => [p, median(times[p])])),
    native_calls: counts,
    total_native_calls: totalCalls,
    /** Upper bound on what the binding adds to a step: its calls × the cost of a whole tidy'd op. */
    binding_ms_estimate: (totalCalls * perCallNs) / 1e6,
    binding_share: (totalCalls * perCallNs) / 1e6 / stepMs,
  },
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const f = (n: unknown, d = 0): string => (typeof n === 'number' ? n.toFixed(d) : '—');
  log(`crossing, one-element tensors (ns per call; ours vs PyTorch's Python binding)`);
  log(`  op + new tensor + dispose: ${f(ours.native_add_dispose_ns)} bare, ${f(ours.tidy_add_ns)} in tidy; Python torch.add ${f(python?.['add_ns'])}`);
  log(`  in-place op:               ${f(ours.add_inplace_ns)}; Python ${f(python?.['add_inplace_ns'])}`);
  log(`  query (dim):               ${f(ours.dim_query_ns)}; Python ${f(python?.['dim_query_ns'])}`);
  log(`copies of a 256×1×28×28 float batch (GB/s): in ${f(copies.to_tensor_gb_per_s, 2)} (Python ${f(python?.['to_tensor_gb_per_s'], 2)}), out ${f(copies.to_array_gb_per_s, 2)} (Python ${f(python?.['to_array_gb_per_s'], 2)}), out into a reused array ${f(copies.to_array_reused_gb_per_s, 2)}`);
  log(`DCGAN step, batch ${batch}, ${result.threads} threads: ${f(stepMs, 1)} ms median`);
  for (const p of phases) log(`  ${p.padEnd(20)} ${f(result.step.phases_ms[p], 2).padStart(8)} ms  ${String(counts[p]).padStart(4)} native calls`);
  log(`  binding's share ≤ ${f(result.step.binding_ms_estimate, 3)} ms of ${f(stepMs, 1)} ms (${(result.step.binding_share * 100).toFixed(3)} %)`);
}
for (const t of [a, b, big, real]) t.dispose();
optG.dispose();
optD.dispose();
gen.dispose();
disc.dispose();
