/**
 * A small store with real data of every kind the dashboard shows, built once per test process
 * (about half a minute on two cores):
 *
 * - `digits`: 256 MNIST training images (PNG files beside the store) with label, brightness, split;
 * - a classifier trained on them (the features the evaluation uses);
 * - a conditional GAN `gan` (cdcgan, 2 epochs, checkpoints and sample grids per epoch);
 * - 20 predictions of it (2 per digit), evaluated overall and per condition (and so scored);
 * - a SHAP explanation of one prediction and one of the classifier over image blocks;
 * - three reviews, the two accepted by the reviewer accepted for retraining, and a child run `child` trained on them.
 *
 * ```ts
 * const { store, db, dir, gan, child, classifier } = await dashboardStore();
 * ```
 * The folder is removed when the process exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acceptPredictions, evaluateRun, explainRun, predictGan, recordReviews, trainClassifier, trainGan } from '../../src/ml/index.js';
import type { Store } from '../../src/store/store.js';
import { makeMnistStore } from './mnist-store.js';

export interface DashboardStore {
  readonly dir: string;
  readonly db: string;
  readonly store: Store;
  /** The conditional GAN run. */
  readonly gan: string;
  /** A child of `gan` trained on its accepted predictions. */
  readonly child: string;
  /** The classifier whose features the evaluation used. */
  readonly classifier: string;
  /** The GAN's predictions, in the order made. */
  readonly predictions: readonly string[];
}

let built: Promise<DashboardStore> | undefined;

/** The store described above (memoised). */
export function dashboardStore(): Promise<DashboardStore> {
  built ??= build();
  return built;
}

async function build(): Promise<DashboardStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-dashboard-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const { store, db } = await makeMnistStore(dir, 256);
  const classifier = (await trainClassifier(store, { table: 'digits', labelColumn: 'label', epochs: 1, batch: 32, seed: 3, threads: 2 })).run_id;
  const gan = (await trainGan(store, { table: 'digits', conditionColumns: ['label'], epochs: 2, batch: 32, seed: 4, threads: 2 })).run_id;
  const made = await predictGan(store, { run: gan, grid: { label: '0..9' }, count: 2, seed: 100 });
  const predictions = made.predictions.map((p) => p.prediction_id);
  await evaluateRun(store, {
    run: gan,
    features: classifier,
    reference: 'SELECT * FROM digits ORDER BY id LIMIT 200',
    predictions: `SELECT * FROM ml_predictions WHERE run_id = '${gan}'`,
    count: 60,
    kidSubsets: 3,
    kidSubsetSize: 20,
    seed: 1,
  });
  await explainRun(store, { run: gan, prediction: predictions[0]!, background: 8, seed: 2 });
  await explainRun(store, { run: classifier, row: 3, background: 8, seed: 2 });
  await recordReviews(
    store,
    [
      { prediction_id: predictions[0]!, verdict: 'accept', rating: 4, comment: 'clear stroke' },
      { prediction_id: predictions[1]!, verdict: 'reject', rating: 2, comment: 'broken loop' },
      { prediction_id: predictions[2]!, verdict: 'accept', rating: null, comment: null },
    ],
    { reviewer: 'ana', source: 'terminal' },
  );
  await acceptPredictions(store, { run: gan, reviewed: true });
  const child = (await trainGan(store, { from: gan, includeAccepted: true, epochs: 1, threads: 2 })).run_id;
  return { dir, db, store, gan, child, classifier, predictions };
}
