/**
 * `dsi bench dcgan`: how fast this machine trains the DCGAN of DESIGN §4 through this project's
 * torch layer, against PyTorch's own step timed in the same run (src/bench/dcgan.ts).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { SEED_MAX, seedNumber, wholeNumber } from '../number-options.js';
import { printJson } from '../output.js';
import { loadTorch, printPairs } from './doctor.js';

interface BenchFlags {
  batch: number;
  steps: number;
  repeats: number;
  warmup: number;
  precision: 'fp32' | 'bf16' | 'fp16';
  device: 'cpu' | 'cuda';
  threads?: number;
  seed: number;
  reference: boolean;
  profile?: boolean;
  json?: boolean;
}

const fmt = (n: number | null, digits = 1): string => (n === null ? '—' : n.toFixed(digits));

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('time training on this machine');
  bench
    .command('dcgan')
    .description("images per second of the DCGAN's full training step (D and G updates) on random 28×28 images, against PyTorch in the same run")
    .option('--batch <n>', 'images per step', wholeNumber(1), 64)
    .option('--steps <n>', 'timed steps per repeat', wholeNumber(1), 10)
    .option('--repeats <n>', 'timed repeats of each side, interleaved', wholeNumber(1), 5)
    .option('--warmup <n>', 'untimed steps first', wholeNumber(1), 3)
    .addOption(new Option('--precision <p>', 'fp32, bf16 (autocast) or fp16 (autocast with loss scaling)').choices(['fp32', 'bf16', 'fp16']).default('fp32'))
    .addOption(new Option('--device <d>', 'where to train').choices(['cpu', 'cuda']).default('cpu'))
    .option('--threads <n>', 'intra-op threads for both sides (default: the physical cores, or OMP_NUM_THREADS)', wholeNumber(1))
    .option('--seed <s>', `random seed (0 … ${SEED_MAX})`, seedNumber, 0)
    .option('--no-reference', 'skip the PyTorch reference (no Python with torch here)')
    .option('--profile', 'also show where one of our steps spends its time, op by op')
    .option('--json', 'print the result as one JSON object')
    .exitOverride()
    .action(async (opts: BenchFlags) => {
      await loadTorch();
      const { benchDcgan } = await import('../../bench/dcgan.js');
      const r = await benchDcgan(opts);
      if (opts.json) {
        printJson(r);
        return;
      }
      printPairs([
        ['images/s', `${fmt(r.images_per_second)} (median of ${r.repeats} repeats × ${r.steps} steps)`],
        ['PyTorch images/s', r.reference_torch === null ? 'not measured' : `${fmt(r.reference_images_per_second)} (torch ${r.reference_torch}, same run, interleaved)`],
        ['ratio', `${fmt(r.ratio, 3)} (paired by repeat: ${fmt(r.paired_ratio, 3)})`],
        ['step', `${r.median_step_ms.toFixed(1)} ms median`],
        ['batch', String(r.batch)],
        ['threads', String(r.threads)],
        ['device', `${r.device}, ${r.precision}`],
        ['libtorch', r.libtorch],
      ]);
      if (r.profile) {
        const p = r.profile;
        const share = (ms: number): string => `${((ms / p.wallMs) * 100).toFixed(1)} %`;
        process.stdout.write(`\none step, op by op: ${p.wallMs.toFixed(1)} ms, ${p.calls} native calls, JavaScript ${p.javascriptMs.toFixed(2)} ms (${share(p.javascriptMs)})\n`);
        printPairs(p.ops.slice(0, 12).map((o) => [`  ${o.op}`, `${o.ms.toFixed(2).padStart(9)} ms  ${share(o.ms).padStart(7)}  ×${o.calls}`] as const));
      }
    });
}
