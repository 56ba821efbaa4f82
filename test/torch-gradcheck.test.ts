/**
 * Autograd of the differentiable ops against central finite differences in float64 (eps 1e-6,
 * tolerance 1e-6 absolute + 1e-5 relative): the gradients the binding returns are the true
 * derivatives, independently of PyTorch's fixture.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { F, linalg, type Tensor } from '../src/torch/index.js';
import { gradcheck } from './helpers/gradcheck.js';

const f64 = { dtype: 'float64' } as const;
const randn = (...shape: number[]): Tensor => torch.randn(shape, f64);
/** Values in [0.5, 2.5). */
const pos = (...shape: number[]): Tensor => torch.rand(shape, f64).mul(2).add(0.5);
/** Values in [0.05, 0.95). */
const prob = (...shape: number[]): Tensor => torch.rand(shape, f64).mul(0.9).add(0.05);
const labels = (high: number, ...shape: number[]): Tensor => torch.randint(0, high, shape);

interface Check {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  wrt?: number[];
}

const CHECKS: Check[] = [
  // element-wise
  { name: 'add with alpha and broadcasting', fn: (a, b) => a.add(b, -1.5), inputs: () => [randn(3, 1), randn(1, 4)] },
  { name: 'sub', fn: (a, b) => a.sub(b), inputs: () => [randn(3, 4), randn(3, 4)] },
  { name: 'mul', fn: (a, b) => a.mul(b), inputs: () => [randn(3, 4), randn(3, 4)] },
  { name: 'div', fn: (a, b) => a.div(b), inputs: () => [randn(3, 4), pos(3, 4)] },
  { name: 'pow with a tensor exponent', fn: (a, b) => a.pow(b), inputs: () => [pos(3, 4), randn(3, 4)] },
  { name: 'pow with a number exponent', fn: (a) => a.pow(3), inputs: () => [randn(3, 4)] },
  { name: 'maximum and minimum', fn: (a, b) => a.maximum(b).add(a.minimum(b).mul(2)), inputs: () => [randn(3, 4), randn(3, 4)] },
  { name: 'exp, log, sqrt, rsqrt', fn: (a) => a.exp().add(a.log()).add(a.sqrt()).add(a.rsqrt()), inputs: () => [pos(3, 4)] },
  { name: 'log1p, expm1, reciprocal', fn: (a) => a.log1p().add(a.expm1()).add(a.reciprocal()), inputs: () => [pos(3, 4)] },
  { name: 'sin, cos, square, erf, abs, neg', fn: (a) => a.sin().add(a.cos()).add(a.square()).add(a.erf()).add(a.abs()).add(a.neg()), inputs: () => [randn(3, 4)] },
  { name: 'clamp', fn: (a) => a.clamp(-0.5, 0.5), inputs: () => [randn(4, 4)] },
  { name: 'where', fn: (a, b) => torch.where(a.gt(0), a, b), inputs: () => [randn(3, 4), randn(3, 4)] },
  { name: 'lerp with a tensor weight', fn: (a, b, w) => a.lerp(b, w), inputs: () => [randn(3, 4), randn(3, 4), prob(3, 4)] },
  // activations
  { name: 'relu', fn: (a) => F.relu(a), inputs: () => [randn(3, 4)] },
  { name: 'leakyRelu', fn: (a) => F.leakyRelu(a, 0.2), inputs: () => [randn(3, 4)] },
  { name: 'sigmoid', fn: (a) => F.sigmoid(a), inputs: () => [randn(3, 4)] },
  { name: 'tanh', fn: (a) => F.tanh(a), inputs: () => [randn(3, 4)] },
  { name: 'gelu', fn: (a) => F.gelu(a), inputs: () => [randn(3, 4)] },
  { name: 'gelu (tanh approximation)', fn: (a) => F.gelu(a, 'tanh'), inputs: () => [randn(3, 4)] },
  { name: 'softplus', fn: (a) => F.softplus(a, 2, 3), inputs: () => [randn(3, 4)] },
  { name: 'elu and silu', fn: (a) => F.elu(a, 1.5).add(F.silu(a)), inputs: () => [randn(3, 4)] },
  { name: 'softmax', fn: (a) => F.softmax(a, 1), inputs: () => [randn(3, 5)] },
  { name: 'logSoftmax', fn: (a) => F.logSoftmax(a, 0), inputs: () => [randn(3, 5)] },
  // reductions
  { name: 'sum over dims with keepdim', fn: (a) => a.sum([0, 2], { keepdim: true }), inputs: () => [randn(2, 3, 4)] },
  { name: 'mean', fn: (a) => a.mean(1), inputs: () => [randn(3, 4)] },
  { name: 'var and std', fn: (a) => a.var({ dim: 1 }).add(a.std({ dim: 1, correction: 0 })), inputs: () => [randn(3, 4)] },
  { name: 'max and min along a dim', fn: (a) => a.max(1).values.add(a.min(1).values), inputs: () => [randn(3, 4)] },
  { name: 'max of all', fn: (a) => a.max(), inputs: () => [randn(3, 4)] },
  { name: 'logsumexp', fn: (a) => a.logsumexp(1), inputs: () => [randn(3, 4)] },
  { name: 'norm (p = 2 and p = 1)', fn: (a) => a.norm(2, 1).add(a.norm(1, 1)), inputs: () => [randn(3, 4)] },
  { name: 'prod and cumsum', fn: (a) => a.prod(1).add(a.cumsum(1).sum(1)), inputs: () => [pos(3, 4)] },
  // products and layers
  { name: 'matmul (batched)', fn: (a, b) => a.matmul(b), inputs: () => [randn(2, 3, 4), randn(4, 2)] },
  { name: 'linear', fn: (x, w, b) => F.linear(x, w, b), inputs: () => [randn(5, 4), randn(3, 4), randn(3)] },
  {
    name: 'conv2d with stride, padding, dilation',
    fn: (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1, dilation: [1, 2] }),
    inputs: () => [randn(2, 2, 6, 6), randn(3, 2, 3, 3), randn(3)],
  },
  { name: 'conv2d with groups', fn: (x, w) => F.conv2d(x, w, undefined, { groups: 2, padding: 1 }), inputs: () => [randn(1, 4, 4, 4), randn(4, 2, 3, 3)] },
  {
    name: 'convTranspose2d (stride 2, padding 2, outputPadding 1)',
    fn: (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 2, outputPadding: 1 }),
    inputs: () => [randn(1, 3, 3, 3), randn(3, 2, 5, 5), randn(2)],
  },
  { name: 'maxPool2d', fn: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), inputs: () => [randn(1, 2, 5, 5)] },
  { name: 'avgPool2d', fn: (x) => F.avgPool2d(x, 2), inputs: () => [randn(1, 2, 4, 6)] },
  { name: 'adaptiveAvgPool2d', fn: (x) => F.adaptiveAvgPool2d(x, [2, 3]), inputs: () => [randn(1, 2, 5, 5)] },
  { name: 'interpolate bilinear', fn: (x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }), inputs: () => [randn(1, 2, 3, 4)] },
  {
    name: 'interpolate bilinear with alignCorners',
    fn: (x) => F.interpolate(x, { size: [2, 3], mode: 'bilinear', alignCorners: true }),
    inputs: () => [randn(1, 1, 4, 5)],
  },
  { name: 'interpolate area', fn: (x) => F.interpolate(x, { size: [2, 2], mode: 'area' }), inputs: () => [randn(1, 2, 5, 4)] },
  {
    name: 'batchNorm in training',
    fn: (x, w, b) => F.batchNorm(x, undefined, undefined, { weight: w, bias: b, training: true }),
    inputs: () => [randn(4, 3, 2, 2), pos(3), randn(3)],
  },
  { name: 'layerNorm', fn: (x, w, b) => F.layerNorm(x, [4], w, b), inputs: () => [randn(3, 4), pos(4), randn(4)] },
  { name: 'embedding (with respect to the weight)', fn: (i, w) => F.embedding(i, w), inputs: () => [torch.tensor([[1n, 3n, 1n], [0n, 2n, 3n]]), randn(4, 3)] },
  { name: 'pad', fn: (x) => F.pad(x, [1, 2, 0, 1], 0.5), inputs: () => [randn(1, 1, 2, 3)] },
  // shape ops
  { name: 'permute, reshape, narrow, cat', fn: (a, b) => torch.cat([a.permute(1, 0).reshape(2, 6).narrow(1, 1, 4), b], 0), inputs: () => [randn(4, 3), randn(1, 4)] },
  { name: 'gather and indexSelect', fn: (a) => a.gather(1, torch.tensor([[0n, 2n], [1n, 1n], [3n, 0n]])).add(a.indexSelect(1, torch.tensor([2n, 3n]))), inputs: () => [randn(3, 4)] },
  // losses
  { name: 'mseLoss', fn: (a, b) => F.mseLoss(a, b), inputs: () => [randn(4, 3), randn(4, 3)] },
  { name: 'l1Loss', fn: (a, b) => F.l1Loss(a, b, { reduction: 'sum' }), inputs: () => [randn(4, 3), randn(4, 3)] },
  { name: 'binaryCrossEntropy', fn: (p, t) => F.binaryCrossEntropy(p, t), inputs: () => [prob(4, 3), prob(4, 3)], wrt: [0] },
  {
    name: 'binaryCrossEntropyWithLogits with posWeight',
    fn: (x, t, p) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: p }),
    inputs: () => [randn(4, 3), prob(4, 3), pos(3)],
    wrt: [0, 1],
  },
  {
    name: 'crossEntropy with weights and label smoothing',
    fn: (x, t, w) => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 }),
    inputs: () => [randn(5, 4), labels(4, 5), pos(4)],
    wrt: [0],
  },
  { name: 'crossEntropy with class probabilities', fn: (x, t) => F.crossEntropy(x, t), inputs: () => [randn(5, 4), F.softmax(randn(5, 4), 1)], wrt: [0] },
  { name: 'nllLoss', fn: (x, t) => F.nllLoss(x, t, { reduction: 'sum' }), inputs: () => [randn(5, 4), labels(4, 5)] },
  // linear algebra
  { name: 'cdist (p = 2)', fn: (a, b) => linalg.cdist(a, b), inputs: () => [randn(4, 3), randn(5, 3)] },
  { name: 'cdist (p = 1)', fn: (a, b) => linalg.cdist(a, b, 1), inputs: () => [randn(3, 3), randn(2, 3)] },
  { name: 'eigh eigenvalues', fn: (a) => linalg.eigh(a.add(a.t())).eigenvalues, inputs: () => [randn(3, 3)] },
  { name: 'det and inv', fn: (a) => linalg.inv(a).sum().add(linalg.det(a)), inputs: () => [randn(3, 3).add(torch.full([3], 3, f64).diag())] },
];

describe('autograd matches finite differences (float64)', () => {
  before(() => torch.manualSeed(42));

  for (const c of CHECKS) {
    it(`${c.name}: gradients match central differences`, () => {
      torch.tidy(() => {
        const report = gradcheck(c.fn, c.inputs(), c.wrt === undefined ? {} : { wrt: c.wrt });
        assert.ok(report.checked > 0);
      });
    });
  }

  it('gradcheck itself catches a wrong gradient', () => {
    torch.tidy(() => {
      // x·detach(x) has derivative x, not 2x: the helper must notice.
      assert.throws(() => gradcheck((x) => x.mul(x.detach()), [randn(3)]), /autograd .* finite difference/);
    });
  });
});
