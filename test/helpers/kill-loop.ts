/**
 * The `kill -9` loop: every long operation (training, prediction, evaluation, file indexing, file
 * moving) is started as a child process (kill-loop-child.ts) and sent SIGKILL at a random point of
 * its run; the store is then reopened and must hold the old state or the new one, and training
 * must resume to exactly what an uninterrupted run ends with.
 *
 * How a point is chosen. A first, unkilled run of the operation measures its duration T (from the
 * child's `ready`, written once the store is open, to its exit) and gives the new state. Point i of
 * n is killed at a delay drawn uniformly in [i·T/n, (i+1)·T/n) after `ready` (stratified: n points
 * always span the whole run), from a SplitMix32 generator seeded per operation from the loop's seed,
 * so a seed names the same fractions of the run on every machine (where they land in the work is up
 * to the clock). On a shared machine T drifts with the load: a child that ends before its kill
 * gives T again and the point is tried once more at the same fraction (three tries at most).
 *
 * What is checked after each kill, per operation:
 * - the store file passes SQLite's `PRAGMA integrity_check` and opens with `openStore`;
 * - its digest (the rows of the tables the operation touches, with the values that differ between
 *   two identical runs, such as times and random call ids, normalised; and the files it writes,
 *   by SHA-256, temporaries that the next write sweeps left out) equals the old state's or the new
 *   state's; for training, the run is absent (old) or resumes to the uninterrupted run's digest:
 *   its losses per step and epoch and the bytes of its last checkpoint;
 * - then the interrupted work is finished (the operation run again, `resume` for training,
 *   the next move recovering the killed one) and the result must equal the new state with no
 *   temporary left behind.
 *
 * The same harness runs a small seeded sample in the test suite (test/kill-loop.test.ts) and the
 * full loop as a script (test/kill-loop.ts, `npm run kill-loop`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { indexFiles, moveFiles, openStore, type Store } from '../../src/index.js';
import type * as Ml from '../../src/ml/index.js';
import { makeMnistStore } from './mnist-store.js';

/** The ML layer (and libtorch), loaded only by the operations that need it: indexing and moving children start in a fraction of the time. */
const ml = (): Promise<typeof Ml> => import('../../src/ml/index.js');

export const KILL_LOOP_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kill-loop-child.js');

/** The seed of the suite's sample and of the script unless DSI_KILL_SEED or --seed says otherwise. */
export const DEFAULT_KILL_SEED = 21;

/** What a store-using step is given: the store, its folder and the ids the template recorded. */
export interface OperationContext {
  readonly store: Store;
  readonly work: string;
  readonly ids: Readonly<Record<string, string>>;
}

/** One long operation under the loop. */
export interface KillOperation {
  readonly name: string;
  /** Loaded by the child before its `ready`, so that the kill points fall in the work, not in start-up. */
  readonly preload?: () => Promise<unknown>;
  /** Builds the starting state in `work` (an empty folder) and returns the ids later steps need. */
  prepare(work: string): Promise<Record<string, string>>;
  /** The operation itself, as the child process runs it. */
  run(c: OperationContext): Promise<unknown>;
  /** The state, canonical: equal strings for equal states, whatever the run's times and random ids. */
  digest(c: OperationContext): Promise<string>;
  /**
   * After a kill: bring the interrupted work to its end (run again, resume, recover), given the
   * state the kill left (`old`, or `partial` for an operation whose state between old and new is
   * legitimate and resumable: a training run). The digest must then be the new state's.
   */
  finish(c: OperationContext, left: 'old' | 'partial'): Promise<void>;
  /** Classifies a state that is neither old nor new: `partial` when it is a resumable training run, else undefined (a failure). */
  partial?(c: OperationContext): Promise<'partial' | undefined>;
}

/** Training, prediction and evaluation over 8 MNIST digits; indexing and moving small files. */
const TRAIN = { table: 'digits', epochs: 2, batch: 4, seed: 7, threads: 1, checkpointEvery: 1 } as const;

