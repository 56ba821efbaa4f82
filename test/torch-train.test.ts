/**
 * End-to-end training through the torch layer: an MLP learns XOR, a small CNN classifies MNIST
 * above 97%, and the DCGAN of DESIGN §4 trains on MNIST with finite losses and a flat tensor count.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { DCGAN_PARAMETER_COUNTS, dcganDiscriminator, dcganGenerator } from '../src/ml/models/index.js';
import { dcganTrainStep } from '../src/ml/train/gan-train-step.js';
import { loadMnist, type MnistSet } from './helpers/mnist.js';

const { nn, optim, F } = torch;
type Tensor = torch.Tensor;

// MNIST is read once for the whole file.
let mnistTrain: MnistSet;
let mnistTest: MnistSet;
before(() => {
  mnistTrain = loadMnist('train', 10_000);
  mnistTest = loadMnist('t10k');
});

/** N×1×28×28 float32 images from bytes, mapped to [lo, hi]. */
function imagesOf(set: MnistSet, count: number, lo: number, hi: number): Tensor {
  const n = Math.min(count, set.count);
  const px = new Float32Array(n * set.rows * set.cols);
  const scale = (hi - lo) / 255;
  for (let i = 0; i < px.length; i++) px[i] = (set.pixels[i] as number) * scale + lo;
  return torch.tensor(px, { shape: [n, 1, set.rows, set.cols] });
}

function labelsOf(set: MnistSet): Tensor {
  return torch.tensor(BigInt64Array.from(set.labels, (v) => BigInt(v)), { dtype: 'int64' });
}

/** Sum of the elements of every tensor a module holds, as a number of parameters. */
function countOf(tensors: readonly Tensor[]): number {
  return tensors.reduce((n, t) => n + t.numel(), 0);
}

