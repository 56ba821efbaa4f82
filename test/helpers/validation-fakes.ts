/**
 * Stand-ins for validation and suggestion tests: a tiny simulation (a Gaussian blob whose centre
 * is the parameters `a`, `b` and whose width is `spread`), a store holding an ensemble of it
 * (`blobs`: 25 training rows on a 5 × 5 grid of [0.1, 0.9]², 6 `split = 'test'` rows), and
 * predictors of known behaviour registered under the run kind `fake`:
 *
 * - `truth`: the simulation itself (validation error 0);
 * - `nearest`: the nearest training image in scaled space (exactly the baseline);
 * - `ensemble`: 3 members that agree everywhere but where a > 0.7, where they differ by ±0.2;
 * - `single`: one deterministic member; `gan`: stochastic, the truth plus seeded noise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { registerSimulation, simulationNames } from '../../src/datasets/simulations/index.js';
import type { Simulation } from '../../src/datasets/simulations/simulation.js';
import { encodePng } from '../../src/images/png-codec.js';
import { loadImages } from '../../src/images/load-images.js';
import { openStore, type Store } from '../../src/index.js';
import { SeededRandom } from '../../src/ml/data/seeded-random.js';
import { RunRegistry, storedParams } from '../../src/ml/index.js';
import type { ConditionSpec } from '../../src/ml/models/conditions.js';
import { addImagePredictorKind, type ImagePredictor } from '../../src/ml/predict/image-predictor.js';
import { ParameterSpace } from '../../src/ml/validate/parameter-space.js';
import type { Cell } from '../../src/store/types.js';

export const SIZE = 32;

export const BLOB: Simulation = {
  name: 'blob',
  title: 'A Gaussian blob',
  version: '1',
  parameters: [
    { name: 'a', min: 0, max: 1, unit: '', description: 'centre, x' },
    { name: 'b', min: 0, max: 1, unit: '', description: 'centre, y' },
    { name: 'spread', min: 0.05, max: 0.3, unit: '', description: 'width' },
  ],
  channels: 1,
  sizes: [16, 32],
  defaultSize: 32,
  run(point, { size }) {
    const field = new Float64Array(size * size);
    const pixels = new Uint8Array(size * size);
    const s = point['spread']!;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x / (size - 1) - point['a']!;
        const dy = y / (size - 1) - point['b']!;
        const v = Math.exp(-(dx * dx + dy * dy) / (2 * s * s));
        field[y * size + x] = v;
        pixels[y * size + x] = Math.round(v * 255);
      }
    }
    return { field, pixels, scalars: { peak: 1 } };
  },
};

if (!simulationNames().includes('blob')) registerSimulation(BLOB);

export const SPREAD = 0.15;
export const CONTINUOUS: ConditionSpec[] = [
  { name: 'a', kind: 'continuous', min: 0.1, max: 0.9 },
  { name: 'b', kind: 'continuous', min: 0.1, max: 0.9 },
];
export const TEST_POINTS = [
  [0.3, 0.35], [0.55, 0.2], [0.75, 0.65], [0.15, 0.8], [0.5, 0.5], [0.85, 0.15],
] as const;

/** The store `dir/dsi.db` with the table `blobs(id, a, b, spread, extra, shape, simulation, split, FILE)`. */
export async function makeBlobStore(dir: string): Promise<Store> {
  const images = path.join(dir, 'blobs');
  fs.mkdirSync(images, { recursive: true });
  const lines = ['id,a,b,spread,extra,shape,simulation,split,FILE'];
  const grid = [0.1, 0.3, 0.5, 0.7, 0.9];
  const rows: [number, number, string][] = [...grid.flatMap((a) => grid.map((b): [number, number, string] => [a, b, 'train'])), ...TEST_POINTS.map(([a, b]): [number, number, string] => [a, b, 'test'])];
  rows.forEach(([a, b, split], i) => {
    const out = BLOB.run({ a, b, spread: SPREAD }, { size: SIZE });
    fs.writeFileSync(path.join(images, `${i}.png`), encodePng({ width: SIZE, height: SIZE, channels: 1, data: out.pixels }));
    lines.push(`${i},${a},${b},${SPREAD},${i},round,blob,${split},blobs/${i}.png`);
  });
  fs.writeFileSync(path.join(dir, 'blobs.csv'), `${lines.join('\n')}\n`);
  const store = await openStore(path.join(dir, 'dsi.db'));
  await store.read(path.join(dir, 'blobs.csv'));
  return store;
}

export type Behaviour = 'truth' | 'nearest' | 'ensemble' | 'single' | 'gan';

/** A `fake` run predicting with `behaviour` over `conditions`, trained on `query`. */
export async function addFakeRun(store: Store, runId: string, behaviour: Behaviour, conditions: readonly ConditionSpec[] = CONTINUOUS, query = "SELECT * FROM blobs WHERE split = 'train'"): Promise<string> {
  await new RunRegistry(store).create({
    run_id: runId,
    kind: 'fake',
    model: behaviour,
    status: 'finished',
    params: JSON.stringify({ behaviour, conditions, image_column: 'FILE', source_table: 'blobs' }),
    data_query: query,
    seed: 0,
  });
  return runId;
}

function truthImage(combo: Readonly<Record<string, Cell>>): Float32Array {
  const out = BLOB.run({ a: Number(combo['a']), b: Number(combo['b']), spread: SPREAD }, { size: SIZE });
  return Float32Array.from(out.pixels, (v) => v / 255);
}

/** Live fake predictors, for tests that check they were disposed. */
export const openPredictors = new Set<ImagePredictor>();

addImagePredictorKind('fake', async (store, run) => {
  const params = storedParams(run);
  const behaviour = params['behaviour'] as Behaviour;
  const conditions = params['conditions'] as ConditionSpec[];
  const space = new ParameterSpace(conditions);
  let nearest: ((c: Readonly<Record<string, Cell>>) => Float32Array) | undefined;
  if (behaviour === 'nearest') {
    const train = await loadImages(store, run.data_query);
    const scaled = train.columns['a']!.map((_, i) => space.scaled({ a: train.columns['a']![i]!, b: train.columns['b']![i]! }));
    const per = SIZE * SIZE;
    nearest = (c) => {
      const { index } = space.nearest(space.scaled(c), scaled);
      return Float32Array.from(train.pixels.subarray(index * per, (index + 1) * per), (v) => v / 255);
    };
  }
  const predictor: ImagePredictor = {
    run,
    conditions,
    size: SIZE,
    channels: 1,
    epoch: 3,
    checkpoint: 'none',
    stochastic: behaviour === 'gan',
    members: behaviour === 'ensemble' ? 3 : 1,
    predict(combos, options = {}) {
      const per = SIZE * SIZE;
      const out = new Float32Array(combos.length * per);
      combos.forEach((c, i) => {
        let image = nearest?.(c) ?? truthImage(c);
        if (behaviour === 'ensemble' && options.member !== undefined && Number(c['a']) > 0.7) {
          const shift = (options.member - 1) * 0.2;
          image = image.map((v) => Math.min(1, Math.max(0, v + shift)));
        }
        if (behaviour === 'gan') {
          if (options.seeds === undefined) throw new Error('a stochastic predictor needs seeds');
          const rng = new SeededRandom(options.seeds[i]!);
          image = image.map((v) => Math.min(1, Math.max(0, v + 0.05 * rng.normal())));
        }
        out.set(image, i * per);
      });
      return out;
    },
    dispose() {
      openPredictors.delete(predictor);
    },
  };
  openPredictors.add(predictor);
  return predictor;
});
