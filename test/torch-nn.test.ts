/**
 * nn modules against PyTorch (test/fixtures/torch/nn-optim.safetensors, written by
 * scripts/torch-fixtures/nn_optim.py): seeded default initialisation, a Sequential's forward and
 * backward, BatchNorm's running statistics, dropout in eval, registration order, state dicts,
 * `to()`, initialisers and disposal. Float results are compared within float32 rounding of the
 * computation (helpers/tolerance.ts), so they hold on any CPU's kernels.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertClose } from './helpers/assert-close.js';
import { owning } from './helpers/owned.js';
import { maxAbs } from './helpers/tolerance.js';
import * as torch from '../src/torch/index.js';
import { dcganInit } from '../src/ml/models/weight-init.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/torch/nn-optim.safetensors');

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


function assertEqualBits(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.toArray(), expected.toArray(), `${what}: values`);
}

describe('nn: default initialisation equals PyTorch\'s', () => {
  it('manualSeed(0) then Linear, Conv2d, ConvTranspose2d, Embedding, Linear(bias false) draw PyTorch\'s numbers in order', () => {
    owning((own) => {
      torch.manualSeed(0);
      const layers: [string, torch.nn.Module][] = [
        ['linear', own(new nn.Linear(3, 2))],
        ['conv', own(new nn.Conv2d(2, 3, 3))],
        ['convt', own(new nn.ConvTranspose2d(3, 2, 4, { stride: 2 }))],
        ['embedding', own(new nn.Embedding(5, 3))],
        ['linear_nobias', own(new nn.Linear(4, 2, { bias: false }))],
      ];
      torch.tidy(() => {
        for (const [name, layer] of layers) {
          const sd = layer.stateDict();
          const expected = [...fx.keys()].filter((k) => k.startsWith(`init.${name}.`)).map((k) => k.slice(`init.${name}.`.length));
          // safetensors sorts its keys; the state dict's own order is checked below.
          assert.deepEqual([...sd.keys()].sort(), expected.sort(), `${name}: state-dict keys`);
          for (const [k, t] of sd) {
            // The same random bits; turning them into a value in [−bound, bound) (or N(0, 1)) is
            // one multiply-add, fused or not depending on the CPU's kernel: a rounding or two of
            // the range. Another draw or another order is off by a sizeable part of the range.
            const want = ref(`init.${name}.${k}`);
            assert.equal(t.dtype, want.dtype, `${name}.${k}: dtype`);
            assertClose(t, want, `${name}.${k}`, { k: 2, scale: maxAbs(want.toArray() as Float32Array) });
          }
        }
      });
    });
  });
});

describe('nn: forward and backward', () => {
  it('Sequential(Linear, BatchNorm1d, LeakyReLU, Dropout in eval, Linear) matches PyTorch\'s output, gradients and running stats', () => {
    owning((own) => {
      torch.manualSeed(1);
      const drop = new nn.Dropout(0.5);
      const seq = own(new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.LeakyReLU(0.2), drop, new nn.Linear(6, 2)));
      seq.train();
      drop.eval();
      assert.equal(seq.training, true);
      assert.equal(drop.training, false);
      // Forward, backward and the batch statistics: sums over the 8 rows and the 6 hidden units,
      // two layers deep, in values of the size of the inputs.
      const x = ref('seq.x');
      const model = { steps: 2, reduction: 8, scale: maxAbs(x.toArray() as Float32Array) };
      torch.tidy(() => {
        const out = seq.forward(x);
        assertClose(out, ref('seq.out'), 'output', model);
        out.square().mean().backward();
        for (const [name, p] of seq.namedParameters()) assertClose(p.grad as Tensor, ref(`seq.grad.${name}`), `grad ${name}`, model);
        for (const [name, t] of seq.stateDict()) {
          if (t.dtype === 'int64') assertEqualBits(t, ref(`seq.state.${name}`), name);
          else assertClose(t, ref(`seq.state.${name}`), name, model);
        }
        seq.eval();
        const evalOut = torch.noGrad(() => seq.forward(x));
        assertClose(evalOut, ref('seq.eval_out'), 'eval output', model);
      });
    });
  });

  for (const [name, momentum] of [['bn2d', 0.1], ['bn2d_cum', null]] as const) {
    it(`BatchNorm2d (momentum ${momentum}) in training normalises by batch stats, updates running stats and counts batches; eval uses them`, () => {
      owning((own) => {
        const bn = own(new nn.BatchNorm2d(3, { momentum }));
        torch.noGrad(() => {
          bn.weight?.copy_(ref('bn2d.weight'));
          bn.bias?.copy_(ref('bn2d.bias'));
        });
        // Batch statistics are means over 4 × 5 × 5 = 100 values per channel; two batches.
        const scale = Math.max(maxAbs(ref('bn2d.x1').toArray() as Float32Array), maxAbs(ref('bn2d.x2').toArray() as Float32Array));
        const model = { steps: 2, reduction: 100, scale };
        torch.tidy(() => {
          bn.train();
          assertClose(bn.forward(ref('bn2d.x1')), ref(`${name}.train_out1`), 'first training output', model);
          assertClose(bn.forward(ref('bn2d.x2')), ref(`${name}.train_out2`), 'second training output', model);
          assert.equal(bn.numBatchesTracked?.item(), 2);
          for (const [k, t] of bn.stateDict()) {
            if (k === 'num_batches_tracked') assertEqualBits(t, ref(`${name}.state.${k}`), k);
            else assertClose(t, ref(`${name}.state.${k}`), k, model);
          }
          bn.eval();
          assertClose(torch.noGrad(() => bn.forward(ref('bn2d.x1'))), ref(`${name}.eval_out`), 'eval output', model);
          assert.equal(bn.numBatchesTracked?.item(), 2, 'eval does not count batches');
        });
      });
    });
  }

  it('BatchNorm rejects inputs of the wrong rank or channel count with E_SHAPE', () => {
    const bn1 = new nn.BatchNorm1d(4);
    const bn2 = new nn.BatchNorm2d(4);
    torch.tidy(() => {
      assert.throws(() => bn2.forward(torch.zeros([2, 4])), (e: torch.TorchError) => e.code === 'E_SHAPE' && /4-d input/.test(e.message));
      assert.throws(() => bn1.forward(torch.zeros([2, 3])), (e: torch.TorchError) => e.code === 'E_SHAPE' && /3 channels/.test(e.message));
    });
    bn1.dispose();
    bn2.dispose();
  });

  it('Dropout zeroes about p of the elements and rescales the rest in training, and is the identity in eval', () => {
    const drop = new nn.Dropout(0.5);
    torch.manualSeed(3);
    torch.tidy(() => {
      const x = torch.ones([10_000]);
      const y = drop.forward(x);
      const kept = y.ne(0).sum().item();
      assert.ok(kept > 4500 && kept < 5500, `kept ${kept}`);
      assert.equal(y.max().item(), 2);
      drop.eval();
      assert.deepEqual(drop.forward(x).toArray(), x.toArray());
    });
  });

  it('Flatten, Unflatten, activations and Identity compute what their PyTorch namesakes do', () => {
    torch.tidy(() => {
      const x = torch.arange(24, undefined, 1, { dtype: 'float32' }).sub(12).reshape(2, 3, 4);
      assert.deepEqual(new nn.Flatten().forward(x).shape, [2, 12]);
      assert.deepEqual(new nn.Flatten(0, 1).forward(x).shape, [6, 4]);
      assert.deepEqual(new nn.Unflatten(1, [3, 2, 2]).forward(x.flatten(1)).shape, [2, 3, 2, 2]);
      assert.deepEqual(new nn.Unflatten(-1, [2, 2]).forward(x).shape, [2, 3, 2, 2]);
      assert.deepEqual(new nn.ReLU().forward(x).toArray(), x.relu().toArray());
      assert.deepEqual(new nn.LeakyReLU(0.3).forward(x).toArray(), F.leakyRelu(x, 0.3).toArray());
      assert.deepEqual(new nn.Sigmoid().forward(x).toArray(), x.sigmoid().toArray());
      assert.deepEqual(new nn.Tanh().forward(x).toArray(), x.tanh().toArray());
      assertClose(new nn.Softmax(-1).forward(x).sum(-1), torch.ones([2, 3]), 'softmax rows');
      assertClose(new nn.LogSoftmax(1).forward(x).exp().sum(1), torch.ones([2, 4]), 'log-softmax columns');
      assert.deepEqual(new nn.Identity().forward(x).toArray(), x.toArray());
      const emb = new nn.Embedding(4, 2, { paddingIdx: 1 });
      assert.deepEqual(Array.from(emb.forward(torch.tensor([1n])).toArray<'float32'>()), [0, 0], 'padding row is zero');
      assert.deepEqual(emb.forward(torch.tensor([[0n, 3n]])).shape, [1, 2, 2]);
      emb.dispose();
    });
  });
});

describe('nn: registration, state dicts and modes', () => {
  class Block extends nn.Module {
    readonly scale = this.registerParameter('scale', torch.ones([2]));
    readonly count = this.registerBuffer('count', torch.zeros([1]));
    readonly inner = this.registerModule('inner', new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2)));
    override forward(x: Tensor): Tensor {
      return this.inner.forward(x).mul(this.scale);
    }
  }

  it('keys and parameters() follow PyTorch\'s order: own parameters, own buffers, then children recursively', () => {
    const b = new Block();
    const keys = torch.tidy(() => [...b.stateDict().keys()]);
    assert.deepEqual(keys, [
      'scale',
      'count',
      'inner.0.weight',
      'inner.0.bias',
      'inner.1.weight',
      'inner.1.bias',
      'inner.1.running_mean',
      'inner.1.running_var',
      'inner.1.num_batches_tracked',
    ]);
    assert.deepEqual(b.namedParameters().map(([n]) => n), ['scale', 'inner.0.weight', 'inner.0.bias', 'inner.1.weight', 'inner.1.bias']);
    assert.deepEqual(b.namedBuffers().map(([n]) => n), ['count', 'inner.1.running_mean', 'inner.1.running_var', 'inner.1.num_batches_tracked']);
    assert.deepEqual(b.namedModules().map(([n]) => n), ['', 'inner', 'inner.0', 'inner.1']);
    assert.equal(b.children().length, 1);
    assert.equal(b.numParameters(), 2 + 6 + 4);
    b.scale.requiresGrad_(false);
    assert.equal(b.numParameters({ trainableOnly: true }), 10);
    const nbt = b.buffers()[3] as Tensor;
    assert.equal(nbt.dtype, 'int64');
    assert.deepEqual(nbt.shape, []);
    b.dispose();
  });

  it('registering a name twice or a dotted name throws E_ARGUMENT and leaves the tensor to the caller', () => {
    class Open extends nn.Module {
      add(name: string, t: Tensor): Tensor {
        return this.registerBuffer(name, t);
      }
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Open();
    m.add('w', torch.zeros([1]));
    try {
      for (const name of ['w', 'a.b', '']) {
        const t = torch.zeros([1]);
        try {
          assert.throws(() => m.add(name, t), (e: torch.TorchError) => e.message.includes(`'${name}'`) && e.code === 'E_ARGUMENT');
        } finally {
          t.dispose();
        }
      }
      assert.deepEqual(m.namedBuffers().map(([n]) => n), ['w']);
    } finally {
      m.dispose();
    }
  });

  it('train()/eval() propagate to every descendant', () => {
    const b = new Block();
    b.eval();
    assert.ok(b.modules().every((m) => !m.training));
    b.train();
    assert.ok(b.modules().every((m) => m.training));
    b.dispose();
  });

  it('stateDict values share storage with the module and can be disposed without harming it', () => {
    const lin = new nn.Linear(2, 2);
    const sd = lin.stateDict();
    torch.noGrad(() => sd.get('bias')?.fill_(7));
    for (const t of sd.values()) t.dispose();
    assert.deepEqual(Array.from(lin.bias?.toArray<'float32'>() ?? []), [7, 7]);
    assert.equal(lin.weight.isDisposed, false);
    lin.dispose();
  });

  it('loadStateDict copies in place, keeps parameter identity, and names every missing, unexpected and mis-shaped key', () => {
    torch.manualSeed(5);
    const a = new Block();
    const b = new Block();
    const weight = b.inner.at(0).parameters()[0] as Tensor;
    try {
      torch.tidy(() => {
        b.loadStateDict(a.stateDict());
        for (const [k, t] of b.stateDict()) assert.deepEqual(t.toArray(), (a.stateDict().get(k) as Tensor).toArray(), k);
        assert.equal(b.inner.at(0).parameters()[0], weight, 'same tensor object after loading');

        const sd = a.stateDict();
        sd.delete('inner.1.running_var');
        sd.set('extra.weight', torch.zeros([1]));
        sd.set('inner.0.weight', torch.zeros([3, 2]));
        assert.throws(
          () => b.loadStateDict(sd),
          (e: torch.TorchError) =>
            e.code === 'E_STATE_DICT' &&
            e.message.includes("'inner.1.running_var'") &&
            e.message.includes("'extra.weight'") &&
            e.message.includes("'inner.0.weight' has shape [3, 2]"),
        );
        // Non-strict: missing and unexpected are allowed; a wrong shape is still an error.
        sd.set('inner.0.weight', torch.zeros([2, 2]));
        b.loadStateDict(sd, { strict: false });
        assert.deepEqual(Array.from(weight.toArray<'float32'>()), [0, 0, 0, 0]);
        sd.set('inner.0.weight', torch.zeros([2]));
        assert.throws(() => b.loadStateDict(sd, { strict: false }), (e: torch.TorchError) => e.code === 'E_STATE_DICT');
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('to(dtype) converts floating parameters and buffers in place, keeping identity and the int64 counter', () => {
    const bn = new nn.BatchNorm1d(3);
    const w = bn.weight as Tensor;
    bn.to('float64');
    assert.equal(bn.weight, w);
    assert.equal(w.dtype, 'float64');
    assert.equal(bn.runningVar?.dtype, 'float64');
    assert.equal(bn.numBatchesTracked?.dtype, 'int64');
    assert.equal(w.requiresGrad, true);
    torch.tidy(() => {
      bn.forward(torch.randn([4, 3], { dtype: 'float64' })).sum().backward();
      assert.equal(w.grad?.dtype, 'float64');
      bn.to('float32');
      assert.equal(w.grad?.dtype, 'float32', 'the gradient moves with its parameter');
      bn.zeroGrad();
      assert.equal(w.grad, undefined);
    });
    bn.dispose();
  });

  it('dcganInit draws N(0, 0.02) conv/linear weights and N(1, 0.02) BatchNorm weights with zero bias', () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Conv2d(3, 64, 4), new nn.BatchNorm2d(64), new nn.Linear(64, 300));
    dcganInit(model);
    torch.tidy(() => {
      const [conv, bn, lin] = [model.at(0) as torch.nn.Conv2d, model.at(1) as torch.nn.BatchNorm2d, model.at(2) as torch.nn.Linear];
      assert.ok(Math.abs(conv.weight.std().item() - 0.02) < 0.002);
      assert.ok(Math.abs(lin.weight.std().item() - 0.02) < 0.002);
      assert.ok(Math.abs((bn.weight as Tensor).mean().item() - 1) < 0.01);
      assert.equal((bn.bias as Tensor).abs().sum().item(), 0);
      const w = torch.empty([200, 100]);
      nn.init.xavierUniform_(w);
      const a = Math.sqrt(6 / 300);
      assert.ok(w.abs().max().item() <= a && w.abs().max().item() > 0.95 * a);
      nn.init.kaimingUniform_(w, { nonlinearity: 'relu' });
      assert.ok(w.abs().max().item() <= Math.sqrt(6 / 100));
      nn.init.constant_(w, 3);
      assert.equal(w.mean().item(), 3);
    });
    model.dispose();
  });

  it('dispose() frees every parameter and buffer, twice is harmless, and constructing inside tidy keeps them alive', () => {
    const before = torch.memory().tensors;
    const model = torch.tidy(() => new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4)));
    assert.equal(torch.memory().tensors - before, 2 + 5);
    assert.ok(model.parameters().every((p) => !p.isDisposed));
    model.dispose();
    model.dispose();
    assert.equal(torch.memory().tensors, before);
    assert.ok(model.parameters().every((p) => p.isDisposed));
  });

  it('constructors validate their arguments with messages naming the option', () => {
    assert.throws(() => new nn.Linear(0, 2), /Linear: inFeatures must be a positive integer, got 0/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be a probability/);
    assert.throws(() => new nn.BatchNorm2d(3, { momentum: 2 }), /momentum must be in \[0, 1\] or null/);
  });
});
