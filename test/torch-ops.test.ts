/**
 * Every op of the torch layer against PyTorch: test/fixtures/torch/ops.safetensors holds inputs,
 * outputs and gradients that scripts/torch-fixtures/ops.py computed with PyTorch (same libtorch).
 * Each case runs here through the TypeScript API with the arguments recorded in the file's
 * metadata; forward and backward must agree to 1e-5 relative (float32; 1e-10 for float64), with
 * an absolute floor for values near zero. Integer and bool results must be equal.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { F, linalg, type Tensor } from '../src/torch/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(root, 'test/fixtures/torch/ops.safetensors');

// Comparison -------------------------------------------------------------------------------------

function values(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The largest |actual − expected| (0 when equal, NaN matching NaN). */
function maxAbsError(actual: Tensor, expected: Tensor): number {
  const a = values(actual);
  const e = values(expected);
  let worst = 0;
  a.forEach((x, i) => {
    const y = e[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) return;
    worst = Math.max(worst, Math.abs(x - y));
  });
  return worst;
}

/** Same shape and dtype; floats within atol + rtol·|expected|; integers and bools equal. */
function assertClose(actual: Tensor, expected: Tensor, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  const a = values(actual);
  const e = values(expected);
  if (!torch.isFloatingDtype(expected.dtype)) {
    assert.deepEqual(a, e, `${label}: values`);
    return;
  }
  const [rtol, atol] = expected.dtype === 'float64' ? [1e-10, 1e-12] : [1e-5, 1e-6];
  a.forEach((x, i) => {
    const y = e[i]!;
    if (Number.isNaN(y)) return assert.ok(Number.isNaN(x), `${label}[${i}]: expected NaN, got ${x}`);
    if (!Number.isFinite(y)) return assert.equal(x, y, `${label}[${i}]`);
    const err = Math.abs(x - y);
    assert.ok(
      err <= atol + rtol * Math.abs(y),
      `${label}[${i}]: got ${x}, PyTorch ${y}; max |error| over the tensor ${maxAbsError(actual, expected).toExponential(2)}`,
    );
  });
}

// The ops, keyed as in ops.py's metadata ("op"); `a` holds the case's recorded arguments ----------

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = Record<string, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
type Op = (inputs: Tensor[], a: Args) => Tensor | Tensor[];

/** Runs an in-place method on a copy of input 0, checks it returns that same object, returns the copy. */
function inPlace(fn: (x: Tensor, rest: Tensor[], a: Args) => Tensor): Op {
  return ([x, ...rest], a) => {
    const y = x!.clone();
    const r = fn(y, rest, a);
    assert.equal(r, y, 'an in-place op returns this');
    return y;
  };
}
const vi = (p: torch.ValuesIndices): Tensor[] => [p.values, p.indices];
const unary = (name: keyof Tensor): Op => ([x]) => (x![name] as () => Tensor).call(x);

