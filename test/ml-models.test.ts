/**
 * The GAN architectures of the training workflow (src/ml/models): every size × channels × model
 * builds and gives the right shapes; the 28×28 'dcgan' is the tutorial's DCGAN and its training
 * step gives PyTorch's gradients and losses (test/fixtures/torch/gan-step.safetensors,
 * from scripts/torch-fixtures/gan_step.py); conditions change the images and receive gradients; `encodeConditions`
 * refuses bad values naming column and row; training leaks nothing; and the Python twin
 * (scripts/python/dsi_gan.py) loads our checkpoints and gives the same images.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { assertClose } from './helpers/assert-close.js';
import { owning } from './helpers/owned.js';
import { tolerance } from './helpers/tolerance.js';
import * as torch from '../src/torch/index.js';
import {
  ConditionEncoder,
  ConditionalDiscriminator,
  ConditionalGenerator,
  DCGAN_PARAMETER_COUNTS,
  architectureKey,
  createGan,
  dcganDiscriminator,
  dcganGenerator,
  encodeConditions,
  type ConditionSpec,
  type GanArchitecture,
} from '../src/ml/models/index.js';
import { kerasInit } from '../src/ml/models/weight-init.js';
import { dcganTrainStep, ganTrainStep } from '../src/ml/train/gan-train-step.js';

const { nn, optim } = torch;
type Tensor = torch.Tensor;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const TWIN_DIR = path.join(ROOT, 'scripts/python');

let dir: string;
let startTensors = 0;
before(() => {
  startTensors = torch.memory().tensors;
  dir = mkdtempSync(path.join(tmpdir(), 'dsi-ml-models-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor made by this file is freed');
});

const LABEL: ConditionSpec = { name: 'label', kind: 'categorical', levels: ['a', 'b', 'c'] };
const TEMPERATURE: ConditionSpec = { name: 'temperature', kind: 'continuous', min: 250, max: 350 };
const BOTH = [LABEL, TEMPERATURE];

function arch(model: 'dcgan' | 'cdcgan', size: 28 | 32 | 64, channels: 1 | 3, conditions: ConditionSpec[] = [], noiseDim = 100): GanArchitecture {
  return { model, size, channels, noiseDim, conditions: model === 'dcgan' ? [] : conditions };
}

/** `n` rows of conditions cycling through the labels, temperatures across the range. */
function rowsOf(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ label: ['a', 'b', 'c'][i % 3], temperature: 250 + (100 * i) / Math.max(1, n - 1) }));
}

function maxAbs(t: Tensor): number {
  return torch.tidy(() => t.abs().max().item());
}

