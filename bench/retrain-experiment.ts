/**
 * Does training on accepted predictions help? For each seed and each selection policy, from one
 * parent GAN (the quick preset on MNIST):
 *
 *   (a) a GAN child trained `--child-epochs` (1) from the parent with the accepted predictions, against a
 *       control child trained the same epoch without them: FID of each against the real test
 *       set, on the features of a classifier trained on the real training set;
 *   (b) a classifier trained on scarce real data (`--per-class` images per digit) with and
 *       without the accepted generated images: accuracy on the real test set;
 *   (c) the policies: `threshold` (score ≥ 0.9), `best` (the 100 best-scored per label) and
 *       `diverse` (score ≥ 0.9, near-duplicates of accepted or training images refused).
 *
 * Predictions are 200 per label from the parent, scored by `ml evaluate` (the feature classifier's
 * confidence in the label). Everything goes through the library calls the CLI uses.
 *
 *   npm run build
 *   node dist/bench/retrain-experiment.js [--seeds 1,2,3] [--per-class 100] [--db STORE --parent RUN]
 *        [--out bench/out/retrain-experiment] [--json]
 *
 * Prints a table of mean ± standard deviation over the seeds and writes report.json into --out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDataset } from '../src/datasets/add-dataset.js';
import { MlError } from '../src/errors.js';
import { openStore } from '../src/index.js';
import { acceptPredictions, clearRuleAcceptances, evaluateRun, predictGan, RunRegistry, trainClassifier, trainGan, type AcceptOptions } from '../src/ml/index.js';
import { meanAndStd } from '../src/ml/evaluate/metrics/mean-and-std.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    'per-class': { type: 'string', default: '100' },
    'per-label': { type: 'string', default: '200' },
    db: { type: 'string' },
    parent: { type: 'string' },
    'parent-train': { type: 'string', default: '{}' },
    'child-epochs': { type: 'string', default: '1' },
    'classifier-epochs': { type: 'string', default: '15' },
    out: { type: 'string', default: 'bench/out/retrain-experiment' },
    json: { type: 'boolean', default: false },
  },
});
const seeds = values.seeds.split(',').map(Number);
const perClass = Number(values['per-class']);
const perLabel = Number(values['per-label']);
const childEpochs = Number(values['child-epochs']);
const out = path.resolve(values.out);
fs.mkdirSync(out, { recursive: true });
const say = (s: string): void => {
  if (!values.json) console.error(s);
};

const POLICIES: Record<string, Omit<AcceptOptions, 'run'>> = {
  threshold: { rule: 'score >= 0.9' },
  best: { rule: 'score >= 0', best: 100, per: 'label' },
  diverse: { rule: 'score >= 0.9', diverse: true },
};

const temp = values.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-retrain-')) : undefined;
const store = await openStore(values.db ?? path.join(temp!, 'dsi.db'));
const started = performance.now();
try {
  if (values.db === undefined) await addDataset(store, 'mnist', { download: false });
  const registry = new RunRegistry(store);
  let parent = values.parent;
  if (parent === undefined) {
    say('training the parent (quick preset)');
    parent = (await trainGan(store, { table: 'mnist', conditionColumns: ['label'], preset: 'quick', seed: 1, ...(JSON.parse(values['parent-train']) as object) })).run_id;
  }
  say('training the feature classifier');
  const features = (await trainClassifier(store, { table: 'mnist', labelColumn: 'label', epochs: 2, batch: 128, lr: 2e-3, seed: 11 })).run_id;
  const reference = "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 1000";
  const fid = async (run: string, seed: number): Promise<number> => {
    const r = await evaluateRun(store, { run, reference, features, count: 1000, seed, kidSubsets: 10, kidSubsetSize: 100 });
    return r.metrics.fid ?? Number.NaN;
  };
  const scarce = `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY label ORDER BY id) AS nth FROM mnist WHERE split = 'train') WHERE nth <= ${perClass}`;
  const classify = async (seed: number, from?: string): Promise<number> => {
    const r = await trainClassifier(store, { query: scarce, labelColumn: 'label', epochs: Number(values['classifier-epochs']), batch: 64, lr: 2e-3, seed, ...(from === undefined ? {} : { includeAcceptedFrom: from }) });
    return r.test_accuracy!;
  };

  type Row = { seed: number; policy: string; accepted: number; child_fid: number; control_fid: number; classifier_with: number; classifier_without: number };
  const rows: Row[] = [];
  for (const seed of seeds) {
    say(`seed ${seed}: predictions`);
    const first = seed * 100_000;
    const predicted = await predictGan(store, { run: parent, grid: { label: '0..9' }, count: perLabel, seed: first });
    const mine = `run_id = '${parent}' AND seed >= ${first} AND seed < ${first + predicted.predictions.length}`;
    await evaluateRun(store, { run: parent, reference, features, predictions: `SELECT * FROM ml_predictions WHERE ${mine}`, seed, kidSubsets: 10, kidSubsetSize: 100 });
    say(`seed ${seed}: control child and classifier`);
    const control = (await trainGan(store, { from: parent, epochs: childEpochs, seed })).run_id;
    const controlFid = await fid(control, seed);
    const without = await classify(seed);
    for (const [policy, rule] of Object.entries(POLICIES)) {
      await clearRuleAcceptances(store, parent);
      let accepted = 0;
      try {
        accepted = (await acceptPredictions(store, { run: parent, ...rule })).accepted;
      } catch (e) {
        // A policy that accepts nothing (no score above its threshold) is a result, not a failure.
        if (!(e instanceof MlError && e.code === 'E_ML_DATA')) throw e;
        say(`seed ${seed}, ${policy}: ${e.message}`);
      }
      say(`seed ${seed}, ${policy}: ${accepted} accepted; child and classifier`);
      if (accepted === 0) {
        rows.push({ seed, policy, accepted, child_fid: Number.NaN, control_fid: controlFid, classifier_with: Number.NaN, classifier_without: without });
        continue;
      }
      const child = (await trainGan(store, { from: parent, includeAccepted: true, epochs: childEpochs, seed })).run_id;
      rows.push({ seed, policy, accepted, child_fid: await fid(child, seed), control_fid: controlFid, classifier_with: await classify(seed, parent), classifier_without: without });
      say(JSON.stringify(rows.at(-1)));
    }
    // This seed's predictions are set aside (rejected), so the next seed's policies see only its own.
    await registry.transaction(async (tx) => {
      await tx.update('ml_predictions', { accepted: 0, accepted_by: `review: set aside after experiment seed ${seed}` }, { run_id: parent });
    });
  }

  const summary = Object.keys(POLICIES).map((policy) => {
    const mine = rows.filter((r) => r.policy === policy);
    const stat = (k: keyof Row): { mean: number; std: number } => {
      const { value, std } = meanAndStd(mine.map((r) => r[k] as number));
      return { mean: value, std };
    };
    return { policy, accepted: stat('accepted'), child_fid: stat('child_fid'), control_fid: stat('control_fid'), classifier_with: stat('classifier_with'), classifier_without: stat('classifier_without') };
  });
  const report = { cpu: os.cpus()[0]?.model ?? 'unknown CPU', cores: os.cpus().length, parent, feature_run: features, seeds, per_class: perClass, per_label: perLabel, seconds: (performance.now() - started) / 1000, rows, summary };
  fs.writeFileSync(path.join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) console.log(JSON.stringify(report));
  else {
    const pm = (s: { mean: number; std: number }, digits: number): string => `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
    console.log(`${report.cpu}, ${seeds.length} seeds, ${(report.seconds / 60).toFixed(1)} min`);
    console.log('| policy | accepted | GAN child FID | control FID | classifier with | classifier without |');
    console.log('|---|---|---|---|---|---|');
    for (const s of summary) console.log(`| ${s.policy} | ${pm(s.accepted, 0)} | ${pm(s.child_fid, 1)} | ${pm(s.control_fid, 1)} | ${pm(s.classifier_with, 4)} | ${pm(s.classifier_without, 4)} |`);
  }
} finally {
  await store.close();
  if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
}
