/**
 * Evaluations across runs, per condition and per checkpoint.
 *
 * - `GET /api/evaluations?runs=a,b&metric=fid&feature_run_id=RUN|none&condition=overall|conditions|TEXT&epoch=N`
 *   → `{rows, more, facets: {metrics, runs, feature_runs, epochs, conditions}}`
 * - `GET /api/evaluations/conditions.svg?run=R&metric=M[&feature_run_id=F][&epoch=N]` → bars per condition
 * - `GET /api/evaluations/epochs.svg?runs=a,b&metric=M[&feature_run_id=F]` → a line per run across epochs
 *
 * A chart mixing feature classifiers is a 400 (`E_MIXED_FEATURES`); an unknown run a 404.
 */
import { Hono } from 'hono';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { conditionBarsSvg, epochLinesSvg, evaluationFacets, evaluationRows } from '../evaluation-view.js';
import { badRequest } from '../http-errors.js';
import { integerParam, runListParam } from '../query-parsing.js';
import { svgResponse } from '../svg-answer.js';

const MAX_RUNS = 20;

const optional = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
const epochParam = (v: string | undefined): number | undefined => (optional(v) === undefined ? undefined : integerParam('epoch', v, 0, 0, 1_000_000));
const metricParam = (v: string | undefined): string => {
  const metric = optional(v);
  if (metric === undefined) throw badRequest('name the metric: metric=fid (or kid, precision, recall, is, …)');
  return metric;
};

export function evaluationRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/evaluations', async (c) => {
    const store = requireStore(ctx);
    const runs = optional(c.req.query('runs')) === undefined ? undefined : runListParam('runs', c.req.query('runs'), MAX_RUNS);
    const filter = {
      runs,
      metric: optional(c.req.query('metric')),
      featureRun: optional(c.req.query('feature_run_id')),
      condition: optional(c.req.query('condition')),
      epoch: epochParam(c.req.query('epoch')),
    };
    return c.json({ ...(await evaluationRows(store, filter)), facets: await evaluationFacets(store) });
  });
  app.get('/evaluations/conditions.svg', async (c) => {
    const run = optional(c.req.query('run'));
    if (run === undefined) throw badRequest('name the run: run=RUN_ID');
    const svg = await conditionBarsSvg(requireStore(ctx), { run, metric: metricParam(c.req.query('metric')), featureRun: optional(c.req.query('feature_run_id')), epoch: epochParam(c.req.query('epoch')) });
    return svgResponse(svg);
  });
  app.get('/evaluations/epochs.svg', async (c) => {
    const runs = runListParam('runs', c.req.query('runs'), MAX_RUNS);
    return svgResponse(await epochLinesSvg(requireStore(ctx), { runs, metric: metricParam(c.req.query('metric')), featureRun: optional(c.req.query('feature_run_id')) }));
  });
  return app;
}
