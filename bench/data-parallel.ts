/**
 * Data-parallel training on this machine's CPUs, two questions:
 *
 * 1. Scaling: a small conv net (2 conv + 1 linear, 28 × 28 inputs, 74 kB of parameters) at one
 *    global batch, 2 workers × 1 thread (each half the batch, gradients averaged by the Reducer)
 *    against 1 worker × 2 threads. Images/s of the whole world and the ratio. Each configuration
 *    runs in fresh worker processes, K times in turn (a shared machine's load moves single runs
 *    by 2×); the median is printed with the range.
 * 2. Overlap: a conv net of 5.3 MB of parameters (4 conv + 2 linear) on 2 workers × 1 thread:
 *    ms per step with the gradients averaged during the backward pass (the Reducer; DDP's
 *    defaults, a 1 MiB first bucket then 25 MB, and 1 MB buckets) against the all-reduce after the backward pass
 *    (averageGradients `overlap: false`, the earlier path) and against no averaging at all (the
 *    step without communication). One pair of workers runs every mode in turn, a few steps each,
 *    K·6 rounds, a barrier before each step; the median step of each mode is printed, so every
 *    mode meets the same load.
 *
 *   npm run build
 *   node dist/bench/data-parallel.js [--steps N] [--batch B] [--big-batch B2] [--repeat K]
 *
 * Workers are this file with `--worker`, rendezvousing through env:// on a free loopback port;
 * SGD on fixed random data after 3 warm-up steps; N (default 20) timed steps per run in part 1,
 * 5 per round in part 2. The CPU model (lscpu) is printed with the figures. Nothing here is a
 * test: figures depend on the machine and on what else runs on it.
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.js';
import { averageGradients } from '../src/ml/train/distributed-run.js';
import { freePort } from '../src/free-port.js';

const MB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    batch: { type: 'string', default: '64' },
    'big-batch': { type: 'string', default: '32' },
    repeat: { type: 'string', default: '3' },
    worker: { type: 'string' },
  },
});

type Model = 'small' | 'big';
type Averaging = 'reducer' | 'after-backward' | 'none';
interface Config {
  readonly model: Model;
  readonly world: number;
  readonly threads: number;
  /** Global batch: each worker takes batch / world. */
  readonly batch: number;
  readonly steps: number;
  /** Unset: the overlap part's round robin over MODES. */
  readonly averaging?: Averaging;
  readonly bucketCapBytes: number;
}

