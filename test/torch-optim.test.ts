/**
 * Optimisers against PyTorch (test/fixtures/torch/nn-optim.safetensors): 20-step trajectories of
 * Adam (weight decay, amsgrad, maximize), AdamW and SGD (momentum, nesterov, dampening, weight
 * decay); state-dict layout; gradient accumulation and zeroGrad; validation; a flat tensor count.
 * Trajectories are compared within float32 rounding carried through the steps taken
 * (helpers/tolerance.ts), so they hold on any CPU's kernels; every test frees what it owns in a
 * `finally`, so a failed comparison never shows up again as a leak.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertClose as assertTensorsClose } from './helpers/assert-close.js';
import { owning } from './helpers/owned.js';
import { maxAbs, type ErrorModel } from './helpers/tolerance.js';
import * as torch from '../src/torch/index.js';

const { nn, optim, F } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/torch/nn-optim.safetensors');

let fx: Map<string, Tensor>;
let meta: Record<string, string>;
let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
  ({ tensors: fx, metadata: meta } = torch.loadSafetensors(FIXTURE));
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

/** The optimisers follow PyTorch's arithmetic: float32 rounding only (one step unless told). */
function assertClose(actual: Tensor, expected: Tensor, what: string, model: ErrorModel = {}): void {
  assertTensorsClose(actual, expected, what, model);
}

/** Rows of the fixture's x: the length of the sums inside each gradient. */
const ROWS = 16;

type Kind = 'Adam' | 'AdamW' | 'SGD';
function makeOptimizer(kind: Kind, params: Tensor[], options: Record<string, unknown>): torch.optim.Optimizer {
  if (kind === 'SGD') return new optim.SGD(params, options);
  return kind === 'Adam' ? new optim.Adam(params, options) : new optim.AdamW(params, options);
}

/** The fixture's problem: loss = mean((x·w + b − y)²), from w0 and b0. */
function problem(): { w: Tensor; b: Tensor; loss: () => Tensor } {
  const w = torch.keep(ref('opt.w0').clone().requiresGrad_());
  const b = torch.keep(ref('opt.b0').clone().requiresGrad_());
  return { w, b, loss: () => ref('opt.x').matmul(w).add(b).sub(ref('opt.y')).square().mean() };
}

const CASES = ['adam', 'adam_wd', 'adam_amsgrad', 'adam_max', 'adamw', 'sgd', 'sgd_momentum', 'sgd_nesterov', 'sgd_dampening'];

describe('optim: trajectories equal PyTorch\'s', () => {
  for (const name of CASES) {
    it(`${name}: 20 steps follow PyTorch's parameter trajectory within float32 rounding of the steps taken`, () => {
      const { kind, options } = JSON.parse(meta[`opt.${name}`] as string) as { kind: Kind; options: Record<string, unknown> };
      const expected = ref(`opt.${name}.w`);
      // The rounding of each step is carried into the next: the bound grows with the steps taken.
      const scale = Math.max(maxAbs(expected.toArray() as Float32Array), maxAbs(ref(`opt.${name}.b`).toArray() as Float32Array));
      owning((own) => {
        const { w, b, loss } = problem();
        own(w);
        own(b);
        const opt = own(makeOptimizer(kind, [w, b], options));
        torch.tidy(() => {
          for (let step = 0; step < 20; step++) {
            torch.tidy(() => {
              opt.zeroGrad();
              loss().backward();
              opt.step();
            });
            assertClose(w, expected.select(0, step), `w after step ${step + 1}`, { steps: step + 1, reduction: ROWS, scale });
          }
          assertClose(b, ref(`opt.${name}.b`), 'final b', { steps: 20, reduction: ROWS, scale });
        });
      });
    });
  }
});

