/** `dsi ml metrics`: FID, KID, precision/recall and IS of feature CSV files; needs no store. */
import type { Command } from 'commander';
import { MlError } from '../../../errors.js';
import { seedNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';

interface MetricsFlags {
  real?: string;
  generated?: string;
  logits?: string;
  splits: number;
  shuffle: boolean;
  kidSubsets: number;
  kidSubsetSize: number;
  k: number;
  seed: number;
  json?: boolean;
}

/** The columns printed, in order. */
const FEATURE_KEYS = ['fid', 'kid', 'kid_std', 'precision', 'recall', 'n_real', 'n_generated', 'dim'] as const;
const LOGIT_KEYS = ['is', 'is_std'] as const;

export function registerMlMetrics(ml: Command): void {
  ml.command('metrics')
    .description('FID, KID and precision/recall of generated against real features, and IS of logits, from CSV files (a header, one sample per row); needs no store')
    .option('--real <file.csv>', 'features of real samples')
    .option('--generated <file.csv>', 'features of generated samples (same columns as --real)')
    .option('--logits <file.csv>', "a classifier's logits on generated samples, for the Inception Score")
    .option('--splits <n>', 'IS splits', wholeNumber(1), 10)
    .option('--no-shuffle', 'IS: split the samples in file order instead of after a seeded shuffle')
    .option('--kid-subsets <n>', 'KID subsets', wholeNumber(1), 100)
    .option('--kid-subset-size <n>', 'KID subset size (the smaller set size when fewer)', wholeNumber(2), 1000)
    .option('--k <n>', 'precision/recall: the neighbour whose distance is a sample\'s radius', wholeNumber(1), 3)
    .option('--seed <s>', 'seed of the IS shuffle and the KID subsets (0 … 4294967295)', seedNumber, 0)
    .option('--json', `print one object: ${[...FEATURE_KEYS, ...LOGIT_KEYS].join(', ')} (those computed)`)
    .action(async (opts: MetricsFlags) => {
      const features = opts.real !== undefined || opts.generated !== undefined;
      if (features && (opts.real === undefined || opts.generated === undefined)) {
        throw new MlError('E_ML_ARGUMENT', `--real and --generated go together; got only ${opts.real === undefined ? '--generated' : '--real'}`);
      }
      if (!features && opts.logits === undefined) throw new MlError('E_ML_ARGUMENT', 'give --real and --generated (FID, KID, precision, recall), --logits (IS), or both');
      // The metrics need the libtorch addon, which the store's commands do not load.
      const { compareFeatureSets, inceptionScore, readFeatureCsv } = await import('../../../ml/evaluate/metrics/index.js');
      // Read and check every file before computing anything.
      const real = opts.real === undefined ? undefined : readFeatureCsv(opts.real);
      const gen = opts.generated === undefined ? undefined : readFeatureCsv(opts.generated);
      const logits = opts.logits === undefined ? undefined : readFeatureCsv(opts.logits);
      if (real !== undefined && gen !== undefined && real.cols !== gen.cols) {
        throw new MlError('E_ML_DATA', `${opts.generated}:1: ${gen.cols} feature columns, but ${opts.real} has ${real.cols}; both must come from the same feature extractor`);
      }
      if (logits !== undefined && opts.splits > logits.rows) {
        throw new MlError('E_ML_ARGUMENT', `--splits ${opts.splits} is more than the ${logits.rows} samples of ${opts.logits}`);
      }
      const out: Record<string, number> = {};
      if (real !== undefined && gen !== undefined) {
        const r = compareFeatureSets(real, gen, { kidSubsets: opts.kidSubsets, kidSubsetSize: opts.kidSubsetSize, k: opts.k, seed: opts.seed });
        for (const w of r.warnings) process.stderr.write(`dsi: warning: ${w}\n`);
        for (const key of FEATURE_KEYS) out[key] = r[key];
      }
      if (logits !== undefined) {
        const is = inceptionScore(logits, { splits: opts.splits, seed: opts.seed, shuffle: opts.shuffle });
        out['is'] = is.value;
        out['is_std'] = is.std;
      }
      if (opts.json) printJson(out);
      else printRows([out], Object.keys(out));
    });
}