export const KILL_OPERATIONS: Readonly<Record<string, KillOperation>> = {
  train: {
    name: 'train',
    preload: ml,
    async prepare(work) {
      const m = await makeMnistStore(work, 8);
      await m.store.close();
      return {};
    },
    run: async ({ store }) => (await ml()).trainGan(store, TRAIN),
    async digest({ store, work }) {
      const runs = await rows(store, 'ml_runs', 'run_id');
      if (runs.length === 0) return stable({ runs: [], files: filesUnder(path.join(work, 'dsi.data')) });
      assert.equal(runs.length, 1, 'one training run');
      const run = runs[0]!;
      const id = String(run['run_id']);
      const checkpoint = run['FILE_checkpoint'] === null ? null : path.join(work, String(run['FILE_checkpoint']));
      return stable({
        run: pick(run, ['kind', 'model', 'status', 'seed', 'epochs_done', 'steps_done', 'd_loss', 'g_loss', 'FILE_checkpoint', 'error', 'data_rows', 'data_hash']),
        epochs: (await rows(store, 'ml_epochs', 'epoch')).map((r) => pick(r, ['epoch', 'd_loss', 'g_loss', 'loss', 'steps', 'FILE_checkpoint', 'FILE_samples'])),
        steps: (await rows(store, 'ml_steps', 'step')).map((r) => pick(r, ['step', 'epoch', 'd_loss', 'g_loss', 'loss'])),
        checkpoint: checkpoint === null ? null : filesUnder(checkpoint),
      }).replaceAll(id, 'RUN');
    },
    async partial({ store }) {
      const runs = await rows(store, 'ml_runs', 'run_id');
      return runs.length === 1 && runs[0]!['status'] !== 'finished' ? 'partial' : undefined;
    },
    async finish({ store }, left) {
      const { trainGan } = await ml();
      if (left === 'old') {
        await trainGan(store, TRAIN);
        return;
      }
      const [run] = await rows(store, 'ml_runs', 'run_id');
      const resumed = await trainGan(store, { resume: String(run!['run_id']), threads: 1 });
      assert.equal(resumed.status, 'finished');
    },
  },

  predict: {
    name: 'predict',
    preload: ml,
    async prepare(work) {
      const { trainGan } = await ml();
      const m = await makeMnistStore(work, 8);
      const gan = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
      await m.store.close();
      return { gan };
    },
    run: async ({ store, ids }) => (await ml()).predictGan(store, { run: ids['gan']!, count: 300, seed: 1 }),
    async digest({ store, ids }) {
      const predictions = await rows(store, 'ml_predictions', 'prediction_id');
      const calls = new Set(predictions.map((r) => String(r['prediction_id']).split('-')[1]));
      let text = stable({
        rows: predictions.map((r) => omit(r, ['created_at'])),
        files: filesUnder(new (await ml()).RunRegistry(store).runFolder(ids['gan']!).absolute),
      });
      for (const call of calls) text = text.replaceAll(call!, 'CALL');
      return text;
    },
    async finish(c) {
      await this.run(c);
    },
  },

  evaluate: {
    name: 'evaluate',
    preload: ml,
    async prepare(work) {
      const { trainGan, trainClassifier, predictGan } = await ml();
      const m = await makeMnistStore(work, 8);
      const gan = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
      const classifier = (await trainClassifier(m.store, { table: 'digits', labelColumn: 'label', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
      await predictGan(m.store, { run: gan, count: 4, seed: 1 });
      await m.store.close();
      return { gan, classifier };
    },
    run: async ({ store, ids }) => (await ml()).evaluateRun(store, { run: ids['gan']!, reference: 'SELECT * FROM digits', features: ids['classifier']!, count: 32, seed: 0, kidSubsets: 10, kidSubsetSize: 4 }),
    async digest({ store, ids }) {
      const folder = path.join(new (await ml()).RunRegistry(store).runFolder(ids['gan']!).absolute, 'evaluations');
      const plots = filesUnder(folder);
      // An evaluation's folder is named by the time it ran: the same evaluation, run twice, differs there only.
      const stamps = new Set(Object.keys(plots).map((p) => p.split('/')[0]!));
      let text = stable({
        evaluations: (await rows(store, 'ml_evaluations', 'metric')).map((r) => omit(r, ['created_at'])),
        predictions: (await rows(store, 'ml_predictions', 'prediction_id')).map((r) => pick(r, ['prediction_id', 'score', 'nn_distance'])),
        plots,
      });
      for (const s of stamps) text = text.replaceAll(s, 'STAMP');
      return text;
    },
    async finish(c) {
      await this.run(c);
    },
  },

  index: {
    name: 'index',
    async prepare(work) {
      const data = path.join(work, 'data');
      writeFiles(data, 800, 64);
      const store = await openStore(path.join(work, 'dsi.db'));
      await indexFiles(store, data, { checksum: true });
      // Since the last index: some files changed, some gone, some new.
      for (let i = 0; i < 800; i += 7) fs.appendFileSync(filePath(data, i), 'changed');
      for (let i = 3; i < 800; i += 11) fs.rmSync(filePath(data, i), { force: true });
      writeFiles(path.join(data, 'new'), 150, 64);
      await store.close();
      return {};
    },
    run: ({ store, work }) => indexFiles(store, path.join(work, 'data'), { checksum: true }),
    async digest({ store }) {
      return stable((await rows(store, 'filesystem', 'uuid')).map((r) => omit(r, ['indexed_at', 'created_time'])));
    },
    async finish(c) {
      await this.run(c);
    },
  },

  move: {
    name: 'move',
    async prepare(work) {
      const data = path.join(work, 'data');
      writeFiles(data, 200, 8192);
      const store = await openStore(path.join(work, 'dsi.db'));
      await store.insertRows('runs', Array.from({ length: 20 }, (_, i) => ({ run: i, FILE_out: path.relative(work, filePath(data, i * 10)) })));
      await indexFiles(store, data, { checksum: true });
      await store.close();
      return {};
    },
    run: ({ store, work }) => moveFiles(store, path.join(work, 'archive')),
    async digest({ store, work }) {
      return stable({
        index: (await rows(store, 'filesystem', 'uuid')).map((r) => omit(r, ['indexed_at', 'created_time'])),
        runs: await rows(store, 'runs', 'run'),
        files: { ...prefixed('data', filesUnder(path.join(work, 'data'))), ...prefixed('archive', filesUnder(path.join(work, 'archive'))) },
        journal: fs.existsSync(path.join(work, 'dsi.data', 'move-journal.json')),
      });
    },
    async partial({ store, work }) {
      // Between the copies and the removal of the sources, a killed move leaves its journal and
      // files in both places: legitimate when the store names each file where it is complete.
      const journal = path.join(work, 'dsi.data', 'move-journal.json');
      if (!fs.existsSync(journal)) return undefined;
      for (const r of await rows(store, 'filesystem', 'uuid')) {
        const file = path.resolve(work, String(r['file_origin']));
        if (!fs.existsSync(file) || sha256(file) !== r['sha256']) return undefined;
      }
      return 'partial';
    },
    async finish(c) {
      await this.run(c);
    },
  },
};

/** One kill and what it found. */
export interface PointResult {
  readonly operation: string;
  readonly point: number;
  /** Milliseconds after the child's `ready` that SIGKILL was sent. */
  readonly delayMs: number;
  /** `old`/`new`/`partial`: the state the kill left (`neither`: a failure); `finished`: the child ended before the kill. */
  readonly outcome: 'old' | 'new' | 'partial' | 'neither' | 'finished';
  /** Why the point failed, when it did. */
  readonly failure?: string;
}

export interface KillLoopOptions {
  readonly operations: readonly string[];
  readonly points: number;
  readonly seed: number;
  /** A folder of its own: each operation works in ROOT/NAME/work and keeps its start in ROOT/NAME/template. */
  readonly root: string;
  readonly onPoint?: (r: PointResult) => void;
}

export interface OperationSummary {
  readonly operation: string;
  /** The unkilled run's duration after `ready`, in milliseconds. */
  readonly durationMs: number;
  readonly points: readonly PointResult[];
}

/** Runs the loop over `operations` and returns every point's result (failures included, never thrown). */
export async function runKillLoop(options: KillLoopOptions): Promise<OperationSummary[]> {
  const out: OperationSummary[] = [];
  for (const name of options.operations) {
    const op = KILL_OPERATIONS[name];
    if (op === undefined) throw new Error(`no operation "${name}"; the operations are ${Object.keys(KILL_OPERATIONS).join(', ')}`);
    out.push(await loopOne(op, options));
  }
  return out;
}

async function loopOne(op: KillOperation, options: KillLoopOptions): Promise<OperationSummary> {
  const base = path.join(options.root, op.name);
  const work = path.join(base, 'work');
  const template = path.join(base, 'template');
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // Built where it will run (the file index records absolute paths), then kept aside to start each point from.
  const ids = await op.prepare(work);
  fs.writeFileSync(path.join(work, 'kill-loop.json'), JSON.stringify(ids));
  fs.cpSync(work, template, { recursive: true, preserveTimestamps: true });
  const reset = (): void => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.cpSync(template, work, { recursive: true, preserveTimestamps: true });
  };
  const oldState = await withContext(work, ids, (c) => op.digest(c));
  const first = await runChild(op.name, work, undefined);
  assert.ok(!first.killed && first.code === 0, `the unkilled ${op.name} run failed (exit ${first.code}): ${first.output}`);
  const newState = await withContext(work, ids, (c) => op.digest(c));
  assert.notEqual(newState, oldState, `${op.name} changes the store`);

  const random = splitMix32(options.seed ^ hashName(op.name));
  const points: PointResult[] = [];
  // The run's duration as last measured: a shared machine's load changes it, and a point whose
  // child ends before its kill measures it again and is tried once more at the same fraction.
  let durationMs = first.durationMs;
  for (let i = 0; i < options.points; i++) {
    const fraction = (i + random()) / options.points;
    let delayMs = 0;
    let outcome: PointResult['outcome'] = 'finished';
    let failure: string | undefined;
    try {
      let child: ChildRun | undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        delayMs = Math.round(fraction * durationMs * 10) / 10;
        reset();
        child = await runChild(op.name, work, delayMs);
        if (child.killed) break;
        assert.equal(child.code, 0, `the child failed: ${child.output}`);
        durationMs = child.durationMs;
      }
      if (child === undefined) throw new Error('unreachable');
      integrity(path.join(work, 'dsi.db'));
      const state = await withContext(work, ids, (c) => op.digest(c));
      if (child.killed) outcome = state === oldState ? 'old' : state === newState ? 'new' : ((await withContext(work, ids, (c) => op.partial?.(c) ?? Promise.resolve(undefined))) ?? 'neither');
      if (outcome === 'neither') assert.fail(`the store holds neither the old state nor the new one:\n${firstDifference(state, oldState, newState)}`);
      if (!child.killed) assert.equal(state, newState, 'a run that finished left the new state');
      if (outcome === 'old' || outcome === 'partial') {
        await withContext(work, ids, (c) => op.finish(c, outcome as 'old' | 'partial'));
        integrity(path.join(work, 'dsi.db'));
        const finished = await withContext(work, ids, (c) => op.digest(c));
        assert.equal(finished, newState, `finished after the kill, the state is the new state:\n${firstDifference(finished, newState, newState)}`);
      }
      // A kill that left the new state may leave temporaries for the next write to sweep; finished work leaves none.
      if (outcome !== 'new') assert.deepEqual(temporaries(work), [], 'no temporary is left once the work is finished');
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    const r: PointResult = { operation: op.name, point: i, delayMs, outcome, ...(failure === undefined ? {} : { failure }) };
    points.push(r);
    options.onPoint?.(r);
  }
  return { operation: op.name, durationMs: first.durationMs, points };
}

/** Opens the store in `work` for `fn` and closes it whatever happens. */
export async function withContext<T>(work: string, ids: Readonly<Record<string, string>>, fn: (c: OperationContext) => Promise<T>): Promise<T> {
  const store = await openStore(path.join(work, 'dsi.db'));
  try {
    return await fn({ store, work, ids });
  } finally {
    await store.close();
  }
}

interface ChildRun {
  readonly killed: boolean;
  readonly code: number | null;
  readonly durationMs: number;
  readonly output: string;
}

/** Runs the operation in a child; with `killAfterMs`, sends SIGKILL that long after its `ready`. */
function runChild(operation: string, work: string, killAfterMs: number | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KILL_LOOP_CHILD, operation, work], { env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let readyAt: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (readyAt === undefined && output.includes('ready\n')) {
        readyAt = performance.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, durationMs: readyAt === undefined ? 0 : performance.now() - readyAt, output });
    });
  });
}

