/**
 * Stores whose run registry was written by another program (better-sqlite3 directly), as a store
 * shared with a group may be: the tests of untrusted store content build their hostile rows here.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { openStore } from '../../src/index.js';
import { RunRegistry } from '../../src/ml/index.js';

/** An `ml_runs` row as another program may have written it. */
export interface CraftedRun {
  run_id: string;
  kind?: string;
  parent_run_id?: string | null;
  included_predictions?: string | null;
  FILE_checkpoint?: string | null;
  data_query?: string | null;
  /** `ml_runs.params` as JSON text (default `{}`). */
  params?: string;
}

/** An `ml_predictions` row as another program may have written it. */
export interface CraftedPrediction {
  prediction_id: string;
  run_id: string;
  FILE: string;
  accepted?: number;
}

/** The store `db` (made with the registry's tables), with `runs` and `predictions` added raw. */
export async function writeCraftedRegistry(db: string, runs: readonly CraftedRun[], predictions: readonly CraftedPrediction[] = []): Promise<{ data: string }> {
  const store = await openStore(db);
  await new RunRegistry(store).transaction(async () => undefined);
  await store.close();
  const raw = new Database(db);
  const at = new Date().toISOString();
  const insertRun = raw.prepare(
    'INSERT INTO ml_runs (run_id, kind, model, parent_run_id, status, params, env, seed, FILE_checkpoint, included_predictions, data_query, created_at, finished_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)',
  );
  for (const r of runs) {
    insertRun.run(r.run_id, r.kind ?? 'gan', 'dcgan', r.parent_run_id ?? null, 'finished', r.params ?? '{}', '{}', r.FILE_checkpoint ?? null, r.included_predictions ?? null, r.data_query ?? null, at, at, at);
  }
  const insertPrediction = raw.prepare('INSERT INTO ml_predictions (prediction_id, run_id, params, seed, FILE, accepted, created_at) VALUES (?, ?, ?, 1, ?, ?, ?)');
  for (const p of predictions) insertPrediction.run(p.prediction_id, p.run_id, '{}', p.FILE, p.accepted ?? null, at);
  raw.close();
  return { data: path.join(path.dirname(db), `${path.basename(db, '.db')}.data`) };
}