describe('training through the torch layer', () => {
  it('an MLP learns XOR: all four outputs on the right side of 0.5 and the loss below 0.05', () => {
    torch.manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const x = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = torch.tensor([[0], [1], [1], [0]]);
    let loss = Infinity;
    for (let step = 0; step < 300; step++) {
      loss = torch.tidy(() => {
        opt.zeroGrad();
        const l = F.binaryCrossEntropyWithLogits(model.forward(x), y);
        l.backward();
        opt.step();
        return l.item();
      });
    }
    const p = torch.tidy(() => torch.noGrad(() => F.sigmoid(model.forward(x)).toArray<'float32'>()));
    assert.ok(loss < 0.05, `loss ${loss}`);
    assert.deepEqual(Array.from(p, (v) => v > 0.5), [false, true, true, false], `outputs ${Array.from(p)}`);
    x.dispose();
    y.dispose();
  });

  it('a small CNN trained on 10,000 MNIST images for 4 epochs classifies the 10,000 test images above 97%', () => {
    torch.manualSeed(0);
    class SmallCnn extends nn.Module {
      readonly conv1 = this.registerModule('conv1', new nn.Conv2d(1, 32, 3, { padding: 1 }));
      readonly conv2 = this.registerModule('conv2', new nn.Conv2d(32, 64, 3, { padding: 1 }));
      readonly fc = this.registerModule('fc', new nn.Linear(64 * 7 * 7, 10));
      override forward(x: Tensor): Tensor {
        const a = F.maxPool2d(F.relu(this.conv1.forward(x)), 2);
        const b = F.maxPool2d(F.relu(this.conv2.forward(a)), 2);
        return this.fc.forward(b.flatten(1));
      }
    }
    const model = new SmallCnn();
    // Three epochs at 1e-3, a fourth at 2e-4: 98% (PyTorch, the same recipe, seeds 0–2: 98.1–98.2%).
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const mean = 0.1307;
    const std = 0.3081;
    const x = imagesOf(mnistTrain, mnistTrain.count, -mean / std, (1 - mean) / std);
    const y = labelsOf(mnistTrain);
    const xTest = imagesOf(mnistTest, mnistTest.count, -mean / std, (1 - mean) / std);
    const yTest = labelsOf(mnistTest);
    const batch = 64;
    const n = mnistTrain.count;
    model.train();
    for (let epoch = 0; epoch < 4; epoch++) {
      if (epoch === 3) opt.lr = 2e-4;
      torch.tidy(() => {
        const order = torch.randperm(n);
        for (let start = 0; start < n; start += batch) {
          torch.tidy(() => {
            const idx = order.narrow(0, start, Math.min(batch, n - start));
            opt.zeroGrad();
            const loss = F.crossEntropy(model.forward(x.indexSelect(0, idx)), y.indexSelect(0, idx));
            loss.backward();
            opt.step();
          });
        }
      });
    }
    model.eval();
    const correct = torch.tidy(() =>
      torch.noGrad(() => {
        let right = 0;
        for (let start = 0; start < mnistTest.count; start += 1000) {
          const predicted = model.forward(xTest.narrow(0, start, 1000)).argmax(1);
          right += predicted.eq(yTest.narrow(0, start, 1000)).sum().item();
        }
        return right;
      }),
    );
    for (const t of [x, y, xTest, yTest]) t.dispose();
    opt.dispose();
    model.dispose();
    const accuracy = correct / mnistTest.count;
    assert.ok(accuracy > 0.97, `test accuracy ${accuracy}`);
  });

  it('the DCGAN has the tutorial\'s parameter counts and trains 20 steps at batch 32 on MNIST with finite losses and no leaked tensors', () => {
    torch.manualSeed(0);
    const gen = dcganGenerator();
    const disc = dcganDiscriminator();
    assert.equal(countOf(gen.parameters()), DCGAN_PARAMETER_COUNTS.generator);
    assert.equal(gen.numParameters(), DCGAN_PARAMETER_COUNTS.generator);
    const state = gen.stateDict();
    const runningStats = [...state]
      .filter(([k]) => k.endsWith('running_mean') || k.endsWith('running_var'))
      .map(([, t]) => t);
    assert.equal(countOf(gen.parameters()) + countOf(runningStats), DCGAN_PARAMETER_COUNTS.generatorWithRunningStats);
    for (const t of state.values()) t.dispose();
    assert.equal(countOf(disc.parameters()), DCGAN_PARAMETER_COUNTS.discriminator);
    gen.train();
    disc.train();
    const optG = new optim.Adam(gen.parameters(), { lr: 1e-4 });
    const optD = new optim.Adam(disc.parameters(), { lr: 1e-4 });
    const batch = 32;
    const steps = 20;
    const images = imagesOf(mnistTrain, batch * steps, -1, 1);
    const batchOf = (i: number): Tensor => images.narrow(0, i * batch, batch);
    // The first step creates the optimisers' state; from then on the count must stay where it is.
    const first = torch.tidy(() => dcganTrainStep(gen, disc, optG, optD, batchOf(0)));
    const before = torch.memory();
    const losses = [first];
    for (let i = 1; i < steps; i++) {
      losses.push(torch.tidy(() => dcganTrainStep(gen, disc, optG, optD, batchOf(i))));
    }
    const after = torch.memory();
    images.dispose();
    for (const { dLoss, gLoss } of losses) {
      assert.ok(Number.isFinite(dLoss) && Number.isFinite(gLoss), `losses ${dLoss}, ${gLoss}`);
    }
    // Both start near their values for an untrained D (2·ln 2 and ln 2) and stay bounded.
    assert.ok(losses.every((l) => l.dLoss > 0 && l.dLoss < 5 && l.gLoss > 0 && l.gLoss < 10), JSON.stringify(losses));
    assert.equal(after.tensors, before.tensors);
    assert.equal(after.bytes, before.bytes);
    for (const owner of [optG, optD, gen, disc]) owner.dispose();
  });
});