describe('GAN architectures: shapes and parameter counts', () => {
  for (const model of ['dcgan', 'cdcgan'] as const) {
    for (const size of [28, 32, 64] as const) {
      for (const channels of [1, 3] as const) {
        it(`${model} ${size}×${size}×${channels}: noise → N×${channels}×${size}×${size} in (−1, 1), images → N×1 logits`, () => {
          torch.manualSeed(size + channels);
          using gan = createGan(arch(model, size, channels, BOTH, 20));
          torch.tidy(() => {
            const cond = model === 'cdcgan' ? encodeConditions(BOTH, rowsOf(2)) : undefined;
            const images = gan.generate(torch.randn([2, 20]), cond);
            assert.deepEqual(images.shape, [2, channels, size, size]);
            assert.ok(maxAbs(images) < 1, 'tanh output');
            assert.deepEqual(gan.discriminate(images, cond).shape, [2, 1]);
            const real = torch.rand([2, channels, size, size]).mul(2).sub(1);
            assert.deepEqual(gan.discriminate(real, cond).shape, [2, 1]);
          });
          assert.equal(gan.generator instanceof ConditionalGenerator, model === 'cdcgan');
          assert.equal(gan.discriminator instanceof ConditionalDiscriminator, model === 'cdcgan');
        });
      }
    }
  }

  it("dcgan 28×28×1 is the tutorial's DCGAN: dcganGenerator()/dcganDiscriminator()'s keys and shapes, 2,305,472 and 212,865 parameters", () => {
    using gan = createGan(arch('dcgan', 28, 1));
    assert.equal(gan.generator.numParameters(), DCGAN_PARAMETER_COUNTS.generator);
    assert.equal(gan.discriminator.numParameters(), DCGAN_PARAMETER_COUNTS.discriminator);
    const g = dcganGenerator();
    const d = dcganDiscriminator();
    const shapes = (m: torch.nn.Module): [string, number[]][] => m.namedParameters().map(([k, t]) => [k, t.shape]);
    const buffers = (m: torch.nn.Module): string[] => m.namedBuffers().map(([k]) => k);
    assert.deepEqual(shapes(gan.generator), shapes(g));
    assert.deepEqual(buffers(gan.generator), buffers(g));
    assert.deepEqual(shapes(gan.discriminator), shapes(d));
    g.dispose();
    d.dispose();
  });

  it("dcgan 64×64×3 is PyTorch's DCGAN tutorial network: 3,576,704 and 2,765,568 parameters, weights N(0, 0.02)", () => {
    torch.manualSeed(0);
    using gan = createGan(arch('dcgan', 64, 3));
    assert.equal(gan.generator.numParameters(), 3_576_704);
    assert.equal(gan.discriminator.numParameters(), 2_765_568);
    const std = torch.tidy(() => (gan.generator.namedParameters().find(([k]) => k === '1.weight')?.[1] as Tensor).std().item());
    assert.ok(Math.abs(std - 0.02) < 0.001, `std of the first ConvTranspose's weights: ${std}`);
  });

  it('the condition encoder embeds each categorical condition in min(50, levels) dimensions and projects the continuous ones together to max(16, count)', () => {
    const many: ConditionSpec = { name: 'site', kind: 'categorical', levels: Array.from({ length: 60 }, (_, i) => i) };
    const pressure: ConditionSpec = { name: 'pressure', kind: 'continuous', min: 0, max: 1 };
    const keys = (e: ConditionEncoder): [string, number[]][] => e.namedParameters().map(([k, t]) => [k, t.shape]);
    const cases: [ConditionSpec[], number, [string, number[]][]][] = [
      [[LABEL, many], 53, [['embeddings.0.weight', [3, 3]], ['embeddings.1.weight', [60, 50]]]],
      [[TEMPERATURE, pressure], 16, [['continuous.weight', [16, 2]], ['continuous.bias', [16]]]],
      [[TEMPERATURE, LABEL], 19, [['embeddings.0.weight', [3, 3]], ['continuous.weight', [16, 1]], ['continuous.bias', [16]]]],
    ];
    for (const [specs, outDim, expected] of cases) {
      const enc = new ConditionEncoder(specs);
      assert.equal(enc.outDim, outDim);
      assert.deepEqual(keys(enc), expected);
      const rows = [{ label: 'c', site: 59, temperature: 300, pressure: 0.5 }, { label: 'a', site: 0, temperature: 250, pressure: 1 }];
      torch.tidy(() => assert.deepEqual(enc.forward(encodeConditions(specs, rows)).shape, [2, outDim]));
      enc.dispose();
    }
  });
});

