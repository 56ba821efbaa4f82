/**
 * The sngan (src/ml/models/sngan.ts) and how it is trained: its shapes and state-dict keys, the
 * class heads, the balanced condition sampler, the moving average a checkpoint samples with, the
 * presets and their options (recorded in the run, refused for other models), on tiny runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { architectureOf, loadCheckpoint } from '../src/ml/checkpoints/gan-checkpoint.js';
import { RunRegistry, trainGan } from '../src/ml/index.js';
import { encodeConditions } from '../src/ml/models/conditions.js';
import { createGan } from '../src/ml/models/gan.js';
import { ProjectionDiscriminator } from '../src/ml/models/sngan.js';
import { ConditionSampler } from '../src/ml/train/condition-sampler.js';
import { GAN_PRESET_SETTINGS } from '../src/ml/train/gan-recipe.js';
import * as torch from '../src/torch/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const LABELS = { name: 'label', kind: 'categorical' as const, levels: [0, 1, 2] };
const BRIGHT = { name: 'brightness', kind: 'continuous' as const, min: 0, max: 100 };

let dir: string;
let m: MnistStore;
let startTensors = 0;

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-sngan-'));
  m = await makeMnistStore(dir, 64);
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor is freed');
});

describe('sngan networks', () => {
  for (const size of [28, 32, 64] as const) {
    it(`${size}×${size}: generator and discriminator shapes, one class head per categorical condition`, () => {
      torch.manualSeed(0);
      using gan = createGan({ model: 'sngan', size, channels: 1, noiseDim: 16, conditions: [LABELS, BRIGHT], width: 4 });
      torch.tidy(() => {
        const cond = encodeConditions([LABELS, BRIGHT], [{ label: 0, brightness: 10 }, { label: 2, brightness: 90 }]);
        const images = gan.generate(torch.randn([2, 16]), cond);
        assert.deepEqual(images.shape, [2, 1, size, size]);
        assert.deepEqual(gan.discriminate(images, cond).shape, [2, 1]);
        const d = gan.discriminator as ProjectionDiscriminator;
        const judged = d.judge(images, cond);
        assert.deepEqual(judged.classes.map((c) => [c.column, c.logits.shape]), [[0, [2, 3]]], 'a head for label (3 levels), none for brightness');
      });
      const keys = torch.tidy(() => [...gan.discriminator.stateDict().keys()]);
      assert.ok(keys.includes('classes.0.weight_orig') && keys.includes('projection.weight_u') && keys.includes('head.bias'), keys.join(', '));
    });
  }

  it('an unconditional sngan takes no conditions; a width is refused for other models', () => {
    using gan = createGan({ model: 'sngan', size: 28, channels: 1, noiseDim: 8, conditions: [], width: 4 });
    torch.tidy(() => assert.deepEqual(gan.discriminate(gan.generate(torch.randn([3, 8]))).shape, [3, 1]));
    assert.throws(() => createGan({ model: 'cdcgan', size: 28, channels: 1, noiseDim: 8, conditions: [LABELS], width: 4 }), /architecture\.width.*is for an 'sngan'/);
    assert.throws(() => createGan({ model: 'sngan', size: 28, channels: 1, noiseDim: 8, conditions: [], width: 0 }), /architecture\.width.*whole number from 1 to 1024/);
  });
});

describe('balanced condition sampler', () => {
  it('draws every categorical combination about equally often, however rare in the data', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ label: i < 90 ? 0 : 1 }));
    const sampler = new ConditionSampler([{ name: 'label', kind: 'categorical', levels: [0, 1] }], rows);
    torch.manualSeed(5);
    const picks = sampler.draw(4000);
    const rare = picks.filter((i) => rows[i]!.label === 1).length / picks.length;
    // Binomial(4000, 0.5): 5 standard deviations are 0.04.
    assert.ok(Math.abs(rare - 0.5) < 0.04, `share of the rare label ${rare}, expected ≈ 0.5 (its share of the data is 0.1)`);
  });

  it('paired draws repeat the first half in the second, for the mode-seeking term', () => {
    const sampler = new ConditionSampler([LABELS], [{ label: 0 }, { label: 1 }, { label: 2 }]);
    torch.manualSeed(1);
    const picks = sampler.draw(9, true);
    assert.equal(picks.length, 9);
    assert.deepEqual(picks.slice(4, 8), picks.slice(0, 4));
  });
});

describe('training an sngan', () => {
  it('a preset fills the recipe, given options win, and the run records both', async () => {
    const r = await trainGan(m.store, { table: 'digits', conditionColumns: ['label'], preset: 'quick', width: 4, epochs: 1, maxImages: 32, batch: 8, seed: 3, threads: 1 });
    const run = await new RunRegistry(m.store).getRun(r.run_id, 'gan');
    const p = run.params;
    const quick = GAN_PRESET_SETTINGS.quick;
    assert.deepEqual(
      [p.model, p.preset, p.width, p.epochs, p.batch, p.max_images, p.loss, p.lr, p.lr_d, p.betas, p.ema, p.class_weight, p.balanced_conditions],
      ['sngan', 'quick', 4, 1, 8, 32, 'hinge', quick.lr, quick.lrD, [0.5, 0.999], 0.999, 2, true],
    );
    assert.equal(r.steps_done, 4);
    assert.ok(Number.isFinite(r.d_loss) && Number.isFinite(r.g_loss));
  });

  it('a checkpoint with a moving average samples with it, and continues training with both', async () => {
    const r = await trainGan(m.store, { table: 'digits', conditionColumns: ['label'], model: 'sngan', width: 4, ema: 0.5, epochs: 1, batch: 8, seed: 4, threads: 1 });
    const registry = new RunRegistry(m.store);
    const run = await registry.getRun(r.run_id, 'gan');
    const folder = registry.absolute(run.FILE_checkpoint!);
    assert.ok(fs.existsSync(path.join(folder, 'generator-average.safetensors')));
    using sampling = createGan(architectureOf(run.params));
    using training = createGan(architectureOf(run.params));
    using average = createGan(architectureOf(run.params));
    loadCheckpoint(folder, sampling);
    const optG = new torch.optim.Adam(training.generator.parameters());
    const optD = new torch.optim.Adam(training.discriminator.parameters());
    try {
      loadCheckpoint(folder, training, { optG, optD, averaged: average.generator });
    } finally {
      optG.dispose();
      optD.dispose();
    }
    torch.tidy(() => {
      const same = (a: torch.nn.Module, b: torch.nn.Module): boolean => {
        const x = a.stateDict();
        const y = b.stateDict();
        return [...x.keys()].every((k) => x.get(k)!.sub(y.get(k)!).abs().max().item() === 0);
      };
      assert.ok(same(sampling.generator, average.generator), 'sampling loads the average');
      assert.ok(!same(sampling.generator, training.generator), 'training loads the trained weights, which differ from their average');
    });
  });

  it('sngan options are refused for other models, with their names', async () => {
    await assert.rejects(trainGan(m.store, { table: 'digits', conditionColumns: ['label'], model: 'cdcgan', ema: 0.9, epochs: 1 }), /ema is for an sngan/);
    await assert.rejects(trainGan(m.store, { table: 'digits', preset: 'fast' as 'quick', epochs: 1 }), /preset must be one of 'quick', 'full', got "fast"/);
    await assert.rejects(trainGan(m.store, { table: 'digits', model: 'sngan', betas: [0.5, 1], epochs: 1 }), /betas must be a number from 0 to below 1, got 1/);
    await assert.rejects(trainGan(m.store, { table: 'digits', model: 'sngan', classWeight: -1, epochs: 1 }), /classWeight must be a number ≥ 0, got -1/);
  });
});
