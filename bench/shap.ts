/**
 * SHAP at the sizes the issue sets targets for:
 *
 * - exact Shapley values over 10 features of a small MLP (10 → 32 tanh → 1, seeded weights) with
 *   100 background rows: 1,024 coalitions × 100 rows = 102,400 model rows. Target < 1 s.
 * - Kernel SHAP over the 49 blocks (7 × 7 of 4 × 4 pixels) of a 28 × 28 MNIST digit through the
 *   CNN classifier (freshly initialised with a fixed seed: the cost does not depend on the
 *   weights), output the probability of its predicted class, absent blocks taken from the mean
 *   of 100 training digits: the default budget of 2M + 2048 = 2,146 coalitions, one image each,
 *   all 49 blocks in the fit (no block left out for equalling the background). Target < 5 s.
 *
 * With shap importable by `.venv/bin/python` (or --python), shap's KernelExplainer runs on the
 * same functions in the same run (l1_reg off): on the MLP with every coalition enumerated (which is
 * exact, so its values are compared with ours), and on the classifier rebuilt in PyTorch from the
 * same weights, with masks over the same blocks and the same mean image.
 *
 *   npm run build
 *   node dist/bench/shap.js [--repeats 3] [--threads N] [--python CMD] [--no-reference] [--json]
 *
 * Times are wall-clock medians over --repeats after one warm-up call. Nothing here is a test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/bench/median.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';
import { blockSegmentation, exactShapley, imageGame, kernelShap, meanImage, tabularGame, type FeatureRow, type ShapleyResult } from '../src/ml/explain/index.js';
import { classifierOutputs, createClassifier } from '../src/ml/models/classifier.js';
import * as torch from '../src/torch/index.js';
import { loadMnist } from '../test/helpers/mnist.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string' },
    python: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const repeats = Number(values.repeats);
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (s: string) => process.stderr.write(`${s}\n`);

function timed(fn: () => ShapleyResult): { seconds: number; result: ShapleyResult } {
  fn();
  const times: number[] = [];
  let result!: ShapleyResult;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    result = fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), result };
}

// --- Exact over 10 features of a small MLP -----------------------------------------------------
const D = 10;
const H = 32;
const K = 100;
const rng = new SeededRandom(11);
const w1 = Float64Array.from({ length: H * D }, () => rng.normal() / Math.sqrt(D));
const b1 = Float64Array.from({ length: H }, () => 0.1 * rng.normal());
const w2 = Float64Array.from({ length: H }, () => rng.normal() / Math.sqrt(H));
const mlp = (rows: readonly FeatureRow[]): Float64Array => {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]! as readonly number[];
    let y = 0;
    for (let h = 0; h < H; h++) {
      let a = b1[h]!;
      for (let d = 0; d < D; d++) a += w1[h * D + d]! * r[d]!;
      y += w2[h]! * Math.tanh(a);
    }
    out[i] = y;
  }
  return out;
};
const background = Array.from({ length: K }, () => Array.from({ length: D }, () => rng.normal()));
const x = Array.from({ length: D }, () => 1.5 * rng.normal());
const mlpGame = tabularGame({ x, background, predict: mlp });
const exact = timed(() => exactShapley(mlpGame.value, D));

// --- Kernel over 49 blocks of a 28 × 28 classifier input -----------------------------------------
const mnist = loadMnist('train', 101);
const image = mnist.pixels.slice(0, 784);
const mean = meanImage(mnist.pixels.slice(784), 100, 784);
torch.manualSeed(0);
const model = createClassifier({ model: 'cnn', size: 28, channels: 1, classes: 10, featureDim: 128 });
model.eval();
const probabilities = (pixels: Uint8Array, count: number, k: number): Float64Array => {
  const { logits } = classifierOutputs(model, pixels, count, { features: false });
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    const top = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - top);
    out[i] = Math.exp(row[k]! - top) / s;
  }
  return out;
};
const first = classifierOutputs(model, image, 1, { features: false }).logits;
const cls = first.indexOf(Math.max(...first));
const segmentation = blockSegmentation(28, 28, 7);
const imgGame = imageGame({ image, background: mean, backgroundCount: 1, channels: 1, height: 28, width: 28, segmentation, predict: (p, n) => probabilities(p, n, cls) });
const kernel = timed(() => kernelShap(imgGame.value, 49, { seed: 0 }));

// --- shap's KernelExplainer on the same functions ---------------------------------------------------
const PYTHON_REFERENCE = String.raw`
import json, sys, time
import numpy as np
import shap
d = sys.argv[1]; meta = json.load(open(f'{d}/meta.json'))
D, H = meta['D'], meta['H']
w1 = np.fromfile(f'{d}/w1.f64').reshape(H, D); b1 = np.fromfile(f'{d}/b1.f64'); w2 = np.fromfile(f'{d}/w2.f64')
bg = np.fromfile(f'{d}/bg.f64').reshape(-1, D); x = np.fromfile(f'{d}/x.f64').reshape(1, D)
def mlp(X): return np.tanh(X @ w1.T + b1) @ w2
out = {'shap': shap.__version__}
e = shap.KernelExplainer(mlp, bg)
t = time.perf_counter(); v = e.shap_values(x, nsamples=2 ** D - 2, l1_reg=False, silent=True)[0]; out['mlp'] = {'seconds': time.perf_counter() - t, 'values': v.tolist()}
try:
    import torch
    torch.set_num_threads(meta['threads'])
    import torch.nn as nn, torch.nn.functional as F
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, stride=2, padding=1, bias=False); self.bn1 = nn.BatchNorm2d(32)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False); self.bn2 = nn.BatchNorm2d(64)
            self.fc = nn.Linear(64 * 7 * 7, 128); self.head = nn.Linear(128, 10)
        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x))); h = F.relu(self.bn2(F.max_pool2d(self.conv2(h), 2)))
            return self.head(F.relu(self.fc(h.flatten(1))))
    net = Net().eval()
    state = {k: torch.from_numpy(np.fromfile(f'{d}/{k}.f32', dtype=np.float32).reshape(s)) for k, s in meta['state'].items()}
    net.load_state_dict(state, strict=False)
    image = np.fromfile(f'{d}/image.u8', dtype=np.uint8).astype(np.float32); mean = np.fromfile(f'{d}/mean.u8', dtype=np.uint8).astype(np.float32)
    labels = np.fromfile(f'{d}/labels.i32', dtype=np.int32)
    onehot = np.zeros((49, 784), np.float32); onehot[labels, np.arange(784)] = 1
    cls = meta['cls']
    def f(Z):
        masks = Z.astype(np.float32) @ onehot
        imgs = masks * image + (1 - masks) * mean
        outs = []
        with torch.no_grad():
            for i in range(0, len(imgs), 500):
                t = torch.from_numpy(imgs[i:i + 500]).reshape(-1, 1, 28, 28) / 127.5 - 1
                outs.append(torch.softmax(net(t), 1)[:, cls].numpy().astype(np.float64))
        return np.concatenate(outs)
    ek = shap.KernelExplainer(f, np.zeros((1, 49)))
    t = time.perf_counter(); v = ek.shap_values(np.ones((1, 49)), l1_reg=False, silent=True)[0]; secs = time.perf_counter() - t
    out['classifier'] = {'seconds': secs, 'sum': float(v.sum()), 'gap': float(f(np.ones((1, 49)))[0] - f(np.zeros((1, 49)))[0])}
except ImportError as err:
    out['classifier'] = str(err)
print(json.dumps(out))
`;

interface Reference {
  python: string;
  shap: string;
  mlp: { seconds: number; values: number[] };
  classifier: { seconds: number; sum: number; gap: number } | string;
}

function reference(): Reference | string {
  const python = values.python ?? (fs.existsSync(path.join(repoRoot, '.venv/bin/python')) ? path.join(repoRoot, '.venv/bin/python') : 'python3');
  if (spawnSync(python, ['-c', 'import shap'], { stdio: 'ignore' }).status !== 0) return `shap is not importable by ${python}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-shap-'));
  try {
    const write = (name: string, a: Float64Array | Float32Array | Uint8Array | Int32Array) => fs.writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    write('w1.f64', w1);
    write('b1.f64', b1);
    write('w2.f64', w2);
    write('bg.f64', Float64Array.from(background.flat()));
    write('x.f64', Float64Array.from(x));
    write('image.u8', image);
    write('mean.u8', mean);
    write('labels.i32', segmentation.labels);
    const state: Record<string, number[]> = {};
    for (const [key, t] of model.stateDict()) {
      if (t.dtype !== 'float32') continue;
      state[key] = t.shape as number[];
      write(`${key}.f32`, t.toArray() as Float32Array);
      t.dispose();
    }
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ D, H, cls, state, threads: torch.getNumThreads() }));
    const r = spawnSync(python, ['-c', PYTHON_REFERENCE, dir], { encoding: 'utf8', maxBuffer: 1 << 22 });
    if (r.status !== 0) return `the shap reference failed: ${r.stderr.trim().split('\n').pop()}`;
    const parsed = JSON.parse(r.stdout) as Omit<Reference, 'python'>;
    return { python, ...parsed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

log(`torch threads: ${torch.getNumThreads()}, cpus: ${os.cpus().length}`);
const ref = values['no-reference'] ? 'not asked for' : reference();
model.dispose();

const gap = (r: ShapleyResult) => Math.abs(r.values.reduce((s, v) => s + v, 0) - (r.prediction - r.baseValue));
const rows = [
  {
    task: 'exact, 10 features, MLP, 100 background rows',
    coalitions: exact.result.evaluations,
    model_outputs: exact.result.evaluations * K,
    seconds: exact.seconds,
    target_s: 1,
    efficiency_gap: gap(exact.result),
    shap_seconds: typeof ref === 'string' ? null : ref.mlp.seconds,
    shap_max_difference: typeof ref === 'string' ? null : Math.max(...ref.mlp.values.map((v, j) => Math.abs(v - exact.result.values[j]!))),
  },
  {
    task: 'kernel, 49 blocks, 28×28 CNN, mean background',
    coalitions: kernel.result.evaluations,
    model_outputs: kernel.result.evaluations,
    seconds: kernel.seconds,
    target_s: 5,
    efficiency_gap: gap(kernel.result),
    shap_seconds: typeof ref === 'string' || typeof ref.classifier === 'string' ? null : ref.classifier.seconds,
    shap_max_difference: null,
  },
];

if (values.json) {
  process.stdout.write(`${JSON.stringify({ threads: torch.getNumThreads(), cpus: os.cpus().length, reference: typeof ref === 'string' ? ref : { python: ref.python, shap: ref.shap, classifier: ref.classifier }, rows }, null, 2)}\n`);
} else {
  const table = rows.map((r) => [
    r.task,
    String(r.coalitions),
    String(r.model_outputs),
    r.seconds.toFixed(3),
    `${(r.seconds / r.target_s).toFixed(2)} of ${r.target_s} s`,
    r.efficiency_gap.toExponential(1),
    r.shap_seconds === null ? '—' : r.shap_seconds.toFixed(3),
    r.shap_max_difference === null ? '—' : r.shap_max_difference.toExponential(1),
  ]);
  const head = ['task', 'coalitions', 'model outputs', 's', 'of target', '|Σφ − (f − E f)|', 'shap s', 'max |ours − shap|'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const line of [head, ...table]) process.stdout.write(`${line.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  if (typeof ref === 'string') process.stdout.write(`shap reference: ${ref}\n`);
  else {
    process.stdout.write(`shap reference: shap ${ref.shap} in ${ref.python}\n`);
    if (typeof ref.classifier === 'string') process.stdout.write(`shap classifier reference skipped: ${ref.classifier}\n`);
  }
}