/** SQLite's own check of the file, read-only. */
export function integrity(db: string): void {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    assert.deepEqual(conn.pragma('integrity_check', { simple: false }), [{ integrity_check: 'ok' }], 'PRAGMA integrity_check');
  } finally {
    conn.close();
  }
}

/** Rows of `table` ordered by `orderBy` (none when the table does not exist). */
async function rows(store: Store, table: string, orderBy: string): Promise<Record<string, unknown>[]> {
  if (!(await store.tables()).some((t) => t.toLowerCase() === table)) return [];
  return (await store.query(`SELECT * FROM "${table}" ORDER BY "${orderBy}"`)).map((r) => ({ ...r }));
}

/**
 * Every regular file under `folder` (relative path → SHA-256), temporaries and caches left out. A
 * cache (the image cache, `.cache/` in the data folder) is no part of the state: it is derived
 * from the files and rebuilt when missing or invalid, and finishing the work after a kill reads
 * whatever the kill left of it.
 */
function filesUnder(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(folder)) return out;
  for (const rel of (fs.readdirSync(folder, { recursive: true }) as string[]).sort()) {
    if (isTemporary(rel) || rel.split(path.sep).includes('.cache')) continue;
    const abs = path.join(folder, rel);
    if (fs.lstatSync(abs).isFile()) out[rel] = sha256(abs);
  }
  return out;
}

