/**
 * Runs as the dashboard shows them: a summary per run for the list (its state, `killed` included
 * when a `running` run's process is gone), one run's whole record (parameters as stored, data
 * query, rows and hash, provenance, epochs with their sample grids, checkpoints, evaluations,
 * children), and several runs side by side (parameters that differ, final losses, evaluations).
 *
 * Reading never throws for a run whose params do not match its kind: they are shown as stored.
 */
import fs from 'node:fs';
import { RunRegistry, runForDisplay, storedParams, type EpochRecord, type RunRecord } from '../ml/index.js';
import type { Store } from '../store/store.js';
import type { Cell, Row } from '../store/types.js';
import type { CheckpointView, RunSummary } from './api-types.js';

export type { CheckpointView, RunSummary };



/** The ml_ tables present in `store`, lower-cased. */
export async function tablesOf(store: Store): Promise<Set<string>> {
  return new Set((await store.tables()).map((t) => t.toLowerCase()));
}

/** `run` for the list. */
export function runSummary(run: RunRecord): RunSummary {
  const target = storedParams(run)['epochs'];
  return {
    run_id: run.run_id,
    kind: run.kind,
    model: run.model,
    state: run.state,
    parent_run_id: run.parent_run_id,
    epochs_done: run.epochs_done,
    epochs_target: typeof target === 'number' && Number.isInteger(target) ? target : null,
    steps_done: run.steps_done,
    d_loss: run.d_loss,
    g_loss: run.g_loss,
    images_per_second: run.images_per_second,
    data_rows: run.data_rows,
    created_at: run.created_at,
    finished_at: run.finished_at,
    heartbeat_at: run.heartbeat_at,
    error: run.error,
    sweep_id: run.sweep_id,
  };
}

/** The run's checkpoints: those its epochs kept, then its newest when no epoch names it. */
export function checkpointsOf(registry: RunRegistry, run: RunRecord, epochs: readonly EpochRecord[]): CheckpointView[] {
  const exists = (p: string): boolean => {
    try {
      return fs.existsSync(registry.absolute(p));
    } catch {
      return false;
    }
  };
  const out: CheckpointView[] = epochs.filter((e) => e.FILE_checkpoint !== null).map((e) => ({ epoch: e.epoch, path: e.FILE_checkpoint!, exists: exists(e.FILE_checkpoint!) }));
  if (run.FILE_checkpoint !== null && !out.some((c) => c.path === run.FILE_checkpoint)) out.push({ epoch: null, path: run.FILE_checkpoint, exists: exists(run.FILE_checkpoint) });
  return out;
}

/** The run's evaluation rows (newest first), or none when the store has no evaluations. */
export async function evaluationRowsOf(store: Store, runIds: readonly string[]): Promise<Row[]> {
  if (runIds.length === 0 || !(await tablesOf(store)).has('ml_evaluations')) return [];
  const marks = runIds.map(() => '?').join(', ');
  return store.query(`SELECT run_id, metric, value, std, n_real, n_generated, feature_run_id, condition, epoch, source, created_at FROM ml_evaluations WHERE run_id IN (${marks}) ORDER BY created_at DESC, metric`, [...runIds] as Cell[]);
}

/** Everything the run page shows of `runId` (an `E_ML_RUN` 404 when there is no such run). */
export async function runDetail(store: Store, runId: string) {
  const registry = new RunRegistry(store);
  const run = await registry.get(runId);
  const epochs = await registry.epochs(runId);
  const children = (await registry.list()).filter((r) => r.parent_run_id === runId).map((r) => r.run_id);
  return {
    run: { ...runForDisplay(run), ...runSummary(run) },
    epochs,
    checkpoints: checkpointsOf(registry, run, epochs),
    evaluations: await evaluationRowsOf(store, [runId]),
    counts: await registry.counts(runId),
    children,
    links: { lineage: `#/lineage/${encodeURIComponent(runId)}`, review: `#/review/${encodeURIComponent(runId)}`, report: `/api/runs/${encodeURIComponent(runId)}/report` },
  };
}

/** A parameter across compared runs: its value in each (undefined: the run has none) and whether they differ. */
export interface ParamRow {
  readonly key: string;
  readonly values: readonly unknown[];
  readonly differs: boolean;
}

/** `params` with nested objects flattened to dotted keys (`recipe.lr`). */
function flatten(params: Readonly<Record<string, unknown>>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** The newest overall value of each metric of a run, with the classifier its features came from. */
export interface MetricValue {
  readonly metric: string;
  readonly feature_run_id: string | null;
  readonly values: readonly (number | null)[];
}

/** Runs side by side: their summaries, every parameter (differing ones marked), final losses and overall evaluations. */
export async function compareRuns(store: Store, runIds: readonly string[]) {
  const registry = new RunRegistry(store);
  const runs: RunRecord[] = [];
  for (const id of runIds) runs.push(await registry.get(id));
  const flat: Record<string, unknown>[] = runs.map((r) => ({ ...flatten(storedParams(r)), data_query: r.data_query, data_hash: r.data_hash, seed: r.seed }));
  const keys = [...new Set(flat.flatMap((p) => Object.keys(p)))].sort();
  const params: ParamRow[] = keys.map((key) => {
    const values = flat.map((p) => p[key]);
    const texts = values.map((v) => JSON.stringify(v) ?? 'undefined');
    return { key, values, differs: new Set(texts).size > 1 };
  });
  const finals: MetricValue[] = [];
  const lastEpochs = await Promise.all(runs.map(async (r) => (await registry.epochs(r.run_id)).at(-1)));
  for (const loss of ['d_loss', 'g_loss', 'loss'] as const) {
    const values = lastEpochs.map((e) => e?.[loss] ?? null);
    if (values.some((v) => v !== null)) finals.push({ metric: `final ${loss}`, feature_run_id: null, values });
  }
  finals.push({ metric: 'epochs done', feature_run_id: null, values: runs.map((r) => r.epochs_done) });
  finals.push({ metric: 'images per second', feature_run_id: null, values: runs.map((r) => r.images_per_second) });
  // The newest overall value of each (metric, feature classifier) per run.
  const evaluations = (await evaluationRowsOf(store, runIds)).filter((e) => e['condition'] === null);
  const byMetric = new Map<string, MetricValue & { values: (number | null)[] }>();
  for (const e of evaluations) {
    const featureRun = e['feature_run_id'] === null || e['feature_run_id'] === undefined ? null : String(e['feature_run_id']);
    const key = `${String(e['metric'])}\u0000${featureRun ?? ''}`;
    const row = byMetric.get(key) ?? { metric: String(e['metric']), feature_run_id: featureRun, values: runs.map(() => null) };
    const i = runIds.indexOf(String(e['run_id']));
    if (i >= 0 && row.values[i] === null) row.values[i] = Number(e['value']);
    byMetric.set(key, row);
  }
  const metrics = [...finals, ...[...byMetric.values()].sort((a, b) => a.metric.localeCompare(b.metric))];
  return { runs: runs.map(runSummary), params, metrics };
}
