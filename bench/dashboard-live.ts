/**
 * How soon a live run's page hears of a finished epoch: a small GAN trains in a child process
 * (`dsi --db S ml train …`, several short epochs) while this process listens to
 * `/api/runs/ID/events` of an in-process dashboard over the same store, and measures, for each
 * `ml_epochs` row, the time from its `created_at` (written in the transaction that commits it) to
 * the arrival of its `epoch` event. The target is under 1 s (the stream polls every 250 ms).
 *
 *   npm run build
 *   node dist/bench/dashboard-live.js [--images 512] [--epochs 5] [--batch 64] [--json]
 *
 * Epochs committed before the stream connected are left out. Nothing here is a test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/bench/median.js';
import { RunRegistry } from '../src/ml/index.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import { makeMnistStore } from '../test/helpers/mnist-store.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '512' },
    epochs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
const TARGET_MS = 1000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-live-'));
try {
  const { store, db } = await makeMnistStore(dir, Number(values.images));
  const registry = new RunRegistry(store);
  const app = createDashboardApp({ store, cinema: undefined, reviewer: 'bench', storeArguments: ['--db', db] }, { loopback: true });

  const child = spawn(process.execPath, [CLI, '--db', db, 'ml', 'train', '--table', 'digits', '--cond-cols', 'label', '--epochs', values.epochs!, '--batch', values.batch!, '--seed', '1', '--threads', '1', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

  // The run appears when the child has loaded its data.
  let runId: string | undefined;
  while (runId === undefined) {
    if (child.exitCode !== null) throw new Error(`the training ended before its run appeared: ${stderr}`);
    runId = (await registry.list()).find((r) => r.state === 'running')?.run_id;
    if (runId === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const connected = Date.now();
  const res = await app.request(`/api/runs/${runId}/events`, { headers: { host: '127.0.0.1' } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const delays: { epoch: number; ms: number }[] = [];
  let skipped = 0;
  let text = '';
  let ended = false;
  while (!ended) {
    const { value, done } = await reader.read();
    if (done) break;
    const arrived = Date.now();
    text += decoder.decode(value, { stream: true });
    const blocks = text.split('\n\n');
    text = blocks.pop() ?? '';
    for (const block of blocks) {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as { epoch?: number; created_at?: string } | null;
      if (event === 'end') ended = true;
      if (event !== 'epoch' || data === null) continue;
      const created = Date.parse(data.created_at ?? '');
      if (created < connected) skipped++;
      else delays.push({ epoch: data.epoch ?? 0, ms: arrived - created });
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`the training failed (exit ${code}): ${stderr}`);
  const ms = delays.map((d) => d.ms);
  const result = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    run_id: runId,
    epochs: delays.length,
    skipped_before_connect: skipped,
    delays_ms: delays,
    median_ms: ms.length > 0 ? median(ms) : null,
    max_ms: ms.length > 0 ? Math.max(...ms) : null,
    target_ms: TARGET_MS,
    within_target: ms.length > 0 && Math.max(...ms) < TARGET_MS,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`CPU: ${result.cpu} (${result.cpus} logical)`);
    for (const d of delays) console.log(`epoch ${d.epoch}: its event arrived ${d.ms} ms after the row was committed`);
    console.log(`median ${result.median_ms} ms, max ${result.max_ms} ms (target < ${TARGET_MS} ms: ${result.within_target ? 'met' : 'NOT met'}); ${skipped} epochs before the stream connected`);
  }
  await store.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
