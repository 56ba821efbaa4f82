/** `dsi ml suggest`: where to simulate next, by the model's uncertainty; writes nothing to the store. */
import type { Command } from 'commander';
import { withStore } from '../../context.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from './load-ml.js';

interface SuggestFlags {
  run: string;
  candidates?: number;
  top?: number;
  out?: string;
  seed?: number;
  samples?: number;
  epoch?: number;
  device?: string;
  json?: boolean;
}

export function registerMlSuggest(ml: Command): void {
  ml.command('suggest')
    .description('rank candidate parameter points by the model\'s uncertainty (spread of an ensemble\'s members, or of a GAN\'s seeds), kept apart; optionally as a points CSV')
    .requiredOption('--run <run>', 'a surrogate ensemble (members ≥ 2) or a conditional GAN')
    .option('--candidates <n>', 'Latin hypercube candidates inside the trained ranges (default 2000)', wholeNumber(1))
    .option('--top <k>', 'points to suggest (default 10)', wholeNumber(1))
    .option('--out <file>', 'write the points as CSV, one column per parameter (for datasets add --points)')
    .option('--seed <s>', 'seed of the candidates and of a GAN\'s predictions (default 0)', seedNumber)
    .option('--samples <n>', 'predictions per candidate of a GAN (default 8)', wholeNumber(2))
    .option('--epoch <n>', 'the checkpoint of this epoch (default the newest)', wholeNumber(1))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--json', 'print {run_id, method, points, file, …} as JSON')
    .action(async (opts: SuggestFlags, cmd: Command) => {
      const { suggestPoints } = await loadMl();
      const progress = progressRenderer();
      const r = await withStore(cmd, (store) =>
        suggestPoints(store, {
          run: opts.run,
          ...(opts.candidates === undefined ? {} : { candidates: opts.candidates }),
          ...(opts.top === undefined ? {} : { top: opts.top }),
          ...(opts.out === undefined ? {} : { out: opts.out }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.samples === undefined ? {} : { samples: opts.samples }),
          ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
          ...(opts.device === undefined ? {} : { device: opts.device }),
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      if (opts.json) {
        printJson(r);
        return;
      }
      process.stdout.write(`${r.run_id} (epoch ${r.epoch}): ${r.candidates} candidates ranked by the spread across ${r.spread_over} ${r.method}, kept ${Number(r.spacing.toPrecision(3))} apart (scaled)\n\n`);
      printRows(r.points.map((p) => ({ rank: p.rank, ...p.values, uncertainty: Number(p.uncertainty.toPrecision(4)), nearest_distance: p.nearest_distance === null ? '' : Number(p.nearest_distance.toPrecision(4)) })));
      if (r.file !== null) process.stdout.write(`\npoints: ${r.file}\n`);
    });
}
