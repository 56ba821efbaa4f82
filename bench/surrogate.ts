/**
 * The surrogate loop at its default scale: the shipped heat-transfer ensemble generated, a
 * surrogate trained on it with its default settings, and validated against the simulation at 40
 * held-out Latin hypercube points. The reference, measured in the same run at the same points,
 * is the baseline a scientist has without a model: the image of the nearest training run.
 *
 *   npm run build
 *   node dist/bench/surrogate.js [--runs 256] [--size 32] [--members M] [--epochs N] [--points 40] [--seed 1] [--json] [--keep DIR]
 *
 * Prints the CPU, the seconds of each phase, the held-out MSE and SSIM of the surrogate and of
 * the nearest-run baseline, and their ratio, against the targets (training ≤ 5 min and validation
 * of 40 points < 1 min on a 2-core CPU; held-out MSE ≤ ½ the baseline's). Exits 1 when the MSE
 * ratio misses its target (a property of the model); never because a machine is slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addSimulatedEnsemble } from '../src/datasets/simulations/add-simulated-ensemble.js';
import { simulationNamed } from '../src/datasets/simulations/index.js';
import { openStore } from '../src/index.js';
import { trainSurrogate, validateRun } from '../src/ml/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '256' },
    size: { type: 'string' },
    members: { type: 'string' },
    epochs: { type: 'string' },
    points: { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const whole = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`surrogate bench: --${name} must be a whole number ≥ 1, got ${text}`);
    process.exit(2);
  }
  return n;
};
const runs = whole('runs', values.runs)!;
const size = whole('size', values.size);
const members = whole('members', values.members);
const epochs = whole('epochs', values.epochs);
const points = whole('points', values.points)!;
const seed = whole('seed', values.seed)!;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`;
const simulation = simulationNamed('heat-transfer')!;
const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-surrogate-'));
fs.mkdirSync(dir, { recursive: true });
const store = await openStore(path.join(dir, 'dsi.db'));
try {
  log(`surrogate benchmark on ${cpu}; store ${dir}`);
  let t = performance.now();
  const ensemble = await addSimulatedEnsemble(store, 'heat-transfer', { runs, seed, ...(size === undefined ? {} : { size }) });
  const ensembleSeconds = (performance.now() - t) / 1000;
  log(`ensemble: ${runs} runs in ${ensembleSeconds.toFixed(1)} s (table ${ensemble.table})`);

  t = performance.now();
  const trained = await trainSurrogate(store, {
    table: ensemble.table,
    conditionColumns: simulation.parameters.map((p) => p.name),
    seed,
    ...(members === undefined ? {} : { members }),
    ...(epochs === undefined ? {} : { epochs }),
  });
  const trainSeconds = (performance.now() - t) / 1000;
  log(`training: run ${trained.run_id}, ${trained.epochs_done} epochs in ${trainSeconds.toFixed(1)} s`);

  t = performance.now();
  const validation = await validateRun(store, { run: trained.run_id, points, seed: seed + 1000 });
  const validateSeconds = (performance.now() - t) / 1000;
  const o = validation.overall;
  const ratio = o['validation_mse']! / o['baseline_mse']!;
  const figures = {
    cpu,
    runs,
    size: size ?? simulation.defaultSize,
    run_id: trained.run_id,
    epochs: trained.epochs_done,
    ensemble_seconds: ensembleSeconds,
    train_seconds: trainSeconds,
    validate_seconds: validateSeconds,
    points: validation.n_points,
    surrogate_mse: o['validation_mse']!,
    baseline_mse: o['baseline_mse']!,
    mse_ratio: ratio,
    surrogate_ssim: o['validation_ssim']!,
    baseline_ssim: o['baseline_ssim']!,
    targets: { train_seconds: 300, validate_seconds: 60, mse_ratio: 0.5 },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
    process.stdout.write(
      [
        `surrogate benchmark, ${cpu}`,
        `ensemble     ${runs} heat-transfer runs at ${figures.size} px: ${ensembleSeconds.toFixed(1)} s`,
        `training     ${trained.epochs_done} epochs: ${trainSeconds.toFixed(1)} s (target ≤ 300 s on 2 cores: ${verdict(trainSeconds <= 300)})`,
        `validation   ${validation.n_points} held-out points: ${validateSeconds.toFixed(1)} s (target < 60 s: ${verdict(validateSeconds < 60)})`,
        `held-out MSE surrogate ${figures.surrogate_mse.toExponential(3)}, nearest run ${figures.baseline_mse.toExponential(3)}: ratio ${ratio.toFixed(3)} (target ≤ 0.5: ${verdict(ratio <= 0.5)})`,
        `SSIM         surrogate ${figures.surrogate_ssim.toFixed(4)}, nearest run ${figures.baseline_ssim.toFixed(4)}`,
        `files        ${path.join(dir, validation.files['contact_sheet'] ?? '')}`,
        '',
      ].join('\n'),
    );
  }
  if (ratio > 0.5) process.exitCode = 1;
} finally {
  await store.close();
  if (values.keep === undefined) fs.rmSync(dir, { recursive: true, force: true });
}
