/**
 * `evaluateRun` / `dsi ml evaluate` end to end on MNIST with the shared classifier: values overall
 * and per label stored in ml_evaluations with the feature run, stored predictions scored, each
 * saved epoch evaluated, plots written; features of real images put real sets close and noisy
 * ones far; bad input refused with nothing stored.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { loadImages } from '../src/images/load-images.js';
import type { Store } from '../src/store/store.js';
import {
  evaluateRun,
  featureMatrix,
  featureStatistics,
  frechetDistance,
  loadFeatureExtractor,
  predictGan,
  trainGan,
} from '../src/ml/index.js';
import { mnistClassifierStore } from './helpers/classifier-fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REFERENCE = "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 400";
const SMALL = { count: 200, kidSubsets: 10, kidSubsetSize: 100, seed: 1 } as const;

let store: Store;
let db: string;
let dir: string;
let classifier: string;
let gan: string;

async function count(sql: string, params: (string | number)[] = []): Promise<number> {
  return Number((await store.query(sql, params))[0]!['n']);
}

before(async () => {
  ({ store, db, dir, runId: classifier } = await mnistClassifierStore());
  gan = (await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 512, epochs: 2, batch: 64, seed: 2, threads: 2 })).run_id;
});

describe('ml evaluate', () => {
  it('stores overall and per-label values with the feature run, writes plots, and returns the timing split', async () => {
    const before = await count('SELECT count(*) AS n FROM ml_evaluations WHERE run_id = ?', [gan]);
    const r = await evaluateRun(store, { run: gan, reference: REFERENCE, ...SMALL });
    assert.equal(r.feature_run_id, classifier, 'the newest classifier trained on mnist is the default');
    assert.equal(r.n_real, 400);
    assert.equal(r.n_generated, 200);
    assert.equal(r.source, 'generated');
    assert.equal(r.epoch, 2);
    for (const m of ['fid', 'kid', 'kid_std', 'precision', 'recall', 'diversity', 'is', 'is_std', 'class_faithfulness', 'mean_score', 'mean_nn_distance']) {
      assert.ok(Number.isFinite(r.metrics[m]), `${m} = ${r.metrics[m]}`);
    }
    assert.ok(r.metrics['fid']! > 0);
    assert.ok(r.metrics['is']! >= 1 && r.metrics['is']! <= 10);
    assert.ok(r.metrics['class_faithfulness']! >= 0 && r.metrics['class_faithfulness']! <= 1);
    assert.deepEqual(r.per_condition.map((c) => c.condition), Array.from({ length: 10 }, (_, d) => `label=${d}`));
    for (const c of r.per_condition) {
      assert.equal(c.n_generated, 20, 'spread evenly over the labels');
      assert.ok(c.n_real > 0);
      assert.ok(Number.isFinite(c.metrics['fid']) && Number.isFinite(c.metrics['class_faithfulness']));
      assert.ok(c.metrics['diversity']! > 0 && c.metrics['recall']! >= 0 && c.metrics['recall']! <= 1, `${c.condition}: diversity ${c.metrics['diversity']}, recall ${c.metrics['recall']}`);
    }
    const rows = await store.query('SELECT * FROM ml_evaluations WHERE run_id = ? ORDER BY rowid', [gan]);
    assert.ok(rows.length > before);
    assert.ok(rows.every((x) => x['feature_run_id'] === classifier && x['epoch'] === 2 && x['source'] === 'generated'));
    const fid = rows.find((x) => x['metric'] === 'fid' && x['condition'] === null)!;
    assert.equal(fid['value'], r.metrics['fid']);
    assert.equal(fid['n_real'], 400);
    const kid = rows.find((x) => x['metric'] === 'kid' && x['condition'] === null)!;
    assert.equal(kid['std'], r.metrics['kid_std'], 'kid_std is stored as the std of kid');
    assert.ok(rows.some((x) => x['metric'] === 'class_faithfulness' && x['condition'] === 'label=7'));
    for (const metric of ['diversity', 'recall']) {
      const stored = rows.filter((x) => x['metric'] === metric && x['condition'] !== null && x['created_at'] === rows.at(-1)!['created_at']);
      assert.deepEqual(stored.map((x) => [x['condition'], x['value']]), r.per_condition.map((c) => [c.condition, c.metrics[metric]]), `one ${metric} row per label`);
    }
    assert.ok('diversity_per_condition' in r.files);
    for (const file of Object.values(r.files)) assert.ok(fs.existsSync(path.join(dir, file)), file);
    assert.ok('score_histogram' in r.files && 'fid_per_condition' in r.files);
    assert.ok(r.timings.generation > 0 && r.timings.features > 0 && r.timings.metrics > 0);
  });

  it('stored predictions get their score and nn_distance; --predictions evaluates them instead of generating', async () => {
    const out = await predictGan(store, { run: gan, grid: { label: '0..9' }, count: 3, seed: 7 });
    const ids = out.predictions.map((p) => p.prediction_id);
    const r = await evaluateRun(store, { run: gan, reference: REFERENCE, predictions: `SELECT * FROM ml_predictions WHERE run_id = '${gan}'`, ...SMALL });
    assert.equal(r.source, 'predictions');
    assert.equal(r.n_generated, 30);
    assert.equal(r.predictions_scored, 30);
    const rows = await store.query(`SELECT prediction_id, score, nn_distance FROM ml_predictions WHERE prediction_id IN (${ids.map(() => '?').join(',')})`, ids);
    assert.equal(rows.length, 30);
    for (const x of rows) {
      assert.ok(Number(x['score']) >= 0 && Number(x['score']) <= 1);
      assert.ok(Number(x['nn_distance']) > 0);
    }
  });

  it('--every-checkpoint evaluates each saved epoch', async () => {
    const r = await evaluateRun(store, { run: gan, reference: REFERENCE, everyCheckpoint: true, ...SMALL });
    assert.deepEqual(r.per_epoch.map((e) => e.epoch), [1, 2]);
    for (const e of r.per_epoch) assert.ok(Number.isFinite(e.metrics['fid']));
    assert.ok('fid_per_epoch' in r.files);
    assert.ok((await count("SELECT count(*) AS n FROM ml_evaluations WHERE run_id = ? AND epoch = 1 AND metric = 'fid'", [gan])) >= 1);
  });

  it('features of real images: two real sets are closer than a real set and its noisy copy', async () => {
    const extractor = await loadFeatureExtractor(store, classifier);
    try {
      const a = await loadImages(store, "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 500");
      const b = await loadImages(store, "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 500 OFFSET 500");
      const noisy = new Uint8Array(b.pixels);
      let state = 1;
      for (let i = 0; i < noisy.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        noisy[i] = Math.min(255, Math.max(0, noisy[i]! + ((state >>> 16) % 161) - 80));
      }
      const stats = (pixels: Uint8Array) => {
        const f = extractor.extract(pixels, 500).features;
        return featureStatistics(featureMatrix(f, 500, extractor.featureDim));
      };
      const sa = stats(a.pixels);
      const real = frechetDistance(sa, stats(b.pixels)).value;
      const far = frechetDistance(sa, stats(noisy)).value;
      assert.ok(real < far, `FID real–real ${real} should be below real–noisy ${far}`);
    } finally {
      extractor.dispose();
    }
  });

  it('the CLI prints {run_id, metrics, per_condition} with --json and a table without', () => {
    const args = ['--db', db, 'ml', 'evaluate', '--run', gan, '--reference', REFERENCE, '--count', '100', '--kid-subsets', '5', '--kid-subset-size', '50'];
    const j = spawnSync(process.execPath, [path.join(ROOT, 'bin/dsi.js'), ...args, '--json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(j.status, 0, j.stderr);
    const out = JSON.parse(j.stdout) as { run_id: string; metrics: Record<string, number>; per_condition: { condition: string; metrics: Record<string, number> }[] };
    assert.equal(out.run_id, gan);
    assert.ok(Number.isFinite(out.metrics['fid']));
    assert.equal(out.per_condition.length, 10);
    const t = spawnSync(process.execPath, [path.join(ROOT, 'bin/dsi.js'), ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /fid\s+kid/);
    assert.match(t.stdout, /recall\s+diversity/);
    assert.match(t.stdout, /label=9/);
    assert.match(t.stdout, /time: .* \(generation .* s, features .* s, metrics .* s\)/);
  });

  it('bad input: a GAN run as features, a reference with no images, a classifier run to evaluate; nothing stored', async () => {
    const before = await count('SELECT count(*) AS n FROM ml_evaluations');
    const code = async (p: Promise<unknown>, c: string, re: RegExp) =>
      assert.rejects(p, (e: unknown) => e instanceof MlError && e.code === c && re.test(e.message));
    await code(evaluateRun(store, { run: gan, reference: REFERENCE, features: gan, ...SMALL }), 'E_ML_RUN', /not a classifier/);
    await code(evaluateRun(store, { run: gan, reference: "SELECT * FROM mnist WHERE split = 'nope'", ...SMALL }), 'E_ML_DATA', /selects no images/);
    await code(evaluateRun(store, { run: classifier, reference: REFERENCE, ...SMALL }), 'E_ML_RUN', /evaluate takes a GAN run/);
    await code(evaluateRun(store, { run: 'gan-none', reference: REFERENCE, ...SMALL }), 'E_ML_RUN', /no run "gan-none"/);
    assert.equal(await count('SELECT count(*) AS n FROM ml_evaluations'), before);
  });
});
