/**
 * How good a conditional GAN's images are, judged by a classifier that plays no part in training
 * or in `ml evaluate`: a CNN trained here on the real training set with its own seed. For every
 * label it generates `--per-label` images (the checkpoint's sampling weights: the moving average
 * when the run keeps one) and reports
 *
 *   faithfulness  the share the judge assigns to the label they were generated for
 *   diversity     mean pairwise distance of their judge features, divided by the same for as
 *                 many real test images of the label (1: as varied as real digits; 0: one image)
 *
 * and the training wall time (data loading included), with the CPU model.
 *
 *   npm run build
 *   node dist/bench/gan-quality.js [--preset quick] [--seed 1] [--dataset mnist|fashion-mnist]
 *        [--threads N] [--run RUN --db STORE] [--train '{"epochs":4}'] [--out bench/out/gan-quality] [--json]
 *
 * Without --run it trains a new run (`dsi ml train --table mnist --cond-cols label --preset quick
 * --seed 1`, as the library call) in a fresh store; --train adds or overrides options (JSON).
 * Writes `grid.png` (labelled, one row per label) and `report.json` into --out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDataset } from '../src/datasets/add-dataset.js';
import { loadImages } from '../src/images/load-images.js';
import { labelledGridPng } from '../src/images/labelled-grid.js';
import { openStore } from '../src/index.js';
import { diversityRatio, featureMatrix } from '../src/ml/evaluate/metrics/index.js';
import { loadFeatureExtractor } from '../src/ml/evaluate/feature-extractor.js';
import { RunRegistry, trainClassifier, trainGan, type TrainGanOptions } from '../src/ml/index.js';
import { architectureOf, loadCheckpoint } from '../src/ml/checkpoints/gan-checkpoint.js';
import { createGan } from '../src/ml/models/gan.js';
import { generateImages } from '../src/ml/predict/generate-images.js';
import * as torch from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'quick' },
    seed: { type: 'string', default: '1' },
    dataset: { type: 'string', default: 'mnist' },
    threads: { type: 'string' },
    run: { type: 'string' },
    db: { type: 'string' },
    train: { type: 'string', default: '{}' },
    'per-label': { type: 'string', default: '500' },
    'judge-seed': { type: 'string', default: '97' },
    out: { type: 'string', default: 'bench/out/gan-quality' },
    json: { type: 'boolean', default: false },
  },
});
const dataset = values.dataset as 'mnist' | 'fashion-mnist';
const table = dataset === 'mnist' ? 'mnist' : 'fashion_mnist';
const perLabel = Number(values['per-label']);
const out = path.resolve(values.out);
fs.mkdirSync(out, { recursive: true });
const say = (s: string): void => {
  if (!values.json) console.error(s);
};
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
const temp = values.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-gan-quality-')) : undefined;
const store = await openStore(values.db ?? path.join(temp!, 'dsi.db'));
try {
  if (values.db === undefined) await addDataset(store, dataset, { download: false });
  const registry = new RunRegistry(store);

  let runId = values.run;
  let trainSeconds: number | null = null;
  if (runId === undefined) {
    const options: TrainGanOptions = { table, conditionColumns: ['label'], preset: values.preset as 'quick', seed: Number(values.seed), ...(JSON.parse(values.train) as object) };
    say(`training: ${JSON.stringify(options)}`);
    const t0 = performance.now();
    const r = await trainGan(store, options);
    trainSeconds = (performance.now() - t0) / 1000;
    runId = r.run_id;
    say(`${runId}: ${r.steps_done} steps in ${trainSeconds.toFixed(1)} s (${r.images_per_second?.toFixed(0)} images/s while stepping)`);
  }

  // The judge: a classifier of its own, trained on the real training split.
  say('training the judge classifier');
  const judgeRun = await trainClassifier(store, { table, labelColumn: 'label', epochs: 2, batch: 128, lr: 2e-3, seed: Number(values['judge-seed']) });
  say(`judge ${judgeRun.run_id}: test accuracy ${judgeRun.test_accuracy}`);
  using judge = await loadFeatureExtractor(store, judgeRun.run_id);

  const run = await registry.getRun(runId, 'gan');
  const levels = run.params.conditions[0]!.kind === 'categorical' ? (run.params.conditions[0] as { levels: (string | number)[] }).levels : [];
  using gan = createGan(architectureOf(run.params));
  loadCheckpoint(registry.absolute(run.FILE_checkpoint!), gan);
  gan.eval();

  const rows: { label: string | number; faithfulness: number; diversity: number }[] = [];
  const gridPixels: Uint8Array[] = [];
  for (const [k, label] of levels.entries()) {
    const seeds = Array.from({ length: perLabel }, (_, i) => 1_000_000 + k * perLabel + i);
    const pixels = generateImages(gan, { seeds, combos: seeds.map(() => ({ label })), device: 'cpu' });
    gridPixels.push(pixels.subarray(0, 10 * 28 * 28));
    const gen = judge.extract(pixels, perLabel);
    let hits = 0;
    const want = judge.levels.findIndex((l) => String(l) === String(label));
    for (let i = 0; i < perLabel; i++) {
      const row = gen.logits.subarray(i * judge.levels.length, (i + 1) * judge.levels.length);
      let best = 0;
      for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[best] as number)) best = j;
      if (best === want) hits++;
    }
    const real = await loadImages(store, `SELECT * FROM ${table} WHERE split = 'test' AND label = ${JSON.stringify(label)} LIMIT ${perLabel}`, { size: 28, channels: 1 });
    const realFeatures = judge.extract(real.pixels, real.count);
    const d = diversityRatio(featureMatrix(gen.features, perLabel, judge.featureDim), featureMatrix(realFeatures.features, real.count, judge.featureDim));
    rows.push({ label, faithfulness: hits / perLabel, diversity: d.value });
    say(`label ${label}: faithfulness ${(hits / perLabel).toFixed(3)}, diversity ${d.value.toFixed(3)}`);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const report = {
    run_id: runId,
    dataset,
    preset: values.preset,
    cpu,
    cores: os.cpus().length,
    threads: torch.getNumThreads(),
    train_seconds: trainSeconds,
    judge_run: judgeRun.run_id,
    judge_test_accuracy: judgeRun.test_accuracy,
    per_label: perLabel,
    faithfulness: mean(rows.map((r) => r.faithfulness)),
    faithfulness_min: Math.min(...rows.map((r) => r.faithfulness)),
    diversity: mean(rows.map((r) => r.diversity)),
    diversity_min: Math.min(...rows.map((r) => r.diversity)),
    labels: rows,
  };
  const all = new Uint8Array(gridPixels.reduce((n, p) => n + p.length, 0));
  gridPixels.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  fs.writeFileSync(path.join(out, 'grid.png'), await labelledGridPng(all, { count: levels.length * 10, channels: 1, height: 28, width: 28 }, { columns: 10, rows: levels.map((l) => ({ label: `label = ${l}`, count: 10 })) }));
  fs.writeFileSync(path.join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `${cpu} (${report.cores} cores, ${report.threads} threads): training ${trainSeconds === null ? '(given run)' : `${trainSeconds.toFixed(1)} s`}; ` +
        `faithfulness ${report.faithfulness.toFixed(3)} (min ${report.faithfulness_min.toFixed(3)}), diversity ${report.diversity.toFixed(3)} (min ${report.diversity_min.toFixed(3)}); grid ${path.join(out, 'grid.png')}`,
    );
  }
} finally {
  await store.close();
  if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
}
