/**
 * A run as the registry reads it from `ml_runs`: one typed record per row, a union keyed on the
 * run's kind, so that `if (run.kind === 'gan')` gives `run.params` as {@link GanRunParams}.
 *
 * Each row is parsed and its params checked against its kind once, here, where it is read.
 * A row whose params do not match its kind (or whose kind this version does not know) still
 * reads, lists, deletes and shows its lineage; reading its `params` throws the `E_ML_RUN` error
 * the check made, naming the run and the field. {@link storedParams} gives the params as the row
 * holds them, unchecked, for showing such a run.
 */
import os from 'node:os';
import { MlError } from '../../errors.js';
import type { Cell, Row } from '../../store/types.js';
import { checkRunParams, isRunKind, RUN_KINDS, type GanRunParams, type RunKind, type RunParamsByKind } from './run-params.js';

/** What `ml_runs.status` holds. */
export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped';
/** The status as commands report it: `killed` is a `running` run whose process is gone. */
export type RunState = RunStatus | 'killed';

/** A `running` run without a heartbeat for this long was killed (whatever host it ran on). */
export const STALE_AFTER_MS = 120_000;

/** The columns every run has, whatever its kind. */
export type RunFields = Omit<Readonly<ReturnType<typeof readRow>>, 'kind' | 'params'>;

/** A run of a kind this version knows, with that kind's params. */
interface KnownKindRunRecord<K extends RunKind> extends RunFields {
  readonly kind: K;
  readonly params: RunParamsByKind[K];
}

/**
 * A run of a kind this version does not know (written by another program or a later version):
 * it lists and deletes like any other, but its params cannot be read (they throw `E_ML_RUN`).
 */
export interface UnknownKindRunRecord extends RunFields {
  readonly kind: string;
  readonly params: never;
}

export type RunRecord = KnownKindRunRecord<'gan'> | KnownKindRunRecord<'classifier'> | KnownKindRunRecord<'regressor'> | KnownKindRunRecord<'surrogate'> | UnknownKindRunRecord;

/** A run of kind `K`, with that kind's params (`RunRecordOf<'gan'>['params']` is {@link GanRunParams}). */
export type RunRecordOf<K extends RunKind> = Extract<RunRecord, { readonly kind: K }>;

/** Whether `run` is of `kind` (narrowing it, `run.params` included). */
export function isRunOf<K extends RunKind>(run: RunRecord, kind: K): run is RunRecordOf<K> {
  return run.kind === kind;
}

/**
 * `run`, narrowed to `kind`; otherwise an `E_ML_RUN` error `run ID is a KIND run` followed by
 * `refusal` (`; predict generates images from GAN runs`), which says what the caller needed.
 */
