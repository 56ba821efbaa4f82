/**
 * The run registry: every training run, its epochs and its predictions as rows of the store's
 * `ml_` tables, and its files (checkpoints, sample grids, plots, generated images) in one folder
 * per run under the store's data folder, `NAME.data/ml/RUN_ID/`.
 *
 * A run whose status says `running` but whose process is gone (same host, PID not alive) or whose
 * heartbeat is older than {@link STALE_AFTER_MS} was killed; it is reported as `killed` and can be
 * resumed from its last checkpoint.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkPathSegment, containedPath, isInside, realPathOf } from '../../contained-path.js';
import { moveAsideSync, sweepStaleSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import { ML_FOLDER } from '../../store/data-folder-names.js';
import { isFileColumn, isUrl } from '../../file-columns.js';
import type { ManagedTransaction } from '../../store/managed-tables.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import type { RunKind } from './run-params.js';
import { num, requireKind, str, toRecord, type RunRecord, type RunRecordOf } from './run-record.js';
import { EvaluationRecords, PredictionRecords, ReviewRecords } from './stored-results.js';
import { ML_EPOCHS, ML_EVALUATIONS, ML_PREDICTIONS, ML_RUNS, ML_STEPS, RUN_TABLES } from './tables.js';

/** A heartbeat is written at least this often while a run trains. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

export type { RunKind } from './run-params.js';
export { STALE_AFTER_MS, type RunRecord, type RunRecordOf, type RunState, type RunStatus } from './run-record.js';

/** One `ml_epochs` row. */
export type EpochRecord = Readonly<ReturnType<typeof epochOf>>;

export const now = (): string => new Date().toISOString();

function epochOf(r: Row) {
  return {
    run_id: String(r['run_id']),
    epoch: Number(r['epoch']),
    d_loss: num(r['d_loss'] ?? null),
    g_loss: num(r['g_loss'] ?? null),
    loss: num(r['loss'] ?? null),
    steps: Number(r['steps'] ?? 0),
    images_per_second: num(r['images_per_second'] ?? null),
    seconds: Number(r['seconds'] ?? 0),
    FILE_samples: str(r['FILE_samples'] ?? null),
    FILE_checkpoint: str(r['FILE_checkpoint'] ?? null),
    created_at: String(r['created_at'] ?? ''),
  };
}

/** One `ml_steps` row: a training step's losses (null: not this model's loss). */
export type StepRecord = Readonly<ReturnType<typeof stepOf>>;

function stepOf(r: Row) {
  return {
    run_id: String(r['run_id']),
    step: Number(r['step']),
    epoch: Number(r['epoch']),
    d_loss: num(r['d_loss'] ?? null),
    g_loss: num(r['g_loss'] ?? null),
    loss: num(r['loss'] ?? null),
    created_at: String(r['created_at'] ?? ''),
  };
}

/** A run that depends on another one, and, when that cannot be told for sure, why it is counted. */
export interface RunDependent {
  readonly run_id: string;
  /** Set when the dependency is assumed: the run's training query fails now and reads `ml_predictions`. */
  readonly note?: string;
}

/** `run_id`, or `run_id (note)`, for a message listing dependents. */
export function describeDependent(d: RunDependent): string {
  return d.note === undefined ? d.run_id : `${d.run_id} (${d.note})`;
}

export class RunRegistry {
  readonly store: Store;
  /** The results runs leave (stored-results.ts). */
  readonly predictions: PredictionRecords;
  readonly reviews: ReviewRecords;
  readonly evaluations: EvaluationRecords;

  constructor(store: Store) {
    this.store = store;
    this.predictions = new PredictionRecords(store);
    this.reviews = new ReviewRecords(store);
    this.evaluations = new EvaluationRecords(store);
  }

