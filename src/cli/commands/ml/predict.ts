/**
 * `dsi ml predict`: images from a model that predicts images from parameters (a GAN run, a
 * surrogate run) for chosen parameter combinations (`--params`/`--grid`, or `--points FILE`), as
 * files and ml_predictions rows; or, for an emulator (regressor) run, `--query SQL --out-table T`:
 * the target predicted for every row of the query, written as a new table.
 */
import type { Command } from 'commander';
import { MlError } from '../../../errors.js';
import { withStore } from '../../context.js';
import { collectOption } from '../../key-value-options.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from './load-ml.js';

interface PredictFlags {
  run: string;
  params?: string[];
  grid?: string[];
  points?: string;
  /** `--extrapolate` (or its older spelling `--allow-extrapolation`): the library's `allowExtrapolation`. */
  extrapolate?: boolean;
  count?: number;
  seed?: number;
  epoch?: number;
  device?: string;
  exportCinema?: string;
  query?: string;
  outTable?: string;
  json?: boolean;
}

/** Refuses image-model options with an emulator run and emulator options with any other run (exit status 2). */
function checkRunOptions(opts: PredictFlags, regressor: boolean): void {
  if (regressor) {
    const ganOnly = (
      [
        ['--params', opts.params],
        ['--grid', opts.grid],
        ['--points', opts.points],
        ['--extrapolate', opts.extrapolate],
        ['--count', opts.count],
        ['--seed', opts.seed],
        ['--epoch', opts.epoch],
        ['--device', opts.device],
        ['--export-cinema', opts.exportCinema],
      ] as [string, unknown][]
    ).filter(([, v]) => v !== undefined);
    if (ganOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${ganOnly.map(([n]) => n).join(', ')} ${ganOnly.length === 1 ? 'is' : 'are'} for GAN runs and surrogate runs; run ${opts.run} is an emulator: give --query SQL --out-table NAME`);
    if (opts.query === undefined || opts.outTable === undefined) throw new MlError('E_ML_ARGUMENT', `run ${opts.run} is an emulator: give --query SQL (the rows to predict) and --out-table NAME (a new table)`);
    return;
  }
  const emulatorOnly = (
    [
      ['--query', opts.query],
      ['--out-table', opts.outTable],
    ] as [string, unknown][]
  ).filter(([, v]) => v !== undefined);
  if (emulatorOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${emulatorOnly.map(([n]) => n).join(', ')} ${emulatorOnly.length === 1 ? 'is' : 'are'} for emulator (regressor) runs; run ${opts.run} is not one`);
}

export function registerMlPredict(ml: Command): void {
  ml.command('predict')
    .description(
      'predict images with a GAN or surrogate run for parameter combinations (--params/--grid, or one per row of --points FILE; each image a PNG and an ml_predictions row, with the seed that reproduces a GAN image); or predict with an emulator run over the rows of --query into a new table --out-table',
    )
    .requiredOption('--run <run>', 'the GAN, surrogate or emulator (regressor) run')
    .option('--query <sql>', "emulator: the rows to predict (they need the run's feature columns)")
    .option('--out-table <name>', 'emulator: the new table for the predictions (row, the features, <target>_predicted)')
    .option('--params <name=value>', 'a value for a parameter (repeatable; one combination)', collectOption)
    .option('--grid <name=spec>', 'values of a parameter: v1,v2,…  a..b (integers)  a..b:n (n evenly spaced); grids multiply (repeatable)', collectOption)
    .option('--points <file.csv>', "a CSV file of points, one combination per row; its header names exactly the model's parameters (instead of --params/--grid)")
    .option('--allow-extrapolation, --extrapolate', 'allow continuous values outside the range trained on (each row records extrapolated = 1)')
    .option('--count <n>', 'images per combination (default 1; a surrogate is deterministic and takes 1)', wholeNumber(1))
    .option('--seed <s>', 'GAN: image k of this call uses seed s + k, 0 … 4294967295 (default: random, recorded)', seedNumber)
    .option('--epoch <n>', "use this epoch's checkpoint instead of the latest", wholeNumber(1))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--export-cinema <dir.cdb>', 'also write the predictions as a Cinema database')
    .option('--json', 'print the prediction ids and files as JSON')
    .action(async (opts: PredictFlags, cmd: Command) => {
      // Emulator options alone already say which kind of run is meant; the run's kind decides otherwise.
      if (opts.query !== undefined || opts.outTable !== undefined) checkRunOptions(opts, true);
      const { predictImages, predictEmulator, splitAssignment, RunRegistry } = await loadMl();
      const pairs = (option: string, list: string[] | undefined): Record<string, string> | undefined => {
        if (list === undefined) return undefined;
        // No prototype: `toString` or `__proto__` is a parameter name like any other.
        const out = Object.create(null) as Record<string, string>;
        for (const text of list) {
          const [k, v] = splitAssignment(option, text);
          if (Object.hasOwn(out, k)) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} ${k} is given twice`);
          out[k] = v;
        }
        return out;
      };
      // Malformed image-model options are refused before the store is opened.
      const params = pairs('params', opts.params);
      const grid = pairs('grid', opts.grid);
      const kind = await withStore(cmd, async (store) => (await new RunRegistry(store).get(opts.run)).kind, { readOnly: true });
      checkRunOptions(opts, kind === 'regressor');
      if (kind === 'regressor') {
        const r = await withStore(cmd, (store) => predictEmulator(store, { run: opts.run, query: opts.query!, outTable: opts.outTable! }));
        if (opts.json) printJson(r);
        else process.stdout.write(`${r.rows} row${r.rows === 1 ? '' : 's'} predicted by ${r.run_id} into table ${r.table} (${r.column}; join back by ${r.row_column}, 1-based in the query's order)\n`);
        return;
      }
      const progress = progressRenderer();
      const result = await withStore(cmd, (store) =>
        predictImages(store, {
          run: opts.run,
          ...(params === undefined ? {} : { params }),
          ...(grid === undefined ? {} : { grid }),
          ...(opts.points === undefined ? {} : { points: opts.points }),
          allowExtrapolation: opts.extrapolate === true,
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
      const outside = result.predictions.filter((p) => p.extrapolated).length;
      const shown = result.predictions.slice(0, 20).map((p) => ({
        prediction_id: p.prediction_id,
        ...p.params,
        ...(result.seed === null ? {} : { seed: p.seed }),
        ...(outside === 0 ? {} : { extrapolated: p.extrapolated ? 1 : 0 }),
        FILE: p.FILE,
      }));
      printRows(shown);
      const more = result.predictions.length - shown.length;
      const n = result.predictions.length;
      const seeds = result.seed === null ? '' : `, seeds ${result.seed}…${result.seed + n - 1}`;
      const extrapolated = outside === 0 ? '' : `; ${outside} outside the range trained on`;
      process.stdout.write(`${more > 0 ? `… and ${more} more; ` : ''}${n} image${n === 1 ? '' : 's'} from ${result.run_id} (epoch ${result.epoch})${seeds}${extrapolated}\n`);
      process.stdout.write(`Contact sheet: ${result.FILE_contact_sheet}\n`);
      if (result.cinema !== undefined) process.stdout.write(`Cinema database: ${result.cinema}\n`);
    });
}