export function requireKind<K extends RunKind>(run: RunRecord, kind: K, refusal = `, not a ${kind} run`): RunRecordOf<K> {
  if (!isRunOf(run, kind)) throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run${refusal}`);
  return run;
}

const stored = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The params of `run` as its row holds them, unchecked: for showing a run, whatever they hold. */
export function storedParams(run: RunRecord): Readonly<Record<string, unknown>> {
  return stored.get(run) ?? {};
}

function parseJson(text: Cell, what: string): Record<string, unknown> {
  if (text === null) return {};
  try {
    return JSON.parse(String(text)) as Record<string, unknown>;
  } catch {
    throw new MlError('E_ML_RUN', `${what} is not valid JSON in ml_runs`);
  }
}

/** A nullable column as a number, or as text. */
export const num = (v: Cell): number | null => (v === null ? null : Number(v));
export const str = (v: Cell): string | null => (v === null ? null : String(v));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a `running` row's process is gone. */
function wasKilled(row: Row, env: Record<string, unknown>, nowMs: number): boolean {
  const beat = Date.parse(String(row['heartbeat_at'] ?? row['created_at'] ?? ''));
  if (!Number.isFinite(beat) || nowMs - beat > STALE_AFTER_MS) return true;
  const pid = num(row['pid'] ?? null);
  return pid !== null && env['host'] === os.hostname() && pid !== process.pid && !pidAlive(pid);
}

function parseIdList(cell: Cell): string[] {
  if (cell === null || cell === '') return [];
  const ids: unknown = JSON.parse(String(cell));
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw new MlError('E_ML_RUN', `ml_runs.included_predictions is not a JSON list of ids: ${String(cell).slice(0, 80)}`);
  return ids as string[];
}

/** The params of run `runId` checked against `kind`: the typed params, or the error reading them throws. */
function checkedParams(kind: string, params: Record<string, unknown>, runId: string): { value: unknown } | { error: MlError } {
  try {
    if (!isRunKind(kind)) {
      throw new MlError('E_ML_RUN', `run ${runId} is a ${kind} run, a kind this version does not know (it knows ${RUN_KINDS.join(', ')} runs)`);
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new MlError('E_ML_RUN', `run ${runId} has params that do not match its kind (${kind}): params must be an object, got ${JSON.stringify(params)}`);
    }
    return { value: checkRunParams(kind, params, runId) };
  } catch (e) {
    if (e instanceof MlError) return { error: e };
    throw e;
  }
}

/** One `ml_runs` row read at `nowMs` (which decides whether a `running` run was killed), its params checked against its kind. */
function readRow(row: Row, nowMs: number) {
  const env = parseJson(row['env'] ?? null, 'env');
  const status = String(row['status']) as RunStatus;
  const runId = String(row['run_id']);
  const kind = String(row['kind']);
  const raw = parseJson(row['params'] ?? null, 'params');
  const params = checkedParams(kind, raw, runId);
  const record = {
    run_id: runId,
    kind,
    model: String(row['model']),
    parent_run_id: str(row['parent_run_id'] ?? null),
    status,
    state: status === 'running' && wasKilled(row, env, nowMs) ? ('killed' as const) : status,
    get params(): unknown {
      if ('error' in params) throw params.error;
      return params.value;
    },
    data_query: String(row['data_query'] ?? ''),
    data_rows: Number(row['data_rows'] ?? 0),
    data_hash: String(row['data_hash'] ?? ''),
    env,
    seed: Number(row['seed'] ?? 0),
    epochs_done: Number(row['epochs_done'] ?? 0),
    steps_done: Number(row['steps_done'] ?? 0),
    images_per_second: num(row['images_per_second'] ?? null),
    d_loss: num(row['d_loss'] ?? null),
    g_loss: num(row['g_loss'] ?? null),
    FILE_checkpoint: str(row['FILE_checkpoint'] ?? null),
    FILE_loss_plot: str(row['FILE_loss_plot'] ?? null),
    error: str(row['error'] ?? null),
    /** A child run's prediction ids trained on besides `data_query` (its parent's accepted ones), in order. */
    included_predictions: parseIdList(row['included_predictions'] ?? null),
    pid: num(row['pid'] ?? null),
    created_at: String(row['created_at'] ?? ''),
    finished_at: str(row['finished_at'] ?? null),
    heartbeat_at: str(row['heartbeat_at'] ?? null),
    /** The sweep the run belongs to (`ml_sweeps`), or null. */
    sweep_id: str(row['sweep_id'] ?? null),
    /** Its point in the sweep (an index into the sweep's points), or null. */
    sweep_point: num(row['sweep_point'] ?? null),
  };
  stored.set(record, raw);
  return record;
}

/** The record of one `ml_runs` row, read at `nowMs`. */
export function toRecord(row: Row, nowMs: number): RunRecord {
  // The one place a row becomes a typed run: `params` was checked against `kind` as it was read.
  return readRow(row, nowMs) as RunRecord;
}

/** `run` as plain data for printing: every field, its params as the row holds them (printing a run never throws for its params). */
export function runForDisplay(run: RunRecord): Record<string, unknown> {
  return Object.fromEntries(Object.keys(run).map((key) => [key, key === 'params' ? storedParams(run) : run[key as keyof RunFields]]));
}