  /** A new run id: kind, UTC time to the second and 4 random hex digits (`gan-20261127-053512-a1b2`). */
  static newRunId(kind: RunKind): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${kind}-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
  }

  /**
   * The folder holding a run's files: absolute, and relative to the store's folder (as `FILE…`
   * columns hold it). The run id must be one plain name and the folder must stay inside the data
   * folder after resolving symlinks; otherwise an `E_UNSAFE_PATH` error.
   */
  runFolder(runId: string): { absolute: string; relative: string } {
    const data = this.#dataFolder();
    checkPathSegment(runId, 'the run id');
    const absolute = containedPath(data, path.join(ML_FOLDER, runId), { origin: `the folder of run ${runId}` });
    return { absolute, relative: this.relative(absolute) };
  }

  /**
   * A path inside the run's folder (`runPath(id, 'predictions')`), refused with `E_UNSAFE_PATH`
   * when a symlink below the run folder leads out of the data folder.
   */
  runPath(runId: string, ...parts: string[]): string {
    const folder = this.runFolder(runId).absolute;
    return containedPath(this.#dataFolder(), path.join(folder, ...parts), { origin: `a path in the folder of run ${runId}` });
  }

  #dataFolder(): string {
    const data = this.store.dataFolder;
    if (data === undefined) throw new MlError('E_ML_ARGUMENT', 'ML runs need a store with a file (an in-memory store has no folder for checkpoints)');
    return data;
  }

  /** `file` relative to the store's folder, with forward slashes. */
  relative(file: string): string {
    return path.relative(this.store.fileRoot, file).split(path.sep).join('/');
  }

  /**
   * An absolute path for a `FILE…` value of the registry's tables (a checkpoint, a prediction, a
   * sample grid), refused with `E_UNSAFE_PATH` unless it stays inside the store's data folder;
   * `origin` says which value it is, for that error.
   */
  absolute(file: string, origin = 'a FILE value of the run registry'): string {
    return containedPath(this.#dataFolder(), file, { base: this.store.fileRoot, origin });
  }

  /** Run `fn` in one transaction with the registry's tables in place. */
  transaction<T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.store.managedTables().transaction(async (tx) => {
      for (const t of [ML_RUNS, ML_EPOCHS, ML_STEPS, ML_PREDICTIONS, ML_EVALUATIONS]) await tx.ensure(t);
      return fn(tx);
    });
  }

  /** Record a new run; its `run_id` must be one plain name (it becomes a folder name). */
  async create(row: Row): Promise<void> {
    checkPathSegment(String(row['run_id']), 'the run id');
    await this.transaction((tx) => tx.insert('ml_runs', [{ ...row, created_at: now(), heartbeat_at: now(), pid: process.pid }]));
  }

  async update(runId: string, values: Row): Promise<void> {
    await this.transaction((tx) => tx.update('ml_runs', values, { run_id: runId }));
  }

  /** One epoch's row, the run's running totals and the step rows not yet written (`ml_steps`), together. */
  async recordEpoch(epoch: Omit<EpochRecord, 'created_at'>, run: Row, steps: readonly Row[] = []): Promise<void> {
    await this.transaction(async (tx) => {
      if (steps.length > 0) await tx.insert('ml_steps', steps);
      await tx.remove('ml_epochs', { run_id: epoch.run_id, epoch: epoch.epoch });
      await tx.insert('ml_epochs', [{ ...epoch, created_at: now() }]);
      await tx.update('ml_runs', { ...run, heartbeat_at: now() }, { run_id: epoch.run_id });
    });
  }

  async #rows(sql: string, params: readonly Cell[]): Promise<Row[]> {
    if (!(await this.store.tables()).some((t) => t.toLowerCase() === 'ml_runs')) return [];
    return this.store.query(sql, params);
  }

  /** The run, or an `E_ML_RUN` error naming it. */
  async get(runId: string): Promise<RunRecord> {
    const rows = await this.#rows('SELECT * FROM ml_runs WHERE run_id = ?', [runId]);
    if (rows.length === 0) {
      const known = (await this.#rows('SELECT run_id FROM ml_runs ORDER BY created_at DESC LIMIT 5', [])).map((r) => String(r['run_id']));
      throw new MlError('E_ML_RUN', `no run "${runId}" in this store${known.length > 0 ? ` (recent: ${known.join(', ')})` : ' (it has no runs)'}`);
    }
    return toRecord(rows[0]!, Date.now());
  }

  /**
   * The run, which must be of `kind`: otherwise an `E_ML_RUN` error `run ID is a KIND run`
   * followed by `refusal` (`; predict generates images from GAN runs`; by default `, not a KIND run`).
   */
  async getRun<K extends RunKind>(runId: string, kind: K, refusal?: string): Promise<RunRecordOf<K>> {
    return requireKind(await this.get(runId), kind, refusal);
  }

  /** Every run, newest first. */
  async list(): Promise<RunRecord[]> {
    const t = Date.now();
    return (await this.#rows('SELECT * FROM ml_runs ORDER BY created_at DESC, run_id DESC', [])).map((r) => toRecord(r, t));
  }

  async epochs(runId: string): Promise<EpochRecord[]> {
    if (!(await this.store.tables()).some((t) => t.toLowerCase() === 'ml_epochs')) return [];
    return (await this.store.query('SELECT * FROM ml_epochs WHERE run_id = ? ORDER BY epoch', [runId])).map(epochOf);
  }

  /**
   * The run's step rows in step order; with `afterStep`, only those after it (what a live view has
   * not seen yet), and with `limit` at most that many. Empty when no run has recorded steps.
   *
   * @example
   * const fresh = await registry.steps(runId, { afterStep: lastSeen, limit: 1000 });
   */
  async steps(runId: string, options: { afterStep?: number; limit?: number } = {}): Promise<StepRecord[]> {
    const after = options.afterStep ?? 0;
    if (!Number.isInteger(after) || after < 0) throw new MlError('E_ML_ARGUMENT', `steps: afterStep must be a whole number of at least 0, got ${String(options.afterStep)}`);
    const limit = options.limit ?? -1;
    if (options.limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new MlError('E_ML_ARGUMENT', `steps: limit must be a whole number of at least 1, got ${String(options.limit)}`);
    if (!(await this.store.tables()).some((t) => t.toLowerCase() === 'ml_steps')) return [];
    return (await this.store.query('SELECT * FROM ml_steps WHERE run_id = ? AND step > ? ORDER BY step LIMIT ?', [runId, after, limit])).map(stepOf);
  }

  /** How many rows each registry table holds for the run. */
  async counts(runId: string): Promise<Record<string, number>> {
    const tables = new Set((await this.store.tables()).map((t) => t.toLowerCase()));
    const out: Record<string, number> = {};
    for (const t of RUN_TABLES) {
      if (!tables.has(t)) continue;
      const rows = await this.store.query(`SELECT count(*) AS n FROM ${t} WHERE run_id = ?`, [runId]);
      out[t] = Number(rows[0]?.['n'] ?? 0);
    }
    return out;
  }

  /**
   * The runs that depend on `runId`, by id: its children (`parent_run_id`), every run that
   * trained on one of its predictions (`included_predictions`, which grandchildren inherit), and
   * every run whose training query (`data_query`) selects files in its folder (a query over
   * `ml_predictions`, say), with a note where the dependency is assumed. Each other run's
   * `data_query` is run again, read-only, and its `FILE…` columns checked against `runId`'s folder
   * (values that name the run id are candidates, then compared by real path). A query that fails
   * now (a dropped table) is skipped, unless it reads `ml_predictions`: that run is counted, with
   * a note, since it may have trained on the run's predictions.
   */
  async dependentRuns(runId: string): Promise<RunDependent[]> {
    const tables = new Set((await this.store.tables()).map((t) => t.toLowerCase()));
    const own = tables.has('ml_predictions')
      ? new Set((await this.store.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ?', [runId])).map((r) => String(r['prediction_id'])))
      : new Set<string>();
    const folder = realPathOf(this.runFolder(runId).absolute);
    const out: RunDependent[] = [];
    for (const r of await this.list()) {
      if (r.run_id === runId) continue;
      if (r.parent_run_id === runId || r.included_predictions.some((id) => own.has(id))) {
        out.push({ run_id: r.run_id });
        continue;
      }
      const used = await this.#queryUsesFolder(r.data_query, runId, folder);
      if (used === true) out.push({ run_id: r.run_id });
      else if (typeof used === 'string') out.push({ run_id: r.run_id, note: used });
    }
    return out.sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
  }

  /**
   * Whether the read-only `query` selects a `FILE…` value inside `folder` (the real path of run
   * `runId`'s folder): true, false, or a note when it cannot be told and the query reads
   * `ml_predictions`.
   */
  async #queryUsesFolder(query: string, runId: string, folder: string): Promise<boolean | string> {
    const sql = query.trim().replace(/;\s*$/, '');
    if (sql === '') return false;
    // On lines of their own, so that a trailing comment in the query cannot swallow the parenthesis.
    const from = `FROM (\n${sql}\n) AS dsi_recorded_query`;
    try {
      const first = await this.store.query(`SELECT * ${from} LIMIT 1`);
      if (first.length === 0) return false;
      for (const column of Object.keys(first[0]!).filter(isFileColumn)) {
        const c = `CAST("${column.replace(/"/g, '""')}" AS TEXT)`;
        const candidates = await this.store.query(`SELECT DISTINCT ${c} AS v ${from} WHERE ${c} LIKE ?`, [`%${runId}%`]);
        for (const row of candidates) {
          const value = row['v'];
          if (typeof value !== 'string' || value === '' || value.includes('\0') || isUrl(value)) continue;
          if (isInside(realPathOf(path.resolve(this.store.fileRoot, value)), folder)) return true;
        }
      }
      return false;
    } catch (e) {
      if (!/ml_predictions/i.test(sql)) return false;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return `its training query reads ml_predictions and fails now (${why}), so it may have trained on this run's predictions`;
    }
  }

  /**
   * Remove what killed prediction calls left in the `predictions/` folder of every run in the
   * store (temporaries of processes that are gone; those of live ones stay, see
   * src/atomic-write.ts). One listing of `NAME.data/ml/` and one of each run's folder; entries
   * that are not plain run ids, or whose folder a symlink leads out of the data folder, are
   * skipped. Returns how many entries went.
   */
  sweepPredictionStaging(): number {
    const data = this.store.dataFolder;
    if (data === undefined) return 0;
    let names: string[];
    try {
      names = fs.readdirSync(path.join(data, ML_FOLDER));
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      let folder: string;
      try {
        folder = this.runPath(name, 'predictions');
      } catch {
        continue;
      }
      removed += sweepStaleSync(folder);
    }
    return removed;
  }

  /**
   * Delete the run's rows from every registry table and its folder `NAME.data/ml/RUN_ID/`. A live
   * run is refused, and so is a run that others depend on ({@link dependentRuns}: its children,
   * runs that trained on its predictions, runs whose training query selects its files) unless
   * `force` is given: they then keep their rows, and their lineage shows the
   * predictions as deleted. The folder is moved aside first and put back if the rows cannot be
   * deleted, so a failure leaves rows and files as they were. Nothing outside the data folder is
   * ever removed: a run id that is not a plain name, or a run folder that a symlink leads out of
   * it, is refused with `E_UNSAFE_PATH` before anything changes.
   */
  async delete(runId: string, options: { force?: boolean } = {}): Promise<{ rows: Record<string, number>; folder: string | undefined; dependents: string[] }> {
    const run = await this.get(runId);
    if (run.state === 'running') {
      throw new MlError('E_ML_RUN', `run ${runId} is still running (pid ${run.pid ?? '?'} on ${String(run.env['host'] ?? '?')}); stop it first`);
    }
    const folder = this.runFolder(runId).absolute;
    this.sweepPredictionStaging();
    const found = await this.dependentRuns(runId);
    const dependents = found.map((d) => d.run_id);
    if (dependents.length > 0 && options.force !== true) {
      throw new MlError(
        'E_ML_RUN',
        `run ${runId} has runs that depend on it (children or runs trained on its predictions): ${found.map(describeDependent).join(', ')}; deleting it would leave them unable to resume. Delete them first, or force it (they keep their rows, their lineage shows the predictions as deleted)`,
      );
    }
    const rows = await this.counts(runId);
    const aside = fs.existsSync(folder) ? moveAsideSync(folder) : undefined;
    try {
      const tables = new Set((await this.store.tables()).map((t) => t.toLowerCase()));
      await this.store.managedTables().transaction(async (tx) => {
        for (const t of RUN_TABLES) if (tables.has(t)) await tx.remove(t, { run_id: runId });
      });
    } catch (e) {
      aside?.restore();
      throw e;
    }
    aside?.discard();
    return { rows, folder: aside === undefined ? undefined : this.relative(folder), dependents };
  }

  /**
   * Reopens a run to continue it: `values` into its row, its epoch rows after `keepEpochs` and its
   * step rows after `keepSteps` removed, together (the resumed steps are written again).
   */
  async reopen(runId: string, values: Row, keepEpochs: number, keepSteps = 0): Promise<void> {
    await this.transaction(async (tx) => {
      const later = await tx.select('SELECT epoch FROM ml_epochs WHERE run_id = ? AND epoch > ?', [runId, keepEpochs]);
      for (const r of later) await tx.remove('ml_epochs', { run_id: runId, epoch: r['epoch'] ?? null });
      const laterSteps = await tx.select('SELECT DISTINCT step FROM ml_steps WHERE run_id = ? AND step > ?', [runId, keepSteps]);
      for (const r of laterSteps) await tx.remove('ml_steps', { run_id: runId, step: r['step'] ?? null });
      await tx.update('ml_runs', values, { run_id: runId });
    });
  }
}