/**
 * Names of the atomic writes' temporaries (src/atomic-write.ts), which the next write into their
 * folder sweeps, and of a prediction call's marker of rows not yet committed (the next call of the
 * run removes it, or its folder when the rows never came).
 */
const TEMPORARY = /\.dsi-(tmp|old)-|^\.dsi-rows-pending-/;

function isTemporary(rel: string): boolean {
  return rel.split(path.sep).some((part) => TEMPORARY.test(part));
}

/** Temporaries anywhere under `root`. */
export function temporaries(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((rel) => TEMPORARY.test(path.basename(rel))).sort();
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function pick(row: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));
}

function omit(row: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
}

/** JSON with bigints as strings, one value per line (so a difference shows as a line). */
function stable(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 1);
}

/** The first line of `state` that differs from `a` and from `b`, with its neighbours. */
function firstDifference(state: string, a: string, b: string): string {
  const s = state.split('\n');
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = s.findIndex((line, k) => line !== la[k] && line !== lb[k]);
  const at = i < 0 ? Math.min(s.length, la.length, lb.length) : i;
  return `line ${at + 1}: ${JSON.stringify(s[at])} (old: ${JSON.stringify(la[at])}, new: ${JSON.stringify(lb[at])})`;
}

/** `count` files of `size` bytes, distinct content, 50 to a folder, under `root`. */
function writeFiles(root: string, count: number, size: number): void {
  for (let i = 0; i < count; i++) {
    const file = filePath(root, i);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.alloc(size, `${i};`));
  }
}

function filePath(root: string, i: number): string {
  return path.join(root, `d${Math.floor(i / 50)}`, `f${i}.bin`);
}

/** SplitMix32 (as src/ml/data/seeded-random.ts), as a function returning numbers in [0, 1). */
function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

function hashName(name: string): number {
  return crypto.createHash('sha256').update(name).digest().readUInt32LE(0);
}
