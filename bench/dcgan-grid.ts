/**
 * The DCGAN grid: `dsi bench dcgan` (ours against PyTorch, interleaved in each run) at batch 64
 * and 256 in float32 and bfloat16, then TensorFlow.js's CPU backend on the same step against ours
 * at the same (small) batch, since one of its steps at batch 64 takes over ten minutes.
 *
 *   node dist/bench/dcgan-grid.js [--batches 64,256] [--precisions fp32,bf16] [--device cpu]
 *       [--steps 10] [--repeats 5] [--threads N] [--tfjs-batch 4] [--no-tfjs] [--json]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DcganBenchResult } from '../src/bench/dcgan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: a } = parseArgs({
  options: {
    batches: { type: 'string', default: '64,256' },
    precisions: { type: 'string', default: 'fp32,bf16' },
    device: { type: 'string', default: 'cpu' },
    steps: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string' },
    'tfjs-batch': { type: 'string', default: '4' },
    'no-tfjs': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const say = (s: string): void => void process.stderr.write(`${s}\n`);

/** One `dsi bench dcgan` run in a fresh process, so no run inherits another's allocator state. */
function dsiBench(batch: number, precision: string, reference: boolean): DcganBenchResult {
  const args = ['bin/dsi.js', 'bench', 'dcgan', '--json', '--batch', String(batch), '--precision', precision, '--device', a.device!,
    '--steps', a.steps!, '--repeats', a.repeats!];
  if (a.threads) args.push('--threads', a.threads);
  if (!reference) args.push('--no-reference');
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as DcganBenchResult;
}

const rows: DcganBenchResult[] = [];
for (const batch of a.batches!.split(',').map(Number)) {
  for (const precision of a.precisions!.split(',')) {
    say(`batch ${batch}, ${precision}…`);
    const r = dsiBench(batch, precision, true);
    rows.push(r);
    say(`  ours ${r.images_per_second.toFixed(1)} images/s, PyTorch ${r.reference_images_per_second?.toFixed(1) ?? '—'}, ratio ${r.ratio?.toFixed(3) ?? '—'} (paired ${r.paired_ratio?.toFixed(3) ?? '—'})`);
  }
}

let tfjs: { batch: number; images_per_second: number; median_step_ms: number; ours_images_per_second: number; speedup: number; version: string } | null = null;
if (!a['no-tfjs']) {
  const batch = Number(a['tfjs-batch']);
  say(`TensorFlow.js CPU backend, batch ${batch} (about a minute a step)…`);
  const { benchTfjsDcgan } = await import('./tfjs-dcgan.js');
  const t = await benchTfjsDcgan(batch, 1);
  const ours = dsiBench(batch, 'fp32', false);
  tfjs = { batch, images_per_second: t.images_per_second, median_step_ms: t.median_step_ms, ours_images_per_second: ours.images_per_second,
    speedup: ours.images_per_second / t.images_per_second, version: t.version };
  say(`  TF.js ${t.images_per_second.toFixed(3)} images/s; ours ${ours.images_per_second.toFixed(1)} at the same batch: ${tfjs.speedup.toFixed(0)}×`);
}

if (a.json) {
  process.stdout.write(`${JSON.stringify({ grid: rows, tfjs }, null, 2)}\n`);
} else {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  console.log(line(['batch', 'precision', 'ours images/s', 'PyTorch images/s', 'ratio', 'paired ratio', 'threads', 'device']));
  console.log(line(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---']));
  for (const r of rows) {
    console.log(line([String(r.batch), r.precision, r.images_per_second.toFixed(1), r.reference_images_per_second?.toFixed(1) ?? '—', r.ratio?.toFixed(3) ?? '—', r.paired_ratio?.toFixed(3) ?? '—', String(r.threads), r.device]));
  }
  if (tfjs) console.log(`\nTensorFlow.js ${tfjs.version} CPU backend, batch ${tfjs.batch}: ${tfjs.images_per_second.toFixed(3)} images/s (${(tfjs.median_step_ms / 1000).toFixed(1)} s a step); ours ${tfjs.ours_images_per_second.toFixed(1)}: ${tfjs.speedup.toFixed(0)}×`);
}