function build(model: Model): torch.nn.Module {
  const { nn } = torch;
  if (model === 'small') {
    return new nn.Sequential(new nn.Conv2d(1, 16, 5, { stride: 2 }), new nn.ReLU(), new nn.Conv2d(16, 32, 5, { stride: 2 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32 * 4 * 4, 10));
  }
  return new nn.Sequential(
    new nn.Conv2d(1, 64, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(64, 128, 3, { padding: 1, stride: 2 }),
    new nn.ReLU(),
    new nn.Conv2d(128, 128, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(128, 256, 3, { padding: 1, stride: 2 }),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(256 * 7 * 7, 64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
  );
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The overlap part's modes, in the order they take turns. */
const MODES: readonly { name: string; averaging: Averaging; bucketCapBytes: number }[] = [
  { name: 'no averaging (no communication)', averaging: 'none', bucketCapBytes: 25 * MB },
  { name: 'all-reduce after backward, 25 MB', averaging: 'after-backward', bucketCapBytes: 25 * MB },
  { name: 'Reducer (overlapped), 25 MB, first 1 MB', averaging: 'reducer', bucketCapBytes: 25 * MB },
  { name: 'Reducer (overlapped), 1 MB', averaging: 'reducer', bucketCapBytes: 1 * MB },
];

/**
 * One worker. `config.averaging` set: `steps` timed steps in that mode, the seconds between
 * barriers. Unset (the overlap part): every mode of MODES in turn, `steps` rounds of 5 steps
 * each, each step after a barrier; the median step's milliseconds per mode.
 */
function work(config: Config): { seconds: number; msPerMode: number[]; parameterBytes: number } {
  torch.setNumThreads(config.threads);
  const dist = torch.distributed;
  if (config.world > 1) dist.initProcessGroup({ backend: 'gloo', timeoutMs: 120_000 });
  torch.manualSeed(1);
  const model = build(config.model);
  const params = model.parameters();
  const opt = new torch.optim.SGD(params, { lr: 0.01 });
  const each = config.batch / config.world;
  const x = torch.randn([each, 1, 28, 28]);
  const y = torch.randint(0, 10, [each]);
  const step = (): void =>
    torch.tidy(() => {
      opt.zeroGrad();
      torch.F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  const average = (averaging: Averaging, bucketCapBytes: number): (() => void) =>
    config.world > 1 && averaging !== 'none' ? averageGradients([opt], { overlap: averaging === 'reducer', bucketCapBytes }) : () => {};
  const parameterBytes = params.reduce((n, p) => n + p.numel() * 4, 0);
  for (let i = 0; i < 3; i++) step();
  if (config.averaging !== undefined) {
    const undo = average(config.averaging, config.bucketCapBytes);
    if (config.world > 1) dist.barrier();
    const start = performance.now();
    for (let i = 0; i < config.steps; i++) step();
    if (config.world > 1) dist.barrier();
    const seconds = (performance.now() - start) / 1000;
    undo();
    if (config.world > 1) dist.destroyProcessGroup();
    return { seconds, msPerMode: [], parameterBytes };
  }
  const times: number[][] = MODES.map(() => []);
  for (let round = 0; round < config.steps; round++) {
    MODES.forEach((mode, m) => {
      const undo = average(mode.averaging, mode.bucketCapBytes);
      for (let i = 0; i < 5; i++) {
        dist.barrier();
        const start = performance.now();
        step();
        times[m]!.push(performance.now() - start);
      }
      undo();
    });
  }
  dist.destroyProcessGroup();
  return { seconds: 0, msPerMode: times.map(median), parameterBytes };
}

/** Runs `config` in fresh worker processes; rank 0's result. */
async function run(config: Config): Promise<ReturnType<typeof work>> {
  const port = await freePort();
  const self = fileURLToPath(import.meta.url);
  const lines = await Promise.all(
    Array.from({ length: config.world }, (_, rank) =>
      new Promise<string>((resolve, reject) => {
        const env = { ...process.env, RANK: String(rank), WORLD_SIZE: String(config.world), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), OMP_NUM_THREADS: String(config.threads), TORCH_CPP_LOG_LEVEL: 'ERROR' };
        const child = spawn(process.execPath, [self, '--worker', JSON.stringify(config)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`worker rank ${rank} exited with ${code}`))));
      }),
    ),
  );
  return JSON.parse(lines[0]!) as ReturnType<typeof work>;
}

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name:'));
    if (line !== undefined) return line.slice('Model name:'.length).trim();
  } catch {
    // no lscpu: Node's view below
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

if (values.worker !== undefined) {
  process.stdout.write(`${JSON.stringify(work(JSON.parse(values.worker) as Config))}\n`);
} else {
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const bigBatch = Number(values['big-batch']);
  console.log(`CPU: ${cpuModel()}, ${os.cpus().length} logical cores, load average ${os.loadavg()[0]!.toFixed(1)}`);

  const repeat = Number(values.repeat);
  const small = { steps, bucketCapBytes: 25 * MB, averaging: 'reducer' as Averaging, model: 'small' as Model, batch };
  const rows: [string, Config][] = [
    ['1 worker  × 2 threads', { ...small, world: 1, threads: 2 }],
    ['2 workers × 1 thread', { ...small, world: 2, threads: 1 }],
  ];
  const seconds: number[][] = rows.map(() => []);
  let smallBytes = 0;
  for (let k = 0; k < repeat; k++) {
    for (let i = 0; i < rows.length; i++) {
      const r = await run(rows[i]![1]);
      seconds[i]!.push(r.seconds);
      smallBytes = r.parameterBytes;
    }
  }
  const ips = (s: number): number => (batch * steps) / s;
  const range = (xs: number[]): string => `${Math.min(...xs.map(ips)).toFixed(0)}–${Math.max(...xs.map(ips)).toFixed(0)}`;
  console.log(`\n1. Scaling: small conv net (${(smallBytes / 1e3).toFixed(0)} kB of parameters), global batch ${batch}, ${steps} steps, median of ${repeat} runs`);
  for (const i of [0, 1]) {
    const ratio = i === 1 ? `   ratio ${(ips(median(seconds[1]!)) / ips(median(seconds[0]!))).toFixed(2)}` : '';
    console.log(`   ${rows[i]![0].padEnd(22)} ${ips(median(seconds[i]!)).toFixed(0).padStart(6)} images/s (${range(seconds[i]!)})${ratio}`);
  }

  const rounds = 6 * repeat;
  const overlap = await run({ model: 'big', world: 2, threads: 1, batch: bigBatch, steps: rounds, bucketCapBytes: 25 * MB });
  console.log(`\n2. Overlap: conv net of ${(overlap.parameterBytes / 1e6).toFixed(1)} MB of parameters, 2 workers × 1 thread, global batch ${bigBatch}, median step of ${rounds * 5} per mode, modes in turn`);
  const after = overlap.msPerMode[1]!;
  MODES.forEach((mode, i) => {
    const ratio = mode.averaging === 'reducer' ? `   ${(after / overlap.msPerMode[i]!).toFixed(2)}× the after-backward path's speed` : '';
    console.log(`   ${mode.name.padEnd(34)} ${overlap.msPerMode[i]!.toFixed(1).padStart(7)} ms/step${ratio}`);
  });
}
