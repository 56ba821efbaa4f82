/**
 * `explainRun` / `dsi ml explain` on real runs: the shared MNIST classifier explained over 49
 * blocks (efficiency, the prediction is the classifier's probability, the heat map, the rows in
 * ml_explanations), over each background image (the base value is the mean over the drawn
 * images), over superpixels and for a chosen class; a tiny conditional GAN explained through its
 * generator (mean intensity, classifier score, a stored prediction reproduced from its seed) and
 * its discriminator; a linear tabular emulator (φ = w·(x − mean of the background)); the CLI's
 * JSON and table; and every bad input refused with nothing stored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { decodePng } from '../src/images/png-codec.js';
import type { Store } from '../src/store/store.js';
import * as torch from '../src/torch/index.js';
import { drawBackground, explainRun, loadFeatureExtractor, predictGan, RunRegistry, trainEmulator, trainGan, type ExplanationResult } from '../src/ml/index.js';
import { readImageFiles } from '../src/ml/explain/run-data.js';
import { mnistClassifierStore } from './helpers/classifier-fixture.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

let store: Store;
let db: string;
let dir: string;
let classifier: string;
/** A cdcgan on 64 rows of the big store's mnist table (for the classifier score). */
let scoredGan: string;
let small: MnistStore;
let smallDir: string;
/** A cdcgan on label and brightness of a 48-image store with no classifier. */
let cgan: string;
let dcgan: string;

async function explanationRows(s: Store = store): Promise<number> {
  if (!(await s.tables()).some((t) => t.toLowerCase() === 'ml_explanations')) return 0;
  return Number((await s.query('SELECT count(*) AS n FROM ml_explanations'))[0]!['n']);
}

function heatmapFiles(s: Store, runId: string): string[] {
  const folder = path.join(new RunRegistry(s).runFolder(runId).absolute, 'explanations');
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
}

/** Σ values equals prediction − base value. */
function assertEfficient(r: ExplanationResult, tol: number): void {
  const sum = Object.values(r.values).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - (r.prediction - r.base_value)) < tol, `Σφ ${sum} vs ${r.prediction - r.base_value}`);
}

/** The classifier's softmax probabilities of `pixels` (count images). */
async function probabilities(s: Store, runId: string, pixels: Uint8Array, count: number): Promise<Float64Array[]> {
  using fx = await loadFeatureExtractor(s, runId);
  const { logits } = fx.extract(pixels, count);
  const k = fx.levels.length;
  return Array.from({ length: count }, (_, i) => {
    const row = Array.from(logits.subarray(i * k, (i + 1) * k), Number);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    return Float64Array.from(e, (v) => v / total);
  });
}

