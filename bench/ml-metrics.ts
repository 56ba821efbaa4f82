/**
 * The metrics at evaluation size: FID, KID (100 subsets of 1000) and precision/recall (k = 3) on
 * 10,000 real × 10,000 generated samples of 128 features, IS (10 splits) on 50,000 × 10 logits.
 * Target: each under 5 s on a 2-core machine. With numpy in `.venv/bin/python` (or --python), the
 * same computations in numpy on the same numbers, with the same KID subsets and IS shuffle, are
 * timed in the same run and their values compared (FID through numpy's eigh, as scipy is optional).
 *
 *   npm run build
 *   node dist/bench/ml-metrics.js [--n 10000] [--dim 128] [--is-n 50000] [--classes 10] [--repeats 1]
 *                                 [--fid-dim 2048] [--threads N] [--python CMD] [--no-reference] [--json]
 *
 * `--fid-dim D` adds a row: FID (statistics included) of n + n samples of D features, ours only.
 * Times are wall-clock medians over --repeats, after one warm-up call of each metric on small
 * inputs (libtorch's thread pool and allocator). Nothing here is a test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/bench/median.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';
import { featureMatrix, featureStatistics, frechetDistance, inceptionScore, kernelInceptionDistance, precisionRecall, type FeatureMatrix } from '../src/ml/evaluate/metrics/index.js';
import { seededPermutation, subsetSampler } from '../src/ml/evaluate/metrics/seeded-sampling.js';
import * as torch from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    dim: { type: 'string', default: '128' },
    'is-n': { type: 'string', default: '50000' },
    classes: { type: 'string', default: '10' },
    'fid-dim': { type: 'string', default: '0' },
    repeats: { type: 'string', default: '1' },
    threads: { type: 'string' },
    python: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const dim = Number(values.dim);
const isN = Number(values['is-n']);
const classes = Number(values.classes);
const fidDim = Number(values['fid-dim']);
const repeats = Number(values.repeats);
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
const TARGET_S = 5;
const KID = { subsets: 100, subsetSize: 1000, seed: 0 };
const SPLITS = 10;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (s: string) => process.stderr.write(`${s}\n`);

function gaussian(rows: number, cols: number, seed: number, shift: number, scale = 1): FeatureMatrix {
  const rng = new SeededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = shift + scale * rng.normal();
  return featureMatrix(data, rows, cols);
}

/** Seconds of each call (median over `repeats`) and the last value. */
function timed<T>(fn: () => T): { seconds: number; value: T } {
  const times: number[] = [];
  let value!: T;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), value };
}

// Real: N(0, 1); generated: shifted by 0.1 with a slightly larger spread, so no value is degenerate.
const real = gaussian(n, dim, 1, 0);
const gen = gaussian(n, dim, 2, 0.1, 1.1);
const logits = gaussian(isN, classes, 3, 0, 2);

// Warm-up: thread pool, allocator, code paths.
{
  const r = gaussian(200, dim, 4, 0);
  frechetDistance(featureStatistics(r), featureStatistics(r));
  kernelInceptionDistance(r, r, { subsets: 2, subsetSize: 100 });
  precisionRecall(r, r);
  inceptionScore(gaussian(200, classes, 5, 0));
}

log(`torch threads: ${torch.getNumThreads()}, cpus: ${os.cpus().length}`);
const ours = {
  fid: timed(() => frechetDistance(featureStatistics(real), featureStatistics(gen)).value),
  kid: timed(() => kernelInceptionDistance(real, gen, KID).value),
  precision_recall: timed(() => precisionRecall(real, gen, { k: 3 })),
  is: timed(() => inceptionScore(logits, { splits: SPLITS, seed: 0 }).value),
};

/** The numpy side: the same inputs (raw float64 files), the same KID subsets and IS order. */
const PYTHON_REFERENCE = String.raw`
import json, sys, time
import numpy as np
d = sys.argv[1]; n, dim, isn, classes, subsets, m, splits = map(int, sys.argv[2:9])
real = np.fromfile(f'{d}/real.f64').reshape(n, dim); gen = np.fromfile(f'{d}/gen.f64').reshape(n, dim)
logits = np.fromfile(f'{d}/logits.f64').reshape(isn, classes)
kid_idx = np.fromfile(f'{d}/kid.i32', dtype=np.int32).reshape(subsets, 2, m)
order = np.fromfile(f'{d}/order.i32', dtype=np.int32)
out = {}
def clock(name, fn):
    t = time.perf_counter(); v = fn(); out[name] = {'seconds': time.perf_counter() - t, 'value': v}
def fid():
    m1, m2 = real.mean(0), gen.mean(0); s1 = np.cov(real, rowvar=False); s2 = np.cov(gen, rowvar=False)
    w, v = np.linalg.eigh(s1); r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    mm = r @ s2 @ r; ev = np.linalg.eigvalsh((mm + mm.T) / 2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum())
def kid():
    vals = []
    for s in range(subsets):
        x = real[kid_idx[s, 0]]; y = gen[kid_idx[s, 1]]
        kxx = (x @ x.T / dim + 1) ** 3; kyy = (y @ y.T / dim + 1) ** 3; kxy = (x @ y.T / dim + 1) ** 3
        vals.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / m ** 2)
    return float(np.mean(vals))
def d2(a, b):
    return (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
def radii(x, k=3, block=1000):
    return np.concatenate([np.partition(d2(x[i:i + block], x), k, axis=1)[:, k] for i in range(0, len(x), block)])
def inside(q, c, r2, block=1000):
    return sum(int((d2(q[i:i + block], c) <= r2[None, :]).any(1).sum()) for i in range(0, len(q), block))
def pr():
    rr, rg = radii(real), radii(gen)
    return {'precision': inside(gen, real, rr) / len(gen), 'recall': inside(real, gen, rg) / len(real)}
def inception():
    x = logits[order]; top = x.max(1, keepdims=True)
    lp = x - top - np.log(np.exp(x - top).sum(1, keepdims=True))
    scores = []
    for s in range(splits):
        part = lp[s * isn // splits:(s + 1) * isn // splits]
        py = np.log(np.exp(part).mean(0))
        scores.append(np.exp((np.exp(part) * (part - py)).sum(1).mean()))
    return float(np.mean(scores))
clock('fid', fid); clock('kid', kid); clock('precision_recall', pr); clock('is', inception)
print(json.dumps(out))
`;

