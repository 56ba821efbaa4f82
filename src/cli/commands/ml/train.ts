/**
 * `dsi ml train`: a GAN (dcgan, cdcgan), a classifier (`--model classifier --label-col label`) or
 * a surrogate (`--model surrogate --cond-cols a,b`) on the images a query or table selects,
 * Ctrl-C stopping with a checkpoint; or a tabular
 * emulator (`--model linear|ridge|lasso|knn|random-forest|mlp --target y --features a,b`) on the
 * rows of any table or query.
 */
import { Option, type Command } from 'commander';
import { MlError } from '../../../errors.js';
import type { EmulatorModel, TrainEmulatorResult, TrainGanOptions } from '../../../ml/index.js';
import { withStore } from '../../context.js';
import { nameList, nonNegativeNumber, numberPair, positiveNumber, seedNumber, share, wholeNumber, wholeNumberList } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer, type ProgressRenderer } from '../../progress-bar.js';
import type { ProgressCallback, ProgressEvent } from '../../../progress.js';
import { loadMl } from './load-ml.js';
import { LAUNCHED_ENV, launchWorkers, STOPPED_EXIT } from './train-launcher.js';

interface TrainFlags {
  query?: string;
  table?: string;
  imageCol?: string;
  condCols?: string[];
  categorical?: string[];
  continuous?: string[];
  model?: 'dcgan' | 'cdcgan' | 'sngan' | 'classifier' | 'surrogate' | EmulatorModel;
  members?: number;
  preset?: 'quick' | 'full';
  width?: number;
  loss?: 'hinge' | 'bce';
  lrD?: number;
  betas?: number[];
  ema?: number;
  modeSeeking?: number;
  classWeight?: number;
  balancedConditions?: boolean;
  target?: string;
  features?: string[];
  testSize?: number;
  gridSearch?: boolean;
  alpha?: number;
  k?: number;
  weights?: 'uniform' | 'distance';
  trees?: number;
  maxDepth?: number;
  hidden?: number[];
  labelCol?: string;
  testQuery?: string;
  size?: number;
  channels?: 1 | 3;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  precision?: 'fp32' | 'bf16';
  device?: string;
  threads?: number;
  checkpointEvery?: number;
  maxImages?: number;
  resume?: string;
  from?: string;
  includeAccepted?: boolean;
  includeAcceptedFrom?: string;
  maxSyntheticGenerations?: number;
  sweep?: string;
  sweepPoint?: number;
  nproc?: number;
  distTimeout?: number;
  /** false with --no-sync-bn. */
  syncBn?: boolean;
  json?: boolean;
}

const flatten = (lists: string[][] | undefined): string[] | undefined => (lists === undefined ? undefined : lists.flat());

type Flags = Omit<TrainFlags, 'categorical' | 'continuous'> & { categorical?: string[][]; continuous?: string[][] };

type CommonOptions = Pick<
  TrainGanOptions,
  'query' | 'table' | 'imageColumn' | 'size' | 'channels' | 'epochs' | 'batch' | 'lr' | 'seed' | 'precision' | 'device' | 'threads' | 'checkpointEvery' | 'maxImages' | 'resume' | 'maxSyntheticGenerations' | 'sweepId' | 'sweepPoint' | 'distTimeoutMs' | 'syncBatchNorm'
>;

/** The options both trainers share, as their option objects spell them. */
function commonOptions(opts: Flags): CommonOptions {
  return {
    ...(opts.query === undefined ? {} : { query: opts.query }),
    ...(opts.table === undefined ? {} : { table: opts.table }),
    ...(opts.imageCol === undefined ? {} : { imageColumn: opts.imageCol }),
    ...(opts.size === undefined ? {} : { size: opts.size }),
    ...(opts.channels === undefined ? {} : { channels: opts.channels }),
    ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
    ...(opts.batch === undefined ? {} : { batch: opts.batch }),
    ...(opts.lr === undefined ? {} : { lr: opts.lr }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.precision === undefined ? {} : { precision: opts.precision }),
    ...(opts.device === undefined ? {} : { device: opts.device }),
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.distTimeout === undefined ? {} : { distTimeoutMs: opts.distTimeout * 1000 }),
    ...(opts.syncBn === false ? { syncBatchNorm: false } : {}),
    ...(opts.checkpointEvery === undefined ? {} : { checkpointEvery: opts.checkpointEvery }),
    ...(opts.maxImages === undefined ? {} : { maxImages: opts.maxImages }),
    ...(opts.resume === undefined ? {} : { resume: opts.resume }),
    ...(opts.maxSyntheticGenerations === undefined ? {} : { maxSyntheticGenerations: opts.maxSyntheticGenerations }),
    ...(opts.sweep === undefined ? {} : { sweepId: opts.sweep }),
    ...(opts.sweepPoint === undefined ? {} : { sweepPoint: opts.sweepPoint }),
  };
}