describe('GAN architectures: training', () => {
  it('a dcgan 28×28×1 step is the tutorial\'s step in PyTorch: the same weights after the same seed, then PyTorch\'s gradients in the first step and losses over 3 steps', () => {
    const fixture = torch.loadSafetensors(path.join(ROOT, 'test/fixtures/torch/gan-step.safetensors'));
    owning((own) => {
      for (const t of fixture.tensors.values()) own(t);
      const ref = (name: string): Tensor => {
        const t = fixture.tensors.get(name);
        if (t === undefined) throw new Error(`gan-step.safetensors has no '${name}'`);
        return t;
      };
      torch.manualSeed(11);
      const gan = own(createGan(arch('dcgan', 28, 1)));
      torch.manualSeed(11);
      const gen = own(dcganGenerator());
      const disc = own(dcganDiscriminator());
      kerasInit(gen);
      kerasInit(disc);
      torch.tidy(() => {
        for (const [what, a, b] of [['generator', gan.generator, gen], ['discriminator', gan.discriminator, disc]] as const) {
          const sb = b.stateDict();
          for (const [k, t] of a.stateDict()) assert.deepEqual(t.toArray(), (sb.get(k) as Tensor).toArray(), `${what} ${k}`);
        }
      });
      const nets = { generator: gan.generator, discriminator: gan.discriminator };
      for (const [net, m] of Object.entries(nets)) {
        assert.deepEqual(m.namedParameters().map(([k]) => k), JSON.parse(fixture.metadata[`names.${net}`] as string), `${net}: PyTorch's parameter names in order`);
      }
      const optG = own(new optim.Adam(gan.generator.parameters(), { lr: 1e-4 }));
      const optD = own(new optim.Adam(gan.discriminator.parameters(), { lr: 1e-4 }));
      const real = own(torch.keep(torch.tidy(() => torch.randn([8, 1, 28, 28]).tanh())));
      // Error model (helpers/tolerance.ts): float32 sums as long as the largest inner length (the
      // generator's first ConvTranspose: 5·5·256), in values of the size of what is compared, with
      // the rounding carried through every sum of the chain: the generator's 4 layers and the
      // discriminator's 3, forward and backward, per training step.
      const reduction = 5 * 5 * 256;
      const DEPTH = 2 * (4 + 3);
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        torch.manualSeed(100 + step);
        const l = ganTrainStep(gan, optG, optD, real, undefined);
        losses.push(l.dLoss, l.gLoss);
        if (step > 0) continue;
        torch.tidy(() => {
          for (const [net, m] of Object.entries(nets)) {
            const norms = ref(`gradnorm.${net}`).toArray() as Float64Array;
            const netScale = Math.hypot(...norms);
            m.namedParameters().forEach(([name, p], i) => {
              const g = p.grad;
              assert.ok(g !== undefined, `${net} ${name} has a gradient after the step`);
              const want = ref(`grad.${net}.${name}`);
              const norm = norms[i]!;
              // Normwise over the network: an element is a sum of terms that can nearly cancel (a
              // bias, BatchNorm's batch statistics), leaving the error of the terms, so the scale
              // is the L2 norm of the network's whole gradient.
              assertClose(g.flatten().slice(0, 0, want.shape[0]!), want, `gradient of ${net} ${name}`, { steps: DEPTH, reduction, scale: netScale });
              const { rtol, atol } = tolerance({ steps: DEPTH, reduction, scale: netScale });
              const ours = g.double().norm().item();
              const bound = rtol * norm + atol;
              assert.ok(Math.abs(ours - norm) <= bound, `L2 norm of the gradient of ${net} ${name}: ${ours} vs PyTorch's ${norm} (bound ${bound})`);
            });
          }
        });
      }
      const expected = Array.from(ref('losses').toArray() as Float64Array);
      losses.forEach((v, i) => {
        const { rtol } = tolerance({ steps: DEPTH * (Math.floor(i / 2) + 1), reduction });
        assert.ok(Math.abs(v - expected[i]!) <= rtol * Math.abs(expected[i]!), `loss ${i} (${i % 2 === 0 ? 'D' : 'G'} of step ${Math.floor(i / 2) + 1}): ${v} vs PyTorch's ${expected[i]}`);
      });
    });
  });

  it('cdcgan 32×32×1 trains 4 steps on random data with finite losses and a flat tensor count, and frees everything on dispose', () => {
    const start = torch.memory().tensors;
    torch.manualSeed(5);
    const gan = createGan(arch('cdcgan', 32, 1, BOTH, 32));
    const optG = new optim.Adam(gan.generator.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const optD = new optim.Adam(gan.discriminator.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const real = torch.tidy(() => torch.rand([4, 1, 32, 32]).mul(2).sub(1));
    const cond = encodeConditions(BOTH, rowsOf(4));
    const embedding = (gan.generator as ConditionalGenerator).encoder.embeddings[0]?.weight as Tensor;
    const before0 = torch.tidy(() => embedding.clone());
    // The first step creates the optimisers' state; from then on the count must stay where it is.
    const losses = [ganTrainStep(gan, optG, optD, real, cond)];
    const mid = torch.memory();
    for (let i = 0; i < 3; i++) losses.push(ganTrainStep(gan, optG, optD, real, cond));
    const end = torch.memory();
    assert.equal(end.tensors, mid.tensors);
    assert.equal(end.bytes, mid.bytes);
    for (const l of losses) assert.ok(Number.isFinite(l.dLoss) && Number.isFinite(l.gLoss) && l.dLoss > 0 && l.gLoss > 0, JSON.stringify(l));
    assert.ok(torch.tidy(() => embedding.sub(before0).abs().max().item()) > 0, "the generator's embedding was trained");
    for (const t of [real, cond, before0]) t.dispose();
    optG.dispose();
    optD.dispose();
    gan.dispose();
    assert.equal(torch.memory().tensors, start);
  });

  it('ganTrainStep refuses missing, unexpected and mis-shaped conditions and wrong image sizes before doing anything', () => {
    using c = createGan(arch('cdcgan', 28, 1, [LABEL], 8));
    using d = createGan(arch('dcgan', 28, 1, [], 8));
    const optC = [new optim.SGD(c.generator.parameters(), { lr: 0.1 }), new optim.SGD(c.discriminator.parameters(), { lr: 0.1 })] as const;
    const optD = [new optim.SGD(d.generator.parameters(), { lr: 0.1 }), new optim.SGD(d.discriminator.parameters(), { lr: 0.1 })] as const;
    torch.tidy(() => {
      const real = torch.zeros([2, 1, 28, 28]);
      const rgb = torch.zeros([2, 3, 28, 28]);
      const cond = encodeConditions([LABEL], [{ label: 'a' }, { label: 'b' }]);
      const short = cond.narrow(0, 0, 1);
      const count = torch.memory().tensors;
      assert.throws(() => ganTrainStep(c, ...optC, real, undefined), (e: Error) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /cond must be 2×1 \(label\), got none/.test(e.message));
      assert.throws(() => ganTrainStep(c, ...optC, real, short), /cond must be 2×1 \(label\), got \[1, 1\]/);
      assert.throws(() => ganTrainStep(d, ...optD, real, cond), /'dcgan' takes no conditions/);
      assert.throws(() => ganTrainStep(d, ...optD, rgb, undefined), /real must be N×1×28×28/);
      assert.equal(torch.memory().tensors, count, 'nothing is made before the arguments are checked');
    });
    for (const o of [...optC, ...optD]) o.dispose();
  });
});

describe('GAN architectures: conditioning', () => {
  it('different labels and different continuous values give different images for the same noise (eval mode)', () => {
    torch.manualSeed(3);
    using gan = createGan(arch('cdcgan', 32, 1, BOTH, 16));
    gan.eval();
    torch.tidy(() => {
      const noise = torch.randn([1, 16]).repeat(4, 1);
      const rows = [
        { label: 'a', temperature: 300 },
        { label: 'b', temperature: 300 },
        { label: 'a', temperature: 250 },
        { label: 'a', temperature: 300 },
      ];
      const images = torch.noGrad(() => gan.generate(noise, encodeConditions(BOTH, rows)));
      const row = (i: number): Tensor => images.select(0, i);
      assert.ok(maxAbs(row(0).sub(row(1))) > 1e-3, 'label a vs b');
      assert.ok(maxAbs(row(0).sub(row(2))) > 1e-3, 'temperature 300 vs 250');
      assert.equal(maxAbs(row(0).sub(row(3))), 0, 'the same conditions give the same image');
    });
  });

  it("the gradient of D's output reaches both networks' embeddings (only the rows of the levels used), projections and D's condition plane", () => {
    torch.manualSeed(4);
    using gan = createGan(arch('cdcgan', 28, 1, BOTH, 16));
    const g = gan.generator as ConditionalGenerator;
    const d = gan.discriminator as ConditionalDiscriminator;
    torch.tidy(() => {
      const cond = encodeConditions(BOTH, [{ label: 'a', temperature: 260 }, { label: 'b', temperature: 340 }]);
      const score = gan.discriminate(gan.generate(torch.randn([2, 16]), cond), cond).mean();
      const targets = {
        'generator embedding': g.encoder.embeddings[0]?.weight as Tensor,
        'generator projection': g.encoder.continuous?.weight as Tensor,
        'discriminator embedding': d.encoder.embeddings[0]?.weight as Tensor,
        'discriminator projection': d.encoder.continuous?.weight as Tensor,
        'discriminator plane': d.plane.weight,
      };
      const grads = torch.grad([score], Object.values(targets));
      Object.keys(targets).forEach((name, i) => {
        const grad = grads[i] as Tensor;
        assert.ok(maxAbs(grad) > 0, `${name} gets a gradient`);
        if (name.endsWith('embedding')) {
          const perRow = Array.from(grad.abs().sum(1).toArray<'float32'>());
          assert.ok((perRow[0] as number) > 0 && (perRow[1] as number) > 0 && perRow[2] === 0, `${name}: rows a, b used and c not: ${perRow}`);
        }
      });
    });
  });
});

describe('encodeConditions', () => {
  it('gives level indices as floats and continuous values in [−1, 1] (0 for a single-valued range), bigints as numbers', () => {
    const specs: ConditionSpec[] = [
      { name: 'digit', kind: 'categorical', levels: [0, 1, 7] },
      { name: 'material', kind: 'categorical', levels: ['steel', 'wood'] },
      TEMPERATURE,
      { name: 'flat', kind: 'continuous', min: 5, max: 5 },
    ];
    const rows = [
      { digit: 7, material: 'wood', temperature: 250, flat: 5 },
      { digit: 0n, material: 'steel', temperature: 350n, flat: 5 },
      { digit: 1, material: 'wood', temperature: 325, flat: 9 },
    ];
    const t = encodeConditions(specs, rows);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.device, 'cpu');
    assert.deepEqual(t.shape, [3, 4]);
    assert.deepEqual(Array.from(t.toArray<'float32'>()), [2, 1, -1, 0, 0, 0, 1, 0, 1, 1, 0.5, 0]);
    t.dispose();
    const none = encodeConditions(specs, []);
    assert.deepEqual(none.shape, [0, 4]);
    none.dispose();
  });

  it('refuses an unknown level, a NULL, a missing value, NaN, Infinity and text in a continuous column, naming the column and the 1-based row', () => {
    const rows = (bad: Record<string, unknown>): Record<string, unknown>[] => [{ label: 'a', temperature: 300 }, { label: 'b', temperature: 260, ...bad }];
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ label: 'z' }, /condition 'label' in row 2 holds "z", which is not one of its levels \("a", "b", "c"\)/],
      [{ label: 1 }, /condition 'label' in row 2 holds 1, which is not one of its levels/],
      [{ label: null }, /condition 'label' in row 2 is NULL/],
      [{ label: undefined }, /condition 'label' in row 2 is missing/],
      [{ temperature: null }, /condition 'temperature' in row 2 is NULL/],
      [{ temperature: Number.NaN }, /condition 'temperature' in row 2 is NaN, not a finite number/],
      [{ temperature: Infinity }, /condition 'temperature' in row 2 is Infinity, not a finite number/],
      [{ temperature: '300' }, /condition 'temperature' in row 2 holds "300", not a number/],
    ];
    const count = torch.memory().tensors;
    for (const [bad, message] of cases) {
      assert.throws(() => encodeConditions(BOTH, rows(bad)), (e: Error) => e instanceof MlError && e.code === 'E_ML_DATA' && message.test(e.message), `${JSON.stringify(bad)}`);
    }
    assert.throws(() => encodeConditions(BOTH, [{ temperature: 300 }]), /condition 'label' in row 1 is missing/);
    assert.equal(torch.memory().tensors, count, 'no tensor is made when a value is refused');
  });
});

