/**
 * The classifier workflow: the recipe reaches ≥ 99 % test accuracy on MNIST, recorded as a run with its epochs and accuracy rows (the accuracy recomputed from
 * the checkpoint through the feature extractor); the extractor's shapes, determinism and refusals
 * (a GAN run, an unfinished run, a missing checkpoint); a stopped and resumed run reproduces an
 * uninterrupted one; every bad input is refused before a run row exists; the CLI path.
 *
 * The full-dataset MNIST classifier comes from test/helpers/classifier-fixture.ts, which trains it
 * once and keeps it across processes keyed by the compiled training code (DSI_CLASSIFIER_CACHE=0
 * forces training in this process); the other tests that need real features share it. The same
 * recipe on Fashion-MNIST (≥ 90 %), a second full-scale training that no other test needs, is
 * measured by bench/classifier-accuracy.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { encodePng } from '../src/images/png-codec.js';
import { loadImages } from '../src/images/load-images.js';
import { Store } from '../src/store/store.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';
import {
  CLASSIFIER_FEATURE_DIM,
  RunRegistry,
  classifierOutputs,
  createClassifier,
  defaultFeatureRun,
  loadFeatureExtractor,
  trainClassifier,
  trainGan,
  type FeatureExtractor,
  type TrainClassifierOptions,
} from '../src/ml/index.js';
import { CLASSIFIER_RECIPES, classifierStore, mnistClassifierStore, type ClassifierDataset } from './helpers/classifier-fixture.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

let dir: string;
let m: MnistStore;
let startTensors = 0;

/** 240 digits, batches of 32: each epoch takes a second or so. */
const SMALL: TrainClassifierOptions = { table: 'digits', labelColumn: 'label', epochs: 2, batch: 32, seed: 3, threads: 1 };
const SMALL_TEST = 'SELECT * FROM digits WHERE id >= 200';

async function rowCount(store: Store, table: string, where = ''): Promise<number> {
  if (!(await store.tables()).includes(table)) return 0;
  return Number((await store.query(`SELECT count(*) AS n FROM ${table} ${where}`))[0]!['n']);
}

async function rejectsMl(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', m.db, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function argmaxRows(logits: Float32Array, k: number): Int32Array {
  const out = new Int32Array(logits.length / k);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-classifier-'));
  m = await makeMnistStore(dir, 240);
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor the workflow made is freed');
});

