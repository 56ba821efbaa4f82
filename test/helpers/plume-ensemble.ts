/**
 * A stand-in simulation ensemble for the surrogate tests and benchmark: anisotropic Gaussian
 * plumes over 4 continuous parameters (source position x0, y0 in [0.2, 0.8], width in
 * [0.06, 0.2], elongation in [0.6, 1.6]: σx = width · elongation, σy = width / elongation),
 * each a smooth grey `size × size` field in [0, 1] whose feature moves with the parameters.
 * Points are drawn from a seeded generator, so an ensemble is the same on every machine.
 *
 * `plumeStore` writes the images as PNGs beside a new store and reads a table
 * `plumes(run, x0, y0, width, elongation, noise, split, FILE)`: the first `train` points are
 * `split = 'train'`, the rest `split = 'test'`; `noise` is a number in [0, 1) drawn with each
 * point that the field does not depend on (a parameter an explanation should find irrelevant).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/index.js';
import { encodePng } from '../../src/images/png-codec.js';
import { SeededRandom } from '../../src/ml/data/seeded-random.js';
import type { Store } from '../../src/store/store.js';

export const PLUME_PARAMETERS = ['x0', 'y0', 'width', 'elongation'] as const;
export type PlumePoint = Readonly<Record<(typeof PLUME_PARAMETERS)[number], number>>;

const RANGES: Readonly<Record<(typeof PLUME_PARAMETERS)[number], readonly [number, number]>> = { x0: [0.2, 0.8], y0: [0.2, 0.8], width: [0.06, 0.2], elongation: [0.6, 1.6] };

/** `count` points drawn uniformly over the ranges from `seed`, values rounded to 4 decimals. */
export function plumePoints(count: number, seed: number): PlumePoint[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => Object.fromEntries(PLUME_PARAMETERS.map((p) => [p, Number((RANGES[p][0] + rng.next() * (RANGES[p][1] - RANGES[p][0])).toFixed(4))])) as PlumePoint);
}

/** The field at `p`, `size × size` row-major, quantised to 8 bits as a stored image is. */
export function plumeImage(p: PlumePoint, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  const sx = p.width * p.elongation;
  const sy = p.width / p.elongation;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const dx = (i + 0.5) / size - p.x0;
      const dy = (j + 0.5) / size - p.y0;
      out[j * size + i] = Math.round(255 * Math.exp(-(dx * dx) / (2 * sx * sx) - (dy * dy) / (2 * sy * sy)));
    }
  }
  return out;
}

export interface PlumeStore {
  readonly dir: string;
  readonly store: Store;
  readonly points: readonly PlumePoint[];
}

/** `train + test` plumes as PNGs in `dir/images` and the table `plumes` in a new SQLite store in `dir`. */
export async function plumeStore(dir: string, options: { train: number; test: number; size?: number; seed?: number }): Promise<PlumeStore> {
  const size = options.size ?? 32;
  const points = plumePoints(options.train + options.test, options.seed ?? 1);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const lines = [`run,${PLUME_PARAMETERS.join(',')},noise,split,FILE`];
  const noise = new SeededRandom((options.seed ?? 1) + 7);
  points.forEach((p, i) => {
    const name = `images/plume-${String(i).padStart(4, '0')}.png`;
    fs.writeFileSync(path.join(dir, name), encodePng({ width: size, height: size, channels: 1, data: plumeImage(p, size) }));
    lines.push(`${i + 1},${PLUME_PARAMETERS.map((k) => p[k]).join(',')},${noise.next().toFixed(4)},${i < options.train ? 'train' : 'test'},${name}`);
  });
  const csv = path.join(dir, 'plumes.csv');
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  const store = await openStore(path.join(dir, 'dsi.db'));
  await store.read(csv);
  return { dir, store, points };
}