describe('createGan and architectureKey', () => {
  it('refuses bad architectures with an E_ML_ARGUMENT MlError naming the field', () => {
    const base = arch('cdcgan', 32, 1, [LABEL]);
    const cases: [Partial<GanArchitecture> | Record<string, unknown>, RegExp][] = [
      [{ model: 'wgan' }, /architecture\.model must be one of 'dcgan', 'cdcgan', 'sngan', got "wgan"/],
      [{ size: 48 }, /architecture\.size must be one of 28, 32, 64, got 48/],
      [{ channels: 2 }, /architecture\.channels must be 1 or 3, got 2/],
      [{ noiseDim: 0 }, /architecture\.noiseDim must be a positive integer, got 0/],
      [{ conditions: [] }, /'cdcgan' needs at least one condition/],
      [{ model: 'dcgan' }, /'dcgan' takes no conditions, got 'label'/],
      [{ conditions: [LABEL, LABEL] }, /condition 'label' is listed twice/],
      [{ conditions: [{ name: 'x', kind: 'categorical', levels: [] }] }, /'x' needs a non-empty list of levels/],
      [{ conditions: [{ name: 'x', kind: 'categorical', levels: [1, 1] }] }, /'x' lists the level 1 twice/],
      [{ conditions: [{ name: 'x', kind: 'continuous', min: 2, max: 1 }] }, /'x' needs finite min ≤ max, got min 2 and max 1/],
      [{ conditions: [{ name: 'x', kind: 'ordinal' }] }, /kind must be 'categorical' or 'continuous', got "ordinal"/],
    ];
    const count = torch.memory().tensors;
    for (const [change, message] of cases) {
      assert.throws(() => createGan({ ...base, ...change } as GanArchitecture), (e: Error) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && message.test(e.message), JSON.stringify(change));
    }
    assert.equal(torch.memory().tensors, count, 'nothing is built for a refused architecture');
  });

  it('architectureKey is canonical JSON (key order of the input does not matter, defaults filled in) and differs for any change', () => {
    const a = arch('cdcgan', 32, 1, BOTH);
    const shuffled = { conditions: [{ max: 350, min: 250, kind: 'continuous', name: 'temperature' }], noiseDim: 100, channels: 1, size: 32, model: 'cdcgan' } as GanArchitecture;
    assert.equal(
      architectureKey(shuffled),
      '{"model":"cdcgan","size":32,"channels":1,"noiseDim":100,"conditions":[{"name":"temperature","kind":"continuous","min":250,"max":350}]}',
    );
    assert.deepEqual(JSON.parse(architectureKey(a)), a);
    assert.equal(architectureKey({ ...a, noiseDim: undefined } as unknown as GanArchitecture), architectureKey(a));
    const variants = [
      { ...a, size: 64 },
      { ...a, channels: 3 },
      { ...a, noiseDim: 64 },
      { ...a, conditions: [{ ...LABEL, levels: ['a', 'b'] }, TEMPERATURE] },
      { ...a, conditions: [LABEL, { ...TEMPERATURE, max: 400 }] },
      { ...a, conditions: [TEMPERATURE, LABEL] },
    ] as GanArchitecture[];
    for (const v of variants) assert.notEqual(architectureKey(v), architectureKey(a), JSON.stringify(v));
    using gan = createGan(a);
    assert.equal(architectureKey(gan.architecture), architectureKey(a));
    assert.ok(Object.isFrozen(gan.architecture) && Object.isFrozen(gan.architecture.conditions[0]));
  });

  it('dispose twice is harmless; generate, discriminate and to after it throw E_DISPOSED; wrong inputs throw E_ML_ARGUMENT MlErrors', () => {
    const gan = createGan(arch('cdcgan', 28, 1, [LABEL], 8));
    torch.tidy(() => {
      const cond = encodeConditions([LABEL], [{ label: 'a' }]);
      assert.throws(() => gan.generate(torch.zeros([1, 9]), cond), (e: Error) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /noise must be N×8, got \[1, 9\]/.test(e.message));
      assert.throws(() => gan.generate(torch.zeros([1, 8])), /'cdcgan' needs cond, N×1 \(label\)/);
      assert.throws(() => gan.discriminate(torch.zeros([1, 1, 32, 32]), cond), /images must be N×1×28×28/);
      assert.throws(() => gan.generator.forward(torch.zeros([1, 8])), (e: torch.TorchError) => e.code === 'E_ARGUMENT' && /forwardConditioned/.test(e.message));
    });
    gan.dispose();
    gan.dispose();
    for (const use of [() => gan.generate(torch.zeros([1, 8])), () => gan.discriminate(torch.zeros([1, 1, 28, 28])), () => gan.to('cpu')]) {
      torch.tidy(() => assert.throws(use, (e: torch.TorchError) => e.code === 'E_DISPOSED'));
    }
  });
});