/** Refuses with an MlError of `code`, stores no explanation row and writes no heat map. */
async function refusesStoringNothing(s: Store, runForFiles: string, call: () => Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  const rowsBefore = await explanationRows(s);
  const filesBefore = heatmapFiles(s, runForFiles).length;
  await assert.rejects(call(), (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
  assert.equal(await explanationRows(s), rowsBefore, 'no explanation row stored');
  assert.equal(heatmapFiles(s, runForFiles).length, filesBefore, 'no heat map written');
}

function dsi(dbFile: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', dbFile, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let startTensors = 0;

before(async () => {
  ({ store, db, dir, runId: classifier } = await mnistClassifierStore());
  startTensors = torch.memory().tensors;
  scoredGan = (await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 64, epochs: 1, batch: 32, seed: 3, threads: 2 })).run_id;
  smallDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-explain-'));
  small = await makeMnistStore(smallDir, 48);
  cgan = (await trainGan(small.store, { table: 'digits', conditionColumns: ['label', 'brightness'], epochs: 1, batch: 16, seed: 4, threads: 2 })).run_id;
  dcgan = (await trainGan(small.store, { table: 'digits', epochs: 1, batch: 16, seed: 5, threads: 2 })).run_id;
});

after(async () => {
  assert.equal(torch.memory().tensors, startTensors, 'every tensor an explanation made is freed');
  await small.store.close();
  fs.rmSync(smallDir, { recursive: true, force: true });
});

describe('explaining a classifier over image blocks', () => {
  it('49 blocks: Σ values = prediction − base value, the prediction is the probability of the predicted class, a heat map and 49 rows', async () => {
    const before = await explanationRows();
    const r = await explainRun(store, { run: classifier, row: 7 });
    assert.equal(r.kind, 'classifier');
    assert.equal(r.target, 'row 7');
    assert.equal(Object.keys(r.values).length, 49);
    assert.equal(Object.keys(r.values)[0], 'block r1 c1');
    assert.equal(r.method, 'kernel', 'more than 12 blocks differ from the background');
    assert.ok(r.features_varying > 12 && r.features_varying <= 49);
    assert.equal(r.values['block r1 c1'], 0, 'a border block equal to the background gets 0');
    assertEfficient(r, 1e-6);
    assert.equal(r.background, 100);

    // The prediction is the classifier's top probability for the image of row 7.
    const run = await new RunRegistry(store).get(classifier);
    const rows = await store.query(run.data_query);
    const pixels = await readImageFiles(store, [rows[6]!['FILE']!], 28, 1, 'row 7');
    const p = (await probabilities(store, classifier, pixels, 1))[0]!;
    const top = p.indexOf(Math.max(...p));
    assert.ok(Math.abs(r.prediction - p[top]!) < 1e-6, `${r.prediction} vs ${p[top]}`);
    assert.equal(r.output, `probability of label ${top}`);
    assert.equal(r.details['class'], top);

    // The heat map: a 280 × 280 PNG in the run's folder.
    assert.ok(r.file_heatmap !== undefined && r.file_heatmap.includes(`ml/${classifier}/explanations/`));
    const png = decodePng(fs.readFileSync(path.join(dir, r.file_heatmap)), r.file_heatmap);
    assert.deepEqual([png.width, png.height, png.channels], [280, 280, 3]);

    // One row per block, sharing the explanation's id and numbers.
    assert.equal(await explanationRows(), before + 49);
    const stored = await store.query('SELECT * FROM ml_explanations WHERE explanation_id = ? ORDER BY rowid', [r.explanation_id]);
    assert.equal(stored.length, 49);
    for (const row of stored) {
      assert.equal(row['run_id'], classifier);
      assert.equal(row['target'], 'row 7');
      assert.equal(row['method'], 'kernel');
      assert.equal(row['background'], 100);
      assert.equal(row['seed'], 0);
      assert.equal(row['base_value'], r.base_value);
      assert.equal(row['prediction'], r.prediction);
      assert.equal(row['FILE_heatmap'], r.file_heatmap);
      assert.equal(row['value'], r.values[String(row['feature'])]);
    }
  });

  it('over each background image: exact over 3 × 3 blocks, base value = the mean probability over the drawn images', async () => {
    const r = await explainRun(store, { run: classifier, row: 12, blocks: 3, background: 4, seed: 9, imageBackground: 'images', method: 'exact' });
    assert.equal(r.method, 'exact');
    assert.equal(Object.keys(r.values).length, 9);
    assert.equal(r.evaluations, 2 ** r.features_varying);
    assertEfficient(r, 1e-9);
    // v(∅) is f averaged over the 4 drawn background images themselves.
    const run = await new RunRegistry(store).get(classifier);
    const rows = await store.query(run.data_query);
    const drawn = Array.from(drawBackground(rows.length, 4, 9));
    const images = await readImageFiles(store, drawn.map((i) => rows[i]!['FILE']!), 28, 1, 'background');
    const cls = Number(r.details['class']);
    const p = await probabilities(store, classifier, images, 4);
    const mean = p.reduce((s, q) => s + q[cls]!, 0) / 4;
    assert.ok(Math.abs(r.base_value - mean) < 1e-6, `${r.base_value} vs ${mean}`);
  });

  it('a chosen class, superpixels, and the same seed giving the same values', async () => {
    const a = await explainRun(store, { run: classifier, row: 7, class: '3', segmentation: 'superpixels', samples: 600 });
    assert.equal(a.output, 'probability of label 3');
    assert.ok(Object.keys(a.values).every((f) => /^superpixel \d+$/.test(f)));
    assertEfficient(a, 1e-6);
    const b = await explainRun(store, { run: classifier, row: 7, class: 3, segmentation: 'superpixels', samples: 600 });
    assert.deepEqual(b.values, a.values);
    assert.notEqual(b.explanation_id, a.explanation_id);
    const c = await explainRun(store, { run: classifier, row: 7, method: 'permutation', samples: 600, blocks: 4 });
    assert.equal(c.method, 'permutation');
    assertEfficient(c, 1e-6);
  });
});

describe('explaining a conditional GAN', () => {
  it('the generator over its parameters with mean intensity: exact over label and brightness, with fixed noise', async () => {
    const r = await explainRun(small.store, { run: cgan, row: 5, output: 'mean-intensity', background: 20, seed: 2 });
    assert.deepEqual(Object.keys(r.values), ['label', 'brightness']);
    assert.equal(r.method, 'exact');
    assert.equal(r.output, 'mean-intensity');
    assert.equal(r.evaluations, 4);
    assert.ok(r.prediction > 0 && r.prediction < 1);
    assertEfficient(r, 1e-9);
    assert.equal(r.file_heatmap, undefined, 'parameters have no heat map');
    const stored = await small.store.query('SELECT feature, value FROM ml_explanations WHERE explanation_id = ? ORDER BY feature', [r.explanation_id]);
    assert.deepEqual(stored.map((x) => x['feature']), ['brightness', 'label']);
  });

  it('mean intensity over a region: the values still sum to prediction − base; a region beyond the image or with another output is refused', async () => {
    const r = await explainRun(small.store, { run: cgan, row: 5, output: 'mean-intensity', region: [0, 0, 14, 14], background: 10, seed: 2 });
    assert.equal(r.output, 'mean-intensity of region 0,0,14,14');
    assert.equal(r.details['region'], '0,0,14,14');
    assertEfficient(r, 1e-9);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: cgan, row: 5, output: 'mean-intensity', region: [0, 0, 29, 10] }), 'E_ML_ARGUMENT', /reaches outside the 28 × 28 images/);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: cgan, row: 5, output: 'discriminator', region: [0, 0, 10, 10] }), 'E_ML_ARGUMENT', /does not apply to output discriminator/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, region: [0, 0, 10, 10] }), 'E_ML_ARGUMENT', /region chooses the part of a predicted image/);
  });

  it('a stored prediction is explained from its own parameters and seed: the prediction is its image\'s mean intensity', async () => {
    const out = await predictGan(small.store, { run: cgan, params: { label: '3', brightness: '30' }, count: 1, seed: 77 });
    const p = out.predictions[0]!;
    const r = await explainRun(small.store, { run: cgan, prediction: p.prediction_id, output: 'mean-intensity', background: 10 });
    assert.equal(r.target, `prediction ${p.prediction_id}`);
    assert.equal(r.details['noise_seed'], 77);
    const image = decodePng(fs.readFileSync(path.join(smallDir, p.FILE)), p.FILE);
    const mean = (image.data as Uint8Array).reduce((s, v) => s + v, 0) / image.data.length / 255;
    assert.ok(Math.abs(r.prediction - mean) < 1 / 255, `${r.prediction} vs the stored image's ${mean}`);
    assertEfficient(r, 1e-9);
  });

  it('the discriminator over 49 blocks of a row\'s image, with the row\'s conditions, and a heat map', async () => {
    const r = await explainRun(small.store, { run: cgan, row: 2, output: 'discriminator', background: 10 });
    assert.equal(r.output, 'discriminator');
    assert.equal(Object.keys(r.values).length, 49);
    assert.ok(r.prediction > 0 && r.prediction < 1);
    assertEfficient(r, 1e-6);
    assert.ok(r.file_heatmap !== undefined && fs.existsSync(path.join(smallDir, r.file_heatmap)));
    const d = await explainRun(small.store, { run: dcgan, row: 2, output: 'discriminator', background: 10, blocks: 2 });
    assert.equal(Object.keys(d.values).length, 4);
    assertEfficient(d, 1e-9);
  });

  it('the score output: the classifier trained on the same table, probability of the conditioned label', async () => {
    const r = await explainRun(store, { run: scoredGan, row: 1, background: 30 });
    assert.match(r.output, /^score/);
    assert.equal(r.details['feature_run_id'], classifier);
    assert.deepEqual(Object.keys(r.values), ['label']);
    assert.ok(r.prediction > 0 && r.prediction < 1);
    assertEfficient(r, 1e-9);
  });
});

