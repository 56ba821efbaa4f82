/**
 * Expert review from the page, recorded exactly as `dsi ml review` records it (`recordReviews`:
 * one `ml_reviews` row per verdict with the reviewer and the time, source `dashboard`):
 *
 * - `GET /api/review/runs` → `{runs: [{run_id, kind, model, status, created_at, predictions, accepted, rejected, reviews}]}`:
 *   the runs that have predictions, newest first;
 * - `GET /api/review/:run/queue?reviewer=&all=1&limit=` → `{run_id, reviewer, queue: QueuedPrediction[], tally}`;
 * - `GET /api/review/:run/tally?reviewer=` → `{tally}`;
 * - `POST /api/review/:run/reviews {prediction_id, verdict?, rating?, comment?, reviewer?}` → 201
 *   `{review, tally}` (an unknown prediction is a 404, a bad verdict or rating a 400);
 * - `POST /api/review/:run/accept {reviewed?, rule?, best?, per?, diverse?, min_distance?, features?}`
 *   → `AcceptResult` of `acceptPredictions`; `{clear: true}` → `{run_id, withdrawn}`.
 *
 * `tally` = `{predictions, accepted, rejected, undecided, reviews, by_reviewer: {judged, accept, reject, rated}}`.
 */
import { Hono } from 'hono';
import { acceptPredictions, clearRuleAcceptances, recordReviews, reviewQueue, RunRegistry, type AcceptOptions } from '../../ml/index.js';
import type { Store } from '../../store/store.js';
import type { ReviewTally } from '../api-types.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { badRequest, forbidden, notFound } from '../http-errors.js';
import { currentScope } from '../request-scope.js';

/** The longest comment and reviewer name accepted. */
export const MAX_COMMENT = 4000;
export const MAX_REVIEWER = 100;
/** The most predictions one queue request returns. */
export const MAX_QUEUE = 1000;

export type { ReviewTally };

const hasTable = async (store: Store, table: string): Promise<boolean> => (await store.tables()).some((t) => t.toLowerCase() === table);
const n = (v: unknown): number => Number(v ?? 0);

async function tallyOf(store: Store, runId: string, reviewer: string): Promise<ReviewTally> {
  const [p] = await store.query(
    'SELECT count(*) AS total, sum(CASE WHEN accepted = 1 THEN 1 ELSE 0 END) AS accepted, sum(CASE WHEN accepted = 0 THEN 1 ELSE 0 END) AS rejected FROM ml_predictions WHERE run_id = ?',
    [runId],
  );
  let reviews = 0;
  let mine = { judged: 0, accept: 0, reject: 0, rated: 0 };
  if (await hasTable(store, 'ml_reviews')) {
    reviews = n((await store.query('SELECT count(*) AS n FROM ml_reviews WHERE run_id = ?', [runId]))[0]?.['n']);
    // The latest verdict and rating of this reviewer on each prediction count, as for acceptance.
    const rows = await store.query('SELECT prediction_id, verdict, rating FROM ml_reviews WHERE run_id = ? AND reviewer = ? ORDER BY created_at, batch_index', [runId, reviewer]);
    const latest = new Map<string, { verdict: unknown; rating: unknown }>();
    for (const r of rows) {
      const id = String(r['prediction_id']);
      const before = latest.get(id) ?? { verdict: null, rating: null };
      latest.set(id, { verdict: r['verdict'] ?? before.verdict, rating: r['rating'] ?? before.rating });
    }
    const values = [...latest.values()];
    mine = {
      judged: values.filter((v) => v.verdict !== null || v.rating !== null).length,
      accept: values.filter((v) => v.verdict === 'accept').length,
      reject: values.filter((v) => v.verdict === 'reject').length,
      rated: values.filter((v) => v.rating !== null).length,
    };
  }
  const total = n(p?.['total']);
  const accepted = n(p?.['accepted']);
  const rejected = n(p?.['rejected']);
  return { predictions: total, accepted, rejected, undecided: total - accepted - rejected, reviews, by_reviewer: { reviewer, ...mine } };
}

/** The reviewer a request names by default: a group member's own account, else the dashboard's default. */
function defaultReviewer(ctx: DashboardContext): string {
  const scope = currentScope();
  return scope?.isOtherAccount ? scope.account.account : ctx.reviewer;
}

