/**
 * The full `kill -9` loop (test/helpers/kill-loop.ts): `npm run kill-loop` or
 * `node dist/test/kill-loop.js [--points 30] [--seed N] [--only train,predict,…]`. The seed is
 * --seed, else DSI_KILL_SEED, else the suite's. Prints one line per point and a summary; exits 1
 * when any point failed, naming the operation, the point and its delay so the seed reproduces it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_KILL_SEED, KILL_OPERATIONS, runKillLoop } from './helpers/kill-loop.js';

const { values } = parseArgs({ options: { points: { type: 'string', default: '30' }, seed: { type: 'string' }, only: { type: 'string' } } });
const points = Number(values.points);
const seed = Number(values.seed ?? process.env['DSI_KILL_SEED'] ?? DEFAULT_KILL_SEED);
if (!Number.isInteger(points) || points < 1) throw new Error(`--points must be a positive whole number, got ${values.points}`);
if (!Number.isInteger(seed)) throw new Error(`the seed must be a whole number, got ${values.seed ?? process.env['DSI_KILL_SEED']}`);
const operations = values.only?.split(',') ?? Object.keys(KILL_OPERATIONS);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-kill-loop-'));
const started = performance.now();
console.log(`kill -9 loop: ${points} points each over ${operations.join(', ')}, seed ${seed}, in ${root} (${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs, Node ${process.versions.node})`);
let failures = 0;
try {
  const summaries = await runKillLoop({
    operations,
    points,
    seed,
    root,
    onPoint: (r) => {
      if (r.failure !== undefined) failures++;
      console.log(`${r.operation} #${r.point} at ${r.delayMs} ms: ${r.outcome}${r.failure === undefined ? '' : `  FAILED: ${r.failure}`}`);
    },
  });
  for (const s of summaries) {
    const count = (o: string) => s.points.filter((p) => p.outcome === o).length;
    console.log(`${s.operation}: run ${Math.round(s.durationMs)} ms; killed leaving old ${count('old')}, new ${count('new')}, partial ${count('partial')}; finished before the kill ${count('finished')}; failed ${s.points.filter((p) => p.failure !== undefined).length}`);
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
console.log(`${failures} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failures > 0 ? 1 : 0;