/** Progress to `progress`, with warning events as `dsi: warning: …` lines of their own. */
function withWarnings(progress: ProgressRenderer, warningOf: (e: ProgressEvent) => string | undefined): ProgressCallback {
  return (e) => {
    const w = warningOf(e);
    if (w === undefined) progress.onProgress(e);
    else progress.note(`dsi: warning: ${w}`);
  };
}

/** The emulator models `--model` takes (as the ML library lists them, without loading it). */
const EMULATORS: readonly EmulatorModel[] = ['linear', 'ridge', 'lasso', 'knn', 'random-forest', 'mlp'];
const isEmulator = (model: string | undefined): model is EmulatorModel => EMULATORS.includes(model as EmulatorModel);

/** The flags only emulators take, with their values. */
function emulatorFlags(opts: Flags): [string, unknown][] {
  return (
    [
      ['--target', opts.target],
      ['--features', opts.features],
      ['--test-size', opts.testSize],
      ['--grid-search', opts.gridSearch],
      ['--alpha', opts.alpha],
      ['--k', opts.k],
      ['--weights', opts.weights],
      ['--trees', opts.trees],
      ['--max-depth', opts.maxDepth],
      ['--hidden', opts.hidden],
    ] as [string, unknown][]
  ).filter(([, v]) => v !== undefined);
}

const listed = (flags: [string, unknown][]): string => `${flags.map(([n]) => n).join(', ')} ${flags.length === 1 ? 'is' : 'are'}`;