describe('explaining a tabular emulator', () => {
  /** y = 2·x1 − 3·x2 + level(colour) + 5, no noise: a linear emulator recovers it exactly. */
  const LEVEL: Record<string, number> = { red: 1, green: 0, blue: -2 };
  let regressor: string;

  before(async () => {
    const rng = (i: number) => Math.sin(12.9898 * i) * 43758.5453 - Math.floor(Math.sin(12.9898 * i) * 43758.5453);
    const colours = ['red', 'green', 'blue'];
    const lines = ['x1,x2,colour,y'];
    for (let i = 0; i < 40; i++) {
      const x1 = Number((10 * rng(i + 1)).toFixed(3));
      const x2 = Number((5 * rng(i + 101) - 2).toFixed(3));
      const colour = colours[i % 3]!;
      lines.push(`${x1},${x2},${colour},${2 * x1 - 3 * x2 + LEVEL[colour]! + 5}`);
    }
    const csv = path.join(smallDir, 'lin.csv');
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    await small.store.read(csv);
    regressor = (await trainEmulator(small.store, { model: 'linear', table: 'lin', target: 'y', features: ['x1', 'x2', 'colour'], seed: 1 })).run_id;
  });

  it('a linear emulator: φ = w·(x − mean of the background) per number, level − mean level for the text column', async () => {
    const r = await explainRun(small.store, { run: regressor, row: 4, background: 10, seed: 3 });
    assert.equal(r.kind, 'regressor');
    assert.equal(r.method, 'exact');
    assert.equal(r.output, 'prediction of y');
    assert.deepEqual(Object.keys(r.values), ['x1', 'x2', 'colour']);
    const run = await new RunRegistry(small.store).get(regressor);
    const rows = await small.store.query(run.data_query);
    const bg = Array.from(drawBackground(rows.length, 10, 3), (i) => rows[i]!);
    const mean = (f: (row: (typeof rows)[number]) => number) => bg.reduce((s, row) => s + f(row), 0) / bg.length;
    const x = rows[3]!;
    const expected = {
      x1: 2 * (Number(x['x1']) - mean((row) => Number(row['x1']))),
      x2: -3 * (Number(x['x2']) - mean((row) => Number(row['x2']))),
      colour: LEVEL[String(x['colour'])]! - mean((row) => LEVEL[String(row['colour'])]!),
    };
    for (const [f, v] of Object.entries(expected)) assert.ok(Math.abs(r.values[f]! - v) < 1e-6, `${f}: ${r.values[f]} vs ${v}`);
    assert.ok(Math.abs(r.prediction - Number(x['y'])) < 1e-6, 'the prediction is the fitted y of row 4');
    assertEfficient(r, 1e-9);
    const k = await explainRun(small.store, { run: regressor, row: 4, background: 10, seed: 3, method: 'kernel' });
    for (const f of Object.keys(expected)) assert.ok(Math.abs(k.values[f]! - r.values[f]!) < 1e-9, `kernel ${f}`);
  });

  it('refuses a prediction id, an image output and a row past the end, storing nothing', async () => {
    await refusesStoringNothing(small.store, regressor, () => explainRun(small.store, { run: regressor, prediction: 'p-1' }), 'E_ML_ARGUMENT', /\(row N\)/);
    await refusesStoringNothing(small.store, regressor, () => explainRun(small.store, { run: regressor, row: 1, output: 'score' }), 'E_ML_ARGUMENT', /GAN runs/);
    await refusesStoringNothing(small.store, regressor, () => explainRun(small.store, { run: regressor, row: 41 }), 'E_ML_ARGUMENT', /from 1 to 40/);
  });
});

