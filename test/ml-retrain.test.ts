/**
 * Retraining on accepted predictions, for every kind of run, on a store of 160 MNIST digits and
 * one-epoch runs: the diversity-aware acceptance policy (what it accepts is farther than its
 * minimum distance from every other accepted image and from the training set), a classifier and
 * an emulator that learn from a GAN's accepted predictions (recorded in their run rows), and the
 * generations of synthetic data in lineage with the warning beyond the limit. Bad input is
 * refused with errors that name the option or the run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlError } from '../src/errors.js';
import type { Store } from '../src/store/store.js';
import {
  acceptPredictions,
  checkSyntheticGenerations,
  clearRuleAcceptances,
  loadPredictionImages,
  predictGan,
  RunRegistry,
  runLineage,
  syntheticGenerations,
  trainClassifier,
  trainEmulator,
  trainGan,
} from '../src/ml/index.js';
import { loadFeatureExtractor } from '../src/ml/evaluate/feature-extractor.js';
import { featureMatrix, nearestNeighbourDistances } from '../src/ml/evaluate/metrics/index.js';
import { loadImages } from '../src/images/load-images.js';
import type { ProgressEvent } from '../src/progress.js';
import { makeMnistStore } from './helpers/mnist-store.js';
import { runDsi } from './helpers/cli-run.js';

let dir: string;
let db: string;
let store: Store;
let features: string;
let gan: string;

const isMl = (code: string, pattern: RegExp) => (e: unknown) => e instanceof MlError && e.code === code && pattern.test(e.message);
const acceptedRows = (run: string) => store.query('SELECT prediction_id, label, seed, accepted_by FROM ml_predictions WHERE run_id = ? AND accepted = 1 ORDER BY prediction_id', [run]);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-retrain-'));
  ({ store, db } = await makeMnistStore(dir, 160));
  features = (await trainClassifier(store, { table: 'digits', labelColumn: 'label', epochs: 1, batch: 32, seed: 1, threads: 2 })).run_id;
  gan = (await trainGan(store, { table: 'digits', conditionColumns: ['label', 'brightness'], categorical: ['label'], continuous: ['brightness'], epochs: 1, batch: 32, seed: 3, threads: 2 })).run_id;
  await predictGan(store, { run: gan, grid: { label: '0..9', brightness: '30..50:3' }, seed: 10 });
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the diversity-aware acceptance policy', () => {
  it('accepts only predictions farther than the minimum distance from each other and from every training image', async () => {
    const r = await acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, features });
    const d = r.diversity!;
    assert.equal(d.threshold, 'training quantile');
    assert.equal(d.feature_run_id, features);
    assert.ok(d.min_distance > 0 && Number.isFinite(d.min_distance));
    assert.equal(r.accepted + d.near_accepted + d.near_training, 30, 'every match is accepted or passed over for a reason');
    assert.ok(r.accepted >= 1);
    const rows = await acceptedRows(gan);
    assert.equal(rows.length, r.accepted);
    for (const row of rows) assert.match(String(row['accepted_by']), /^rule: seed >= 0, diverse: min distance [\d.e+-]+, the 10th percentile .* \(features of classifier-/);

    // The property, measured independently on the same classifier's features.
    using fx = await loadFeatureExtractor(store, features);
    const ids = rows.map((x) => String(x['prediction_id']));
    const imgs = await loadPredictionImages(store, ids, fx.size, fx.channels);
    const f = featureMatrix(fx.extract(imgs.pixels, ids.length).features, ids.length, fx.featureDim);
    const train = await loadImages(store, (await new RunRegistry(store).get(gan)).data_query, { size: fx.size, channels: fx.channels });
    const t = featureMatrix(fx.extract(train.pixels, train.count).features, train.count, fx.featureDim);
    for (const x of nearestNeighbourDistances(f, t)) assert.ok(x > d.min_distance, `${x} to the nearest training image exceeds ${d.min_distance}`);
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        let s = 0;
        for (let c = 0; c < f.cols; c++) s += (f.data[i * f.cols + c]! - f.data[j * f.cols + c]!) ** 2;
        assert.ok(Math.sqrt(s) > d.min_distance, `accepted ${ids[i]} and ${ids[j]} are ${Math.sqrt(s)} apart`);
      }
    }
    // The same call again accepts nothing new: the walk is deterministic and earlier acceptances stand.
    const again = await acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, features });
    assert.equal(again.accepted, 0);
    assert.equal(again.accepted_total, r.accepted);
    assert.equal(await clearRuleAcceptances(store, gan), r.accepted);
  });

  it('walks best-first: with a tiny distance and best 2 per label it accepts the two best of each label', async () => {
    const r = await acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, minDistance: 1e-9, best: 2, per: 'label', features });
    assert.equal(r.diversity!.threshold, 'given');
    assert.equal(r.accepted, 20);
    const rows = await acceptedRows(gan);
    const all = await store.query('SELECT prediction_id, label, seed FROM ml_predictions WHERE run_id = ?', [gan]);
    const expected = [...new Set(all.map((x) => Number(x['label'])))].flatMap((label) =>
      all.filter((x) => Number(x['label']) === label).sort((a, b) => Number(b['seed']) - Number(a['seed'])).slice(0, 2).map((x) => String(x['prediction_id'])),
    );
    assert.deepEqual(rows.map((x) => String(x['prediction_id'])).sort(), expected.sort());
    assert.match(String(rows[0]!['accepted_by']), /^rule: seed >= 0, best 2 per label, diverse: min distance 1\.000e-9 \(features of /);
    // A distance beyond every feature distance accepts nothing: each is near a training image.
    await clearRuleAcceptances(store, gan);
    const none = await acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, minDistance: 1e9, features });
    assert.deepEqual([none.accepted, none.diversity!.near_training], [0, 30]);
  });

  it('refuses bad input, naming the option, and stores nothing', async () => {
    const before = await store.query('SELECT count(*) AS n FROM ml_predictions WHERE accepted IS NOT NULL');
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, minDistance: 'far' as unknown as number }), isMl('E_ML_ARGUMENT', /^minDistance must be a positive number .*got "far"/));
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, minDistance: -1 }), isMl('E_ML_ARGUMENT', /minDistance must be a positive number/));
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'seed >= 0', minDistance: 2 }), isMl('E_ML_ARGUMENT', /give diverse too/));
    await assert.rejects(acceptPredictions(store, { run: gan, reviewed: true, diverse: true }), isMl('E_ML_ARGUMENT', /walks the matches of a rule/));
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'label = 3', diverse: true }), isMl('E_ML_ARGUMENT', /^diverse ranks by the rule's column/));
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, features: 'classifier-nope' }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_RUN' && /classifier-nope/.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: gan, rule: 'seed >= 0', diverse: true, features: gan }), isMl('E_ML_RUN', /not a classifier/));
    await assert.rejects(acceptPredictions(store, { run: 'gan-nope', rule: 'seed >= 0', diverse: true }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_RUN' && /gan-nope/.test(e.message));
    assert.deepEqual(await store.query('SELECT count(*) AS n FROM ml_predictions WHERE accepted IS NOT NULL'), before);
    const cli = runDsi(['--db', db, 'ml', 'accept', '--run', gan, '--rule', 'seed >= 0', '--diverse', '--min-distance', 'far']);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /--min-distance/);
  });
});

describe('accepted predictions for classifiers and emulators', () => {
  it('a classifier trains on the real images plus the accepted generated ones, labelled by their condition', async () => {
    await clearRuleAcceptances(store, gan);
    const accepted = (await acceptPredictions(store, { run: gan, rule: 'seed >= 0' })).accepted_total;
    assert.equal(accepted, 30);
    const r = await trainClassifier(store, { table: 'digits', labelColumn: 'label', includeAcceptedFrom: gan, epochs: 1, batch: 32, seed: 2, threads: 2 });
    assert.equal(r.n_train, 160 + 30);
    const run = await new RunRegistry(store).getRun(r.run_id, 'classifier');
    assert.equal(run.params.included_from, gan);
    assert.equal(run.included_predictions.length, 30);
    assert.equal(run.data_rows, 190);
    assert.equal(run.parent_run_id, null, 'a classifier starts from no GAN weights: the GAN is a data source, not a parent');
    const lineage = await runLineage(store, r.run_id);
    assert.deepEqual(lineage.ancestry.at(-1)!.data.included_from, { [gan]: 30 });
    assert.equal(lineage.ancestry.at(-1)!.data.synthetic_generations, 1);
  });

  it('a stopped classifier resumes on the same real and generated images', async () => {
    const controller = new AbortController();
    const stopped = await trainClassifier(store, {
      table: 'digits', labelColumn: 'label', includeAcceptedFrom: gan, epochs: 2, batch: 32, seed: 3, threads: 2, signal: controller.signal,
      onProgress: (e) => e.task.startsWith('train ') && controller.abort(),
    });
    assert.equal(stopped.status, 'stopped');
    const resumed = await trainClassifier(store, { resume: stopped.run_id, threads: 2 });
    assert.deepEqual([resumed.status, resumed.n_train, resumed.epochs_done], ['finished', 190, 2]);
  });

  it('an emulator fits on the accepted predictions\' conditioning values as extra training rows, never held out', async () => {
    const plain = await trainEmulator(store, { model: 'linear', table: 'digits', target: 'brightness', features: ['label'], seed: 1 });
    const r = await trainEmulator(store, { model: 'linear', table: 'digits', target: 'brightness', features: ['label'], seed: 1, includeAcceptedFrom: gan });
    assert.equal(r.n_test, plain.n_test);
    assert.equal(r.n_train, plain.n_train + 30);
    const run = await new RunRegistry(store).getRun(r.run_id, 'regressor');
    assert.equal(run.params.included_from, gan);
    assert.equal(run.included_predictions.length, 30);
    assert.deepEqual(run.params.split.test_rows, (await new RunRegistry(store).getRun(plain.run_id, 'regressor')).params.split.test_rows);
  });

  it('refuses an unknown run, a run without accepted predictions and predictions without the needed columns', async () => {
    const base = { table: 'digits', labelColumn: 'label', epochs: 1, batch: 32, seed: 2 } as const;
    const runs = (await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n'];
    await assert.rejects(trainClassifier(store, { ...base, includeAcceptedFrom: 'gan-nope' }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_RUN' && /gan-nope/.test(e.message));
    await assert.rejects(trainClassifier(store, { ...base, includeAcceptedFrom: features }), isMl('E_ML_DATA', /run classifier-\S+ has no accepted predictions: it has no predictions/));
    await assert.rejects(trainClassifier(store, { ...base, includeAcceptedFrom: '' }), isMl('E_ML_ARGUMENT', /^includeAcceptedFrom must name a run/));
    await assert.rejects(
      trainEmulator(store, { model: 'linear', table: 'digits', target: 'id', features: ['label'], includeAcceptedFrom: gan }),
      isMl('E_ML_DATA', /accepted predictions of run gan-\S+ have no "id": an emulator learns from predictions whose conditioning parameters include its target and features/),
    );
    const emulator = (await store.query("SELECT run_id FROM ml_runs WHERE kind = 'regressor' LIMIT 1"))[0]!['run_id'];
    await assert.rejects(
      trainEmulator(store, { model: 'linear', table: 'digits', target: 'brightness', features: ['label'], includeAcceptedFrom: String(emulator) }),
      isMl('E_ML_DATA', /an emulator writes its predictions to a table of its own/),
    );
    assert.deepEqual((await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n'], runs, 'no run row was written');
    const cli = runDsi(['--db', db, 'ml', 'train', '--from', gan, '--include-accepted-from', gan]);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /--include-accepted-from is for classifiers and emulators/);
  });
});

describe('generations of synthetic data', () => {
  it('counts generations along the lineage and warns beyond the limit', async () => {
    assert.deepEqual(await syntheticGenerations(store, []), { generation: 0, sources: {} });
    const events: ProgressEvent[] = [];
    const child = (await trainGan(store, { from: gan, includeAccepted: true, seed: 5, threads: 2, onProgress: (e) => events.push(e) })).run_id;
    assert.equal(events.filter((e) => e.task === 'warning').length, 0, 'generation 1 is within the default limit');
    await predictGan(store, { run: child, grid: { label: '0..9' }, params: { brightness: '40' }, seed: 20 });
    await acceptPredictions(store, { run: child, rule: 'seed >= 0' });

    const warned: ProgressEvent[] = [];
    const grandchild = (await trainGan(store, { from: child, includeAccepted: true, seed: 6, threads: 2, onProgress: (e) => warned.push(e) })).run_id;
    const warnings = warned.filter((e) => e.task === 'warning').map((e) => String(e.detail?.['warning']));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /generation-2 synthetic data .*beyond the limit of 1.*model collapse/);
    assert.match(warnings[0]!, new RegExp(`${child} \\(generation 1\\)`));
    const lineage = await runLineage(store, grandchild);
    assert.deepEqual(lineage.ancestry.map((r) => r.data.synthetic_generations), [0, 1, 2]);
    assert.deepEqual(await syntheticGenerations(store, (await new RunRegistry(store).get(grandchild)).included_predictions), { generation: 2, sources: { [gan]: 0, [child]: 1 } });

    // The check trainGan's planChild makes, with a limit of 2: generation 2 is allowed.
    const quiet: ProgressEvent[] = [];
    const checked = await checkSyntheticGenerations(store, (await new RunRegistry(store).get(grandchild)).included_predictions, { maxSyntheticGenerations: 2, onProgress: (e) => quiet.push(e) });
    assert.equal(checked.generation, 2);
    assert.deepEqual(quiet, []);
    await assert.rejects(trainGan(store, { from: child, includeAccepted: true, maxSyntheticGenerations: -1 }), isMl('E_ML_ARGUMENT', /^maxSyntheticGenerations must be a whole number ≥ 0, got -1/));
    await assert.rejects(trainEmulator(store, { model: 'linear', table: 'digits', target: 'brightness', features: ['label'], maxSyntheticGenerations: 1.5 }), isMl('E_ML_ARGUMENT', /^maxSyntheticGenerations must be a whole number ≥ 0, got 1.5/));

    const cli = runDsi(['--db', db, 'ml', 'train', '--from', child, '--include-accepted', '--seed', '8', '--threads', '2']);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stderr, /dsi: warning: this run trains on generation-2 synthetic data/);
    const shown = runDsi(['--db', db, 'ml', 'lineage', grandchild]);
    assert.match(shown.stdout, /synthetic data of generation 2/);
  });
});
