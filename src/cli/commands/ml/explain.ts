/** `dsi ml explain`: SHAP values of one prediction of a run, stored in ml_explanations. */
import { type Command, InvalidArgumentError } from 'commander';
import { withStore } from '../../context.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { loadMl } from './load-ml.js';

interface ExplainFlags {
  run: string;
  row?: number;
  prediction?: string;
  method?: 'exact' | 'kernel' | 'permutation';
  background?: number;
  seed?: number;
  samples?: number;
  output?: 'score' | 'mean-intensity' | 'discriminator';
  region?: [number, number, number, number];
  class?: string;
  segmentation?: 'blocks' | 'superpixels';
  blocks?: number;
  imageBackground?: 'mean' | 'images';
  device?: string;
  json?: boolean;
}

function choice<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** `--region x0,y0,x1,y1`: four whole numbers of pixels (the library checks them against the image). */
function region(value: string): [number, number, number, number] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`must be four whole numbers x0,y0,x1,y1 (pixels, inclusive-exclusive), got "${value}"`);
  return parts.map(Number) as [number, number, number, number];
}

/** Shown features at most in the table output (the JSON has them all). */
const SHOWN = 20;

export function registerMlExplain(ml: Command): void {
  ml.command('explain')
    .description('SHAP values of one prediction of a run (a data row or a stored prediction) over its inputs, image blocks or conditioning parameters; stored in ml_explanations')
    .requiredOption('--run <run>', 'the run to explain (classifier, gan, regressor or surrogate)')
    .option('--row <n>', "row N (from 1) of the run's data query, in its order", wholeNumber(0))
    .option('--prediction <id>', 'a stored prediction (ml_predictions.prediction_id) instead of a row')
    .option('--method <m>', 'exact, kernel or permutation (default: exact up to 12 varying features, else kernel)', choice(['exact', 'kernel', 'permutation'] as const))
    .option('--background <k>', 'background rows drawn from the run data (default 100; all when fewer)', wholeNumber(0))
    .option('--seed <s>', 'seed of the background draw, the sampling and a generator\'s noise, 0 … 4294967295 (default 0)', seedNumber)
    .option('--samples <n>', 'coalitions valued by kernel and permutation (default 2M + 2048)', wholeNumber(1))
    .option('--output <o>', 'GAN runs: score, mean-intensity (conditional generator) or discriminator', choice(['score', 'mean-intensity', 'discriminator'] as const))
    .option('--region <x0,y0,x1,y1>', 'surrogate runs and a GAN\'s mean-intensity: the pixels whose mean is explained, inclusive-exclusive (default the whole image)', region)
    .option('--class <c>', 'the class whose probability is explained (default: the predicted class)')
    .option('--segmentation <s>', 'image features: blocks (default) or superpixels', choice(['blocks', 'superpixels'] as const))
    .option('--blocks <b>', 'b × b blocks (default 7), or about b² superpixels', wholeNumber(1))
    .option('--image-background <b>', 'absent image segments take the mean of the background images (default) or each of them (K times the work)', choice(['mean', 'images'] as const))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--json', 'print {explanation_id, prediction, base_value, values, …} as JSON')
    .action(async (opts: ExplainFlags, cmd: Command) => {
      const { explainRun } = await loadMl();
      const r = await withStore(cmd, (store) =>
        explainRun(store, {
          run: opts.run,
          ...(opts.row === undefined ? {} : { row: opts.row }),
          ...(opts.prediction === undefined ? {} : { prediction: opts.prediction }),
          ...(opts.method === undefined ? {} : { method: opts.method }),
          ...(opts.background === undefined ? {} : { background: opts.background }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.samples === undefined ? {} : { samples: opts.samples }),
          ...(opts.output === undefined ? {} : { output: opts.output }),
          ...(opts.region === undefined ? {} : { region: opts.region }),
          ...(opts.class === undefined ? {} : { class: opts.class }),
          ...(opts.segmentation === undefined ? {} : { segmentation: opts.segmentation }),
          ...(opts.blocks === undefined ? {} : { blocks: opts.blocks }),
          ...(opts.imageBackground === undefined ? {} : { imageBackground: opts.imageBackground }),
          ...(opts.device === undefined ? {} : { device: opts.device }),
        }),
      );
      if (opts.json) {
        printJson(r);
        return;
      }
      const entries = Object.entries(r.values).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
      const shown = entries.filter(([, v]) => v !== 0).slice(0, SHOWN);
      process.stdout.write(`${r.run_id}, ${r.target}: ${r.output}, ${r.method} SHAP over ${entries.length} features (${r.features_varying} differ from the background), background ${r.background} rows, seed ${r.seed}\n\n`);
      printRows(shown.map(([feature, value]) => ({ feature, value })), ['feature', 'value']);
      const zero = entries.length - entries.filter(([, v]) => v !== 0).length;
      const rest = entries.length - zero - shown.length;
      if (rest > 0 || zero > 0) process.stdout.write(`(${rest > 0 ? `${rest} smaller not shown` : ''}${rest > 0 && zero > 0 ? ', ' : ''}${zero > 0 ? `${zero} at 0` : ''}; --json lists all)\n`);
      const sum = entries.reduce((s, [, v]) => s + v, 0);
      const gap = r.prediction - r.base_value;
      process.stdout.write(`\nprediction ${fmt(r.prediction)} − base value ${fmt(r.base_value)} = ${fmt(gap)}; sum of values ${fmt(sum)} (difference ${(sum - gap).toExponential(1)})\n`);
      if (r.file_heatmap !== undefined) process.stdout.write(`heat map: ${r.file_heatmap}\n`);
      process.stdout.write(`explanation ${r.explanation_id}: ${r.evaluations} coalitions in ${r.seconds.toFixed(1)} s\n`);
    });
}

const fmt = (x: number): string => String(Number(x.toPrecision(6)));