const OPS: Readonly<Record<string, Op>> = {
  // factories
  zeros: (_, a) => torch.zeros(a.shape),
  ones: (_, a) => torch.ones(a.shape, { dtype: a.dtype }),
  full: (_, a) => torch.full(a.shape, a.value),
  arange: (_, a) => torch.arange(a.start, a.end, a.step, Number.isInteger(a.step) && Number.isInteger(a.start) ? {} : { dtype: 'float32' }),
  linspace: (_, a) => torch.linspace(a.start, a.end, a.steps),
  eye: (_, a) => torch.eye(a.n),
  zerosLike: ([x]) => torch.zerosLike(x!),
  onesLike: ([x]) => torch.onesLike(x!),
  fullLike: ([x], a) => torch.fullLike(x!, a.value),
  // shape
  reshape: ([x], a) => x!.reshape(...a.shape),
  view: ([x], a) => x!.view(...a.shape),
  flatten: ([x], a) => x!.flatten(a.startDim, a.endDim),
  permute: ([x], a) => x!.permute(...a.dims),
  transpose: ([x], a) => x!.transpose(a.dim0, a.dim1),
  t: ([x]) => x!.t(),
  squeeze: ([x], a) => x!.squeeze(a.dim),
  unsqueeze: ([x], a) => x!.unsqueeze(a.dim),
  cat: ([x, y], a) => torch.cat([x!, y!], a.dim),
  stack: ([x, y], a) => torch.stack([x!, y!], a.dim),
  narrow: ([x], a) => x!.narrow(a.dim, a.start, a.length),
  select: ([x], a) => x!.select(a.dim, a.index),
  slice: ([x], a) => x!.slice(a.dim, a.start, a.end, a.step),
  indexSelect: ([x, i], a) => x!.indexSelect(a.dim, i!),
  gather: ([x, i], a) => x!.gather(a.dim, i!),
  contiguous: ([x]) => {
    const t = x!.t();
    assert.equal(t.isContiguous(), false);
    const c = t.contiguous();
    assert.equal(c.isContiguous(), true);
    return c;
  },
  clone: ([x]) => x!.clone(),
  detach: ([x]) => {
    const d = x!.requiresGrad_().detach();
    assert.equal(d.requiresGrad, false);
    return d;
  },
  to: ([x], a) => x!.to(a.dtype),
  expand: ([x], a) => x!.expand(...a.shape),
  repeat: ([x], a) => x!.repeat(...a.repeats),
  flip: ([x], a) => x!.flip(...a.dims),
  maskedSelect: ([x, m]) => x!.maskedSelect(m!),
  // element-wise
  add: ([x, y], a) => x!.add(y!, a.alpha),
  addNumber: ([x], a) => x!.add(a.other),
  sub: ([x, y], a) => x!.sub(y!, a.alpha),
  subNumber: ([x], a) => x!.sub(a.other),
  mul: ([x, y]) => x!.mul(y!),
  mulNumber: ([x], a) => x!.mul(a.other),
  div: ([x, y]) => x!.div(y!),
  divNumber: ([x], a) => x!.div(a.other),
  pow: ([x, y]) => x!.pow(y!),
  powNumber: ([x], a) => x!.pow(a.other),
  maximum: ([x, y]) => x!.maximum(y!),
  minimum: ([x, y]) => x!.minimum(y!),
  remainder: ([x], a) => x!.remainder(a.other),
  ...Object.fromEntries(
    (['neg', 'abs', 'sqrt', 'rsqrt', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'square', 'reciprocal', 'erf', 'floor', 'ceil', 'round', 'sign', 'isnan', 'isfinite', 'logicalNot'] as const).map(
      (n) => [n, unary(n)],
    ),
  ),
  sigmoid: ([x]) => F.sigmoid(x!),
  tanh: ([x]) => F.tanh(x!),
  relu: ([x]) => F.relu(x!),
  ...Object.fromEntries(
    (['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).flatMap((n) => [
      [n, (([x, y]) => x![n](y!)) as Op],
      [`${n}Number`, (([x], a) => x![n](a.other)) as Op],
    ]),
  ),
  logicalAnd: ([x, y]) => x!.logicalAnd(y!),
  logicalOr: ([x, y]) => x!.logicalOr(y!),
  where: ([c, x, y]) => torch.where(c!, x!, y!),
  whereNumber: ([c, x], a) => torch.where(c!, x!, a.other),
  clamp: ([x], a) => x!.clamp(a.min, a.max),
  lerp: ([x, y], a) => x!.lerp(y!, a.weight),
  lerpTensor: ([x, y, w]) => x!.lerp(y!, w!),
  // activations
  leakyRelu: ([x], a) => F.leakyRelu(x!, a.negativeSlope),
  softmax: ([x], a) => F.softmax(x!, a.dim),
  logSoftmax: ([x], a) => F.logSoftmax(x!, a.dim),
  gelu: ([x], a) => F.gelu(x!, a.approximate),
  softplus: ([x], a) => F.softplus(x!, a.beta, a.threshold),
  elu: ([x], a) => F.elu(x!, a.alpha),
  silu: ([x]) => F.silu(x!),
  // reductions
  sum: ([x], a) => x!.sum(a.dim, { keepdim: a.keepdim }),
  mean: ([x], a) => x!.mean(a.dim, { keepdim: a.keepdim }),
  var: ([x], a) => x!.var({ dim: a.dim, correction: a.correction }),
  std: ([x], a) => x!.std({ dim: a.dim, keepdim: a.keepdim }),
  max: ([x]) => x!.max(),
  maxDim: ([x], a) => vi(x!.max(a.dim, a.keepdim)),
  min: ([x]) => x!.min(),
  minDim: ([x], a) => vi(x!.min(a.dim, a.keepdim)),
  argmax: ([x], a) => x!.argmax(a.dim),
  argmin: ([x], a) => x!.argmin(a.dim),
  logsumexp: ([x], a) => x!.logsumexp(a.dim),
  norm: ([x], a) => x!.norm(a.p, a.dim),
  prod: ([x], a) => x!.prod(a.dim),
  cumsum: ([x], a) => x!.cumsum(a.dim),
  // products and layers
  matmul: ([x, y]) => x!.matmul(y!),
  mm: ([x, y]) => x!.mm(y!),
  linear: ([x, w, b]) => F.linear(x!, w!, b),
  conv2d: ([x, w, b], a) => F.conv2d(x!, w!, b, a),
  convTranspose2d: ([x, w, b], a) => F.convTranspose2d(x!, w!, b, a),
  maxPool2d: ([x], a) => F.maxPool2d(x!, a.kernelSize, a),
  avgPool2d: ([x], a) => F.avgPool2d(x!, a.kernelSize, a),
  adaptiveAvgPool2d: ([x], a) => F.adaptiveAvgPool2d(x!, a.outputSize),
  interpolate: ([x], a) => F.interpolate(x!, { size: a.size, mode: a.mode, alignCorners: a.alignCorners }),
  batchNormTrain: ([x, w, b, rm, rv], a) => {
    const mean = rm!.clone();
    const variance = rv!.clone();
    const y = F.batchNorm(x!, mean, variance, { weight: w, bias: b, training: true, momentum: a.momentum, eps: a.eps });
    return [y, mean, variance];
  },
  batchNormEval: ([x, w, b, rm, rv], a) => F.batchNorm(x!, rm, rv, { weight: w, bias: b, training: false, eps: a.eps }),
  layerNorm: ([x, w, b], a) => F.layerNorm(x!, a.normalizedShape, w, b),
  embedding: ([i, w]) => F.embedding(i!, w!),
  oneHot: ([i], a) => F.oneHot(i!, a.numClasses),
  pad: ([x], a) => F.pad(x!, a.pads, a.value),
  // losses
  mseLoss: ([x, y], a) => F.mseLoss(x!, y!, a),
  l1Loss: ([x, y], a) => F.l1Loss(x!, y!, a),
  binaryCrossEntropy: ([x, y], a) => F.binaryCrossEntropy(x!, y!, a),
  binaryCrossEntropyWeight: ([x, y, w], a) => F.binaryCrossEntropy(x!, y!, { ...a, weight: w }),
  binaryCrossEntropyWithLogits: ([x, y], a) => F.binaryCrossEntropyWithLogits(x!, y!, a),
  binaryCrossEntropyWithLogitsPosWeight: ([x, y, p], a) => F.binaryCrossEntropyWithLogits(x!, y!, { ...a, posWeight: p }),
  crossEntropy: ([x, y, w], a) => F.crossEntropy(x!, y!, { ...a, weight: w }),
  nllLoss: ([x, y, w], a) => F.nllLoss(x!, y!, { ...a, weight: w }),
  // linear algebra and selection
  eigh: ([m]) => {
    const { eigenvalues, eigenvectors } = linalg.eigh(m!);
    return [eigenvalues, eigenvectors];
  },
  eighEigenvalues: ([m]) => linalg.eigh(m!).eigenvalues,
  cdist: ([x, y], a) => linalg.cdist(x!, y!, a.p),
  topk: ([x], a) => vi(x!.topk(a.k, a.dim, a.largest)),
  kthvalue: ([x], a) => vi(x!.kthvalue(a.k, a.dim)),
  sort: ([x], a) => vi(x!.sort(a.dim, a.descending)),
  det: ([m]) => linalg.det(m!),
  inv: ([m]) => linalg.inv(m!),
  outer: ([x, y]) => linalg.outer(x!, y!),
  diag: ([m]) => m!.diag(),
  trace: ([m]) => m!.trace(),
  // in place
  add_: inPlace((x, [y], a) => x.add_(y!, a.alpha)),
  add_Number: inPlace((x, _, a) => x.add_(a.other)),
  sub_: inPlace((x, [y], a) => x.sub_(y!, a.alpha)),
  mul_: inPlace((x, [y]) => x.mul_(y!)),
  mul_Number: inPlace((x, _, a) => x.mul_(a.other)),
  div_: inPlace((x, [y]) => x.div_(y!)),
  addcmul_: inPlace((x, [p, q], a) => x.addcmul_(p!, q!, a.value)),
  addcdiv_: inPlace((x, [p, q], a) => x.addcdiv_(p!, q!, a.value)),
  lerp_: inPlace((x, [y], a) => x.lerp_(y!, a.weight)),
  clamp_: inPlace((x, _, a) => x.clamp_(a.min, a.max)),
  copy_: inPlace((x, [y]) => x.copy_(y!)),
  fill_: inPlace((x, _, a) => x.fill_(a.value)),
  zero_: inPlace((x) => x.zero_()),
};

