/**
 * The sweeps of a store: one `ml_sweeps` row per sweep (tables.ts), its runs the `ml_runs` rows
 * that name it in `sweep_id`. A sweep row is written once, before any of its runs exists, and
 * afterwards only its `state`, `job_id` and `finished_at` change.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import { now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { ML_RUNS, ML_SWEEPS } from '../registry/tables.js';
import type { SweepPlan } from './sweep-plan.js';

/** How a sweep's runs were started. */
export type SweepLauncher = 'local' | 'slurm';
/**
 * `running` (local, under way), `finished` or `failed` (local: every run ended; some failed),
 * `stopped` (local: interrupted, some points not run), `written` (a Slurm script not submitted), `submitted`.
 */
export type SweepState = 'running' | 'finished' | 'failed' | 'stopped' | 'written' | 'submitted';

/** One `ml_sweeps` row, parsed. */
export interface SweepRecord {
  readonly sweep_id: string;
  readonly name: string;
  readonly grid: Readonly<Record<string, readonly string[]>>;
  readonly train_args: readonly string[];
  readonly points: readonly Readonly<Record<string, string>>[];
  readonly launcher: SweepLauncher;
  readonly state: SweepState;
  readonly job_id: string | null;
  readonly created_at: string;
  readonly finished_at: string | null;
}

function json<T>(cell: unknown, fallback: T): T {
  if (cell === null || cell === undefined || cell === '') return fallback;
  try {
    return JSON.parse(String(cell)) as T;
  } catch {
    return fallback;
  }
}

function sweepOf(r: Row): SweepRecord {
  return {
    sweep_id: String(r['sweep_id']),
    name: String(r['name'] ?? r['sweep_id']),
    grid: json(r['grid'], {}),
    train_args: json(r['train_args'], []),
    points: json(r['points'], []),
    launcher: String(r['launcher']) === 'slurm' ? 'slurm' : 'local',
    state: String(r['state']) as SweepState,
    job_id: r['job_id'] === null || r['job_id'] === undefined ? null : String(r['job_id']),
    created_at: String(r['created_at'] ?? ''),
    finished_at: r['finished_at'] === null || r['finished_at'] === undefined ? null : String(r['finished_at']),
  };
}

export class SweepRegistry {
  readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async #has(table: string): Promise<boolean> {
    return (await this.store.tables()).some((t) => t.toLowerCase() === table);
  }

  /** Records `plan` as a new sweep launched by `launcher`, in `state`. */
  async create(plan: SweepPlan, launcher: SweepLauncher, state: SweepState): Promise<void> {
    await this.store.managedTables().transaction(async (tx) => {
      await tx.ensure(ML_SWEEPS);
      // The runs' table gains its sweep_id column now, so a run can name the sweep from its first row.
      await tx.ensure(ML_RUNS);
      await tx.insert('ml_sweeps', [{
        sweep_id: plan.sweepId,
        name: plan.name,
        grid: JSON.stringify(plan.grid),
        train_args: JSON.stringify(plan.trainArgs),
        points: JSON.stringify(plan.points),
        launcher,
        state,
        job_id: null,
        created_at: now(),
        finished_at: null,
      }]);
    });
  }

  /** Sets the sweep's state (and `job_id` when given); `finished_at` is set with `finished`, `failed` and `stopped`. */
  async update(sweepId: string, state: SweepState, jobId?: string): Promise<void> {
    await this.store.managedTables().transaction(async (tx) => {
      await tx.ensure(ML_SWEEPS);
      const done = state === 'finished' || state === 'failed' || state === 'stopped';
      await tx.update('ml_sweeps', { state, ...(jobId === undefined ? {} : { job_id: jobId }), ...(done ? { finished_at: now() } : {}) }, { sweep_id: sweepId });
    });
  }

  /** The sweep, or an `E_ML_RUN` error naming it. */
  async get(sweepId: string): Promise<SweepRecord> {
    const rows = (await this.#has('ml_sweeps')) ? await this.store.query('SELECT * FROM ml_sweeps WHERE sweep_id = ?', [sweepId]) : [];
    if (rows.length === 0) throw new MlError('E_ML_RUN', `no sweep "${sweepId}" in this store`);
    return sweepOf(rows[0]!);
  }

  /** Every sweep, newest first. */
  async list(): Promise<SweepRecord[]> {
    if (!(await this.#has('ml_sweeps'))) return [];
    return (await this.store.query('SELECT * FROM ml_sweeps ORDER BY created_at DESC, sweep_id DESC')).map(sweepOf);
  }

  /** The sweep's runs, oldest first. */
  async runs(sweepId: string): Promise<RunRecord[]> {
    return (await new RunRegistry(this.store).list()).filter((r) => r.sweep_id === sweepId).reverse();
  }
}
