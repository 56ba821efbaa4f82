/**
 * `dsi bench dcgan`: how fast this machine trains the DCGAN of DESIGN §4, in images per second of
 * full training steps (discriminator and generator updates) on random images, after warm-up.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { printJson } from '../output.js';
import { loadTorch, printPairs } from './doctor.js';

export interface DcganBenchOptions {
  batch: number;
  steps: number;
  warmup: number;
  /** libtorch's intra-op threads; its default when omitted. */
  threads?: number;
  seed: number;
}

export interface DcganBenchResult {
  model: 'dcgan';
  /** Median over the timed steps of batch ÷ step time. */
  images_per_second: number;
  /** All timed images ÷ all timed seconds. */
  images_per_second_mean: number;
  median_step_ms: number;
  batch: number;
  steps: number;
  warmup: number;
  threads: number;
  device: 'cpu';
  precision: 'fp32';
  libtorch: string;
  d_loss: number;
  g_loss: number;
}

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Times `steps` DCGAN training steps after `warmup` untimed ones. */
export async function benchDcgan(o: DcganBenchOptions): Promise<DcganBenchResult> {
  const torch = await loadTorch();
  const { dcganGenerator, dcganDiscriminator, dcganTrainStep } = await import('../../ml/models/index.js');
  if (o.threads !== undefined) torch.setNumThreads(o.threads);
  torch.manualSeed(o.seed);
  const gen = dcganGenerator();
  const disc = dcganDiscriminator();
  gen.train();
  disc.train();
  const optG = new torch.optim.Adam(gen.parameters(), { lr: 1e-4 });
  const optD = new torch.optim.Adam(disc.parameters(), { lr: 1e-4 });
  // One batch of uniform noise in [−1, 1], the range of the generator's tanh: data loading is not timed.
  const real = torch.rand([o.batch, 1, 28, 28]).mul_(2).sub_(1);
  const seconds: number[] = [];
  let losses = { dLoss: Number.NaN, gLoss: Number.NaN };
  try {
    for (let i = 0; i < o.warmup + o.steps; i++) {
      const start = process.hrtime.bigint();
      losses = dcganTrainStep(gen, disc, optG, optD, real);
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      if (i >= o.warmup) seconds.push(elapsed);
    }
  } finally {
    real.dispose();
  }
  const total = seconds.reduce((a, b) => a + b, 0);
  const stepMedian = median(seconds);
  return {
    model: 'dcgan',
    images_per_second: o.batch / stepMedian,
    images_per_second_mean: (o.batch * seconds.length) / total,
    median_step_ms: stepMedian * 1000,
    batch: o.batch,
    steps: o.steps,
    warmup: o.warmup,
    threads: torch.getNumThreads(),
    device: 'cpu',
    precision: 'fp32',
    libtorch: torch.buildInfo().version,
    d_loss: losses.dLoss,
    g_loss: losses.gLoss,
  };
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('time training on this machine');
  bench
    .command('dcgan')
    .description("images per second of the DCGAN's full training step (D and G updates) on random 28×28 images")
    .option('--batch <n>', 'images per step', wholeNumber(1), 64)
    .option('--steps <n>', 'timed steps', wholeNumber(1), 20)
    .option('--warmup <n>', 'untimed steps first', wholeNumber(0), 3)
    .option('--threads <n>', "libtorch's intra-op threads (default: libtorch's own choice)", wholeNumber(1))
    .option('--seed <s>', 'random seed', wholeNumber(0), 0)
    .option('--json', 'print the result as one JSON object')
    .exitOverride()
    .action(async (opts: DcganBenchOptions & { json?: boolean }) => {
      const r = await benchDcgan(opts);
      if (opts.json) {
        printJson(r);
        return;
      }
      printPairs([
        ['images/s', `${r.images_per_second.toFixed(1)} (median over ${r.steps} steps; mean ${r.images_per_second_mean.toFixed(1)})`],
        ['step', `${r.median_step_ms.toFixed(1)} ms median`],
        ['batch', String(r.batch)],
        ['threads', String(r.threads)],
        ['device', `${r.device}, ${r.precision}`],
        ['libtorch', r.libtorch],
      ]);
    });
}