/** Eigenvectors are unique up to sign: flip each column so its largest-magnitude entry is positive. */
function canonicalColumns(v: Tensor): Tensor {
  const n = v.shape[1]!;
  const signs = Array.from({ length: n }, (_, j) => {
    const col = values(v.select(1, j));
    const big = col.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
    return big < 0 ? -1 : 1;
  });
  return v.mul(torch.tensor(signs, { dtype: 'float64' }));
}

// The fixture ------------------------------------------------------------------------------------

interface Case {
  name: string;
  op: string;
  args: Args;
  grad: number[];
}

let file: torch.SafetensorsContents;
const get = (key: string): Tensor => {
  const t = file.tensors.get(key);
  assert.ok(t !== undefined, `fixture has no tensor '${key}'`);
  return t;
};
const has = (key: string): boolean => file.tensors.has(key);

file = torch.loadSafetensors(FIXTURE);
for (const t of file.tensors.values()) torch.keep(t);
const CASES: Case[] = Object.entries(file.metadata)
  .filter(([name]) => name !== 'rng')
  .map(([name, json]) => ({ name, ...(JSON.parse(json) as { op: string; args: Args; grad: number[] }) }));

/**
 * Cases where the binding differs from PyTorch today, reported as TODO (they run, and pass once
 * fixed). Remove an entry when its fix lands.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {};

function runCase(c: Case): void {
  torch.tidy(() => {
    const inputs: Tensor[] = [];
    for (let i = 0; has(`${c.name}.in.${i}`); i++) {
      const x = get(`${c.name}.in.${i}`).clone();
      if (c.grad.includes(i)) x.requiresGrad_();
      inputs.push(x);
    }
    const op = OPS[c.op];
    assert.ok(op !== undefined, `no TypeScript op for '${c.op}'`);
    const result = op(inputs, c.args);
    const outs = Array.isArray(result) ? result : [result];
    const expected = has(`${c.name}.out`) ? [get(`${c.name}.out`)] : outs.map((_, j) => get(`${c.name}.out.${j}`));
    assert.equal(outs.length, expected.length, `${c.name}: number of outputs`);
    if (c.op === 'eigh') {
      assertClose(outs[0]!, expected[0]!, `${c.name} eigenvalues`);
      assertClose(canonicalColumns(outs[1]!), canonicalColumns(expected[1]!), `${c.name} eigenvectors (up to sign)`);
    } else {
      outs.forEach((o, j) => assertClose(o, expected[j]!, `${c.name} out ${j}`));
    }
    if (c.grad.length === 0) return;
    outs[0]!.mul(get(`${c.name}.proj`)).sum().backward();
    for (const i of c.grad) {
      const g = inputs[i]!.grad;
      assert.ok(g !== undefined, `${c.name}: input ${i} has no gradient`);
      assertClose(g, get(`${c.name}.grad.${i}`), `${c.name} grad ${i}`);
    }
  });
}

describe('torch ops agree with PyTorch', () => {
  const before0 = torch.memory().tensors;
  after(() => {
    // The cases free everything they make; only the fixture's own tensors stay alive.
    assert.equal(torch.memory().tensors, before0);
  });

  it('the fixture has a TypeScript op for every case and a case for every op', () => {
    assert.ok(CASES.length > 150, `only ${CASES.length} cases`);
    const used = new Set(CASES.map((c) => c.op));
    assert.deepEqual([...used].filter((op) => !(op in OPS)), []);
    assert.deepEqual(Object.keys(OPS).filter((op) => !used.has(op)), []);
  });

  for (const c of CASES) {
    const what = c.grad.length > 0 ? 'forward and gradients' : 'forward';
    const todo = KNOWN_DIFFERENCES[c.name];
    it(`${c.name}: ${what} match PyTorch (${JSON.stringify(c.args)})`, todo === undefined ? {} : { todo }, () => runCase(c));
  }
});

describe('torch random numbers agree with PyTorch', () => {
  interface RngMeta {
    seed: number;
    sequence: [string, 'randn' | 'rand' | 'randint' | 'randperm', number[], torch.DType, number?, number?][];
  }
  let rng: RngMeta;
  before(() => {
    rng = JSON.parse(file.metadata['rng']!) as RngMeta;
  });

  it('after manualSeed(1234), randn, rand, randint and randperm give PyTorch\'s sequence, and a restored state replays it', () => {
    torch.tidy(() => {
      torch.manualSeed(rng.seed);
      for (const [key, fn, shape, dtype, low, high] of rng.sequence) {
        const t =
          fn === 'randn'
            ? torch.randn(shape, { dtype })
            : fn === 'rand'
              ? torch.rand(shape, { dtype })
              : fn === 'randint'
                ? torch.randint(low!, high!, shape)
                : torch.randperm(shape[0]!);
        assertClose(t, get(key), key);
      }
      const state = torch.getRngState();
      const first = torch.randn([6]);
      assertClose(first, get('rng.after_state'), 'the draw after the saved state');
      torch.randn([100]);
      torch.setRngState(state);
      assertClose(torch.randn([6]), get('rng.replayed'), 'the draw after restoring the state');
    });
  });

  it('the same seed twice gives identical tensors', () => {
    torch.tidy(() => {
      torch.manualSeed(7);
      const a = values(torch.randn([20]));
      torch.manualSeed(7);
      assert.deepEqual(values(torch.randn([20])), a);
    });
  });
});

describe('torch ops beyond the fixture', () => {
  it('item() returns the value of a one-element tensor', () => {
    torch.tidy(() => {
      assert.equal(torch.tensor([[1.5, 2], [3, 4]]).sum().item(), 10.5);
      assert.equal(torch.tensor([7n]).item(), 7);
      assert.equal(torch.tensor([[1, 9], [3, 4]]).argmax().item(), 1);
    });
  });

  it('dropout with p = 0, or when not training, is the identity', () => {
    torch.tidy(() => {
      const x = torch.randn([50, 40]);
      assert.deepEqual(values(F.dropout(x, 0)), values(x));
      assert.deepEqual(values(F.dropout(x, 0.7, false)), values(x));
    });
  });

  it('dropout in training keeps about 1 − p of the elements and scales them by 1/(1 − p)', () => {
    torch.tidy(() => {
      torch.manualSeed(3);
      const p = 0.3;
      const y = values(F.dropout(torch.ones([200, 100]), p, true));
      const kept = y.filter((v) => v !== 0);
      const fraction = kept.length / y.length;
      // 20,000 Bernoulli draws: the standard error of the fraction is 0.0032.
      assert.ok(Math.abs(fraction - (1 - p)) < 0.02, `kept ${fraction}`);
      for (const v of kept) assert.ok(Math.abs(v - 1 / (1 - p)) < 1e-6, `kept value ${v}`);
    });
  });

  it('dropout with p = 1 zeroes everything', () => {
    torch.tidy(() => {
      assert.deepEqual(values(F.dropout(torch.ones([4, 4]), 1, true)), new Array(16).fill(0));
    });
  });

  it('dropout passes gradients only through kept elements, scaled by 1/(1 − p)', () => {
    torch.tidy(() => {
      const x = torch.ones([10, 10], { requiresGrad: true });
      const y = F.dropout(x, 0.5, true);
      y.sum().backward();
      assert.deepEqual(values(x.grad!), values(y));
    });
  });

  it('batchNorm in training updates the running statistics in place with momentum', () => {
    torch.tidy(() => {
      const x = torch.tensor([[1, 10], [3, 20], [5, 30]]);
      const mean = torch.zeros([2]);
      const variance = torch.ones([2]);
      F.batchNorm(x, mean, variance, { training: true, momentum: 0.5 });
      // batch mean [3, 20]; unbiased variance [4, 100]
      assert.deepEqual(values(mean), [1.5, 10]);
      assert.deepEqual(values(variance), [2.5, 50.5]);
    });
  });

  it('views share storage with their base: a write through a view is seen by the base', () => {
    torch.tidy(() => {
      const x = torch.zeros([2, 3]);
      x.narrow(1, 1, 1).fill_(5);
      x.view(6).select(0, 0).fill_(1);
      assert.deepEqual(values(x), [1, 5, 0, 0, 5, 0]);
    });
  });

  it('a number operand keeps the tensor\'s dtype: float32 stays float32, int64 × integer stays int64 (as in PyTorch)', () => {
    torch.tidy(() => {
      assert.equal(torch.ones([2]).add(1.5).dtype, 'float32');
      assert.equal(torch.ones([2], { dtype: 'int64' }).mul(2).dtype, 'int64');
      assert.equal(torch.ones([2], { dtype: 'int64' }).mul(0.5).dtype, 'float32');
    });
  });
});
