/**
 * Training throughput through the workflow against the raw DCGAN step, in the same process.
 *
 *   npm run build
 *   node dist/bench/ml-train.js [--images 6400] [--batch 64] [--repeats 3] [--precision fp32|bf16] [--device cpu|cuda] [--threads N] [--from DIR] [--json]
 *
 * Each repeat, interleaved:
 *   raw:      `benchDcgan` (src/bench/dcgan.ts) without the PyTorch side: the DCGAN step of
 *             DESIGN §4 on one fixed batch, median over its steps;
 *   workflow: `trainGan` for one epoch on the first N MNIST training images of a store: batches
 *             drawn from the store's images (index, convert, scale), the step, progress, heartbeat,
 *             the epoch's sample grid, checkpoint, loss plot and rows.
 * Printed: `ratio` = the workflow's median step (batch gathering included) ÷ the raw median step,
 * both as images/s (the target is ≥ 0.9); `mean_ratio` = the workflow's epoch throughput (all its
 * steps' time, slow ones included) ÷ the raw median; and the epoch's wall time against its step
 * loop. Nothing here is a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDataset } from '../src/datasets/add-dataset.js';
import { benchDcgan, type BenchPrecision } from '../src/bench/dcgan.js';
import { median } from '../src/bench/median.js';
import { trainGan } from '../src/ml/index.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '6400' },
    batch: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    precision: { type: 'string', default: 'fp32' },
    device: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const images = Number(values.images);
const batch = Number(values.batch);
const repeats = Number(values.repeats);
const precision = values.precision as BenchPrecision;
const device = values.device as 'cpu' | 'cuda';
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-ml-'));
const store = await openStore(path.join(dir, 'dsi.db'));
try {
  const t0 = performance.now();
  await addDataset(store, 'mnist', { download: false, ...(values.from === undefined ? {} : { from: values.from }) });
  const ingestSeconds = (performance.now() - t0) / 1000;
  const query = `SELECT * FROM mnist WHERE split = 'train' ORDER BY id LIMIT ${images}`;
  // Warm the image cache once, as every run after a store's first does.
  await trainGan(store, { query, epochs: 1, batch, seed: 1, device, precision: precision === 'fp16' ? 'fp32' : precision, maxImages: batch * 2 });

  const raw: number[] = [];
  const flow: number[] = [];
  const stepMedians: number[] = [];
  const walls: { total: number; loop: number }[] = [];
  for (let r = 0; r < repeats; r++) {
    const b = await benchDcgan({ batch, steps: 10, repeats: 1, warmup: 2, precision, device, seed: r, reference: false });
    raw.push(b.images_per_second);
    const started = performance.now();
    const perStep: number[] = [];
    const result = await trainGan(store, {
      query,
      epochs: 1,
      batch,
      seed: r,
      device,
      precision: precision === 'fp16' ? 'fp32' : precision,
      onProgress: (e) => e.unit === 'steps' && perStep.push(Number(e.detail?.['images_per_second'])),
    });
    stepMedians.push(median(perStep));
    const total = (performance.now() - started) / 1000;
    flow.push(result.images_per_second!);
    walls.push({ total, loop: (Math.floor(images / batch) * batch) / result.images_per_second! });
    if (!values.json) console.error(`repeat ${r + 1}: raw ${b.images_per_second.toFixed(1)} images/s, workflow ${result.images_per_second!.toFixed(1)} images/s (epoch wall ${total.toFixed(1)} s)`);
  }
  const report = {
    images,
    batch,
    precision,
    device,
    threads: torch.getNumThreads(),
    raw_images_per_second: median(raw),
    workflow_images_per_second: median(flow),
    workflow_median_step_images_per_second: median(stepMedians),
    ratio: median(stepMedians) / median(raw),
    mean_ratio: median(flow) / median(raw),
    paired_ratio: median(stepMedians.map((f, i) => f / raw[i]!)),
    epoch_wall_seconds: median(walls.map((w) => w.total)),
    step_loop_seconds: median(walls.map((w) => w.loop)),
    ingest_seconds: ingestSeconds,
    target: 0.9,
    raw,
    workflow: flow,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`workflow step ${report.workflow_median_step_images_per_second.toFixed(1)} images/s (median) vs raw step ${report.raw_images_per_second.toFixed(1)} images/s (median): ratio ${report.ratio.toFixed(3)} (paired ${report.paired_ratio.toFixed(3)}; target ≥ 0.9)`);
    console.log(`workflow epoch throughput ${report.workflow_images_per_second.toFixed(1)} images/s (all steps' time, slow ones included): ${report.mean_ratio.toFixed(3)} of the raw median`);
    console.log(`one epoch of ${images} images: ${report.epoch_wall_seconds.toFixed(1)} s wall, of which the step loop ${report.step_loop_seconds.toFixed(1)} s (the rest: cached image load, sample grid, checkpoint, plot, rows)`);
  }
} finally {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