describe('the CLI', () => {
  it('--json prints prediction, base_value and values; the table lists features by |value| with the sum check and the heat map', () => {
    const j = dsi(db, ['ml', 'explain', '--run', classifier, '--row', '3', '--blocks', '4', '--json']);
    assert.equal(j.status, 0, j.stderr);
    const r = JSON.parse(j.stdout) as ExplanationResult;
    assert.equal(Object.keys(r.values).length, 16);
    assert.ok(Number.isFinite(r.prediction) && Number.isFinite(r.base_value));
    assertEfficient(r, 1e-6);
    const t = dsi(db, ['ml', 'explain', '--run', classifier, '--row', '3', '--blocks', '4']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /feature\s+value/);
    assert.match(t.stdout, /sum of values/);
    assert.match(t.stdout, /heat map: .*\.png/);
    const shown = [...t.stdout.matchAll(/^block r\d c\d\s+(\S+)$/gm)].map((m) => Math.abs(Number(m[1])));
    assert.ok(shown.length > 0 && shown.every((v, i) => i === 0 || v <= shown[i - 1]!), 'sorted by |value|');
  });

  it('bad input exits 2 with one line and stores nothing', async () => {
    const before = await explanationRows();
    const r = dsi(db, ['ml', 'explain', '--run', classifier, '--row', '0']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--row/);
    assert.equal(await explanationRows(), before);
  });
});