/** Refuses image-model options for an emulator and emulator options for image models (exit status 2). */
function checkEmulatorOptions(opts: Flags, emulator: boolean): void {
  if (!emulator) {
    const flags = emulatorFlags(opts);
    if (flags.length > 0) throw new MlError('E_ML_ARGUMENT', `${listed(flags)} for tabular emulators (--model ${EMULATORS.join('|')})`);
    return;
  }
  const imageOnly = (
    [
      ['--image-col', opts.imageCol],
      ['--cond-cols', opts.condCols],
      ['--categorical', opts.categorical],
      ['--continuous', opts.continuous],
      ['--label-col', opts.labelCol],
      ['--test-query', opts.testQuery],
      ['--size', opts.size],
      ['--channels', opts.channels],
      ['--precision', opts.precision],
      ['--device', opts.device],
      ['--checkpoint-every', opts.checkpointEvery],
      ['--max-images', opts.maxImages],
      ['--resume', opts.resume],
      ['--from', opts.from],
      ['--include-accepted', opts.includeAccepted],
      ['--members', opts.members],
      ...snganRecipeFlags(opts),
    ] as [string, unknown][]
  ).filter(([, v]) => v !== undefined);
  if (imageOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${listed(imageOnly)} for image models (GANs, classifiers, surrogates), not for --model ${opts.model}`);
  if (opts.target === undefined || opts.features === undefined) throw new MlError('E_ML_ARGUMENT', `--model ${opts.model} needs --target COLUMN and --features a,b,c`);
}

/** The sngan recipe's flags as given (`--no-balanced-conditions` only when used), for refusing them where they do not apply. */
function snganRecipeFlags(opts: Flags): [string, unknown][] {
  return [
    ['--preset', opts.preset],
    ['--width', opts.width],
    ['--loss', opts.loss],
    ['--lr-d', opts.lrD],
    ['--betas', opts.betas],
    ['--ema', opts.ema],
    ['--mode-seeking', opts.modeSeeking],
    ['--class-weight', opts.classWeight],
    ['--no-balanced-conditions', opts.balancedConditions === false ? true : undefined],
  ];
}

/** Refuses options of the other kinds of model before anything runs (exit status 2). */
function checkKindOptions(opts: Flags, kind: 'classifier' | 'gan' | 'surrogate'): void {
  checkEmulatorOptions(opts, false);
  if (kind !== 'surrogate' && opts.members !== undefined) throw new MlError('E_ML_ARGUMENT', '--members is for --model surrogate (the members of its ensemble)');
  if (kind === 'surrogate') {
    const other = (
      [
        ['--continuous', opts.continuous],
        ['--label-col', opts.labelCol],
        ['--include-accepted', opts.includeAccepted],
        ['--include-accepted-from', opts.includeAcceptedFrom],
        ...snganRecipeFlags(opts).filter(([n]) => n !== '--width'),
      ] as [string, unknown][]
    ).filter(([, v]) => v !== undefined);
    if (other.length > 0) throw new MlError('E_ML_ARGUMENT', `${listed(other)} not for a surrogate (every parameter is continuous unless named in --categorical)`);
    if (opts.condCols === undefined && opts.resume === undefined && opts.from === undefined) throw new MlError('E_ML_ARGUMENT', '--model surrogate needs --cond-cols a,b,c (the parameter columns each image depends on)');
  } else if (kind === 'classifier') {
    const ganOnly = [
      ['--cond-cols', opts.condCols],
      ['--categorical', opts.categorical],
      ['--continuous', opts.continuous],
      ['--from', opts.from],
      ['--include-accepted', opts.includeAccepted],
      ...snganRecipeFlags(opts),
    ].filter(([, v]) => v !== undefined);
    if (ganOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${ganOnly.map(([n]) => n).join(', ')} ${ganOnly.length === 1 ? 'is' : 'are'} for GANs; a classifier takes --label-col (and --include-accepted-from GAN_RUN for generated images)`);
    if (opts.labelCol === undefined && opts.resume === undefined) throw new MlError('E_ML_ARGUMENT', '--model classifier needs --label-col NAME (the column holding the class labels)');
  } else {
    if (opts.includeAcceptedFrom !== undefined) {
      throw new MlError('E_ML_ARGUMENT', '--include-accepted-from is for classifiers and emulators; a GAN child trains on its parent\'s accepted predictions with --from RUN --include-accepted');
    }
    if (opts.labelCol !== undefined) throw new MlError('E_ML_ARGUMENT', '--label-col is for --model classifier');
    if (opts.testQuery !== undefined) throw new MlError('E_ML_ARGUMENT', '--test-query is for --model classifier and --model surrogate');
  }
}

/**
 * What the flags ask to train: a classifier with `--model classifier` (or `--label-col` without
 * `--cond-cols`), a GAN otherwise; undefined when only `--resume` can tell (the run's kind).
 */
function requestedKind(opts: Flags): 'classifier' | 'gan' | 'surrogate' | 'emulator' | undefined {
  if (isEmulator(opts.model)) return 'emulator';
  if (opts.model === 'classifier' || opts.model === 'surrogate') return opts.model;
  if (opts.model !== undefined) return 'gan';
  if (opts.resume !== undefined || opts.from !== undefined) return undefined;
  return opts.labelCol !== undefined && opts.condCols === undefined ? 'classifier' : 'gan';
}

