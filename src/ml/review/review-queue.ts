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
  const run = await new RunRegistry(store).get(options.run);
  const tables = new Set((await store.tables()).map((t) => t.toLowerCase()));
  if (!tables.has('ml_predictions')) return [];
  const skipReviewed = !options.all && tables.has('ml_reviews');
  const rows = await store.query(
    `SELECT prediction_id, FILE, params, seed, score, nn_distance, accepted FROM ml_predictions p WHERE run_id = ?` +
      (skipReviewed ? ` AND NOT EXISTS (SELECT 1 FROM ml_reviews r WHERE r.prediction_id = p.prediction_id AND r.reviewer = ? AND (r.verdict IS NOT NULL OR r.rating IS NOT NULL))` : '') +
      ` ORDER BY prediction_id` +
      (options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`),
    skipReviewed ? [run.run_id, options.reviewer] : [run.run_id],
  );
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