describe('GAN architectures: the Python twin (scripts/python/dsi_gan.py)', () => {
  const skip = existsSync(PYTHON) ? false : `${PYTHON} is missing (run scripts/setup.sh to create the venv with PyTorch)`;

  it('loads our generator and discriminator checkpoints strictly and gives the same condition tensors, images (1e-4) and logits in eval mode', { skip }, () => {
    const cases: { name: string; architecture: GanArchitecture; rows: Record<string, unknown>[] }[] = [
      { name: 'cdcgan28', architecture: arch('cdcgan', 28, 1, BOTH, 16), rows: rowsOf(3) },
      {
        name: 'cdcgan32',
        architecture: arch('cdcgan', 32, 3, [TEMPERATURE, { name: 'pressure', kind: 'continuous', min: 1, max: 2 }], 24),
        rows: [{ temperature: 250, pressure: 1.5 }, { temperature: 400, pressure: 1 }, { temperature: 300, pressure: 2 }],
      },
      {
        name: 'cdcgan64',
        architecture: arch('cdcgan', 64, 1, [{ name: 'digit', kind: 'categorical', levels: [3, 5, 8] }, LABEL], 100),
        rows: [{ digit: 8, label: 'a' }, { digit: 3, label: 'c' }, { digit: 5, label: 'b' }],
      },
      { name: 'dcgan32', architecture: arch('dcgan', 32, 1, [], 100), rows: [] },
    ];
    torch.manualSeed(21);
    const files: Record<string, unknown>[] = [];
    const ours = new Map<string, { images: Tensor; logits: Tensor; cond: Tensor | undefined }>();
    for (const { name, architecture, rows } of cases) {
      const gan = createGan(architecture);
      const { noiseDim, channels, size } = architecture;
      const cond = rows.length > 0 ? encodeConditions(architecture.conditions, rows) : undefined;
      // A training step, so that the BatchNorm statistics and the weights are not the initial ones.
      const opts = [new optim.Adam(gan.generator.parameters(), { lr: 1e-3 }), new optim.Adam(gan.discriminator.parameters(), { lr: 1e-3 })] as const;
      const real = torch.tidy(() => torch.rand([3, channels, size, size]).mul(2).sub(1));
      ganTrainStep(gan, opts[0], opts[1], real, cond);
      gan.eval();
      const noise = torch.randn([3, noiseDim]);
      const images = torch.tidy(() => torch.noGrad(() => gan.generate(noise, cond)));
      const logits = torch.tidy(() => torch.noGrad(() => gan.discriminate(images, cond)));
      ours.set(name, { images, logits, cond });
      const f = {
        name,
        architecture: architectureKey(architecture),
        rows,
        generator: path.join(dir, `${name}-g.safetensors`),
        discriminator: path.join(dir, `${name}-d.safetensors`),
        noise: path.join(dir, `${name}-noise.safetensors`),
        out: path.join(dir, `${name}-py.safetensors`),
      };
      gan.generator.save(f.generator);
      gan.discriminator.save(f.discriminator);
      torch.saveSafetensors(f.noise, { noise });
      files.push(f);
      for (const t of [real, noise]) t.dispose();
      for (const o of opts) o.dispose();
      gan.dispose();
    }
    const script = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import dsi_gan
from safetensors.torch import load_file, save_file
for f in json.loads(sys.argv[2]):
    arch = json.loads(f["architecture"])
    gen = dsi_gan.load_generator(f["generator"], arch)
    disc = dsi_gan.load_discriminator(f["discriminator"], arch)
    noise = load_file(f["noise"])["noise"]
    out = {}
    cond = None
    if arch["conditions"]:
        cond = dsi_gan.encode_conditions(arch["conditions"], f["rows"])
        out["cond"] = cond
    images = dsi_gan.generate(gen, noise, cond)
    with torch.no_grad():
        out["logits"] = disc(images) if cond is None else disc(images, cond)
    out["images"] = images
    save_file({k: v.contiguous() for k, v in out.items()}, f["out"])
`;
    try {
      execFileSync(PYTHON, ['-c', script, TWIN_DIR, JSON.stringify(files)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      throw new Error(`the Python twin failed:\n${err.stderr?.toString() ?? String(e)}`);
    }
    for (const f of files) {
      const name = f.name as string;
      const mine = ours.get(name) as { images: Tensor; logits: Tensor; cond: Tensor | undefined };
      const { tensors: py } = torch.loadSafetensors(f.out as string);
      if (mine.cond !== undefined) assert.deepEqual(Array.from(mine.cond.toArray<'float32'>()), Array.from((py.get('cond') as Tensor).toArray<'float32'>()), `${name}: encode_conditions`);
      assertClose(mine.images, py.get('images') as Tensor, `${name}: images`, 0, 1e-4);
      assertClose(mine.logits, py.get('logits') as Tensor, `${name}: logits`, 1e-4, 1e-4);
      for (const t of [...py.values(), mine.images, mine.logits, ...(mine.cond ? [mine.cond] : [])]) t.dispose();
    }
  });
});
