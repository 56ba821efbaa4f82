/**
 * Expert verdicts on generated items, in `ml_reviews`: accept or reject, a rating (1–5), a
 * comment, and who gave it. A batch is checked whole before anything is written, then written in
 * one transaction: a bad line stores nothing. Reviews are never overwritten; the latest verdict
 * of each reviewer is what counts (`acceptPredictions` with `reviewed`).
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { userName } from '../registry/environment.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { ML_PREDICTIONS, ML_REVIEWS } from '../registry/tables.js';

export type Verdict = 'accept' | 'reject';

export const RATING_RANGE = [1, 5] as const;

export interface ReviewInput {
  readonly prediction_id: string;
  readonly verdict?: Verdict | null;
  readonly rating?: number | null;
  readonly comment?: string | null;
  /** Default: the option `reviewer`, or the login name. */
  readonly reviewer?: string | null;
  /** Where the review came from, for error messages (`reviews.csv line 4`). */
  readonly where?: string;
}

/** One `ml_reviews` row (a plain row of cells, as written). */
export type RecordedReview = {
  prediction_id: string;
  run_id: string;
  reviewer: string;
  verdict: Verdict | null;
  rating: number | null;
  comment: string | null;
  source: string;
  created_at: string;
  batch_index: number;
};

/** Checks one review; returns what is wrong, or null. */
function problem(r: ReviewInput): string | null {
  if (typeof r.prediction_id !== 'string' || r.prediction_id.trim() === '') return 'no prediction_id';
  if (r.verdict !== undefined && r.verdict !== null && r.verdict !== 'accept' && r.verdict !== 'reject') return `verdict must be accept or reject, got "${String(r.verdict)}"`;
  if (r.rating !== undefined && r.rating !== null) {
    if (typeof r.rating !== 'number' || !Number.isFinite(r.rating) || r.rating < RATING_RANGE[0] || r.rating > RATING_RANGE[1]) {
      return `rating must be a number from ${RATING_RANGE[0]} to ${RATING_RANGE[1]}, got "${String(r.rating)}"`;
    }
  }
  if ((r.verdict ?? null) === null && (r.rating ?? null) === null && (r.comment ?? '') === '') return 'no verdict, rating or comment';
  return null;
}

/**
 * Records `reviews` (all or nothing). `source` says how they came (`terminal`, `import reviews.csv`).
 */
export async function recordReviews(store: Store, reviews: readonly ReviewInput[], options: { reviewer?: string; source: string }): Promise<RecordedReview[]> {
  if (reviews.length === 0) throw new MlError('E_ML_DATA', 'no reviews to record');
  const defaultReviewer = options.reviewer ?? userName();
  if (defaultReviewer.trim() === '') throw new MlError('E_ML_ARGUMENT', 'the reviewer name is empty');
  reviews.forEach((r, i) => {
    const p = problem(r);
    if (p !== null) throw new MlError('E_ML_DATA', `${r.where ?? `review ${i + 1}`}: ${p}`);
  });
  const registry = new RunRegistry(store);
  const runs = await registry.predictions.runsOf(reviews.map((r) => r.prediction_id));
  const unknown = reviews.find((r) => !runs.has(r.prediction_id));
  if (unknown !== undefined) throw new MlError('E_ML_DATA', `${unknown.where ?? 'review'}: no prediction ${unknown.prediction_id} in ml_predictions`);

  const created = now();
  const rows: RecordedReview[] = reviews.map((r, i) => ({
    prediction_id: r.prediction_id,
    run_id: runs.get(r.prediction_id)!,
    reviewer: r.reviewer === undefined || r.reviewer === null || r.reviewer === '' ? defaultReviewer : r.reviewer,
    verdict: r.verdict ?? null,
    rating: r.rating ?? null,
    comment: r.comment === undefined || r.comment === '' ? null : r.comment,
    source: options.source,
    created_at: created,
    batch_index: i,
  }));
  await registry.transaction(async (tx) => {
    await tx.ensure(ML_PREDICTIONS);
    await tx.ensure(ML_REVIEWS);
    await tx.insert('ml_reviews', rows);
  });
  return rows;
}