/** A group member records reviews under their own account only. */
function ownReviewer(reviewer: string): string {
  const scope = currentScope();
  if (scope?.isOtherAccount && reviewer !== scope.account.account) throw forbidden(`${scope.account.account} records reviews as ${scope.account.account}, not as ${reviewer}`, 'E_REVIEWER');
  return reviewer;
}

function reviewerOf(given: unknown, fallback: string): string {
  if (given === undefined || given === null || given === '') return fallback;
  if (typeof given !== 'string' || given.trim() === '' || given.length > MAX_REVIEWER || /[\u0000-\u001f]/.test(given)) {
    throw badRequest(`reviewer must be a name of 1 to ${MAX_REVIEWER} printable characters, got ${JSON.stringify(given)}`);
  }
  return given.trim();
}

function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`send a JSON object ${shape}`);
  return body as Record<string, unknown>;
}

/** Checks the fields of a verdict; what recordReviews checks again, with messages for the page. */
function verdictOf(body: Record<string, unknown>): { prediction_id: string; verdict: 'accept' | 'reject' | null; rating: number | null; comment: string | null } {
  const id = body['prediction_id'];
  if (typeof id !== 'string' || id.trim() === '') throw badRequest(`prediction_id must name a prediction, got ${JSON.stringify(id ?? null)}`);
  const verdict = body['verdict'] ?? null;
  if (verdict !== null && verdict !== 'accept' && verdict !== 'reject') throw badRequest(`verdict must be "accept", "reject" or null, got ${JSON.stringify(verdict)}`);
  const rating = body['rating'] ?? null;
  if (rating !== null && (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5)) {
    throw badRequest(`rating must be a whole number from 1 to 5 or null, got ${JSON.stringify(rating)}`);
  }
  const comment = body['comment'] ?? null;
  if (comment !== null && (typeof comment !== 'string' || comment.length > MAX_COMMENT)) throw badRequest(`comment must be text of at most ${MAX_COMMENT} characters`);
  const text = comment === null || comment.trim() === '' ? null : comment;
  if (verdict === null && rating === null && text === null) throw badRequest('give a verdict, a rating or a comment');
  return { prediction_id: id, verdict, rating, comment: text };
}

function acceptOptionsOf(run: string, b: Record<string, unknown>): AcceptOptions {
  const options: { -readonly [K in keyof AcceptOptions]: AcceptOptions[K] } = { run };
  if (b['reviewed'] !== undefined && typeof b['reviewed'] !== 'boolean') throw badRequest('reviewed must be true or false');
  if (b['reviewed'] === true) options.reviewed = true;
  if (b['rule'] !== undefined && b['rule'] !== null && b['rule'] !== '') {
    if (typeof b['rule'] !== 'string') throw badRequest('rule must be one find condition, such as "score >= 0.9"');
    options.rule = b['rule'];
  }
  if (b['best'] !== undefined && b['best'] !== null) {
    if (typeof b['best'] !== 'number' || !Number.isInteger(b['best']) || b['best'] < 1) throw badRequest(`best must be a whole number of 1 or more, got ${JSON.stringify(b['best'])}`);
    options.best = b['best'];
  }
  if (b['per'] !== undefined && b['per'] !== null && b['per'] !== '') {
    if (typeof b['per'] !== 'string') throw badRequest('per must name an ml_predictions column');
    options.per = b['per'];
  }
  if (b['diverse'] !== undefined && typeof b['diverse'] !== 'boolean') throw badRequest('diverse must be true or false');
  if (b['diverse'] === true) options.diverse = true;
  if (b['min_distance'] !== undefined && b['min_distance'] !== null) {
    if (typeof b['min_distance'] !== 'number' || !(b['min_distance'] > 0)) throw badRequest(`min_distance must be a positive number, got ${JSON.stringify(b['min_distance'])}`);
    options.minDistance = b['min_distance'];
  }
  if (b['features'] !== undefined && b['features'] !== null && b['features'] !== '') {
    if (typeof b['features'] !== 'string') throw badRequest('features must name a classifier run');
    options.features = b['features'];
  }
  if (options.rule === undefined && options.reviewed !== true) throw badRequest('give a rule (such as "score >= 0.9") or reviewed: true');
  return options;
}

