/**
 * The classifier recipe (test/helpers/classifier-fixture.ts) trained on a whole dataset, 60,000
 * training images, and its test accuracy on the 10,000 test images: the full-scale figure behind
 * the tests, which share one trained MNIST classifier instead of training per test.
 *
 *   npm run build
 *   node dist/bench/classifier-accuracy.js [--dataset mnist|fashion-mnist|all] [--json]
 *
 * Prints per dataset the wall time (dataset added, training, evaluation), the training steps'
 * time, the test and train accuracy and the recipe's threshold (≥ 99 % MNIST, ≥ 90 %
 * Fashion-MNIST). Exits 1 when an accuracy is below its threshold; never because a machine is
 * slow. A dataset whose files are absent is reported and skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDataset } from '../src/datasets/add-dataset.js';
import { RunRegistry, trainClassifier } from '../src/ml/index.js';
import { openStore } from '../src/index.js';
import { CLASSIFIER_RECIPES, FASHION_MNIST_DIR, type ClassifierDataset } from '../test/helpers/classifier-fixture.js';

const { values } = parseArgs({ options: { dataset: { type: 'string', default: 'all' }, json: { type: 'boolean', default: false } } });
const wanted = values.dataset === 'all' ? (['mnist', 'fashion-mnist'] as const) : [values.dataset];
for (const d of wanted) {
  if (!(d in CLASSIFIER_RECIPES)) {
    console.error(`classifier-accuracy: --dataset must be mnist, fashion-mnist or all, got ${d}`);
    process.exit(2);
  }
}

interface Figure {
  dataset: ClassifierDataset;
  seconds: number;
  train_seconds: number;
  test_accuracy: number;
  train_accuracy: number;
  threshold: number;
  ok: boolean;
}

const figures: Figure[] = [];
for (const dataset of wanted as ClassifierDataset[]) {
  if (dataset === 'fashion-mnist' && !fs.existsSync(FASHION_MNIST_DIR)) {
    console.error(`classifier-accuracy: ${FASHION_MNIST_DIR} is absent (Debian's dataset-fashion-mnist): fashion-mnist skipped`);
    continue;
  }
  const recipe = CLASSIFIER_RECIPES[dataset];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dsi-bench-classifier-${dataset}-`));
  try {
    const started = performance.now();
    const store = await openStore(path.join(dir, 'dsi.db'));
    await addDataset(store, dataset, { download: false });
    const result = await trainClassifier(store, recipe.options);
    const seconds = (performance.now() - started) / 1000;
    const epochs = await new RunRegistry(store).epochs(result.run_id);
    const train = await store.query("SELECT value FROM ml_evaluations WHERE run_id = ? AND metric = 'accuracy' AND source = 'train'", [result.run_id]);
    await store.close();
    const test = result.test_accuracy ?? Number.NaN;
    figures.push({
      dataset,
      seconds,
      train_seconds: epochs.reduce((a, e) => a + e.seconds, 0),
      test_accuracy: test,
      train_accuracy: Number(train[0]?.['value'] ?? Number.NaN),
      threshold: recipe.threshold,
      ok: result.status === 'finished' && test >= recipe.threshold,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (values.json) console.log(JSON.stringify(figures));
else {
  for (const f of figures) {
    console.log(
      `${f.dataset}: test accuracy ${(f.test_accuracy * 100).toFixed(2)} % (threshold ${(f.threshold * 100).toFixed(0)} %), ` +
        `train ${(f.train_accuracy * 100).toFixed(2)} %; ${f.seconds.toFixed(0)} s in all, training steps ${f.train_seconds.toFixed(0)} s${f.ok ? '' : '  BELOW THRESHOLD'}`,
    );
  }
}
process.exit(figures.every((f) => f.ok) ? 0 : 1);
