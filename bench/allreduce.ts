/**
 * All-reduce bandwidth on two Gloo workers on this machine, for float32 tensors of 1 to 64 MB.
 *
 *   npm run build
 *   node dist/bench/allreduce.js [--sizes 1,4,16,64] [--repeat K] [--world N] [--threads T]
 *
 * Starts N (default 2) worker processes (test/helpers/distributed-worker.js, scenario `bench`)
 * that rendezvous through env:// on a free loopback port. Each size is all-reduced once to warm
 * the connections, then K times (default 5); rank 0 reports the mean time per call. Printed per
 * size: milliseconds per all-reduce, the algorithm bandwidth (bytes / time) and the bus bandwidth
 * (bytes · 2(N−1)/N / time, what a ring moves per rank, NCCL-tests' convention), in GB/s, with
 * the CPU model. Over loopback this measures memory copies and the kernel's TCP path, not a
 * network; compare figures only on the same machine. Nothing here is a test.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../src/free-port.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,4,16,64' },
    repeat: { type: 'string', default: '5' },
    world: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
  },
});
const world = Number(values.world);
const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/helpers/distributed-worker.js');

interface BenchLine {
  readonly ok: boolean;
  readonly message?: string;
  readonly results?: readonly { mb: number; seconds: number }[];
}

const port = await freePort();
const lines = await Promise.all(
  Array.from({ length: world }, (_, rank) =>
    new Promise<BenchLine>((resolve, reject) => {
      const child = spawn(process.execPath, [worker, 'bench'], {
        env: {
          ...process.env,
          RANK: String(rank),
          WORLD_SIZE: String(world),
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
          OMP_NUM_THREADS: values.threads,
          DSI_BENCH_SIZES: values.sizes,
          DSI_BENCH_REPEATS: values.repeat,
          DSI_TIMEOUT_MS: '120000',
          TORCH_CPP_LOG_LEVEL: 'ERROR',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as BenchLine));
    }),
  ),
);
const first = lines[0]!;
if (!first.ok || first.results === undefined) {
  console.error(`allreduce bench failed: ${first.message ?? 'no result'}`);
  process.exit(1);
}
console.log(`all-reduce (Gloo, float32, sum), ${world} workers × ${values.threads} thread(s), loopback; CPU: ${os.cpus()[0]?.model ?? 'unknown'}`);
console.log('   size     ms/call   algbw GB/s   busbw GB/s');
for (const { mb, seconds } of first.results) {
  const bytes = mb * 1024 * 1024;
  const alg = bytes / seconds / 1e9;
  const bus = (alg * 2 * (world - 1)) / world;
  console.log(`${String(mb).padStart(4)} MB  ${(seconds * 1000).toFixed(2).padStart(9)}  ${alg.toFixed(2).padStart(11)}  ${bus.toFixed(2).padStart(11)}`);
}