describe('optim: state and bookkeeping', () => {
  it('Adam\'s state dict has PyTorch\'s names and layout; parameters without a gradient have no state', () => {
    owning((own) => {
      const { w, b, loss } = problem();
      own(w);
      own(b);
      const unused = own(torch.keep(torch.zeros([2], { requiresGrad: true })));
      const opt = own(new optim.Adam([w, unused, b], { lr: 0.01, amsgrad: true }));
      torch.tidy(() => {
        for (let i = 0; i < 3; i++) {
          opt.zeroGrad();
          loss().backward();
          opt.step();
        }
        const sd = opt.stateDict();
        assert.deepEqual([...sd.state.keys()], [0, 2]);
        const s0 = sd.state.get(0) as Record<string, Tensor | number>;
        assert.deepEqual(Object.keys(s0), ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
        assert.equal(s0['step'], 3);
        assert.deepEqual((s0['exp_avg'] as Tensor).shape, [5, 3]);
        assert.deepEqual(sd.paramGroups, [
          {
            lr: 0.01,
            betas: [0.9, 0.999],
            eps: 1e-8,
            weight_decay: 0,
            amsgrad: true,
            maximize: false,
            foreach: null,
            capturable: false,
            differentiable: false,
            fused: null,
            decoupled_weight_decay: false,
            params: [0, 1, 2],
          },
        ]);
      });
      assert.equal(own(new optim.AdamW([w])).options.weightDecay, 1e-2, 'AdamW defaults to weight decay 1e-2');
    });
  });

  it('SGD keeps a momentum_buffer only with momentum, and loadStateDict restores it', () => {
    owning((own) => {
      const { w, b, loss } = problem();
      own(w);
      own(b);
      const plain = own(new optim.SGD([w, b], { lr: 0.1 }));
      const heavy = own(new optim.SGD([w, b], { lr: 0.1, momentum: 0.9 }));
      torch.tidy(() => {
        loss().backward();
        plain.step();
        heavy.step();
        assert.equal(plain.stateDict().state.size, 0);
        const sd = heavy.stateDict();
        assert.deepEqual([...sd.state.keys()], [0, 1]);
        assert.deepEqual(Object.keys(sd.state.get(1) ?? {}), ['momentum_buffer']);
        const other = own(new optim.SGD([w, b], { lr: 0.5 }));
        other.loadStateDict(sd);
        assert.equal(other.lr, 0.1, 'hyper-parameters come from the loaded group, as in PyTorch');
        assert.equal(other.options.momentum, 0.9);
        const restored = other.stateDict().state.get(0)?.['momentum_buffer'] as Tensor;
        assert.deepEqual(restored.toArray(), (sd.state.get(0)?.['momentum_buffer'] as Tensor).toArray());
      });
    });
  });

  it('gradients accumulate over two backward calls until zeroGrad drops them', () => {
    owning((own) => {
      const lin = own(new nn.Linear(3, 1));
      const opt = own(new optim.SGD(lin.parameters(), { lr: 0.1 }));
      torch.tidy(() => {
        const x = torch.randn([4, 3]);
        const once = torch.tidy(() => {
          F.mseLoss(lin.forward(x), torch.zeros([4, 1])).backward();
          return lin.weight.grad?.clone() as Tensor;
        });
        F.mseLoss(lin.forward(x), torch.zeros([4, 1])).backward();
        // The same gradient added to itself: exactly twice it.
        assertTensorsClose(lin.weight.grad as Tensor, once.mul(2), 'accumulated gradient', 0, 0);
        opt.zeroGrad();
        assert.equal(lin.weight.grad, undefined);
        assert.equal(lin.bias?.grad, undefined);
        // A step with no gradients changes nothing.
        const before = lin.weight.clone();
        opt.step();
        assert.deepEqual(lin.weight.toArray(), before.toArray());
      });
    });
  });

  it('hyper-parameters are validated with messages naming the option', () => {
    owning((own) => {
      const p = own(torch.keep(torch.zeros([1], { requiresGrad: true })));
      const bad: [() => unknown, RegExp][] = [
        [() => new optim.Adam([p], { lr: -1 }), /Adam: lr must be a number ≥ 0, got -1/],
        [() => new optim.Adam([p], { betas: [0.9, 1] }), /Adam: betas\[1\] must be in \[0, 1\), got 1/],
        [() => new optim.Adam([p], { eps: -1e-8 }), /eps must be a number ≥ 0/],
        [() => new optim.AdamW([p], { weightDecay: -0.1 }), /AdamW: weightDecay must be a number ≥ 0/],
        [() => new optim.SGD([p], { lr: 0.1, momentum: -0.5 }), /SGD: momentum must be a number ≥ 0/],
        [() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /nesterov momentum requires momentum > 0 and dampening 0/],
        [() => new optim.SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/],
        [() => new optim.SGD([p, p], { lr: 0.1 }), /parameter 1 appears twice/],
        [() => torch.tidy(() => new optim.SGD([p.mul(2)], { lr: 0.1 })), /parameter 0 is not a leaf tensor/],
      ];
      for (const [fn, message] of bad) assert.throws(fn, message);
      const opt = own(new optim.Adam([p]));
      assert.throws(() => (opt.lr = -0.5), /lr must be a number ≥ 0/);
      opt.lr = 0.5;
      assert.equal(opt.lr, 0.5);
      opt.dispose();
      opt.dispose();
      assert.throws(() => opt.step(), (e: torch.TorchError) => e.code === 'E_DISPOSED');
    });
  });

  it('moving the model with to() keeps the optimiser working on the same parameters', () => {
    owning((own) => {
      const lin = own(new nn.Linear(2, 1));
      const opt = own(new optim.Adam(lin.parameters(), { lr: 0.1 }));
      lin.to('float64');
      torch.tidy(() => {
        const before = lin.weight.clone();
        lin.forward(torch.ones([1, 2], { dtype: 'float64' })).sum().backward();
        opt.step();
        assert.equal(lin.weight.dtype, 'float64');
        assert.ok(lin.weight.sub(before).abs().sum().item() > 0.1, 'the step moved the moved parameter');
      });
    });
  });

  it('training steps inside tidy leave the tensor count where it was after the first step', () => {
    owning((own) => {
      torch.manualSeed(2);
      const model = own(new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 1)));
      const x = own(torch.keep(torch.randn([16, 4])));
      const y = own(torch.keep(torch.randn([16, 1])));
      for (const opt of [own(new optim.Adam(model.parameters(), { amsgrad: true })), own(new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }))]) {
        const trainStep = (): number =>
          torch.tidy(() => {
            opt.zeroGrad();
            const loss = F.mseLoss(model.forward(x), y);
            loss.backward();
            opt.step();
            return loss.item();
          });
        trainStep(); // creates the optimiser's state
        const before = torch.memory();
        for (let i = 0; i < 5; i++) trainStep();
        model.zeroGrad();
        opt.zeroGrad();
        const after = torch.memory();
        assert.equal(after.tensors, before.tensors);
        opt.dispose();
      }
      model.zeroGrad();
    });
  });
});
