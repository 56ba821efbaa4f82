/**
 * Prediction at a list of points (`predictImages` with a `points` file, `dsi ml predict --points`):
 * one image per row × count with the row's parameters and consecutive seeds, the same bytes as the
 * same combinations asked with `params`; a point outside the trained range refused naming file,
 * line and range, and recorded as extrapolated = 1 when allowed; every malformed file refused with
 * one `FILE:LINE:` error and nothing written; a deterministic model (a stand-in opener) writes rows
 * with seed NULL and refuses more than one image per point; a store whose ml_predictions predates
 * `extrapolated` grows the column and keeps its rows.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError, StoreError } from '../src/errors.js';
import { decodePng } from '../src/images/png-codec.js';
import {
  addImagePredictorKind,
  openImagePredictor,
  ML_PREDICTIONS,
  MAX_POINTS,
  predictGan,
  predictImages,
  RunRegistry,
  trainGan,
  type ImagePredictor,
  type PredictOptions,
} from '../src/ml/index.js';
import type { ConditionSpec } from '../src/ml/models/conditions.js';
import type { Cell } from '../src/store/types.js';
import * as torch from '../src/torch/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

let dir: string;
let m: MnistStore;
let gan: string;
let lo = 0;
let hi = 0;
let startTensors = 0;

/** A points file in the test folder; returns its path. */
function points(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Every file under the store's data folder, and the ml_predictions rows: what a refused call must leave as it was. */
async function snapshot(): Promise<{ files: string[]; rows: number }> {
  const data = path.join(dir, 'dsi.data');
  const files = fs.existsSync(data) ? (fs.readdirSync(data, { recursive: true }) as string[]).sort() : [];
  const rows = Number((await m.store.query('SELECT COUNT(*) AS n FROM ml_predictions'))[0]!['n']);
  return { files, rows };
}

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-predict-points-'));
  m = await makeMnistStore(dir, 48);
  // ml_predictions as a version before `extrapolated` made it, with one row.
  await m.store.managedTables().transaction(async (tx) => {
    await tx.ensure({ ...ML_PREDICTIONS, columns: ML_PREDICTIONS.columns.filter((c) => c.name !== 'extrapolated') });
    await tx.insert('ml_predictions', [{ prediction_id: 'p-old-000000', run_id: 'gan-old', params: '{}', seed: 1, epoch: 1, FILE: 'old.png', created_at: '2026-01-01T00:00:00.000Z' }]);
  });
  gan = (await trainGan(m.store, { table: 'digits', conditionColumns: ['label', 'brightness'], epochs: 1, batch: 16, seed: 7, threads: 1 })).run_id;
  const spec = (await new RunRegistry(m.store).getRun(gan, 'gan')).params.conditions.find((c) => c.name === 'brightness')!;
  assert.equal(spec.kind, 'continuous');
  if (spec.kind === 'continuous') [lo, hi] = [spec.min, spec.max];
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'no tensor is left alive');
});

