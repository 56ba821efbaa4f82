/**
 * validateRun with stand-in models (test/helpers/validation-fakes.ts) on a store holding a small
 * ensemble of a blob simulation: a model that predicts the truth scores MSE 0 and SSIM 1; one that
 * predicts the nearest training image scores exactly the baseline; rows and files appear together,
 * and a failure leaves neither; the Latin hypercube is inside the trained ranges and seeded; each
 * kind of bad input is one clear error that writes nothing.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Store } from '../src/index.js';
import { latinHypercube, validateRun } from '../src/ml/index.js';
import { decodePng } from '../src/images/png-codec.js';
import { buildProgram } from '../src/cli/program.js';
import { failureOf } from './helpers/cli-run.js';
import { addFakeRun, CONTINUOUS, makeBlobStore, openPredictors, TEST_POINTS } from './helpers/validation-fakes.js';

let dir: string;
let store: Store;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-validate-'));
  store = await makeBlobStore(dir);
  await addFakeRun(store, 'truth-run', 'truth');
  await addFakeRun(store, 'nearest-run', 'nearest');
  await addFakeRun(store, 'gan-run', 'gan');
  await addFakeRun(store, 'label-run', 'truth', [CONTINUOUS[0]!, { name: 'shape', kind: 'categorical', levels: ['round'] }]);
  await addFakeRun(store, 'extra-run', 'truth', [CONTINUOUS[0]!, { name: 'extra', kind: 'continuous', min: 0, max: 24 }]);
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rowsOf = async (validationId: string) => store.query('SELECT * FROM ml_evaluations WHERE validation_id = ? ORDER BY rowid', [validationId]);
const evaluationCount = async () => ((await store.tables()).includes('ml_evaluations') ? Number((await store.query('SELECT count(*) AS n FROM ml_evaluations'))[0]!['n']) : 0);
const validationFolders = (run: string) => {
  const folder = path.join(dir, 'dsi.data', 'ml', run, 'validations');
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
};

test('a model that predicts the truth scores MSE 0 and SSIM 1 at every point, against the simulation the rows name', async () => {
  const r = await validateRun(store, { run: 'truth-run', points: 8, seed: 5 });
  assert.equal(r.source, 'simulation:blob');
  assert.equal(r.n_points, 8);
  assert.equal(r.n_training, 25);
  for (const p of r.points) {
    assert.equal(p.mse, 0);
    assert.equal(p.ssim, 1);
    assert.ok(p.baseline_mse! > 0 && p.baseline_ssim! < 1, 'the nearest training image differs from the truth');
    assert.ok(p.nearest_distance! > 0 && p.nearest_distance! <= Math.SQRT2 * 0.25 + 1e-9, `within half a grid cell diagonal: ${p.nearest_distance}`);
    assert.equal(p.outside_range, false);
  }
  assert.equal(r.overall['validation_mse'], 0);
  assert.equal(r.overall['mse_ratio'], 0);
  assert.equal(r.overall['outside_range'], 0);
  assert.equal(openPredictors.size, 0, 'the predictor was disposed');

  // Rows: 6 per point and 7 overall, all sharing the id, source and time.
  const rows = await rowsOf(r.validation_id);
  assert.equal(rows.length, 8 * 6 + 7);
  assert.ok(rows.every((x) => x['source'] === 'simulation:blob' && x['run_id'] === 'truth-run' && x['epoch'] === 3 && x['created_at'] === rows[0]!['created_at']));
  const overall = rows.filter((x) => x['condition'] === null);
  assert.deepEqual(overall.map((x) => x['metric']).sort(), ['baseline_mse', 'baseline_ssim', 'mse_ratio', 'nearest_distance', 'outside_range', 'validation_mse', 'validation_ssim']);
  assert.equal(overall.find((x) => x['metric'] === 'validation_ssim')!['value'], 1);
  assert.equal(overall[0]!['FILE_image'], r.files['contact_sheet']);
  const first = rows.filter((x) => x['condition'] === r.points[0]!.condition);
  assert.equal(first.length, 6);
  assert.match(r.points[0]!.condition, /^a=[\d.]+, b=[\d.]+$/);
  assert.ok(first.every((x) => x['FILE_image'] === r.points[0]!.file));

  // Files: every point's map (truth, prediction, error: three cells), the sheet, the plot.
  for (const p of r.points) assert.ok(fs.existsSync(path.join(dir, p.file)), p.file);
  const map = decodePng(fs.readFileSync(path.join(dir, r.points[0]!.file)), 'map');
  assert.equal(map.channels, 3);
  assert.ok(map.width > 3 * 32 * 6, `three cells scaled up: ${map.width}`);
  for (const f of ['contact_sheet', 'error_plot', 'error_plot_svg']) assert.ok(fs.existsSync(path.join(dir, r.files[f]!)), f);
  assert.match(fs.readFileSync(path.join(dir, r.files['error_plot_svg']!), 'utf8'), /^<svg/);
});

test('a model that predicts the nearest training image scores exactly the baseline', async () => {
  const r = await validateRun(store, { run: 'nearest-run', points: 8 });
  for (const p of r.points) {
    assert.equal(p.mse, p.baseline_mse);
    assert.equal(p.ssim, p.baseline_ssim);
  }
  assert.equal(r.overall['mse_ratio'], 1);
});

test("held-out rows are the truth with truthQuery, or the table's split = 'test' rows by default when no simulation is named", async () => {
  const r = await validateRun(store, { run: 'truth-run', truthQuery: "SELECT * FROM blobs WHERE split = 'test'" });
  assert.equal(r.source, 'holdout');
  assert.equal(r.n_points, TEST_POINTS.length);
  assert.deepEqual(r.points.map((p) => [p.values['a'], p.values['b']]), TEST_POINTS.map((p) => [...p]));
  assert.ok(r.points.every((p) => p.mse === 0));
  // A run whose training rows name no simulation: its table's split = 'test' rows by default.
  await addFakeRun(store, 'plain-run', 'truth', CONTINUOUS, "SELECT id, a, b, spread, split, FILE FROM blobs WHERE split = 'train'");
  const plain = await validateRun(store, { run: 'plain-run' });
  assert.equal(plain.source, 'holdout');
  assert.equal(plain.truth_query, `SELECT * FROM "blobs" WHERE "split" = 'test'`);
  assert.equal(plain.n_points, TEST_POINTS.length);
  const limited = await validateRun(store, { run: 'nearest-run', truthQuery: "SELECT * FROM blobs WHERE split = 'test'", points: 2 });
  assert.equal(limited.n_points, 2);
  assert.ok((await rowsOf(limited.validation_id)).every((x) => x['source'] === 'holdout'));
});

test('a stochastic model is measured as the mean over samples seeds, their spread beside it', async () => {
  const r = await validateRun(store, { run: 'gan-run', points: 3, samples: 4, seed: 11 });
  assert.equal(r.stochastic, true);
  assert.equal(r.samples, 4);
  for (const p of r.points) {
    assert.ok(p.mse > 0.0015 && p.mse < 0.0035, `noise of std 0.05, clipped: ${p.mse}`);
    assert.ok(p.mse_std !== null && p.mse_std > 0);
  }
  const rows = await rowsOf(r.validation_id);
  assert.ok(rows.filter((x) => x['condition'] !== null).every((x) => x['n_generated'] === 4));
  const again = await validateRun(store, { run: 'gan-run', points: 3, samples: 4, seed: 11 });
  assert.deepEqual(again.points.map((p) => p.mse), r.points.map((p) => p.mse), 'seeded');
});

test('the Latin hypercube is inside the ranges, one point per slice of each range, and seeded', () => {
  const ranges = [{ name: 'a', min: 0.1, max: 0.9 }, { name: 'b', min: -5, max: 5 }, { name: 'c', min: 2, max: 2 }];
  const points = latinHypercube(ranges, 40, 7);
  assert.equal(points.length, 40);
  for (const r of ranges) {
    const slices = points.map((p) => (r.min === r.max ? 0 : Math.floor(((p[r.name]! - r.min) / (r.max - r.min)) * 40))).sort((x, y) => x - y);
    assert.ok(points.every((p) => p[r.name]! >= r.min && p[r.name]! <= r.max));
    if (r.min !== r.max) assert.deepEqual(slices, Array.from({ length: 40 }, (_, i) => i));
  }
  assert.deepEqual(latinHypercube(ranges, 40, 7), points);
  assert.notDeepEqual(latinHypercube(ranges, 40, 8), points);
});

test('rows and files appear together: a failed commit leaves no rows and no files', async () => {
  const before = await evaluationCount();
  const folders = validationFolders('truth-run');
  const raw = new Database(path.join(dir, 'dsi.db'));
  raw.exec("CREATE TRIGGER refuse_ratio BEFORE INSERT ON ml_evaluations WHEN NEW.metric = 'mse_ratio' BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END");
  raw.close();
  try {
    await assert.rejects(validateRun(store, { run: 'truth-run', points: 4 }), /refused by a test trigger/);
  } finally {
    const again = new Database(path.join(dir, 'dsi.db'));
    again.exec('DROP TRIGGER refuse_ratio');
    again.close();
  }
  assert.equal(await evaluationCount(), before);
  assert.deepEqual(validationFolders('truth-run'), folders, 'no folder and no temporary left');
});

test('bad input is one clear error each, and writes nothing', async () => {
  const before = await evaluationCount();
  const cases: [Parameters<typeof validateRun>[1], string, RegExp][] = [
    [{ run: 'truth-run', simulate: 'lava-lamp' }, 'E_ML_ARGUMENT', /simulate: unknown simulation "lava-lamp"; known: .*blob/],
    [{ run: 'truth-run', points: [{ a: 0.5, c: 0.5 }] }, 'E_ML_ARGUMENT', /points: point 1 lacks b and has c, which is not a condition of the run; the run's conditions are a, b/],
    [{ run: 'truth-run', points: [{ a: 0.5, b: Number.NaN }] }, 'E_ML_ARGUMENT', /point 1 has b = NaN, not a finite number/],
    [{ run: 'label-run' }, 'E_ML_ARGUMENT', /run label-run has categorical conditions \(shape\); simulation blob takes continuous parameters only: validate against held-out rows with truthQuery/],
    [{ run: 'extra-run', simulate: 'blob' }, 'E_ML_ARGUMENT', /conditions of run extra-run \(a, extra\) do not match the parameters of simulation blob \(a, b, spread\): extra is not among them/],
    [{ run: 'truth-run', points: 0 }, 'E_ML_ARGUMENT', /points must be a whole number ≥ 1, got 0/],
    [{ run: 'truth-run', points: -3 }, 'E_ML_ARGUMENT', /points must be a whole number ≥ 1, got -3/],
    [{ run: 'truth-run', points: [] }, 'E_ML_ARGUMENT', /points is an empty list/],
    [{ run: 'truth-run', simulate: 'blob', truthQuery: 'SELECT * FROM blobs' }, 'E_ML_ARGUMENT', /give either simulate or truthQuery, not both/],
    [{ run: 'truth-run', truthQuery: "SELECT * FROM blobs WHERE split = 'none'" }, 'E_ML_DATA', /the held-out query selects no images/],
    [{ run: 'no-such-run' }, 'E_ML_RUN', /no run "no-such-run"/],
  ];
  for (const [options, code, message] of cases) await assert.rejects(validateRun(store, options), { code, message }, JSON.stringify(options));
  assert.equal(await evaluationCount(), before);
  assert.equal(openPredictors.size, 0, 'every predictor opened was disposed');
});

/** `dsi ARGS` run in this process (so the stand-in predictors are known), its stdout returned. */
async function dsiInProcess(args: readonly string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Text is the command's; the test runner's own events on stdout are bytes, and pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildProgram().parseAsync(['node', 'dsi', '--db', path.join(dir, 'dsi.db'), ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('dsi ml validate prints the figures (JSON with --json) and names options by their flags in errors', async () => {
  const json = JSON.parse(await dsiInProcess(['ml', 'validate', '--run', 'truth-run', '--points', '3', '--json'])) as { n_points: number; overall: Record<string, number>; validation_id: string };
  assert.equal(json.n_points, 3);
  assert.equal(json.overall['validation_mse'], 0);
  assert.equal((await rowsOf(json.validation_id)).length, 3 * 6 + 7);
  const text = await dsiInProcess(['ml', 'validate', '--run', 'nearest-run', '--points', '2']);
  assert.match(text, /run nearest-run \(epoch 3\) at 2 points against simulation blob; baseline: the nearest of 25 training runs/);
  assert.match(text, /mse_ratio/);
  assert.match(text, /contact_sheet: dsi\.data\/ml\/nearest-run\/validations\/validation-[\d-]+[0-9a-f]{4}\/contact-sheet\.png/);
  const f = await failureOf(['--db', path.join(dir, 'dsi.db'), 'ml', 'validate', '--run', 'truth-run', '--simulate', 'blob', '--truth-query', 'SELECT 1']);
  assert.match(f.line ?? '', /give either --simulate or --truth-query, not both/);
});