export function registerMlTrain(ml: Command): void {
  ml.command('train')
    .description(
      'train a GAN (dcgan, or cdcgan conditioned on columns), a CNN classifier (--model classifier --label-col COL) or a surrogate of a simulation (--model surrogate --cond-cols A,B) on the images a query selects, every epoch recorded in ml_epochs; or a tabular emulator (--model linear|ridge|lasso|knn|random-forest|mlp --target COL --features A,B) on any rows, judged on held-out rows (ml_evaluations)',
    )
    .option('--query <sql>', 'read-only query selecting the images and their parameters (an emulator: the rows; its order is "row N")')
    .option('--table <name>', "train on a table (its split = 'train' rows when it has a split column; an emulator: all its rows, in order)")
    .option('--image-col <name>', 'the column holding image paths (default: the FILE column)')
    .option('--cond-cols <a,b>', 'conditioning columns (a cdcgan), or the parameter columns of a surrogate', nameList)
    .option('--categorical <a,b>', 'treat these conditioning columns as categorical', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .option('--continuous <a,b>', 'treat these conditioning columns as continuous', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .addOption(
      new Option('--model <name>', `dcgan, cdcgan, sngan, classifier or surrogate (default: the preset's, else cdcgan with --cond-cols, classifier with --label-col); or a tabular emulator: ${EMULATORS.join(', ')}`).choices([
        'dcgan',
        'cdcgan',
        'sngan',
        'classifier',
        'surrogate',
        ...EMULATORS,
      ]),
    )
    .addOption(new Option('--preset <name>', 'GAN settings chosen for a budget: quick (an sngan in about 4 minutes on a 2-core CPU), full (the 50-epoch run, for a GPU); given options win').choices(['quick', 'full']))
    .option('--width <n>', 'sngan: channel width of its layers (default 64; the quick preset 32); surrogate: of its decoder (default 32)', wholeNumber(1))
    .option('--members <m>', 'surrogate: independently trained members of the ensemble, whose spread is its uncertainty (default 2)', wholeNumber(1))
    .addOption(new Option('--loss <name>', 'sngan: hinge (default) or bce (non-saturating)').choices(['hinge', 'bce']))
    .option('--lr-d <x>', "sngan: the discriminator's learning rate (default: as --lr)", positiveNumber)
    .option('--betas <b1,b2>', "sngan: Adam's betas (default 0.5,0.999)", numberPair)
    .option('--ema <decay>', "sngan: decay of the generator's moving average that samples, 0 for none (default 0.999)", nonNegativeNumber)
    .option('--mode-seeking <weight>', 'sngan: weight of the mode-seeking term (default 0)', nonNegativeNumber)
    .option('--class-weight <weight>', "sngan: weight of the auxiliary classification loss on categorical conditions (default 1)", nonNegativeNumber)
    .option('--no-balanced-conditions', 'sngan: generate for the conditions of the real batch instead of every class equally often')
    .option('--target <col>', 'emulator: the numeric column to predict')
    .option('--features <a,b>', 'emulator: the input columns (numbers are standardised, text one-hot encoded)', nameList)
    .option('--test-size <share>', 'emulator: share of rows held out for the metrics (default 0.2)', share)
    .option('--grid-search', "emulator: choose the hyper-parameters by 5-fold cross-validation over the model's grid")
    .option('--alpha <x>', 'ridge, lasso: the penalty (default 1)', nonNegativeNumber)
    .option('--k <n>', 'knn: neighbours (default 5)', wholeNumber(1))
    .addOption(new Option('--weights <w>', 'knn: neighbour weights (default uniform)').choices(['uniform', 'distance']))
    .option('--trees <n>', 'random-forest: trees (default 100)', wholeNumber(1))
    .option('--max-depth <n>', 'random-forest: depth limit (default none)', wholeNumber(1))
    .option('--hidden <sizes>', 'mlp: hidden layer sizes, e.g. 64,64 (default 100)', wholeNumberList(1))
    .option('--label-col <name>', 'classifier: the column holding the class labels')
    .option('--test-query <sql>', "classifier, surrogate: the images accuracy or the held-out MSE is measured on (default: the table's split = 'test' rows)")
    .addOption(new Option('--size <px>', 'resize the images to 28, 32 or 64 (default: their own size)').choices(['28', '32', '64']).argParser(Number))
    .addOption(new Option('--channels <n>', '1 grey or 3 RGB (default: the images\' own)').choices(['1', '3']).argParser(Number))
    .option('--epochs <n>', 'epochs (default 50 for a GAN, 3 for a classifier, 25 for a surrogate, 200 for an mlp emulator; with --resume, a new target)', wholeNumber(1))
    .option('--batch <n>', 'images (an mlp emulator: rows) per step (default 256 for a GAN, 128 for a classifier, 16 for a surrogate, 200 for an mlp)', wholeNumber(2))
    .option('--lr <x>', 'Adam learning rate (default 1e-4 for both GAN networks; a classifier\'s peak 2e-3 and a surrogate\'s 2e-3, decayed along a cosine; 1e-3 for an mlp)', positiveNumber)
    .option('--seed <n>', 'seed of weights, noise, dropout and batch order, 0 … 4294967295 (default: random, recorded)', seedNumber)
    .addOption(new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--threads <n>', "libtorch's threads (default: the physical cores; 1 for an mlp emulator)", wholeNumber(1))
    .option('--checkpoint-every <n>', 'keep a checkpoint every N epochs (default 1; a surrogate 10)', wholeNumber(1))
    .option('--max-images <n>', 'train on the first N rows only', wholeNumber(2))
    .option('--resume <run>', 'continue a stopped, failed or killed run from its last checkpoint')
    .option('--from <run>', "start a child of a GAN or surrogate run from its newest checkpoint, with its data and architecture (--epochs, --batch, --lr, --seed may change; a surrogate's data query runs again, so new rows join)")
    .option('--include-accepted', "with --from: also train on the parent's accepted predictions (dsi ml accept)")
    .option('--include-accepted-from <run>', "classifier: also train on this GAN run's accepted images, labelled by the condition they were generated for; emulator: on its accepted predictions' conditioning values, as training rows")
    .option('--max-synthetic-generations <n>', 'warn when the data passed through more generations of synthetic data than this (default 1)', wholeNumber(0))
    .option('--sweep <id>', 'record the new run as part of this sweep (dsi ml sweep passes it)')
    .option('--sweep-point <i>', "with --sweep: the run's point in the sweep, 0-based (dsi ml sweep passes it)", wholeNumber(0))
    .option('--nproc <n>', 'train data-parallel on N worker processes of this machine (torch.distributed, Gloo on a CPU); under torchrun or srun their RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT are read instead', wholeNumber(1))
    .option('--dist-timeout <seconds>', 'a data-parallel run fails when a worker died or did not answer for this long (default 300)', positiveNumber)
    .option('--no-sync-bn', "a data-parallel run's batch norm normalises with each worker's own share of the batch (by default its statistics are over every worker's samples, as one process at the whole batch)")
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nCtrl-C stops after the current step, writes a checkpoint and marks the run stopped; resume it with --resume RUN.')
    .action(async (opts: Flags, cmd: Command) => {
      const requested = requestedKind(opts);
      const workers = opts.nproc !== undefined && opts.nproc > 1 && process.env['WORLD_SIZE'] === undefined;
      if (workers && requested === 'emulator') {
        // Refused here, before workers start: only the MLP trains in steps, and a grid search fits in one process.
        if (opts.model !== 'mlp') throw new MlError('E_ML_ARGUMENT', `--nproc trains data-parallel; a ${opts.model} emulator is fitted in one process (of the emulators, only --model mlp takes --nproc)`);
        if (opts.gridSearch === true) throw new MlError('E_ML_ARGUMENT', '--nproc and --grid-search cannot be combined: a grid search fits its candidates in one process');
      }
      if (workers) return launchWorkers(opts.nproc!, opts.threads);
      if (requested === 'emulator') return trainEmulatorCommand(opts, cmd);
      if (requested !== undefined) checkKindOptions(opts, requested);
      const ml = await loadMl();
      const progress = progressRenderer();
      const onProgress = withWarnings(progress, ml.warningOf);
      const controller = new AbortController();
      let interrupts = 0;
      let firstInterrupt = 0;
      const launched = process.env[LAUNCHED_ENV] === '1';
      const onSigint = (): void => {
        // A launched worker hears one Ctrl-C twice: from the terminal and forwarded by the launcher.
        if (launched && interrupts > 0 && Date.now() - firstInterrupt < 1000) return;
        interrupts++;
        if (interrupts === 1) firstInterrupt = Date.now();
        if (interrupts > 1) process.exit(STOPPED_EXIT);
        progress.note('stopping after this step (a checkpoint is written); Ctrl-C again to quit at once');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const outcome = await withStore(cmd, async (store) => {
          const earlier = opts.resume ?? opts.from;
          const resumedKind = requested === undefined && earlier !== undefined ? (await new ml.RunRegistry(store).get(earlier)).kind : undefined;
          if (resumedKind === 'regressor') throw new MlError('E_ML_RUN', `run ${earlier} is an emulator (regressor) run; emulators are not resumed: train a new one`);
          // A child (--from) of a surrogate is a surrogate; of any other run a GAN (trainGan refuses a parent of another kind).
          const kind = requested ?? (resumedKind === 'classifier' && opts.resume !== undefined ? 'classifier' : resumedKind === 'surrogate' ? 'surrogate' : 'gan');
          checkKindOptions(opts, kind);
          const classifier = kind === 'classifier';
          if (kind === 'surrogate') {
            const result = await ml.trainSurrogate(store, {
              ...commonOptions(opts),
              ...(opts.condCols === undefined ? {} : { conditionColumns: opts.condCols }),
              ...(opts.categorical === undefined ? {} : { categorical: flatten(opts.categorical)! }),
              ...(opts.members === undefined ? {} : { members: opts.members }),
              ...(opts.width === undefined ? {} : { width: opts.width }),
              ...(opts.testQuery === undefined ? {} : { testQuery: opts.testQuery }),
              ...(opts.from === undefined ? {} : { from: opts.from }),
              onProgress,
              signal: controller.signal,
            });
            return { kind: 'surrogate' as const, result };
          }
          if (classifier) {
            const result = await ml.trainClassifier(store, {
              ...commonOptions(opts),
              ...(opts.labelCol === undefined ? {} : { labelColumn: opts.labelCol }),
              ...(opts.testQuery === undefined ? {} : { testQuery: opts.testQuery }),
              ...(opts.includeAcceptedFrom === undefined ? {} : { includeAcceptedFrom: opts.includeAcceptedFrom }),
              onProgress,
              signal: controller.signal,
            });
            return { kind: 'classifier' as const, result };
          }
          const result = await ml.trainGan(store, {
            ...commonOptions(opts),
            ...(opts.condCols === undefined ? {} : { conditionColumns: opts.condCols }),
            ...(opts.categorical === undefined ? {} : { categorical: flatten(opts.categorical)! }),
            ...(opts.continuous === undefined ? {} : { continuous: flatten(opts.continuous)! }),
            ...(opts.model === 'dcgan' || opts.model === 'cdcgan' || opts.model === 'sngan' ? { model: opts.model } : {}),
            ...(opts.preset === undefined ? {} : { preset: opts.preset }),
            ...(opts.width === undefined ? {} : { width: opts.width }),
            ...(opts.loss === undefined ? {} : { loss: opts.loss }),
            ...(opts.lrD === undefined ? {} : { lrD: opts.lrD }),
            ...(opts.betas === undefined ? {} : { betas: [opts.betas[0]!, opts.betas[1]!] as const }),
            ...(opts.ema === undefined ? {} : { ema: opts.ema }),
            ...(opts.modeSeeking === undefined ? {} : { modeSeeking: opts.modeSeeking }),
            ...(opts.classWeight === undefined ? {} : { classWeight: opts.classWeight }),
            ...(opts.balancedConditions === false ? { balancedConditions: false } : {}),
            ...(opts.from === undefined ? {} : { from: opts.from }),
            ...(opts.includeAccepted ? { includeAccepted: true } : {}),
            onProgress,
            signal: controller.signal,
          });
          return { kind: 'gan' as const, result };
        }).finally(progress.stop);
        const { result } = outcome;
        if (opts.json) printJson(result);
        else if (outcome.kind === 'surrogate') {
          const r = outcome.result;
          printRows([r], ['run_id', 'status', 'model', 'members', 'epochs_done', 'steps_done', 'loss', 'train_mse', 'test_mse', 'nearest_run_mse', 'seconds']);
          const held = r.test_mse === null || r.nearest_run_mse === null
            ? (r.status === 'finished' ? '(no test set: give --test-query)' : '(not measured: the run stopped)')
            : `MSE ${r.test_mse.toPrecision(3)} on ${r.n_test} test images; the nearest training run's ${r.nearest_run_mse.toPrecision(3)} (${(r.test_mse / r.nearest_run_mse).toFixed(2)}×)`;
          process.stdout.write(`held out:   ${held}\ncheckpoint: ${r.FILE_checkpoint ?? '(none)'}\nlosses:     ${r.FILE_loss_plot ?? '(none)'}\n`);
        } else if (outcome.kind === 'classifier') {
          const r = outcome.result;
          printRows([r], ['run_id', 'status', 'model', 'epochs_done', 'steps_done', 'loss', 'test_accuracy', 'train_accuracy', 'images_per_second', 'seconds']);
          const accuracy = r.test_accuracy === null ? (r.status === 'finished' ? '(no test set: give --test-query)' : '(not measured: the run stopped)') : `${(r.test_accuracy * 100).toFixed(2)}% of ${r.n_test} test images`;
          process.stdout.write(`test accuracy: ${accuracy}\ncheckpoint:    ${r.FILE_checkpoint ?? '(none)'}\nlosses:        ${r.FILE_loss_plot ?? '(none)'}\n`);
        } else {
          const r = outcome.result;
          printRows([r], ['run_id', 'status', 'model', 'epochs_done', 'steps_done', 'd_loss', 'g_loss', 'images_per_second', 'seconds']);
          process.stdout.write(`checkpoint: ${r.FILE_checkpoint ?? '(none)'}\nsamples:    ${r.FILE_samples ?? '(none)'}\nlosses:     ${r.FILE_loss_plot ?? '(none)'}\n`);
        }
        if (result.status === 'stopped') {
          if (!opts.json) process.stdout.write(`stopped; continue with: dsi ml train --resume ${result.run_id}\n`);
          process.exitCode = STOPPED_EXIT;
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

/** `dsi ml train --model <emulator>`: fit, print the held-out metrics (or `--json`: the whole result). */
async function trainEmulatorCommand(opts: Flags, cmd: Command): Promise<void> {
  checkEmulatorOptions(opts, true);
  const ml = await loadMl();
  const progress = progressRenderer();
  const result: TrainEmulatorResult = await withStore(cmd, (store) =>
    ml.trainEmulator(store, {
      model: opts.model as EmulatorModel,
      target: opts.target!,
      features: opts.features!,
      ...(opts.table === undefined ? {} : { table: opts.table }),
      ...(opts.query === undefined ? {} : { query: opts.query }),
      ...(opts.testSize === undefined ? {} : { testSize: opts.testSize }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      gridSearch: opts.gridSearch === true,
      ...(opts.alpha === undefined ? {} : { alpha: opts.alpha }),
      ...(opts.k === undefined ? {} : { k: opts.k }),
      ...(opts.weights === undefined ? {} : { weights: opts.weights }),
      ...(opts.trees === undefined ? {} : { trees: opts.trees }),
      ...(opts.maxDepth === undefined ? {} : { maxDepth: opts.maxDepth }),
      ...(opts.hidden === undefined ? {} : { hidden: opts.hidden }),
      ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
      ...(opts.lr === undefined ? {} : { lr: opts.lr }),
      ...(opts.batch === undefined ? {} : { batch: opts.batch }),
      ...(opts.threads === undefined ? {} : { threads: opts.threads }),
      ...(opts.distTimeout === undefined ? {} : { distTimeoutMs: opts.distTimeout * 1000 }),
      ...(opts.includeAcceptedFrom === undefined ? {} : { includeAcceptedFrom: opts.includeAcceptedFrom }),
      ...(opts.maxSyntheticGenerations === undefined ? {} : { maxSyntheticGenerations: opts.maxSyntheticGenerations }),
      ...(opts.sweep === undefined ? {} : { sweepId: opts.sweep }),
      ...(opts.sweepPoint === undefined ? {} : { sweepPoint: opts.sweepPoint }),
      onProgress: withWarnings(progress, ml.warningOf),
    }),
  ).finally(progress.stop);
  if (opts.json) {
    printJson(result);
    return;
  }
  const { metrics: m, train_metrics: t } = result;
  printRows([{ run_id: result.run_id, model: result.model, target: result.target, n_train: result.n_train, n_test: result.n_test, mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2 }]);
  const hyper = ml.describeHyper(result.hyper);
  process.stdout.write(
    `held out:    ${result.n_test} rows (the metrics above); training rows: rmse ${t.rmse.toPrecision(6)}, r2 ${t.r2.toFixed(4)}\n` +
      `chosen:      ${hyper === '' ? '(no hyper-parameters)' : hyper}${result.grid_search === null ? '' : ` (lowest mean MSE of ${result.grid_search.candidates.length} candidates, ${result.grid_search.folds}-fold)`}\n` +
      `checkpoint:  ${result.FILE_checkpoint}\n`,
  );
}
