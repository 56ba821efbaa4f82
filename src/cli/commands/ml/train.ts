/**
 * `dsi ml train`: a GAN (dcgan, cdcgan) or a classifier (`--model classifier --label-col label`)
 * on the images a query or table selects; Ctrl-C stops with a checkpoint.
 */
import { Option, type Command } from 'commander';
import { MlError } from '../../../errors.js';
import type { TrainGanOptions } from '../../../ml/index.js';
import { withStore } from '../../context.js';
import { nameList, positiveNumber, wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { progressRenderer } from '../../progress-bar.js';
import { loadMl } from '../ml.js';

interface TrainFlags {
  query?: string;
  table?: string;
  imageCol?: string;
  condCols?: string[];
  categorical?: string[];
  continuous?: string[];
  model?: 'dcgan' | 'cdcgan' | 'classifier';
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
  json?: boolean;
}

const flatten = (lists: string[][] | undefined): string[] | undefined => (lists === undefined ? undefined : lists.flat());

type Flags = Omit<TrainFlags, 'categorical' | 'continuous'> & { categorical?: string[][]; continuous?: string[][] };

type CommonOptions = Pick<
  TrainGanOptions,
  'query' | 'table' | 'imageColumn' | 'size' | 'channels' | 'epochs' | 'batch' | 'lr' | 'seed' | 'precision' | 'device' | 'threads' | 'checkpointEvery' | 'maxImages' | 'resume'
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
    ...(opts.checkpointEvery === undefined ? {} : { checkpointEvery: opts.checkpointEvery }),
    ...(opts.maxImages === undefined ? {} : { maxImages: opts.maxImages }),
    ...(opts.resume === undefined ? {} : { resume: opts.resume }),
  };
}

/** Refuses options of the other kind of model before anything runs (exit status 2). */
function checkKindOptions(opts: Flags, classifier: boolean): void {
  if (classifier) {
    const ganOnly = [
      ['--cond-cols', opts.condCols],
      ['--categorical', opts.categorical],
      ['--continuous', opts.continuous],
    ].filter(([, v]) => v !== undefined);
    if (ganOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${ganOnly.map(([n]) => n).join(', ')} ${ganOnly.length === 1 ? 'is' : 'are'} for GANs; a classifier takes --label-col`);
    if (opts.labelCol === undefined && opts.resume === undefined) throw new MlError('E_ML_ARGUMENT', '--model classifier needs --label-col NAME (the column holding the class labels)');
  } else {
    const classifierOnly = [
      ['--label-col', opts.labelCol],
      ['--test-query', opts.testQuery],
    ].filter(([, v]) => v !== undefined);
    if (classifierOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${classifierOnly.map(([n]) => n).join(', ')} ${classifierOnly.length === 1 ? 'is' : 'are'} for --model classifier`);
  }
}

/**
 * What the flags ask to train: a classifier with `--model classifier` (or `--label-col` without
 * `--cond-cols`), a GAN otherwise; undefined when only `--resume` can tell (the run's kind).
 */
function requestedKind(opts: Flags): 'classifier' | 'gan' | undefined {
  if (opts.model !== undefined) return opts.model === 'classifier' ? 'classifier' : 'gan';
  if (opts.resume !== undefined) return undefined;
  return opts.labelCol !== undefined && opts.condCols === undefined ? 'classifier' : 'gan';
}

export function registerMlTrain(ml: Command): void {
  ml.command('train')
    .description('train a GAN (dcgan, or cdcgan conditioned on columns) or a CNN classifier (--model classifier --label-col COL) on the images a query selects; every epoch is recorded in ml_epochs')
    .option('--query <sql>', 'read-only query selecting the images and their parameters')
    .option('--table <name>', "train on a table (its split = 'train' rows when it has a split column)")
    .option('--image-col <name>', 'the column holding image paths (default: the FILE column)')
    .option('--cond-cols <a,b>', 'conditioning columns (a cdcgan)', nameList)
    .option('--categorical <a,b>', 'treat these conditioning columns as categorical', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .option('--continuous <a,b>', 'treat these conditioning columns as continuous', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .addOption(new Option('--model <name>', 'dcgan, cdcgan or classifier (default: cdcgan with --cond-cols, classifier with --label-col)').choices(['dcgan', 'cdcgan', 'classifier']))
    .option('--label-col <name>', 'classifier: the column holding the class labels')
    .option('--test-query <sql>', "classifier: the images accuracy is measured on (default: the table's split = 'test' rows)")
    .addOption(new Option('--size <px>', 'resize the images to 28, 32 or 64 (default: their own size)').choices(['28', '32', '64']).argParser(Number))
    .addOption(new Option('--channels <n>', '1 grey or 3 RGB (default: the images\' own)').choices(['1', '3']).argParser(Number))
    .option('--epochs <n>', 'epochs (default 50 for a GAN, 3 for a classifier; with --resume, a new target)', wholeNumber(1))
    .option('--batch <n>', 'images per step (default 256 for a GAN, 128 for a classifier)', wholeNumber(2))
    .option('--lr <x>', 'Adam learning rate (default 1e-4 for both GAN networks; a classifier\'s peak 2e-3, decayed along a cosine)', positiveNumber)
    .option('--seed <n>', 'seed of weights, noise, dropout and batch order (default: random, recorded)', wholeNumber(0))
    .addOption(new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--threads <n>', "libtorch's threads (default: the physical cores)", wholeNumber(1))
    .option('--checkpoint-every <n>', 'keep a checkpoint every N epochs (default 1)', wholeNumber(1))
    .option('--max-images <n>', 'train on the first N rows only', wholeNumber(2))
    .option('--resume <run>', 'continue a stopped, failed or killed run from its last checkpoint')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nCtrl-C stops after the current step, writes a checkpoint and marks the run stopped; resume it with --resume RUN.')
    .action(async (opts: Flags, cmd: Command) => {
      const requested = requestedKind(opts);
      if (requested !== undefined) checkKindOptions(opts, requested === 'classifier');
      const ml = await loadMl();
      const progress = progressRenderer();
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        progress.note('stopping after this step (a checkpoint is written); Ctrl-C again to quit at once');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const outcome = await withStore(cmd, async (store) => {
          const classifier = requested === undefined ? (await new ml.RunRegistry(store).get(opts.resume!)).kind === 'classifier' : requested === 'classifier';
          checkKindOptions(opts, classifier);
          if (classifier) {
            const result = await ml.trainClassifier(store, {
              ...commonOptions(opts),
              ...(opts.labelCol === undefined ? {} : { labelColumn: opts.labelCol }),
              ...(opts.testQuery === undefined ? {} : { testQuery: opts.testQuery }),
              onProgress: progress.onProgress,
              signal: controller.signal,
            });
            return { kind: 'classifier' as const, result };
          }
          const result = await ml.trainGan(store, {
            ...commonOptions(opts),
            ...(opts.condCols === undefined ? {} : { conditionColumns: opts.condCols }),
            ...(opts.categorical === undefined ? {} : { categorical: flatten(opts.categorical)! }),
            ...(opts.continuous === undefined ? {} : { continuous: flatten(opts.continuous)! }),
            ...(opts.model === undefined || opts.model === 'classifier' ? {} : { model: opts.model }),
            onProgress: progress.onProgress,
            signal: controller.signal,
          });
          return { kind: 'gan' as const, result };
        }).finally(progress.stop);
        const { result } = outcome;
        if (opts.json) printJson(result);
        else if (outcome.kind === 'classifier') {
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
          process.exitCode = 130;
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
