/**
 * Where a model came from and what came of it: the chain of runs from the first (trained on
 * store data only) to the one asked about, each with its data (query, rows, hash, the generated
 * images it included and from which run), its predictions (how many, accepted or rejected and by
 * what), its evaluations and the expert reviews; then the runs that descend from it. Each run
 * also says how many generations of synthetic data its data passed through.
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { type RunRecord, RunRegistry } from '../registry/run-registry.js';
import { syntheticGenerations } from './synthetic-generations.js';

export interface LineageRun extends Pick<RunRecord, 'run_id' | 'kind' | 'model' | 'state' | 'parent_run_id' | 'created_at' | 'epochs_done' | 'seed'> {
  data: {
    query: string;
    rows: number;
    hash: string;
    /** Generated images trained on besides the query, by the run that made them. */
    included_predictions: number;
    included_from: Record<string, number>;
    /** Generations of synthetic data the run's data passed through (0: store data only; synthetic-generations.ts). */
    synthetic_generations: number;
  };
  predictions: { total: number; accepted: number; rejected: number; undecided: number; accepted_by: Record<string, number> };
  /** The newest overall (not per-condition) value of each metric. */
  evaluations: { metric: string; value: number; std: number | null; feature_run_id: string | null; epoch: number | null; created_at: string }[];
  reviews: { total: number; accept: number; reject: number; rated: number; mean_rating: number | null; reviewers: string[] };
  children: string[];
}

export interface Lineage {
  run_id: string;
  /** From the root to the run asked about. */
  ancestry: LineageRun[];
  /** The run's descendants, parents before children. */
  descendants: LineageRun[];
}

const MAX_DEPTH = 1000;

export async function runLineage(store: Store, runId: string): Promise<Lineage> {
  const registry = new RunRegistry(store);
  const runs = await registry.list();
  const byId = new Map(runs.map((r) => [r.run_id, r]));
  const target = await registry.get(runId);

  const chain: RunRecord[] = [target];
  while (chain[0]!.parent_run_id !== null) {
    const parent = byId.get(chain[0]!.parent_run_id!);
    if (parent === undefined) break; // the parent was deleted: the chain starts here
    if (chain.length > MAX_DEPTH || chain.includes(parent)) throw new MlError('E_ML_RUN', `the parent links of run ${runId} form a cycle`);
    chain.unshift(parent);
  }
  const children = new Map<string, RunRecord[]>();
  for (const r of runs) if (r.parent_run_id !== null) children.set(r.parent_run_id, [...(children.get(r.parent_run_id) ?? []), r]);
  const descendants: RunRecord[] = [];
  const queue = [...(children.get(target.run_id) ?? [])];
  while (queue.length > 0 && descendants.length <= MAX_DEPTH) {
    const r = queue.shift()!;
    descendants.push(r);
    queue.push(...(children.get(r.run_id) ?? []));
  }

  const describe = async (r: RunRecord): Promise<LineageRun> => ({
    run_id: r.run_id,
    kind: r.kind,
    model: r.model,
    state: r.state,
    parent_run_id: r.parent_run_id,
    created_at: r.created_at,
    epochs_done: r.epochs_done,
    seed: r.seed,
    data: { query: r.data_query, rows: r.data_rows, hash: r.data_hash, included_predictions: r.included_predictions.length, included_from: await includedFrom(registry, r), synthetic_generations: (await syntheticGenerations(store, r.included_predictions)).generation },
    predictions: await predictionSummary(registry, r.run_id),
    evaluations: await latestEvaluations(registry, r.run_id),
    reviews: await reviewSummary(registry, r.run_id),
    children: (children.get(r.run_id) ?? []).map((c) => c.run_id),
  });
  const ancestry: LineageRun[] = [];
  for (const r of chain) ancestry.push(await describe(r));
  const below: LineageRun[] = [];
  for (const r of descendants) below.push(await describe(r));
  return { run_id: target.run_id, ancestry, descendants: below };
}

async function includedFrom(registry: RunRegistry, run: RunRecord): Promise<Record<string, number>> {
  if (run.included_predictions.length === 0) return {};
  const out = await registry.predictions.countByRun(run.included_predictions);
  const found = Object.values(out).reduce((a, b) => a + b, 0);
  if (found < run.included_predictions.length) out['(deleted)'] = run.included_predictions.length - found;
  return out;
}

async function predictionSummary(registry: RunRegistry, runId: string): Promise<LineageRun['predictions']> {
  const s = { total: 0, accepted: 0, rejected: 0, undecided: 0, accepted_by: {} as Record<string, number> };
  for (const { accepted, accepted_by, n } of await registry.predictions.acceptanceCounts(runId)) {
    s.total += n;
    if (accepted === null) s.undecided += n;
    else if (accepted === 1) {
      s.accepted += n;
      const by = accepted_by ?? '?';
      s.accepted_by[by] = (s.accepted_by[by] ?? 0) + n;
    } else s.rejected += n;
  }
  return s;
}

async function latestEvaluations(registry: RunRegistry, runId: string): Promise<LineageRun['evaluations']> {
  const rows = await registry.evaluations.overall(runId);
  const latest = new Map<string, LineageRun['evaluations'][number]>();
  for (const r of rows) {
    latest.set(String(r['metric']), {
      metric: String(r['metric']),
      value: Number(r['value']),
      std: r['std'] === null || r['std'] === undefined ? null : Number(r['std']),
      feature_run_id: r['feature_run_id'] === null || r['feature_run_id'] === undefined ? null : String(r['feature_run_id']),
      epoch: r['epoch'] === null || r['epoch'] === undefined ? null : Number(r['epoch']),
      created_at: String(r['created_at']),
    });
  }
  return [...latest.values()];
}

async function reviewSummary(registry: RunRegistry, runId: string): Promise<LineageRun['reviews']> {
  const rows = await registry.reviews.ofRun(runId);
  const ratings = rows.filter((r) => r['rating'] !== null && r['rating'] !== undefined).map((r) => Number(r['rating']));
  return {
    total: rows.length,
    accept: rows.filter((r) => r['verdict'] === 'accept').length,
    reject: rows.filter((r) => r['verdict'] === 'reject').length,
    rated: ratings.length,
    mean_rating: ratings.length > 0 ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
    reviewers: [...new Set(rows.map((r) => String(r['reviewer'])))].sort(),
  };
}
