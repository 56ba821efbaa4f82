/**
 * The conditional DCGAN on all 60,000 MNIST training images for a budget of epochs, then 10
 * generated images per digit, through the same library calls as `dsi ml train` and `dsi ml predict`.
 *
 *   npm run build
 *   node dist/bench/mnist-cgan.js [--epochs 3] [--batch 64] [--lr 1e-4] [--precision bf16] [--device cpu] [--dataset mnist|fashion-mnist] [--out bench/out/mnist-cgan] [--json]
 *
 * The mission's full runs on a GPU:
 *   node dist/bench/mnist-cgan.js --epochs 50 --batch 256 --precision fp32 --device cuda
 *   node dist/bench/mnist-cgan.js --dataset fashion-mnist --epochs 100 --batch 256 --precision fp32 --device cuda
 *
 * Writes into --out: `grid.png` (row d: ten images generated for label d, seeds 0…99),
 * `samples-last.png` (the last epoch's sample grid), `loss.png`, and `report.json` with the
 * epochs, times, throughput and final losses. Nothing here is a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDataset } from '../src/datasets/add-dataset.js';
import { decodePng } from '../src/images/png-codec.js';
import { imageGridPng } from '../src/images/image-grid.js';
import { predictGan, RunRegistry, trainGan, type Precision } from '../src/ml/index.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '1e-4' },
    precision: { type: 'string', default: 'bf16' },
    device: { type: 'string', default: 'cpu' },
    dataset: { type: 'string', default: 'mnist' },
    from: { type: 'string' },
    db: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/out/mnist-cgan' },
    json: { type: 'boolean', default: false },
  },
});
const dataset = values.dataset as 'mnist' | 'fashion-mnist';
const table = dataset === 'mnist' ? 'mnist' : 'fashion_mnist';
const out = path.resolve(values.out);
fs.mkdirSync(out, { recursive: true });
const temp = values.db === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-cgan-')) : undefined;
const store = await openStore(values.db ?? path.join(temp!, 'dsi.db'));
const say = (s: string) => values.json || console.error(s);
try {
  let ingestSeconds: number | null = null;
  if (!(await store.tables()).includes(table)) {
    const t = performance.now();
    await addDataset(store, dataset, { download: false, ...(values.from === undefined ? {} : { from: values.from }) });
    ingestSeconds = (performance.now() - t) / 1000;
    say(`ingested ${dataset} in ${ingestSeconds.toFixed(1)} s`);
  }
  const started = performance.now();
  let lastEpoch = 0;
  const result = await trainGan(store, {
    query: `SELECT * FROM ${table} WHERE split = 'train' ORDER BY id`,
    conditionColumns: ['label'],
    epochs: Number(values.epochs),
    batch: Number(values.batch),
    lr: Number(values.lr),
    precision: values.precision as Precision,
    device: values.device,
    seed: Number(values.seed),
    onProgress: (e) => {
      const epoch = Number(e.detail?.['epoch'] ?? 0);
      if (e.unit === 'steps' && e.detail?.['step'] === e.detail?.['steps'] && epoch !== lastEpoch) {
        lastEpoch = epoch;
        say(`epoch ${epoch}/${values.epochs}: d_loss ${Number(e.detail?.['d_loss']).toFixed(3)} g_loss ${Number(e.detail?.['g_loss']).toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const t = performance.now();
  const predicted = await predictGan(store, { run: result.run_id, grid: { label: '0..9' }, count: 10, seed: 0, device: values.device });
  const predictSeconds = (performance.now() - t) / 1000;
  const tiles = new Uint8Array(100 * 28 * 28);
  predicted.predictions.forEach((p, k) => tiles.set(decodePng(fs.readFileSync(path.join(store.fileRoot, p.FILE)), p.FILE).data as Uint8Array, k * 784));
  fs.writeFileSync(path.join(out, 'grid.png'), imageGridPng(tiles, { count: 100, channels: 1, height: 28, width: 28 }, { columns: 10 }));
  const run = await new RunRegistry(store).get(result.run_id);
  if (result.FILE_samples !== null) fs.copyFileSync(path.join(store.fileRoot, result.FILE_samples), path.join(out, 'samples-last.png'));
  if (run.FILE_loss_plot !== null) fs.copyFileSync(path.join(store.fileRoot, run.FILE_loss_plot), path.join(out, 'loss.png'));
  const report = {
    dataset,
    run_id: result.run_id,
    epochs: result.epochs_done,
    batch: Number(values.batch),
    lr: Number(values.lr),
    precision: values.precision,
    device: values.device,
    threads: torch.getNumThreads(),
    train_seconds: trainSeconds,
    images_per_second: result.images_per_second,
    d_loss: result.d_loss,
    g_loss: result.g_loss,
    predict_seconds_100_images: predictSeconds,
    ingest_seconds: ingestSeconds,
    env: run.env,
  };
  fs.writeFileSync(path.join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(`${dataset}: ${result.epochs_done} epochs in ${(trainSeconds / 60).toFixed(1)} min (${result.images_per_second?.toFixed(0)} images/s, ${values.precision}, ${values.device}); 100 images in ${predictSeconds.toFixed(2)} s; grid: ${path.join(out, 'grid.png')}`);
} finally {
  await store.close();
  if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
}
