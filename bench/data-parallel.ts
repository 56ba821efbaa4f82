/**
 * Data-parallel training on this machine's CPUs, two questions:
 *
 * 1. Scaling: a small conv net (2 conv + 1 linear, 28 × 28 inputs, ~20k parameters) at one
 *    global batch, 2 workers × 1 thread (each half the batch, gradients averaged by the Reducer)
 *    against 1 worker × 2 threads. Images/s of the whole world and the ratio.
 * 2. Overlap: a conv net of a few MB of parameters (4 conv + 2 linear, 5.3 MB float32) on
 *    2 workers × 1 thread: ms per step with the gradients averaged during the backward pass
 *    (the Reducer; 25 MB buckets, DDP's default, and 1 MB buckets) against the all-reduce after
 *    the backward pass (averageGradients `overlap: false`, the earlier path), and against no
 *    averaging at all (what the step costs without communication).
 *
 *   npm run build
 *   node dist/bench/data-parallel.js [--steps N] [--batch B] [--big-batch B2] [--repeat K]
 *
 * Each configuration runs in fresh worker processes (this file with `--worker`) that rendezvous
 * through env:// on a free loopback port; each does 3 warm-up steps, a barrier, N timed steps
 * (default 20) of SGD on fixed random data, a barrier; rank 0 reports the time. The
 * configurations run in turn, K times over (default 3), and the median of each is printed (a
 * shared machine's load moves single runs by 2×). The CPU model
 * (lscpu) is printed with the figures. Nothing here is a test: figures depend on the machine
 * and on what else runs on it.
 */
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.js';
import { averageGradients } from '../src/ml/train/distributed-run.js';

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
  readonly averaging: Averaging;
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

/** One worker: returns the timed steps' seconds (rank 0's) and the parameters' bytes. */
function work(config: Config): { seconds: number; parameterBytes: number } {
  torch.setNumThreads(config.threads);
  const dist = torch.distributed;
  if (config.world > 1) dist.initProcessGroup({ backend: 'gloo', timeoutMs: 120_000 });
  torch.manualSeed(1);
  const model = build(config.model);
  const params = model.parameters();
  const opt = new torch.optim.SGD(params, { lr: 0.01 });
  const undo = config.world > 1 && config.averaging !== 'none' ? averageGradients([opt], { overlap: config.averaging === 'reducer', bucketCapBytes: config.bucketCapBytes }) : () => {};
  const each = config.batch / config.world;
  const x = torch.randn([each, 1, 28, 28]);
  const y = torch.randint(0, 10, [each]);
  const step = (): void =>
    torch.tidy(() => {
      opt.zeroGrad();
      torch.F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  for (let i = 0; i < 3; i++) step();
  if (config.world > 1) dist.barrier();
  const start = performance.now();
  for (let i = 0; i < config.steps; i++) step();
  if (config.world > 1) dist.barrier();
  const seconds = (performance.now() - start) / 1000;
  undo();
  if (config.world > 1) dist.destroyProcessGroup();
  return { seconds, parameterBytes: params.reduce((n, p) => n + p.numel() * 4, 0) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `config` in fresh worker processes; rank 0's result. */
async function run(config: Config): Promise<{ seconds: number; parameterBytes: number }> {
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
  return JSON.parse(lines[0]!) as { seconds: number; parameterBytes: number };
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
  const base = { steps, bucketCapBytes: 25 * MB, averaging: 'reducer' as Averaging };
  const big = { steps, model: 'big' as Model, world: 2, threads: 1, batch: bigBatch };
  const rows: [string, Config][] = [
    ['1 worker  × 2 threads', { ...base, model: 'small', world: 1, threads: 2, batch }],
    ['2 workers × 1 thread', { ...base, model: 'small', world: 2, threads: 1, batch }],
    ['no averaging (no communication)', { ...big, averaging: 'none', bucketCapBytes: 25 * MB }],
    ['all-reduce after backward, 25 MB', { ...big, averaging: 'after-backward', bucketCapBytes: 25 * MB }],
    ['Reducer (overlapped), 25 MB', { ...big, averaging: 'reducer', bucketCapBytes: 25 * MB }],
    ['Reducer (overlapped), 1 MB', { ...big, averaging: 'reducer', bucketCapBytes: 1 * MB }],
  ];
  const seconds: number[][] = rows.map(() => []);
  const bytes: number[] = rows.map(() => 0);
  for (let k = 0; k < repeat; k++) {
    for (let i = 0; i < rows.length; i++) {
      const r = await run(rows[i]![1]);
      seconds[i]!.push(r.seconds);
      bytes[i] = r.parameterBytes;
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const spread = (xs: number[], f: (x: number) => number): string => `${Math.min(...xs.map(f)).toFixed(0)}–${Math.max(...xs.map(f)).toFixed(0)}`;
  const ips = (s: number): number => (batch * steps) / s;
  console.log(`\n1. Scaling: small conv net (${(bytes[0]! / 1e3).toFixed(0)} kB of parameters), global batch ${batch}, ${steps} steps, median of ${repeat}`);
  for (const i of [0, 1]) {
    const ratio = i === 1 ? `   ratio ${(ips(median(seconds[1]!)) / ips(median(seconds[0]!))).toFixed(2)}` : '';
    console.log(`   ${rows[i]![0].padEnd(22)} ${ips(median(seconds[i]!)).toFixed(0).padStart(6)} images/s (${spread(seconds[i]!, ips)})${ratio}`);
  }
  const ms = (s: number): number => (s / steps) * 1000;
  console.log(`\n2. Overlap: conv net of ${(bytes[2]! / 1e6).toFixed(1)} MB of parameters, 2 workers × 1 thread, global batch ${bigBatch}, ${steps} steps, median of ${repeat}`);
  const after = ms(median(seconds[3]!));
  for (const i of [2, 3, 4, 5]) {
    const m = ms(median(seconds[i]!));
    const ratio = i >= 4 ? `   ${(after / m).toFixed(2)}× the after-backward path's speed` : '';
    console.log(`   ${rows[i]![0].padEnd(34)} ${m.toFixed(1).padStart(7)} ms/step (${spread(seconds[i]!, ms)})${ratio}`);
  }
}
