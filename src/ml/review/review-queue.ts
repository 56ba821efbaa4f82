/**
 * The generated items an expert still has to judge: a run's predictions without a verdict or
 * rating from that reviewer, in prediction order (with `all`, every prediction).
 */
import type { Store } from '../../store/store.js';
import { RunRegistry } from '../registry/run-registry.js';

export interface QueuedPrediction {
  prediction_id: string;
  /** Relative to the store's folder. */
  FILE: string;
  params: Record<string, unknown>;
  seed: number | null;
  score: number | null;
  nn_distance: number | null;
  accepted: number | null;
}

export async function reviewQueue(store: Store, options: { run: string; reviewer: string; all?: boolean; limit?: number }): Promise<QueuedPrediction[]> {
  const registry = new RunRegistry(store);
  const run = await registry.get(options.run);
  const rows = await registry.reviews.queue(run.run_id, options.reviewer, options);
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    prediction_id: String(r['prediction_id']),
    FILE: String(r['FILE']),
    params: r['params'] === null || r['params'] === undefined ? {} : (JSON.parse(String(r['params'])) as Record<string, unknown>),
    seed: num(r['seed']),
    score: num(r['score']),
    nn_distance: num(r['nn_distance']),
    accepted: num(r['accepted']),
  }));
}
