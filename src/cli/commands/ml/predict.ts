/** `dsi ml predict`: images from a trained GAN for chosen parameter combinations, as files and ml_predictions rows. */
import type { Command } from 'commander';
import { MlError } from '../../../errors.js';
import { withStore } from '../../context.js';
import { collectOption } from '../../key-value-options.js';
import { wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from '../ml.js';

interface PredictFlags {
  run: string;
  params?: string[];
  grid?: string[];
  allowExtrapolation?: boolean;
  count?: number;
  seed?: number;
  epoch?: number;
  device?: string;
  exportCinema?: string;
  json?: boolean;
}

export function registerMlPredict(ml: Command): void {
  ml.command('predict')
    .description('generate images from a GAN run for parameter combinations; each is a PNG and an ml_predictions row with the seed that reproduces it')
    .requiredOption('--run <run>', 'the GAN run')
    .option('--params <name=value>', 'a value for a parameter (repeatable; one combination)', collectOption)
    .option('--grid <name=spec>', 'values of a parameter: v1,v2,…  a..b (integers)  a..b:n (n evenly spaced); grids multiply (repeatable)', collectOption)
    .option('--allow-extrapolation', 'allow continuous values outside the range trained on')
    .option('--count <n>', 'images per combination (default 1)', wholeNumber(1))
    .option('--seed <s>', 'image k of this call uses seed s + k (default: random, recorded)', wholeNumber(0))
    .option('--epoch <n>', "use this epoch's checkpoint instead of the latest", wholeNumber(1))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--export-cinema <dir.cdb>', 'also write the predictions as a Cinema database')
    .option('--json', 'print the prediction ids and files as JSON')
    .action(async (opts: PredictFlags, cmd: Command) => {
      const { predictGan, splitAssignment } = await loadMl();
      const pairs = (option: string, list: string[] | undefined): Record<string, string> | undefined => {
        if (list === undefined) return undefined;
        const out: Record<string, string> = {};
        for (const text of list) {
          const [k, v] = splitAssignment(option, text);
          if (k in out) throw new MlError('E_ML_ARGUMENT', `${option} ${k} is given twice`);
          out[k] = v;
        }
        return out;
      };
      const params = pairs('--params', opts.params);
      const grid = pairs('--grid', opts.grid);
      const progress = progressRenderer();
      const result = await withStore(cmd, (store) =>
        predictGan(store, {
          run: opts.run,
          ...(params === undefined ? {} : { params }),
          ...(grid === undefined ? {} : { grid }),
          allowExtrapolation: opts.allowExtrapolation === true,
          ...(opts.count === undefined ? {} : { count: opts.count }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
          ...(opts.device === undefined ? {} : { device: opts.device }),
          ...(opts.exportCinema === undefined ? {} : { exportCinema: opts.exportCinema }),
          onProgress: progress.onProgress,
        }),
      ).finally(progress.stop);
      if (opts.json) {
        printJson({ ...result, prediction_ids: result.predictions.map((p) => p.prediction_id) });
        return;
      }
      const shown = result.predictions.slice(0, 20).map((p) => ({ prediction_id: p.prediction_id, ...p.params, seed: p.seed, FILE: p.FILE }));
      printRows(shown);
      const more = result.predictions.length - shown.length;
      process.stdout.write(`${more > 0 ? `… and ${more} more; ` : ''}${result.predictions.length} image${result.predictions.length === 1 ? '' : 's'} from ${result.run_id} (epoch ${result.epoch}), seeds ${result.seed}…${result.seed + result.predictions.length - 1}\n`);
      if (result.cinema !== undefined) process.stdout.write(`Cinema database: ${result.cinema}\n`);
    });
}
