/** `dsi ml evaluate`: a GAN run against real images, with a classifier's features; values into ml_evaluations. */
import type { Command } from 'commander';
import { withStore } from '../../context.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from './load-ml.js';

interface EvaluateFlags {
  run: string;
  reference: string;
  features?: string;
  count?: number;
  predictions?: string;
  everyCheckpoint?: boolean;
  seed?: number;
  device?: string;
  splits?: number;
  kidSubsets?: number;
  kidSubsetSize?: number;
  k?: number;
  json?: boolean;
}

/** The order metrics are shown in. */
const ORDER = ['fid', 'kid', 'kid_std', 'precision', 'recall', 'diversity', 'is', 'is_std', 'class_faithfulness', 'mean_score', 'mean_nn_distance'];

export function registerMlEvaluate(ml: Command): void {
  ml.command('evaluate')
    .description('FID, KID, precision/recall, diversity, IS and class faithfulness of a GAN run against real images, overall and per condition; stored in ml_evaluations')
    .requiredOption('--run <run>', 'the GAN run')
    .requiredOption('--reference <sql>', 'read-only query selecting the real images (with the condition columns, for per-condition values)')
    .option('--features <run>', 'the classifier run giving features (default: the newest trained on the same table)')
    .option('--count <n>', 'images to generate, spread evenly over the conditions (default 10000)', wholeNumber(2))
    .option('--predictions <sql>', 'evaluate these stored predictions (a query over ml_predictions) instead of generating')
    .option('--every-checkpoint', 'also evaluate each saved epoch')
    .option('--seed <s>', 'seeds of the generated images (s + i) and of the IS and KID sampling, 0 … 4294967295 (default 0)', seedNumber)
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--splits <n>', 'IS splits (default 10)', wholeNumber(1))
    .option('--kid-subsets <n>', 'KID subsets (default 100)', wholeNumber(1))
    .option('--kid-subset-size <n>', 'KID subset size (default 1000)', wholeNumber(2))
    .option('--k <n>', 'neighbours for precision and recall (default 3)', wholeNumber(1))
    .option('--json', 'print {run_id, metrics, per_condition, …} as JSON')
    .action(async (opts: EvaluateFlags, cmd: Command) => {
      const { evaluateRun } = await loadMl();
      const progress = progressRenderer();
      const r = await withStore(cmd, (store) =>
        evaluateRun(store, {
          run: opts.run,
          reference: opts.reference,
          ...(opts.features === undefined ? {} : { features: opts.features }),
          ...(opts.count === undefined ? {} : { count: opts.count }),
          ...(opts.predictions === undefined ? {} : { predictions: opts.predictions }),
          everyCheckpoint: opts.everyCheckpoint === true,
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.device === undefined ? {} : { device: opts.device }),
          ...(opts.splits === undefined ? {} : { splits: opts.splits }),
          ...(opts.kidSubsets === undefined ? {} : { kidSubsets: opts.kidSubsets }),
          ...(opts.kidSubsetSize === undefined ? {} : { kidSubsetSize: opts.kidSubsetSize }),
          ...(opts.k === undefined ? {} : { k: opts.k }),
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      for (const w of r.warnings) process.stderr.write(`dsi: warning: ${w}\n`);
      if (opts.json) {
        printJson(r);
        return;
      }
      const shown = (m: Record<string, number>) => ORDER.filter((k) => k in m);
      process.stdout.write(`${r.run_id} (epoch ${r.epoch}): ${r.n_generated} ${r.source} images against ${r.n_real} real, features of ${r.feature_run_id}\n\n`);
      printRows([Object.fromEntries(shown(r.metrics).map((k) => [k, r.metrics[k]!]))], shown(r.metrics));
      if (r.per_condition.length > 0) {
        process.stdout.write('\n');
        const cols = ORDER.filter((k) => r.per_condition.some((c) => k in c.metrics) && !k.endsWith('_std'));
        printRows(
          r.per_condition.map((c) => ({ condition: c.condition, n_real: c.n_real, n_generated: c.n_generated, ...Object.fromEntries(cols.map((k) => [k, c.metrics[k] ?? null])) })),
          ['condition', 'n_real', 'n_generated', ...cols],
        );
      }
      if (r.per_epoch.length > 0) {
        process.stdout.write('\n');
        const cols = ORDER.filter((k) => r.per_epoch.some((e) => k in e.metrics) && !k.endsWith('_std'));
        printRows(r.per_epoch.map((e) => ({ epoch: e.epoch, ...Object.fromEntries(cols.map((k) => [k, e.metrics[k] ?? null])) })), ['epoch', ...cols]);
      }
      const t = r.timings;
      process.stdout.write(`\ntime: ${t.total.toFixed(1)} s (generation ${t.generation.toFixed(1)} s, features ${t.features.toFixed(1)} s, metrics ${t.metrics.toFixed(1)} s)\n`);
      for (const [name, file] of Object.entries(r.files)) process.stdout.write(`${name}: ${file}\n`);
    });
}