describe('bad input is refused and nothing is stored', () => {
  it('rows out of range, both or neither of row and prediction, unknown runs and predictions', async () => {
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 0 }), 'E_ML_ARGUMENT', /\brow must be/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 60_001 }), 'E_ML_ARGUMENT', /from 1 to 60000/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier }), 'E_ML_ARGUMENT', /exactly one of/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, prediction: 'x' }), 'E_ML_ARGUMENT', /exactly one of/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: 'classifier-nope', row: 1 }), 'E_ML_RUN', /no run/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, prediction: 'p-nope' }), 'E_ML_ARGUMENT', /no prediction/);
  });

  it('a background below 1, exact over too many blocks, an unknown class, options of other kinds', async () => {
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, background: 0 }), 'E_ML_ARGUMENT', /\bbackground must be/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, method: 'exact' }), 'E_ML_ARGUMENT', /use method kernel/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, class: 'cat' }), 'E_ML_ARGUMENT', /^class must be one of/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, output: 'mean-intensity' }), 'E_ML_ARGUMENT', /GAN runs/);
    await refusesStoringNothing(store, classifier, () => explainRun(store, { run: classifier, row: 1, method: 'shapley' as never }), 'E_ML_ARGUMENT', /^method must be one of/);
  });

  it('a run that is not finished, a kind that cannot be explained, a dcgan generator, a cdcgan score with no classifier', async () => {
    const registry = new RunRegistry(small.store);
    await registry.create({ run_id: 'classifier-failed', kind: 'classifier', model: 'cnn', status: 'failed', params: '{}', data_query: 'SELECT * FROM digits' });
    await registry.create({ run_id: 'vae-1', kind: 'vae', model: 'vae', status: 'finished', params: '{}', data_query: 'SELECT * FROM digits' });
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: 'classifier-failed', row: 1 }), 'E_ML_RUN', /failed, not finished/);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: 'vae-1', row: 1 }), 'E_ML_RUN', /explanations take classifier, gan, regressor, surrogate runs/);
    await refusesStoringNothing(small.store, dcgan, () => explainRun(small.store, { run: dcgan, row: 1 }), 'E_ML_ARGUMENT', /use output discriminator/);
    await refusesStoringNothing(small.store, dcgan, () => explainRun(small.store, { run: dcgan, row: 1, output: 'mean-intensity' }), 'E_ML_ARGUMENT', /use output discriminator/);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: cgan, row: 1 }), 'E_ML_ARGUMENT', /pass output mean-intensity/);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: cgan, row: 49, output: 'mean-intensity' }), 'E_ML_ARGUMENT', /from 1 to 48/);
    await refusesStoringNothing(small.store, cgan, () => explainRun(small.store, { run: cgan, row: 1, output: 'discriminator', class: '3' }), 'E_ML_ARGUMENT', /^class chooses/);
    await registry.delete('classifier-failed');
    await registry.delete('vae-1');
  });
});