export function reviewRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();

  app.get('/review/runs', async (c) => {
    const store = requireStore(ctx);
    if (!(await hasTable(store, 'ml_predictions'))) return c.json({ runs: [] });
    const counts = await store.query(
      'SELECT run_id, count(*) AS predictions, sum(CASE WHEN accepted = 1 THEN 1 ELSE 0 END) AS accepted, sum(CASE WHEN accepted = 0 THEN 1 ELSE 0 END) AS rejected FROM ml_predictions GROUP BY run_id',
    );
    const reviews = new Map<string, number>();
    if (await hasTable(store, 'ml_reviews')) {
      for (const r of await store.query('SELECT run_id, count(*) AS n FROM ml_reviews GROUP BY run_id')) reviews.set(String(r['run_id']), n(r['n']));
    }
    const byId = new Map(counts.map((r) => [String(r['run_id']), r]));
    const runs = (await new RunRegistry(store).list())
      .filter((r) => byId.has(r.run_id))
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))
      .map((r) => {
        const k = byId.get(r.run_id)!;
        return { run_id: r.run_id, kind: r.kind, model: r.model, status: r.state, created_at: r.created_at, parent_run_id: r.parent_run_id, predictions: n(k['predictions']), accepted: n(k['accepted']), rejected: n(k['rejected']), reviews: reviews.get(r.run_id) ?? 0 };
      });
    return c.json({ runs });
  });

  app.get('/review/:run/queue', async (c) => {
    const store = requireStore(ctx);
    const reviewer = reviewerOf(c.req.query('reviewer'), defaultReviewer(ctx));
    const limitText = c.req.query('limit');
    const limit = limitText === undefined || limitText === '' ? 200 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUEUE) throw badRequest(`limit must be a whole number from 1 to ${MAX_QUEUE}, got "${limitText}"`);
    const all = ['1', 'true'].includes(c.req.query('all') ?? '');
    const run = await new RunRegistry(store).get(c.req.param('run'));
    const queue = await reviewQueue(store, { run: run.run_id, reviewer, limit, ...(all ? { all: true } : {}) });
    return c.json({ run_id: run.run_id, reviewer, queue, tally: await tallyOf(store, run.run_id, reviewer) });
  });

  app.get('/review/:run/tally', async (c) => {
    const store = requireStore(ctx);
    const reviewer = reviewerOf(c.req.query('reviewer'), defaultReviewer(ctx));
    const run = await new RunRegistry(store).get(c.req.param('run'));
    return c.json({ run_id: run.run_id, tally: await tallyOf(store, run.run_id, reviewer) });
  });

  app.post('/review/:run/reviews', async (c) => {
    const store = requireStore(ctx);
    const body = objectBody(await c.req.json(), '{"prediction_id": ID, "verdict": "accept" | "reject", "rating": 1-5, "comment": TEXT, "reviewer": NAME}');
    const review = verdictOf(body);
    const reviewer = ownReviewer(reviewerOf(body['reviewer'], defaultReviewer(ctx)));
    const run = await new RunRegistry(store).get(c.req.param('run'));
    const owner = (await store.query('SELECT run_id FROM ml_predictions WHERE prediction_id = ?', [review.prediction_id]))[0]?.['run_id'];
    if (owner === undefined) throw notFound(`no prediction ${review.prediction_id} in ml_predictions`, 'E_PREDICTION_MISSING');
    if (String(owner) !== run.run_id) throw badRequest(`prediction ${review.prediction_id} belongs to run ${String(owner)}, not ${run.run_id}`);
    const [recorded] = await recordReviews(store, [review], { reviewer, source: 'dashboard' });
    return c.json({ review: recorded, tally: await tallyOf(store, run.run_id, reviewer) }, 201);
  });

  app.post('/review/:run/accept', async (c) => {
    const store = requireStore(ctx);
    const body = objectBody(await c.req.json(), '{"rule": "score >= 0.9"} or {"reviewed": true}');
    const run = await new RunRegistry(store).get(c.req.param('run'));
    if (body['clear'] === true) return c.json({ run_id: run.run_id, withdrawn: await clearRuleAcceptances(store, run.run_id) });
    return c.json(await acceptPredictions(store, acceptOptionsOf(run.run_id, body)));
  });

  return app;
}
