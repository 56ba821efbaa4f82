/** `dsi ml validate`: a model's predictions against a simulation or held-out images, with the nearest training run as the baseline; into ml_evaluations. */
import type { Command } from 'commander';
import { withStore } from '../../context.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from './load-ml.js';

interface ValidateFlags {
  run: string;
  simulate?: string;
  points?: number;
  pointsFile?: string;
  truthQuery?: string;
  seed?: number;
  samples?: number;
  epoch?: number;
  device?: string;
  json?: boolean;
}

/** The overall figures, in the order shown. */
const OVERALL = ['validation_mse', 'baseline_mse', 'mse_ratio', 'validation_ssim', 'baseline_ssim', 'nearest_distance', 'outside_range'];

const fixed = (v: number | null): string => (v === null || !Number.isFinite(v) ? '' : Number(v.toPrecision(4)).toString());

export function registerMlValidate(ml: Command): void {
  ml.command('validate')
    .description('MSE and SSIM of a model\'s predictions against a simulation run at new points (or held-out images), beside the nearest training run\'s; stored in ml_evaluations, with error maps and a plot')
    .requiredOption('--run <run>', 'the run (a surrogate or a conditional GAN)')
    .option('--simulate <name>', 'the simulation to run at the points (default: the one the training rows name)')
    .option('--points <n>', 'Latin hypercube points inside the trained ranges, or the first held-out rows (default 40)', wholeNumber(1))
    .option('--points-file <file.csv>', "simulate at the points of a CSV instead (a column per parameter, as dsi ml predict --points takes; points outside the trained ranges are allowed and marked)")
    .option('--truth-query <sql>', "read-only query selecting held-out images with the condition columns (default: the training table's split = 'test' rows)")
    .option('--seed <s>', 'seed of the points and of a stochastic model\'s predictions (default 0)', seedNumber)
    .option('--samples <n>', 'predictions per point of a stochastic model, averaged (default 8)', wholeNumber(1))
    .option('--epoch <n>', 'the checkpoint of this epoch (default the newest)', wholeNumber(1))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--json', 'print {validation_id, overall, points, files, …} as JSON')
    .action(async (opts: ValidateFlags, cmd: Command) => {
      const { validateRun } = await loadMl();
      const progress = progressRenderer();
      const r = await withStore(cmd, (store) =>
        validateRun(store, {
          run: opts.run,
          ...(opts.simulate === undefined ? {} : { simulate: opts.simulate }),
          ...(opts.points === undefined ? {} : { points: opts.points }),
          ...(opts.pointsFile === undefined ? {} : { pointsFile: opts.pointsFile }),
          ...(opts.truthQuery === undefined ? {} : { truthQuery: opts.truthQuery }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.samples === undefined ? {} : { samples: opts.samples }),
          ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
          ...(opts.device === undefined ? {} : { device: opts.device }),
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      for (const w of r.warnings) process.stderr.write(`dsi: warning: ${w}\n`);
      if (opts.json) {
        printJson(r);
        return;
      }
      const truth = r.simulation === null ? `held-out rows (${r.truth_query})` : `simulation ${r.simulation}`;
      const each = r.stochastic ? `, each the mean of ${r.samples} seeds` : '';
      process.stdout.write(`${r.validation_id}: run ${r.run_id} (epoch ${r.epoch}) at ${r.n_points} points against ${truth}${each}; baseline: the nearest of ${r.n_training} training runs\n\n`);
      printRows(r.points.map((p) => ({ point: p.index, condition: p.condition, mse: fixed(p.mse), ssim: fixed(p.ssim), baseline_mse: fixed(p.baseline_mse), baseline_ssim: fixed(p.baseline_ssim), distance: fixed(p.nearest_distance), outside: p.outside_range ? 'yes' : '' })));
      process.stdout.write('\n');
      printRows([Object.fromEntries(OVERALL.map((k) => [k, fixed(r.overall[k] ?? null)]))], OVERALL);
      const s = r.seconds;
      process.stdout.write(`\ntime: ${s.total.toFixed(1)} s (truth ${s.truth.toFixed(1)} s, predictions ${s.prediction.toFixed(1)} s, metrics ${s.metrics.toFixed(1)} s, files ${s.files.toFixed(1)} s)\n`);
      for (const [name, file] of Object.entries(r.files)) process.stdout.write(`${name}: ${file}\n`);
    });
}