/** The recipe's run on a full dataset: what it records, and its accuracy recomputed from the checkpoint. */
async function checkFullDataset(dataset: ClassifierDataset, diagnostic: (message: string) => void): Promise<void> {
  const recipe = CLASSIFIER_RECIPES[dataset];
  const started = performance.now();
  const { store, runId, cached } = await classifierStore(dataset);
  const registry = new RunRegistry(store);
  const run = await registry.getRun(runId, 'classifier');
  const epochs = await registry.epochs(runId);
  const trainSeconds = epochs.reduce((a, e) => a + e.seconds, 0);
  diagnostic(`${dataset}: ${cached ? 'reused from the cache' : 'trained'} in ${((performance.now() - started) / 1000).toFixed(0)} s (dataset added, images loaded); the training steps took ${trainSeconds.toFixed(0)} s`);
  assert.deepEqual([run.kind, run.model, run.status, run.epochs_done], ['classifier', 'cnn', 'finished', recipe.options.epochs]);
  assert.equal(run.data_rows, 60_000);
  assert.equal(run.data_query, `SELECT * FROM "${recipe.table}" WHERE split = 'train'`);
  const testQuery = `SELECT * FROM "${recipe.table}" WHERE split = 'test'`;
  assert.equal(run.params['label_column'], 'label');
  assert.deepEqual(run.params['levels'], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([run.params['size'], run.params['channels'], run.params['feature_dim']], [28, 1, CLASSIFIER_FEATURE_DIM]);
  assert.equal(run.params['source_table'], recipe.table);
  assert.equal(run.params['test_query'], testQuery);
  assert.deepEqual(epochs.map((e) => e.epoch), Array.from({ length: recipe.options.epochs! }, (_, i) => i + 1));
  for (const e of epochs) {
    assert.ok(Number.isFinite(e.loss) && e.loss! > 0, `epoch ${e.epoch} loss ${e.loss}`);
    assert.deepEqual([e.d_loss, e.g_loss], [null, null]);
  }
  assert.ok(epochs.at(-1)!.loss! < epochs[0]!.loss!, 'the loss falls');

  const rows = await store.query("SELECT * FROM ml_evaluations WHERE run_id = ? AND metric = 'accuracy' ORDER BY condition", [runId]);
  const overall = rows.find((r) => r['source'] === 'test' && r['condition'] === null)!;
  const perClass = rows.filter((r) => r['source'] === 'test' && r['condition'] !== null);
  const train = rows.find((r) => r['source'] === 'train')!;
  assert.deepEqual([overall['n_real'], overall['feature_run_id'], overall['epoch']], [10_000, runId, recipe.options.epochs]);
  const accuracy = Number(overall['value']);
  diagnostic(`${dataset}: test accuracy ${(accuracy * 100).toFixed(2)} %, train accuracy ${(Number(train['value']) * 100).toFixed(2)} % (${train['n_real']} images)`);
  assert.ok(accuracy >= recipe.threshold, `${dataset} test accuracy ${accuracy} is below ${recipe.threshold}`);
  assert.deepEqual(perClass.map((r) => r['condition']), Array.from({ length: 10 }, (_, d) => `label=${d}`));
  assert.equal(perClass.reduce((a, r) => a + Number(r['n_real']), 0), 10_000);
  assert.ok(Number(train['value']) >= recipe.threshold);

  // The checkpoint gives exactly the stored accuracy: the extractor's logits against the test labels.
  const test = await loadImages(store, testQuery, { size: 28, channels: 1 });
  using fx = await loadFeatureExtractor(store, runId);
  const { logits } = fx.extract(test.pixels, test.count);
  const predicted = argmaxRows(logits, 10);
  const labels = test.columns['label']!;
  const right = predicted.reduce((a, p, i) => a + (p === Number(labels[i]) ? 1 : 0), 0);
  assert.equal(right / test.count, accuracy, 'the extractor reproduces the stored accuracy');
}

describe('accuracy on the full dataset (the recipe of classifier-fixture.ts)', () => {
  it('MNIST: ≥ 99 % test accuracy, with the run, its epochs and its accuracy rows recorded', async (t) => {
    await checkFullDataset('mnist', (s) => t.diagnostic(s));
  });
});

describe('the feature extractor', () => {
  let store: Store;
  let runId: string;
  let fx: FeatureExtractor;
  let test: Awaited<ReturnType<typeof loadImages>>;
  before(async () => {
    ({ store, runId } = await mnistClassifierStore());
    fx = await loadFeatureExtractor(store, runId);
    test = await loadImages(store, "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 300", { size: 28, channels: 1 });
  });
  after(() => fx.dispose());

  it('describes the classifier: run, label column, levels in logit order, size, channels, feature length', () => {
    assert.deepEqual(
      [fx.runId, fx.labelColumn, fx.levels, fx.size, fx.channels, fx.featureDim],
      [runId, 'label', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 28, 1, 128],
    );
  });

  it('gives N × 128 non-negative features and N × 10 logits that classify the images', () => {
    const { features, logits } = fx.extract(test.pixels, test.count);
    assert.ok(features instanceof Float32Array && logits instanceof Float32Array);
    assert.equal(features.length, 300 * 128);
    assert.equal(logits.length, 300 * 10);
    assert.ok(features.every((v) => Number.isFinite(v) && v >= 0), 'penultimate activations are after a ReLU');
    assert.ok(features.some((v) => v > 0));
    const predicted = argmaxRows(logits, 10);
    const right = predicted.reduce((a, p, i) => a + (p === Number(test.columns['label']![i]) ? 1 : 0), 0);
    assert.ok(right >= 294, `${right} of 300 test digits classified right`);
  });

  it('is deterministic: the same pixels give the same values, in any batch size', () => {
    const a = fx.extract(test.pixels, test.count);
    const b = fx.extract(test.pixels, test.count);
    assert.deepEqual(b.features, a.features);
    assert.deepEqual(b.logits, a.logits);
    const c = fx.extract(test.pixels, test.count, { batch: 7 });
    const one = fx.extract(test.pixels.subarray(41 * 784, 42 * 784), 1);
    const worst = (x: Float32Array, y: Float32Array, offset = 0) => x.reduce((w, v, i) => Math.max(w, Math.abs(v - y[offset + i]!)), 0);
    assert.ok(worst(c.features, a.features) < 1e-4, `batch 7 against 500: ${worst(c.features, a.features)}`);
    assert.ok(worst(one.features, a.features, 41 * 128) < 1e-4);
    assert.ok(worst(one.logits, a.logits, 41 * 10) < 1e-4);
  });

  it('refuses pixels of another size, a bad count or batch, and any use after dispose', async () => {
    assert.throws(() => fx.extract(test.pixels, 299), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /1 × 28 × 28 uint8 images/.test(e.message));
    assert.throws(() => fx.extract(test.pixels, -1), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT');
    assert.throws(() => fx.extract(test.pixels, test.count, { batch: 0 }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT');
    const other = await loadFeatureExtractor(store, runId);
    other.dispose();
    other.dispose();
    assert.throws(() => other.extract(test.pixels, test.count), (e: unknown) => e instanceof MlError && e.code === 'E_ML_RUN' && /disposed/.test(e.message));
  });

  it('the checkpoint loads into the same network written in PyTorch, which gives the same logits', async (t) => {
    const python = path.join(ROOT, '.venv/bin/python');
    if (!fs.existsSync(python)) {
      t.skip('no .venv/bin/python (scripts/setup.sh installs it)');
      return;
    }
    const registry = new RunRegistry(store);
    const run = await registry.get(runId);
    const script = [
      'import json, sys, torch, torch.nn as nn, torch.nn.functional as F',
      'from safetensors.torch import load_file',
      'class Net(nn.Module):',
      '    def __init__(s, c=1, k=10, d=128):',
      '        super().__init__()',
      '        s.conv1 = nn.Conv2d(c, 32, 3, stride=2, padding=1, bias=False); s.bn1 = nn.BatchNorm2d(32)',
      '        s.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False); s.bn2 = nn.BatchNorm2d(64)',
      '        s.fc = nn.Linear(64 * 7 * 7, d); s.head = nn.Linear(d, k)',
      '    def features(s, x):',
      '        h = F.relu(s.bn1(s.conv1(x)))',
      '        h = F.relu(s.bn2(F.max_pool2d(s.conv2(h), 2)))',
      '        return F.relu(s.fc(h.flatten(1)))',
      '    def forward(s, x): return s.head(F.dropout(s.features(x), 0.25, s.training))',
      'net = Net(); net.load_state_dict(load_file(sys.argv[1])); net.eval()',
      'px = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.uint8).reshape(-1, 1, 28, 28)',
      'with torch.no_grad(): print(json.dumps(net(px.float() / 127.5 - 1).flatten().tolist()))',
    ].join('\n');
    const pixels = test.pixels.subarray(0, 20 * 784);
    const r = spawnSync(python, ['-c', script, path.join(registry.absolute(run.FILE_checkpoint!), 'model.safetensors')], { input: JSON.stringify(Array.from(pixels)), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout) as number[];
    const ours = fx.extract(pixels, 20).logits;
    const worst = theirs.reduce((w, v, i) => Math.max(w, Math.abs(v - ours[i]!)), 0);
    assert.ok(worst < 1e-4, `PyTorch's logits differ by up to ${worst}`);
  });

  it('defaultFeatureRun finds the newest finished classifier of a table, case-insensitively', async () => {
    assert.equal(await defaultFeatureRun(store, 'mnist'), runId);
    assert.equal(await defaultFeatureRun(store, 'MNIST'), runId);
    assert.equal(await defaultFeatureRun(store, 'fashion_mnist'), undefined);
    assert.equal(await defaultFeatureRun(store, null), undefined);
  });

  it('refuses a GAN run, an unknown run and a bad device', async () => {
    const gan = await trainGan(store, { table: 'mnist', maxImages: 32, epochs: 1, batch: 16, seed: 1, threads: 1 });
    await rejectsMl(loadFeatureExtractor(store, gan.run_id), 'E_ML_RUN', new RegExp(`run ${gan.run_id} is a gan run, not a classifier`));
    await rejectsMl(loadFeatureExtractor(store, 'classifier-20000101-000000-0000'), 'E_ML_RUN', /no run "classifier-20000101-000000-0000"/);
    await rejectsMl(loadFeatureExtractor(store, runId, { device: 'tpu' }), 'E_ML_DEVICE');
    assert.equal(await defaultFeatureRun(store, 'mnist'), runId, 'a GAN run is never a default features run');
  });
});

describe('the model', () => {
  it('has the documented shape: 421,738 parameters for 28 × 28 × 1 and 10 classes; 32 and 64 pool down to 7 × 7', () => {
    torch.manualSeed(0);
    const model = createClassifier({ model: 'cnn', size: 28, channels: 1, classes: 10, featureDim: 128 });
    try {
      assert.equal(model.numParameters(), 32 * 9 + 2 * 32 + 64 * 32 * 9 + 2 * 64 + 64 * 49 * 128 + 128 + 128 * 10 + 10);
      assert.equal(model.numParameters(), 421_738);
      assert.deepEqual([...model.stateDict().keys()].filter((k) => !k.startsWith('bn')), ['conv1.weight', 'conv2.weight', 'fc.weight', 'fc.bias', 'head.weight', 'head.bias']);
    } finally {
      model.dispose();
    }
    for (const size of [32, 64] as const) {
      const big = createClassifier({ model: 'cnn', size, channels: 3, classes: 4, featureDim: 128 }).eval();
      try {
        const out = classifierOutputs(big, new Uint8Array(2 * 3 * size * size).fill(200), 2);
        assert.deepEqual([out.features.length, out.logits.length], [2 * 128, 2 * 4]);
      } finally {
        big.dispose();
      }
    }
    assert.throws(() => createClassifier({ model: 'cnn', size: 48 as 28, channels: 1, classes: 10, featureDim: 128 }), /size must be one of 28, 32, 64/);
    assert.throws(() => createClassifier({ model: 'cnn', size: 28, channels: 1, classes: 1, featureDim: 128 }), /classes must be a whole number from 2/);
  });
});

describe('ml train --model classifier: runs on a small store', () => {
  it('a run records its params, epochs, checkpoint, loss plot and accuracy rows; no test set without a test split', async () => {
    const r = await trainClassifier(m.store, { ...SMALL, epochs: 1 });
    assert.equal(r.status, 'finished');
    assert.equal(r.test_accuracy, null, 'digits has no split = test rows');
    assert.equal(r.n_test, 0);
    assert.ok(r.train_accuracy! >= 0 && r.train_accuracy! <= 1);
    const registry = new RunRegistry(m.store);
    const run = await registry.getRun(r.run_id, 'classifier');
    assert.equal(run.params['test_query'], null);
    assert.equal(run.params['source_table'], 'digits');
    assert.equal(run.data_rows, 240);
    assert.equal(run.env['threads'], 1);
    assert.ok(fs.existsSync(path.join(dir, run.FILE_checkpoint!, 'model.safetensors')));
    assert.ok(fs.existsSync(path.join(dir, run.FILE_checkpoint!, 'optimizer.safetensors')));
    assert.ok(fs.existsSync(path.join(dir, run.FILE_loss_plot!)));
    const rows = await m.store.query('SELECT source, condition, n_real FROM ml_evaluations WHERE run_id = ?', [r.run_id]);
    assert.deepEqual(rows, [{ source: 'train', condition: null, n_real: 240 }]);
    const withTest = await trainClassifier(m.store, { ...SMALL, epochs: 1, testQuery: SMALL_TEST });
    assert.equal(withTest.n_test, 40);
    assert.ok(withTest.test_accuracy! >= 0 && withTest.test_accuracy! <= 1);
  });

  it('a run stopped mid-epoch is refused as a features run, and resumed reproduces the uninterrupted losses and accuracy', async () => {
    const options: TrainClassifierOptions = { ...SMALL, testQuery: SMALL_TEST };
    const whole = await trainClassifier(m.store, options);
    const controller = new AbortController();
    const stopped = await trainClassifier(m.store, { ...options, signal: controller.signal, onProgress: (e) => e.unit === 'steps' && e.done === 10 && controller.abort() });
    assert.deepEqual([stopped.status, stopped.epochs_done, stopped.steps_done, stopped.test_accuracy], ['stopped', 1, 10, null]);
    assert.match(stopped.FILE_checkpoint!, /epoch-0001-step-000002$/);
    await rejectsMl(loadFeatureExtractor(m.store, stopped.run_id), 'E_ML_RUN', /is stopped, not finished/);
    assert.equal(await rowCount(m.store, 'ml_evaluations', `WHERE run_id = '${stopped.run_id}'`), 0);
    const resumed = await trainClassifier(m.store, { resume: stopped.run_id, threads: 1 });
    assert.deepEqual([resumed.status, resumed.run_id, resumed.steps_done, resumed.resumed], ['finished', stopped.run_id, 16, true]);
    assert.ok(!fs.existsSync(path.join(dir, stopped.FILE_checkpoint!)), 'the mid-epoch checkpoint is gone');
    const registry = new RunRegistry(m.store);
    const a = await registry.epochs(whole.run_id);
    const b = await registry.epochs(resumed.run_id);
    assert.deepEqual(b.map((e) => [e.epoch, e.loss]), a.map((e) => [e.epoch, e.loss]), 'same losses, epoch by epoch');
    assert.equal(resumed.test_accuracy, whole.test_accuracy);
    assert.equal(resumed.train_accuracy, whole.train_accuracy);
  });

  it('a run that throws is marked failed with its error; a finished one trains further with a higher --epochs', async () => {
    let runId = '';
    await assert.rejects(
      trainClassifier(m.store, {
        ...SMALL,
        onProgress: (e) => {
          if (e.unit !== 'steps') return;
          runId = e.task.replace('train ', '');
          if (e.done === 9) throw new Error('the disk is full');
        },
      }),
      /the disk is full/,
    );
    const registry = new RunRegistry(m.store);
    const failed = await registry.get(runId);
    assert.deepEqual([failed.status, failed.error, failed.epochs_done], ['failed', 'the disk is full', 1]);
    const done = await trainClassifier(m.store, { resume: runId, threads: 1 });
    assert.deepEqual([done.status, done.epochs_done], ['finished', 2]);
    await rejectsMl(trainClassifier(m.store, { resume: runId, epochs: 2 }), 'E_ML_RUN', /give epochs above 2/);
    const more = await trainClassifier(m.store, { resume: runId, epochs: 3, threads: 1 });
    assert.equal(more.epochs_done, 3);
    assert.deepEqual((await registry.epochs(runId)).map((e) => e.epoch), [1, 2, 3]);
    const epochsWithAccuracy = await m.store.query("SELECT DISTINCT epoch FROM ml_evaluations WHERE run_id = ? AND metric = 'accuracy' ORDER BY epoch", [runId]);
    assert.deepEqual(epochsWithAccuracy.map((r) => r['epoch']), [2, 3], 'accuracy is stored per epoch measured');
  });

  it('a missing checkpoint is E_ML_CHECKPOINT for the extractor', async () => {
    const r = await trainClassifier(m.store, { ...SMALL, epochs: 1 });
    fs.rmSync(path.join(dir, r.FILE_checkpoint!), { recursive: true });
    await rejectsMl(loadFeatureExtractor(m.store, r.run_id), 'E_ML_CHECKPOINT', /checkpoint of classifier run .* is missing/);
  });
});

describe('bad input: a clear error before any run row exists', () => {
  let other: Store;
  let otherDir: string;
  let ganRun: string;
  before(async () => {
    otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-classifier-bad-'));
    fs.mkdirSync(path.join(otherDir, 'img'));
    const grey = (v: number) => encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784).fill(v) });
    const lines = ['id,label,FILE'];
    for (let i = 0; i < 4; i++) {
      fs.writeFileSync(path.join(otherDir, `img/${i}.png`), grey(40 * i));
      lines.push(`${i},${i === 1 ? '' : i % 2},img/${i}.png`);
    }
    fs.writeFileSync(path.join(otherDir, 'holes.csv'), `${lines.join('\n')}\n`);
    other = await openStore(path.join(otherDir, 'dsi.db'));
    await other.read(path.join(otherDir, 'holes.csv'));
    ganRun = (await trainGan(m.store, { table: 'digits', maxImages: 32, epochs: 1, batch: 16, seed: 1, threads: 1 })).run_id;
  });
  after(async () => {
    await other.close();
    fs.rmSync(otherDir, { recursive: true, force: true });
  });

  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    ['no label column option', () => trainClassifier(m.store, { table: 'digits' }), 'E_ML_ARGUMENT', /needs its label column \(labelColumn\)/],
    ['a query returning no rows', () => trainClassifier(m.store, { query: 'SELECT * FROM digits WHERE label = 99', labelColumn: 'label' }), 'E_ML_DATA', /returned no rows/],
    ['a label column that is not there', () => trainClassifier(m.store, { table: 'digits', labelColumn: 'digit' }), 'E_ML_DATA', /training query has no label column "digit" \(it returns id, label, brightness, split\)/],
    ['NULL labels', () => trainClassifier(other, { table: 'holes', labelColumn: 'label' }), 'E_ML_DATA', /label column "label" is NULL in row 2 of the training query/],
    ['a single class', () => trainClassifier(m.store, { query: 'SELECT * FROM digits WHERE label = 1', labelColumn: 'label' }), 'E_ML_DATA', /only one value \(1\); a classifier needs at least 2 classes/],
    [
      'a test label not seen in training',
      () => trainClassifier(m.store, { query: 'SELECT * FROM digits WHERE label < 5', labelColumn: 'label', testQuery: 'SELECT * FROM digits WHERE label >= 5' }),
      'E_ML_DATA',
      /label [5-9] in row 1 of the test query was not in the training data \(its labels: 0, 1, 2, 3, 4\)/,
    ],
    ['a test query returning no rows', () => trainClassifier(m.store, { ...SMALL, testQuery: 'SELECT * FROM digits WHERE id < 0' }), 'E_ML_DATA', /the test query returned no rows/],
    ['a test query without the label column', () => trainClassifier(m.store, { ...SMALL, testQuery: 'SELECT id, FILE FROM digits' }), 'E_ML_DATA', /test query has no label column "label"/],
    ['a test query that is not SQL', () => trainClassifier(m.store, { ...SMALL, testQuery: 'SELEC nothing' }), 'E_SQL', /./],
    ['zero epochs', () => trainClassifier(m.store, { ...SMALL, epochs: 0 }), 'E_ML_ARGUMENT', /epochs must be a positive whole number, got 0/],
    ['a negative learning rate', () => trainClassifier(m.store, { ...SMALL, lr: -1 }), 'E_ML_ARGUMENT', /lr must be a positive number/],
    ['a batch of one', () => trainClassifier(m.store, { ...SMALL, batch: 1 }), 'E_ML_ARGUMENT', /batch must be at least 2/],
    ['an unknown precision', () => trainClassifier(m.store, { ...SMALL, precision: 'fp16' as 'bf16' }), 'E_ML_ARGUMENT', /precision must be fp32 or bf16/],
    ['a device nobody knows', () => trainClassifier(m.store, { ...SMALL, device: 'tpu' }), 'E_ML_DEVICE', /unknown device/],
    ['an unsupported size', () => trainClassifier(m.store, { ...SMALL, size: 48 }), 'E_ML_ARGUMENT', /^size must be one of 28, 32, 64/],
    ['a GAN run resumed as a classifier', () => trainClassifier(m.store, { resume: ganRun }), 'E_ML_RUN', /is a gan run, not a classifier/],
  ];
  for (const [what, run, code, pattern] of cases) {
    it(what, async () => {
      const before = [await rowCount(m.store, 'ml_runs'), await rowCount(other, 'ml_runs')];
      await assert.rejects(run(), (e: unknown) => {
        assert.equal((e as MlError).code, code, (e as Error).message);
        assert.match((e as Error).message, pattern);
        return true;
      });
      assert.deepEqual([await rowCount(m.store, 'ml_runs'), await rowCount(other, 'ml_runs')], before, 'no run row was written');
    });
  }

  it('a classifier run resumed as a GAN is refused', async () => {
    const r = await trainClassifier(m.store, { ...SMALL, epochs: 1 });
    await rejectsMl(trainGan(m.store, { resume: r.run_id, epochs: 2 }), 'E_ML_RUN', /is a classifier run, not a GAN/);
  });
});

describe('dsi ml train --model classifier', () => {
  it('trains, reports the test accuracy as JSON, and resumes by run id alone', () => {
    const t = dsi(['ml', 'train', '--model', 'classifier', '--label-col', 'label', '--table', 'digits', '--test-query', SMALL_TEST, '--epochs', '1', '--batch', '32', '--seed', '5', '--json']);
    assert.equal(t.status, 0, t.stderr);
    const r = JSON.parse(t.stdout) as { run_id: string; status: string; model: string; epochs_done: number; test_accuracy: number; n_test: number };
    assert.deepEqual([r.status, r.model, r.epochs_done, r.n_test], ['finished', 'cnn', 1, 40]);
    assert.ok(r.test_accuracy >= 0 && r.test_accuracy <= 1);
    assert.match(r.run_id, /^classifier-\d{8}-\d{6}-[0-9a-f]{4}$/);
    const more = dsi(['ml', 'train', '--resume', r.run_id, '--epochs', '2', '--json']);
    assert.equal(more.status, 0, more.stderr);
    assert.deepEqual(
      (({ run_id, epochs_done, resumed }) => [run_id, epochs_done, resumed])(JSON.parse(more.stdout) as { run_id: string; epochs_done: number; resumed: boolean }),
      [r.run_id, 2, true],
    );
  });

  it('prints a table and the test accuracy; --label-col alone means a classifier', () => {
    const t = dsi(['ml', 'train', '--label-col', 'label', '--table', 'digits', '--test-query', SMALL_TEST, '--epochs', '1', '--batch', '32', '--seed', '5']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /classifier-\d{8}-\d{6}-[0-9a-f]{4}\s.*finished\s.*cnn/);
    assert.match(t.stdout, /test accuracy: \d+\.\d\d% of 40 test images/);
    const none = dsi(['ml', 'train', '--model', 'classifier', '--label-col', 'label', '--table', 'digits', '--epochs', '1', '--batch', '32']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /test accuracy: \(no test set: give --test-query\)/);
  });

  it('options of the other kind of model are one line and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--model', 'classifier', '--table', 'digits'], /--model classifier needs --label-col NAME/],
      [['--model', 'classifier', '--label-col', 'label', '--cond-cols', 'label', '--table', 'digits'], /--cond-cols is for GANs; a classifier takes --label-col/],
      [['--model', 'dcgan', '--label-col', 'label', '--table', 'digits'], /--label-col is for --model classifier/],
      [['--cond-cols', 'label', '--test-query', 'SELECT 1', '--table', 'digits'], /--test-query is for --model classifier/],
    ];
    const before = spawnSync(process.execPath, [DSI, '--db', m.db, 'ml', 'runs', '--json'], { cwd: dir, encoding: 'utf8' }).stdout;
    for (const [args, pattern] of cases) {
      const r = dsi(['ml', 'train', ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(spawnSync(process.execPath, [DSI, '--db', m.db, 'ml', 'runs', '--json'], { cwd: dir, encoding: 'utf8' }).stdout, before, 'no run was started');
  });
});
