/** `dsi ml train`: a GAN on the images a query or table selects; Ctrl-C stops with a checkpoint. */
import { Option, type Command } from 'commander';
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
  model?: 'dcgan' | 'cdcgan';
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

export function registerMlTrain(ml: Command): void {
  ml.command('train')
    .description('train a GAN (dcgan, or cdcgan conditioned on columns) on the images a query selects; every epoch is recorded in ml_epochs')
    .option('--query <sql>', 'read-only query selecting the images and their parameters')
    .option('--table <name>', "train on a table (its split = 'train' rows when it has a split column)")
    .option('--image-col <name>', 'the column holding image paths (default: the FILE column)')
    .option('--cond-cols <a,b>', 'conditioning columns (a cdcgan)', nameList)
    .option('--categorical <a,b>', 'treat these conditioning columns as categorical', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .option('--continuous <a,b>', 'treat these conditioning columns as continuous', (v: string, prev?: string[][]) => [...(prev ?? []), nameList(v)])
    .addOption(new Option('--model <name>', 'dcgan or cdcgan (default: cdcgan with --cond-cols)').choices(['dcgan', 'cdcgan']))
    .addOption(new Option('--size <px>', 'resize the images to 28, 32 or 64 (default: their own size)').choices(['28', '32', '64']).argParser(Number))
    .addOption(new Option('--channels <n>', '1 grey or 3 RGB (default: the images\' own)').choices(['1', '3']).argParser(Number))
    .option('--epochs <n>', 'epochs (default 50; with --resume, a new target)', wholeNumber(1))
    .option('--batch <n>', 'images per step (default 256)', wholeNumber(2))
    .option('--lr <x>', 'Adam learning rate of both networks (default 1e-4)', positiveNumber)
    .option('--seed <n>', 'seed of weights, noise, dropout and batch order (default: random, recorded)', wholeNumber(0))
    .addOption(new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']))
    .option('--device <d>', 'cpu, cuda or cuda:N (default cpu)')
    .option('--threads <n>', "libtorch's threads (default: the physical cores)", wholeNumber(1))
    .option('--checkpoint-every <n>', 'keep a checkpoint every N epochs (default 1)', wholeNumber(1))
    .option('--max-images <n>', 'train on the first N rows only', wholeNumber(2))
    .option('--resume <run>', 'continue a stopped, failed or killed run from its last checkpoint')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nCtrl-C stops after the current step, writes a checkpoint and marks the run stopped; resume it with --resume RUN.')
    .action(async (opts: Omit<TrainFlags, 'categorical' | 'continuous'> & { categorical?: string[][]; continuous?: string[][] }, cmd: Command) => {
      const { trainGan } = await loadMl();
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
        const result = await withStore(cmd, (store) =>
          trainGan(store, {
            ...(opts.query === undefined ? {} : { query: opts.query }),
            ...(opts.table === undefined ? {} : { table: opts.table }),
            ...(opts.imageCol === undefined ? {} : { imageColumn: opts.imageCol }),
            ...(opts.condCols === undefined ? {} : { conditionColumns: opts.condCols }),
            ...(opts.categorical === undefined ? {} : { categorical: flatten(opts.categorical)! }),
            ...(opts.continuous === undefined ? {} : { continuous: flatten(opts.continuous)! }),
            ...(opts.model === undefined ? {} : { model: opts.model }),
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
            onProgress: progress.onProgress,
            signal: controller.signal,
          }),
        ).finally(progress.stop);
        if (opts.json) printJson(result);
        else {
          printRows([result], ['run_id', 'status', 'model', 'epochs_done', 'steps_done', 'd_loss', 'g_loss', 'images_per_second', 'seconds']);
          process.stdout.write(`checkpoint: ${result.FILE_checkpoint ?? '(none)'}\nsamples:    ${result.FILE_samples ?? '(none)'}\nlosses:     ${result.FILE_loss_plot ?? '(none)'}\n`);
          if (result.status === 'stopped') process.stdout.write(`stopped; continue with: dsi ml train --resume ${result.run_id}\n`);
        }
        if (result.status === 'stopped') process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
