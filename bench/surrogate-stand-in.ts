/**
 * The surrogate's defaults on the stand-in ensemble (test/helpers/plume-ensemble.ts): 256
 * anisotropic Gaussian plumes of 4 parameters at 32 × 32 for training, 40 held out. Prints the
 * wall time of the training run, its held-out MSE, the nearest-training-run baseline's and their
 * ratio (the target: at most 0.5, in at most 3 minutes on two CPU cores).
 *
 *   npm run build
 *   node dist/bench/surrogate-stand-in.js [--epochs N] [--batch B] [--lr X] [--members M] [--width W] [--seed S] [--json]
 *
 * Exits 1 when the ratio is above 0.5; never because a machine is slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainSurrogate, SURROGATE_DEFAULTS } from '../src/ml/index.js';
import { PLUME_PARAMETERS, plumeStore } from '../test/helpers/plume-ensemble.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    members: { type: 'string' },
    width: { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-surrogate-bench-'));
try {
  const { store } = await plumeStore(dir, { train: 256, test: 40 });
  const options = {
    table: 'plumes',
    conditionColumns: [...PLUME_PARAMETERS],
    seed: Number(values.seed),
    ...(values.epochs === undefined ? {} : { epochs: num(values.epochs)! }),
    ...(values.batch === undefined ? {} : { batch: num(values.batch)! }),
    ...(values.lr === undefined ? {} : { lr: num(values.lr)! }),
    ...(values.members === undefined ? {} : { members: num(values.members)! }),
    ...(values.width === undefined ? {} : { width: num(values.width)! }),
  };
  const started = performance.now();
  const r = await trainSurrogate(store, options);
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  const ratio = r.test_mse! / r.nearest_run_mse!;
  const figure = { defaults: SURROGATE_DEFAULTS, options, seconds, test_mse: r.test_mse, nearest_run_mse: r.nearest_run_mse, ratio, train_mse: r.train_mse, images_per_second: r.images_per_second, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() };
  if (values.json) console.log(JSON.stringify(figure));
  else {
    console.log(`trained in ${seconds.toFixed(1)} s (${figure.cores} cores, ${figure.cpu})`);
    console.log(`held-out MSE ${r.test_mse!.toPrecision(3)}; nearest training run ${r.nearest_run_mse!.toPrecision(3)}; ratio ${ratio.toFixed(3)} (target ≤ 0.5)`);
  }
  if (!(ratio <= 0.5)) process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