interface Reference {
  python: string;
  results: Record<string, { seconds: number; value: unknown }>;
}

function reference(): Reference | string {
  const python = values.python ?? (fs.existsSync(path.join(repoRoot, '.venv/bin/python')) ? path.join(repoRoot, '.venv/bin/python') : 'python3');
  if (spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status !== 0) return `no numpy in ${python}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-metrics-'));
  try {
    const write = (name: string, a: Float64Array | Int32Array) => fs.writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    write('real.f64', real.data);
    write('gen.f64', gen.data);
    write('logits.f64', logits.data);
    // The subsets kernelInceptionDistance draws: one SeededRandom, real then generated per subset
    // (a set used whole is not drawn).
    const m = Math.min(KID.subsetSize, n);
    const rng = new SeededRandom(KID.seed);
    const whole = () => Int32Array.from({ length: m }, (_, i) => i);
    const drawReal = m === n ? whole : subsetSampler(n, rng);
    const drawGen = m === n ? whole : subsetSampler(n, rng);
    const kid = new Int32Array(KID.subsets * 2 * m);
    for (let s = 0; s < KID.subsets; s++) {
      kid.set(drawReal(m), (2 * s) * m);
      kid.set(drawGen(m), (2 * s + 1) * m);
    }
    write('kid.i32', kid);
    write('order.i32', seededPermutation(isN, 0));
    const r = spawnSync(python, ['-c', PYTHON_REFERENCE, dir, ...[n, dim, isN, classes, KID.subsets, m, SPLITS].map(String)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) return `the numpy reference failed: ${r.stderr.trim().split('\n').pop()}`;
    return { python, results: JSON.parse(r.stdout) as Reference['results'] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const wide = fidDim > 0 ? { a: gaussian(n, fidDim, 6, 0), b: gaussian(n, fidDim, 7, 0.1, 1.1) } : undefined;
const wideFid = wide === undefined ? undefined : timed(() => frechetDistance(featureStatistics(wide.a), featureStatistics(wide.b)).value);

const ref = values['no-reference'] ? 'not asked for' : reference();
const rows = (Object.keys(ours) as (keyof typeof ours)[]).map((metric) => {
  const o = ours[metric];
  const p = typeof ref === 'string' ? undefined : ref.results[metric];
  return {
    metric,
    size: metric === 'is' ? `${isN} × ${classes}` : `${n} + ${n} × ${dim}`,
    seconds: Number(o.seconds.toFixed(3)),
    under_5s: o.seconds < TARGET_S,
    value: o.value,
    numpy_seconds: p === undefined ? null : Number(p.seconds.toFixed(3)),
    numpy_value: p === undefined ? null : p.value,
  };
});
if (wideFid !== undefined) {
  rows.push({ metric: `fid` as keyof typeof ours, size: `${n} + ${n} × ${fidDim}`, seconds: Number(wideFid.seconds.toFixed(3)), under_5s: wideFid.seconds < TARGET_S, value: wideFid.value, numpy_seconds: null, numpy_value: null });
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ threads: torch.getNumThreads(), cpus: os.cpus().length, reference: typeof ref === 'string' ? ref : ref.python, rows }, null, 2)}\n`);
} else {
  const show = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(10))) : typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ') : String(v));
  const table = rows.map((r) => [r.metric, r.size, r.seconds.toFixed(2), r.under_5s ? 'yes' : 'NO', show(r.value), r.numpy_seconds === null ? '—' : r.numpy_seconds.toFixed(2), r.numpy_value === null ? '—' : show(r.numpy_value)]);
  const head = ['metric', 'samples', 's', `< ${TARGET_S} s`, 'value', 'numpy s', 'numpy value'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const line of [head, ...table]) process.stdout.write(`${line.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  if (typeof ref === 'string') process.stdout.write(`numpy reference: ${ref}\n`);
}
