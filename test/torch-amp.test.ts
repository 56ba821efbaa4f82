/**
 * Mixed precision against PyTorch (test/fixtures/torch/amp.safetensors, from
 * scripts/torch-fixtures/amp.py): autocast's per-op dtypes and values, the DCGAN step's losses in
 * bfloat16 autocast, GradScaler's schedule and skipped steps; the scope's state handling (nesting,
 * restore on throw, Promises refused, the weight-cast cache dropped on exit); CUDA-only functions
 * failing cleanly without CUDA; no tensor left behind. Values are compared within the rounding
 * of the computation (helpers/tolerance.ts: bfloat16's for what autocast rounds, float32's for
 * the rest), so they hold on any CPU's kernels.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertClose } from './helpers/assert-close.js';
import { owning } from './helpers/owned.js';
import { maxAbs, tolerance } from './helpers/tolerance.js';
import * as torch from '../src/torch/index.js';
import { dcganDiscriminator, dcganGenerator } from '../src/ml/models/index.js';
import { dcganTrainStep } from '../src/ml/train/gan-train-step.js';

const { F } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/torch/amp.safetensors');

let fx: Map<string, Tensor>;
let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
  fx = torch.loadSafetensors(FIXTURE).tensors;
});
after(() => {
  for (const t of fx.values()) t.dispose();
  assert.equal(torch.memory().tensors, startTensors, 'every tensor made by this file is freed');
});

function ref(name: string): Tensor {
  const t = fx.get(name);
  if (t === undefined) throw new Error(`fixture has no '${name}'`);
  return t;
}

function assertCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof torch.TorchError, `expected a TorchError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('autocast', () => {
  it('runs linear, conv2d and conv_transpose2d in bfloat16 with PyTorch’s values, and losses in float32', () => {
    torch.tidy(() => {
      const [lin, conv, convt, bce] = torch.autocast(() => [
        F.linear(ref('ops.x'), ref('ops.w'), ref('ops.b')),
        F.conv2d(ref('ops.img'), ref('ops.k'), undefined, { padding: 1 }),
        F.convTranspose2d(ref('ops.img'), ref('ops.kt'), undefined, { stride: 2, padding: 1 }),
        F.binaryCrossEntropyWithLogits(ref('ops.logit').to('bfloat16'), ref('ops.target')),
      ]);
      assert.equal(lin!.dtype, 'bfloat16');
      assert.equal(conv!.dtype, 'bfloat16');
      assert.equal(convt!.dtype, 'bfloat16');
      assert.equal(bce!.dtype, 'float32', 'losses stay in float32 under autocast');
      // Autocast rounds the inputs to bfloat16 (the same way everywhere), sums the products in
      // float32 (in a kernel-dependent order) and rounds the result to bfloat16: a difference in
      // the float32 sum can flip that last rounding by one bfloat16 ulp (2u·|y|). So: a bfloat16
      // ulp relative, plus the float32 summation error of the inner length, absolute.
      const bf16Ulp = tolerance({ dtype: 'bfloat16', k: 2 }).rtol;
      const sumOf = (n: number, a: Tensor, b: Tensor): number =>
        tolerance({ reduction: n, scale: n * maxAbs(a.toArray() as Float32Array) * maxAbs(b.toArray() as Float32Array) }).atol;
      assertClose(lin!.float(), ref('ops.linear').float(), 'linear', bf16Ulp, sumOf(6, ref('ops.x'), ref('ops.w')));
      assertClose(conv!.float(), ref('ops.conv2d').float(), 'conv2d', bf16Ulp, sumOf(3 * 3 * 3, ref('ops.img'), ref('ops.k')));
      assertClose(convt!.float(), ref('ops.conv_transpose2d').float(), 'conv_transpose2d', bf16Ulp, sumOf(2 * 2 * 3, ref('ops.img'), ref('ops.kt')));
      // The loss itself is float32 (a mean of 6 terms) of the same bfloat16 logits.
      assertClose(bce!, ref('ops.bce'), 'bce', { reduction: 6 });
      // Outside the scope the same op is float32 again.
      assert.equal(F.linear(ref('ops.x'), ref('ops.w')).dtype, 'float32');
    });
  });

  it('gives the DCGAN step PyTorch’s losses in float32 and in bfloat16 autocast, and autocast changes the arithmetic', () => {
    const ours: Record<'fp32' | 'bf16', number[]> = { fp32: [], bf16: [] };
    for (const precision of ['fp32', 'bf16'] as const) {
      owning((own) => {
        torch.manualSeed(0);
        const gen = own(dcganGenerator());
        const disc = own(dcganDiscriminator());
        const real = own(torch.keep(torch.tidy(() => torch.rand([8, 1, 28, 28]).mul(2).sub(1))));
        const optG = own(new torch.optim.Adam(gen.parameters(), { lr: 1e-4 }));
        const optD = own(new torch.optim.Adam(disc.parameters(), { lr: 1e-4 }));
        for (let i = 0; i < 3; i++) {
          const l = dcganTrainStep(gen, disc, optG, optD, real, precision === 'bf16' ? { autocast: { device: 'cpu', dtype: 'bfloat16' } } : {});
          ours[precision].push(l.dLoss, l.gLoss);
        }
      });
      const expected = Array.from(ref(`dcgan.${precision}`).toArray() as Float64Array);
      ours[precision].forEach((v, i) => {
        const steps = Math.floor(i / 2) + 1;
        // float32: the rounding of sums as long as the largest inner length (5·5·256 in the
        // generator's first ConvTranspose), carried through the steps taken. bfloat16: the
        // forward's values are rounded to bfloat16, and a kernel's float32 sums can flip each
        // rounding by an ulp: one bfloat16 rounding of the loss per step taken.
        const { rtol } = precision === 'fp32' ? tolerance({ steps, reduction: 5 * 5 * 256 }) : tolerance({ dtype: 'bfloat16', steps, k: 1 });
        const bound = rtol * Math.abs(expected[i]!);
        assert.ok(Math.abs(v - expected[i]!) <= bound, `${precision} loss ${i}: ${v} vs PyTorch's ${expected[i]} (bound ${bound})`);
      });
    }
    assert.notDeepEqual(ours.bf16, ours.fp32, 'the bfloat16 step computes in bfloat16, not in float32');
  });

  it('restores the previous state on exit, also after a throw, and nests', () => {
    const outside = torch.amp.autocastState('cpu');
    assert.equal(outside.enabled, false);
    torch.autocast(() => {
      assert.deepEqual(torch.amp.autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
      torch.autocast(() => assert.equal(torch.amp.autocastState('cpu').enabled, false), { enabled: false });
      assert.equal(torch.amp.autocastState('cpu').enabled, true, 'the inner scope restored the outer one');
      torch.tidy(() => {
        const full = torch.autocast(() => F.linear(ref('ops.x'), ref('ops.w')), { enabled: false });
        assert.equal(full.dtype, 'float32', 'enabled: false computes in full precision inside autocast');
      });
    });
    assert.throws(() =>
      torch.autocast(() => {
        throw new Error('boom');
      }),
    /boom/);
    assert.deepEqual(torch.amp.autocastState('cpu'), outside);
    assertCode(() => torch.autocast(async () => 1), 'E_ARGUMENT', /synchronous/);
    assert.deepEqual(torch.amp.autocastState('cpu'), outside);
  });

  it('drops the cache of down-cast weights on exit, so updated weights are used next time', () => {
    torch.tidy(() => {
      const w = torch.keep(ref('ops.w').clone().requiresGrad_());
      try {
        const y1 = torch.autocast(() => F.linear(ref('ops.x'), w));
        torch.noGrad(() => w.add_(1));
        const y2 = torch.autocast(() => F.linear(ref('ops.x'), w));
        const expected = torch.autocast(() => F.linear(ref('ops.x'), w.detach().clone()));
        assertClose(y2.float(), expected.float(), 'after the update', 0, 0);
        assert.ok(y2.float().sub(y1.float()).abs().max().item() > 0.5, 'the second scope saw the new weights');
      } finally {
        w.dispose();
      }
    });
  });

  it('refuses a bad device or dtype, and CUDA where there is none', () => {
    assertCode(() => torch.autocast(() => 0, { device: 'tpu' as 'cpu' }), 'E_ARGUMENT', /'cpu' or 'cuda'/);
    assertCode(() => torch.autocast(() => 0, { dtype: 'float64' as 'bfloat16' }), 'E_ARGUMENT', /bfloat16/);
    if (!torch.cuda.isAvailable()) {
      assertCode(() => torch.autocast(() => 0, { device: 'cuda' }), 'E_DEVICE', /CUDA is not available/);
    }
  });
});

describe('GradScaler', () => {
  it('follows PyTorch’s scale schedule, skipping steps whose gradients overflow', () => {
    const w = torch.keep(ref('scaler.w0').clone().requiresGrad_());
    const opt = new torch.optim.SGD([w], { lr: 0.1 });
    const scaler = new torch.amp.GradScaler({ device: 'cpu', initScale: 1024, growthInterval: 2 });
    const grads = ref('scaler.grads');
    const scales: number[] = [];
    const stepped: number[] = [];
    for (let i = 0; i < 6; i++) {
      torch.tidy(() => {
        const g = grads.select(0, i);
        const loss = scaler.scale(w.mul(g).sum());
        opt.zeroGrad();
        loss.backward();
        stepped.push(scaler.step(opt) ? 1 : 0);
        scaler.update();
        scales.push(scaler.getScale());
        assertClose(w.detach(), ref('scaler.w').select(0, i), `w after step ${i}`, { steps: i + 1, scale: maxAbs(ref('scaler.w0').toArray() as Float32Array) });
      });
    }
    assert.deepEqual(scales, Array.from(ref('scaler.scales').toArray() as Float64Array));
    assert.deepEqual(stepped, Array.from(ref('scaler.stepped').toArray() as Float32Array));
    assert.deepEqual(scaler.stateDict(), { scale: 512, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2, _growth_tracker: 1 });
    const copy = new torch.amp.GradScaler({ device: 'cpu' });
    copy.loadStateDict(scaler.stateDict());
    assert.equal(copy.getScale(), 512);
    assert.equal(copy.stateDict()._growth_tracker, 1);
    for (const x of [copy, scaler, opt, w]) x.dispose();
  });

  it('is a pass-through when disabled, refuses a second unscale and bad options', () => {
    const w = torch.keep(torch.ones([2], { requiresGrad: true }));
    const opt = new torch.optim.SGD([w], { lr: 1 });
    const off = new torch.amp.GradScaler({ device: 'cpu', enabled: false });
    torch.tidy(() => {
      const loss = w.sum();
      assert.equal(off.scale(loss), loss);
      loss.backward();
      assert.equal(off.step(opt), true);
      off.update();
      assert.equal(off.getScale(), 1);
    });
    const on = new torch.amp.GradScaler({ device: 'cpu', initScale: 8 });
    torch.tidy(() => {
      on.scale(w.sum()).backward();
      on.unscale(opt);
      assertCode(() => on.unscale(opt), 'E_ARGUMENT', /already unscaled/);
      assert.equal(on.step(opt), true);
      on.update();
    });
    assertCode(() => new torch.amp.GradScaler({ device: 'cpu', backoffFactor: 2 }), 'E_ARGUMENT', /backoffFactor/);
    assertCode(() => new torch.amp.GradScaler({ device: 'cpu', growthInterval: 0 }), 'E_ARGUMENT', /growthInterval/);
    on.dispose();
    assertCode(() => on.getScale(), 'E_DISPOSED');
    for (const x of [off, opt, w]) x.dispose();
  });
});

describe('CUDA functions without CUDA', { skip: torch.cuda.isAvailable() ? 'CUDA is available here' : false }, () => {
  it('fail with one clear E_DEVICE line', () => {
    for (const fn of [() => torch.cuda.memoryStats(), () => torch.cuda.emptyCache(), () => torch.cuda.synchronize(), () => torch.cuda.resetPeakMemoryStats()]) {
      assertCode(fn, 'E_DEVICE', /CUDA is not available/);
    }
    assertCode(() => new torch.amp.GradScaler(), 'E_DEVICE', /CUDA is not available/);
  });
});

describe('threads', () => {
  it('start at the physical cores (or OMP_NUM_THREADS) in every thread', () => {
    assert.equal(torch.defaultNumThreads(), process.env['OMP_NUM_THREADS'] ? Number(process.env['OMP_NUM_THREADS']) : torch.physicalCores());
    assert.equal(torch.getNumThreads(), torch.defaultNumThreads(), 'and the torch layer applied it when it loaded');
  });
});
