/**
 * Our side of bench/images.ts, in a fresh process: `node dist/bench/images-child.js DIR`.
 * Ingests MNIST into DIR/bench.db, loads the training split cold (no cache), warm, and warm again;
 * prints one JSON line (ChildReport).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore, addDataset, loadImages } from '../src/index.js';
import type { ChildReport } from './images.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/images-child.js DIR');
  process.exit(2);
}
const TRAIN = "SELECT * FROM mnist WHERE split = 'train' ORDER BY id";
const seconds = (t: number) => (performance.now() - t) / 1000;

const store = await openStore(path.join(dir, 'bench.db'));
try {
  let t = performance.now();
  const added = await addDataset(store, 'mnist', { download: false, cacheDir: path.join(dir, 'no-cache') });
  const ingestSeconds = seconds(t);
  fs.rmSync(path.join(store.dataFolder!, '.cache'), { recursive: true, force: true });
  t = performance.now();
  const cold = await loadImages(store, TRAIN);
  const coldSeconds = seconds(t);
  t = performance.now();
  const warm = await loadImages(store, TRAIN);
  const warmSeconds = seconds(t);
  t = performance.now();
  const steady = await loadImages(store, TRAIN);
  const steadySeconds = seconds(t);
  const report: ChildReport = {
    ingestSeconds,
    rows: added.rows,
    coldSeconds,
    warmSeconds,
    steadySeconds,
    loaded: Math.min(cold.count, warm.count, steady.count),
    cache: [cold.cache, warm.cache, steady.cache],
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await store.close();
}
