/**
 * Stops and resumes of data-parallel runs (src/ml/train/run-world-record.ts), on 32 stand-in
 * plume fields (a surrogate): Ctrl-C under `--nproc 2` stops every worker after the same step and
 * the run resumes on two workers; the run row records its world size; a checkpoint taken
 * mid-epoch resumes only on as many workers as wrote it, and is refused clearly otherwise; a
 * worker that hangs fails the run within `--dist-timeout`, naming it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../src/store/store.js';
import { RunRegistry, trainSurrogate } from '../src/ml/index.js';
import { storedParams } from '../src/ml/registry/run-record.js';
import { plumeStore, PLUME_PARAMETERS } from './helpers/plume-ensemble.js';
import { tempDir } from './helpers/store-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const COMMON = ['ml', 'train', '--model', 'surrogate', '--table', 'plumes', '--cond-cols', PLUME_PARAMETERS.join(','), '--lr', '3e-3', '--width', '8', '--members', '1', '--seed', '7', '--threads', '1'];
const env = { ...process.env, OMP_NUM_THREADS: '1' };

let dir: string;
let store: Store;

function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...args], { cwd: dir, encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Waits for a new run of this store to finish its first epoch; returns its id. */
async function firstEpoch(before: ReadonlySet<unknown>, child: ChildProcess, log: () => string): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < 60_000 && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 200));
    const rows = await store.query('SELECT run_id FROM ml_runs WHERE epochs_done >= 1').catch(() => []);
    const runId = rows.map((r) => String(r['run_id'])).find((id) => !before.has(id));
    if (runId !== undefined) return runId;
  }
  throw new Error(`the run did not start: ${log()}`);
}

async function runIds(): Promise<Set<unknown>> {
  return new Set((await store.tables()).includes('ml_runs') ? (await store.query('SELECT run_id FROM ml_runs')).map((r) => r['run_id']) : []);
}

describe('data-parallel stops and resumes', () => {
  before(async () => {
    dir = tempDir('dsi-ddp-stop-');
    ({ store } = await plumeStore(dir, { train: 32, test: 0 }));
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Ctrl-C under --nproc 2 stops both workers after the same step; the run records 2 workers and resumes on them', async () => {
    const registry = new RunRegistry(store);
    const before = await runIds();
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches the launcher and both workers.
    const child = spawn(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...COMMON, '--epochs', '400', '--batch', '2', '--nproc', '2'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const runId = await firstEpoch(before, child, () => stderr);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    const run = await registry.get(runId);
    assert.equal(run.status, 'stopped');
    assert.equal(storedParams(run)['world_size'], 2);
    assert.ok(run.epochs_done < 400);
    // Both workers stopped after the same step: had one gone on, its next all-reduce would have
    // found no partner and the launcher would have failed naming it.
    assert.doesNotMatch(stderr, /worker rank/);
    const target = run.epochs_done + 1;
    const resumed = dsi(['ml', 'train', '--resume', runId, '--epochs', String(target), '--nproc', '2', '--threads', '1', '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const done = JSON.parse(resumed.stdout) as { status: string; epochs_done: number };
    assert.equal(done.status, 'finished');
    assert.equal(done.epochs_done, target);
  });

  it('a mid-epoch checkpoint resumes only on the world that wrote it; the refusal changes nothing', async () => {
    const controller = new AbortController();
    // 32 fields at batch 8: 4 steps an epoch; stopped after step 3 of epoch 1.
    const stopped = await trainSurrogate(store, {
      table: 'plumes',
      conditionColumns: PLUME_PARAMETERS,
      epochs: 3,
      batch: 8,
      lr: 3e-3,
      width: 8,
      members: 1,
      seed: 7,
      threads: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 3) controller.abort();
      },
    });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.steps_done, 3);
    const registry = new RunRegistry(store);
    const rowBefore = await registry.get(stopped.run_id);
    assert.equal(storedParams(rowBefore)['world_size'], undefined);
    const refused = dsi(['ml', 'train', '--resume', stopped.run_id, '--nproc', '2', '--threads', '1']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`run ${stopped.run_id} stopped at step 3 of epoch 1, on one process; a checkpoint taken mid-epoch counts its steps in that world's shares, so resume it on one process \\(without --nproc\\)`));
    assert.match(refused.stderr, /worker rank \d of 2 refused the command/);
    const rowAfter = await registry.get(stopped.run_id);
    assert.equal(rowAfter.status, 'stopped');
    assert.equal(rowAfter.steps_done, 3);
    // On the world that wrote it, it resumes.
    const done = await trainSurrogate(store, { resume: stopped.run_id, threads: 1 });
    assert.equal(done.status, 'finished');
    assert.equal(done.steps_done, 12);
  });

  it('a worker that hangs fails the run within --dist-timeout, naming it', async () => {
    const registry = new RunRegistry(store);
    const before = await runIds();
    const child = spawn(process.execPath, [DSI, '--db', path.join(dir, 'dsi.db'), ...COMMON, '--epochs', '400', '--batch', '2', '--nproc', '2', '--dist-timeout', '3'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const runId = await firstEpoch(before, child, () => stderr);
    // Rank 1 is the launcher's second child: the newer process.
    const workers = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    assert.equal(workers.length, 2, `two workers: ${workers.join(',')}`);
    const rank1 = Math.max(...workers);
    process.kill(rank1, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const code = await exited;
      assert.notEqual(code, 0);
    } finally {
      // The launcher kills a worker that outlives the failure; this one must not linger stopped.
      try {
        process.kill(rank1, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const run = await registry.get(runId);
    assert.equal(run.status, 'failed');
    assert.match(String(run.error), /worker rank 1 of 2 exited or stopped answering/);
    assert.match(String(run.error), /timeout 3000 ms|[Tt]imed out/);
    // 3 s of timeout, then the launcher's grace for the hung worker (10 s); generous for a loaded machine.
    assert.ok(Date.now() - stoppedAt < 40_000, `failed within the timeout and grace (${Date.now() - stoppedAt} ms)`);
  });
});
