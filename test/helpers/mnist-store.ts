/**
 * A small store of MNIST digits for the ML workflow tests: `count` training images as PNGs beside
 * the store, and a table `digits(id, label, brightness, split, FILE)` where `brightness` is the
 * image's mean pixel value (a continuous parameter) and FILE is relative to the store's folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodePng } from '../../src/images/png-codec.js';
import { Store } from '../../src/store/store.js';
import { openStore } from '../../src/index.js';
import { loadMnist } from './mnist.js';

export interface MnistStore {
  readonly dir: string;
  readonly db: string;
  readonly store: Store;
}

/** Writes the images and the CSV into `dir` and reads the CSV into a new store there. */
export async function makeMnistStore(dir: string, count: number, table = 'digits'): Promise<MnistStore> {
  const mnist = loadMnist('train', count);
  const images = path.join(dir, 'images');
  fs.mkdirSync(images, { recursive: true });
  const lines = ['id,label,brightness,split,FILE'];
  for (let i = 0; i < mnist.count; i++) {
    const data = mnist.pixels.subarray(i * 784, (i + 1) * 784);
    const name = `${String(i).padStart(5, '0')}.png`;
    fs.writeFileSync(path.join(images, name), encodePng({ width: 28, height: 28, channels: 1, data }));
    const brightness = data.reduce((a, b) => a + b, 0) / 784;
    lines.push(`${i},${mnist.labels[i]},${brightness.toFixed(3)},train,images/${name}`);
  }
  const csv = path.join(dir, `${table}.csv`);
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  const db = path.join(dir, 'dsi.db');
  const store = await openStore(db);
  await store.read(csv);
  return { dir, db, store };
}