describe('a points file', () => {
  it('predicts one image per row × count with the row\'s parameters and seeds, the same bytes as through params', async () => {
    const mid = Number(((lo + hi) / 2).toFixed(3));
    // Columns in another order than the model's, CRLF line ends and a trailing blank line.
    const file = points('points.csv', `brightness,label\r\n${lo},3\r\n${mid},7\r\n${hi},0\r\n\r\n`);
    const out = await predictImages(m.store, { run: gan, points: file, count: 2, seed: 10 });
    assert.equal(out.kind, 'gan');
    assert.equal(out.seed, 10);
    assert.deepEqual(
      out.predictions.map((p) => [p.params, p.seed, p.extrapolated]),
      [
        [{ label: 3, brightness: lo }, 10, false],
        [{ label: 3, brightness: lo }, 11, false],
        [{ label: 7, brightness: mid }, 12, false],
        [{ label: 7, brightness: mid }, 13, false],
        [{ label: 0, brightness: hi }, 14, false],
        [{ label: 0, brightness: hi }, 15, false],
      ],
    );
    const rows = await m.store.query('SELECT label, brightness, seed, extrapolated, FILE FROM ml_predictions WHERE prediction_id LIKE ? ORDER BY prediction_id', [`${out.predictions[0]!.prediction_id.slice(0, 11)}%`]);
    assert.deepEqual(
      rows.map((r) => [r['label'], r['brightness'], r['seed'], r['extrapolated']]),
      out.predictions.map((p) => [p.params['label'], p.params['brightness'], p.seed, 0]),
    );
    const png = decodePng(fs.readFileSync(path.join(dir, String(rows[0]!['FILE']))), 'prediction');
    assert.deepEqual([png.width, png.height, png.channels], [28, 28, 1]);
    // The second point's images, asked through params with seed 12: byte for byte the same.
    const same = await predictGan(m.store, { run: gan, params: { label: '7', brightness: String(mid) }, count: 2, seed: 12 });
    const bytes = (p: { FILE: string }): Buffer => fs.readFileSync(path.join(dir, p.FILE));
    assert.deepEqual(bytes(same.predictions[0]!), bytes(out.predictions[2]!));
    assert.deepEqual(bytes(same.predictions[1]!), bytes(out.predictions[3]!));
    assert.notDeepEqual(bytes(out.predictions[2]!), bytes(out.predictions[3]!));
    // The GAN's ImagePredictor view: floats in [0, 1], the stored image's pixels before rounding.
    const p = await openImagePredictor(m.store, gan);
    assert.deepEqual([p.stochastic, p.members, p.size, p.channels, p.epoch, p.checkpoint], [true, 1, 28, 1, out.epoch, out.checkpoint]);
    const floats = p.predict([{ label: 7, brightness: mid }], { seeds: [12] });
    const stored = decodePng(bytes(out.predictions[2]!), 'prediction').data;
    assert.equal(floats.length, stored.length);
    assert.ok(floats.every((v, i) => v >= 0 && v <= 1 && Math.abs(v * 255 - stored[i]!) <= 0.5 + 1e-3), 'round(255 · v) is the stored pixel');
    assert.throws(() => p.predict([{ label: 7, brightness: mid }]), /seeds must give one seed per combination \(1\), got none/);
    p.dispose();
    p.dispose();
    assert.throws(() => p.predict([{ label: 7, brightness: mid }], { seeds: [12] }), /was disposed/);
  });

  it('a point outside the trained range is refused naming file, line and range, and recorded as extrapolated when allowed', async () => {
    const far = hi + 10;
    const file = points('far.csv', `label,brightness\n1,${lo}\n2,${far}\n3,${far}\n`);
    const before = await snapshot();
    await assert.rejects(predictImages(m.store, { run: gan, points: file, seed: 1 }), (e: unknown) => {
      assert.ok(e instanceof MlError);
      assert.equal(e.code, 'E_ML_EXTRAPOLATION');
      assert.equal(e.message, `${file}:3: brightness=${far} lies outside the range trained on (${lo} to ${hi}) (and 1 more point of the file); give allowExtrapolation to predict there anyway`);
      return true;
    });
    assert.deepEqual(await snapshot(), before);
    const out = await predictImages(m.store, { run: gan, points: file, seed: 1, allowExtrapolation: true });
    assert.deepEqual(out.predictions.map((p) => p.extrapolated), [false, true, true]);
    const rows = await m.store.query('SELECT extrapolated FROM ml_predictions WHERE prediction_id LIKE ? ORDER BY prediction_id', [`${out.predictions[0]!.prediction_id.slice(0, 11)}%`]);
    assert.deepEqual(rows.map((r) => r['extrapolated']), [0, 1, 1]);
    // The same holds for params: an allowed extrapolation is recorded.
    const viaParams = await predictImages(m.store, { run: gan, params: { label: '1', brightness: String(far) }, seed: 1, allowExtrapolation: true });
    assert.equal(viaParams.predictions[0]!.extrapolated, true);
  });

  it('each malformed file gives one error naming the file and line, and leaves the rows and files as they were', async () => {
    const many = `label,brightness\n${Array.from({ length: MAX_POINTS + 1 }, () => `1,${lo}`).join('\n')}\n`;
    const cases: [string, string, RegExp][] = [
      ['missing.csv', `label\n1\n`, /^missing\.csv:1: the header must name exactly the model's parameters \(label, brightness\): brightness missing$/],
      ['extra.csv', `label,brightness,speed\n1,${lo},2\n`, /^extra\.csv:1: .*: speed not among them$/],
      ['twice.csv', `label,label,brightness\n1,1,${lo}\n`, /^twice\.csv:1: the column "label" is named twice$/],
      ['empty.csv', '', /^empty\.csv: the points file is empty; its first line must name the model's parameters \(label, brightness\)$/],
      ['header.csv', 'label,brightness\n', /^header\.csv:1: the points file has a header but no points$/],
      ['nan.csv', `label,brightness\n1,${lo}\n2,NaN\n`, /^nan\.csv:3: brightness=NaN is not a finite number in decimal digits; brightness is continuous$/],
      ['inf.csv', `label,brightness\n1,Infinity\n`, /^inf\.csv:2: brightness=Infinity is not a finite number/],
      ['text.csv', `label,brightness\n1,bright\n`, /^text\.csv:2: brightness=bright is not a finite number/],
      ['level.csv', `label,brightness\n12,${lo}\n`, /^level\.csv:2: label=12 was not trained on; label is categorical with levels 0, 1, 2/],
      ['short.csv', `label,brightness\n1,${lo}\n2\n`, /^short\.csv:3: 1 value, but the header names 2 parameters$/],
      ['nothing.csv', `label,brightness\n1,\n`, /^nothing\.csv:2: no value for brightness$/],
      ['quote.csv', `label,brightness\n1,"${lo}\n`, /^quote\.csv:2: a quoted value is not closed$/],
      ['many.csv', many, new RegExp(`^many\\.csv:${MAX_POINTS + 2}: more than ${MAX_POINTS} points; one call predicts at most ${MAX_POINTS} images: split the file$`)],
    ];
    const before = await snapshot();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const [name, text, pattern] of cases) {
        points(name, text);
        await assert.rejects(predictImages(m.store, { run: gan, points: name, seed: 1 }), (e: unknown) => {
          assert.ok(e instanceof StoreError, `${name}: a StoreError, got ${String(e)}`);
          assert.equal(e.code, 'E_BAD_INPUT', name);
          assert.equal(e.file, name);
          assert.match(e.message, pattern);
          assert.ok(!e.message.includes('\n'), `${name}: one line`);
          return true;
        });
      }
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(await snapshot(), before);
    await assert.rejects(predictImages(m.store, { run: gan, points: path.join(dir, 'nowhere.csv') }), (e: unknown) => e instanceof StoreError && e.code === 'E_FILE' && /nowhere\.csv: cannot read the points file \(no such file\)/.test(e.message));
    await assert.rejects(predictImages(m.store, { run: gan, points: path.join(dir, 'points.csv'), params: { label: '1' } }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /either as a points file or with params and grid, not both/.test(e.message));
    assert.deepEqual(await snapshot(), before);
  });

  it('the rows an older version wrote keep extrapolated NULL once the column is added', async () => {
    const rows = await m.store.query("SELECT extrapolated FROM ml_predictions WHERE prediction_id = 'p-old-000000'");
    assert.deepEqual(rows, [{ extrapolated: null }]);
  });

  it('dsi ml predict --points … --extrapolate predicts and records; a bad file is one line naming file and line', () => {
    points('cli.csv', `label,brightness\n4,${hi + 1}\n`);
    const run = (args: string[]) => spawnSync(process.execPath, [DSI, '--db', m.db, 'ml', 'predict', '--run', gan, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const ok = run(['--points', 'cli.csv', '--extrapolate', '--seed', '5', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { seed: number; predictions: { params: Record<string, number>; seed: number; extrapolated: boolean }[] };
    assert.deepEqual(result.predictions.map((p) => [p.params, p.seed, p.extrapolated]), [[{ label: 4, brightness: hi + 1 }, 5, true]]);
    const refused = run(['--points', 'cli.csv']);
    assert.notEqual(refused.status, 0);
    assert.equal(refused.stderr.trim(), `dsi: cli.csv:2: brightness=${hi + 1} lies outside the range trained on (${lo} to ${hi}); give --extrapolate to predict there anyway`);
  });
});

describe('a deterministic model', () => {
  const CONDITIONS: ConditionSpec[] = [{ name: 'x', kind: 'continuous', min: 0, max: 1 }];
  let remove: () => void;
  let disposed = 0;

  before(async () => {
    // A stand-in surrogate: a 4 × 4 grey image whose value is x.
    remove = addImagePredictorKind('test-deterministic', async (_store, run): Promise<ImagePredictor> => ({
      run,
      conditions: CONDITIONS,
      size: 4,
      channels: 1,
      epoch: 3,
      checkpoint: 'checkpoints/none',
      stochastic: false,
      members: 1,
      predict(combos: readonly Readonly<Record<string, Cell>>[], _options?: PredictOptions): Float32Array {
        const out = new Float32Array(combos.length * 16);
        combos.forEach((c, i) => out.fill(Number(c['x']), i * 16, (i + 1) * 16));
        return out;
      },
      dispose() {
        disposed++;
      },
    }));
    await new RunRegistry(m.store).create({ run_id: 'surrogate-test', kind: 'test-deterministic', model: 'stand-in', status: 'finished', params: '{}' });
  });

  after(() => remove());

  it('writes one row per point with seed NULL and its pixels, and refuses count > 1 and a seed', async () => {
    const file = points('det.csv', 'x\n0\n0.5\n1.2\n');
    const out = await predictImages(m.store, { run: 'surrogate-test', points: file, allowExtrapolation: true });
    assert.equal(out.seed, null);
    assert.equal(out.epoch, 3);
    assert.deepEqual(out.predictions.map((p) => [p.params, p.seed, p.extrapolated]), [[{ x: 0 }, null, false], [{ x: 0.5 }, null, false], [{ x: 1.2 }, null, true]]);
    const rows = await m.store.query("SELECT x, seed, extrapolated, epoch FROM ml_predictions WHERE run_id = 'surrogate-test' ORDER BY prediction_id");
    assert.deepEqual(rows, [
      { x: 0, seed: null, extrapolated: 0, epoch: 3 },
      { x: 0.5, seed: null, extrapolated: 0, epoch: 3 },
      { x: 1.2, seed: null, extrapolated: 1, epoch: 3 },
    ]);
    assert.deepEqual([...decodePng(fs.readFileSync(path.join(dir, out.predictions[1]!.FILE)), 'p').data], new Array(16).fill(128));
    assert.deepEqual([...decodePng(fs.readFileSync(path.join(dir, out.predictions[2]!.FILE)), 'p').data], new Array(16).fill(255));
    const before = await snapshot();
    await assert.rejects(predictImages(m.store, { run: 'surrogate-test', points: file, allowExtrapolation: true, count: 2 }), (e: unknown) => {
      assert.ok(e instanceof MlError && e.code === 'E_ML_ARGUMENT');
      assert.equal(e.message, 'count must be 1 for run surrogate-test, got 2; run surrogate-test is a deterministic test-deterministic model: its image depends on the parameters alone, so every image of a combination would be the same');
      return true;
    });
    await assert.rejects(predictImages(m.store, { run: 'surrogate-test', params: { x: '0.5' }, seed: 4 }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /^seed has no effect on run surrogate-test/.test(e.message));
    assert.deepEqual(await snapshot(), before);
    assert.equal(disposed, 3, 'every call disposed its predictor');
  });
});
