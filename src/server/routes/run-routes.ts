/**
 * Runs: the list, one run's record, its step losses, its loss curves as SVG, its live events, and
 * several runs compared.
 *
 * - `GET /api/runs` → `{runs: RunSummary[]}` (newest first; `state` says `killed` for a dead `running` run)
 * - `GET /api/runs/:run` → `{run, epochs, checkpoints, evaluations, counts, children, links}`
 * - `GET /api/runs/:run/steps?after=N&limit=M` → `{steps: StepRecord[]}`
 * - `GET /api/runs/:run/curves.svg?per=epoch|step&loss=d_loss|g_loss|loss` → SVG
 * - `GET /api/runs/:run/events?afterEpoch=N&afterStep=M` → server-sent events (run-events.ts)
 * - `GET /api/compare?runs=a,b` → `{runs, params: [{key, values, differs}], metrics: [{metric, feature_run_id, values}]}`
 * - `GET /api/compare/curves.svg?runs=a,b&per=epoch|step&loss=…` → SVG, a series per run and loss
 *
 * An unknown run is a 404 (`E_ML_RUN`), a malformed parameter a 400.
 */
import { Hono } from 'hono';
import { RunRegistry } from '../../ml/index.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { choiceParam, integerParam, runListParam } from '../query-parsing.js';
import { LOSSES, lossCurvesSvg, type LossName } from '../run-charts.js';
import { runEventStream } from '../run-events.js';
import { compareRuns, runDetail, runSummary } from '../run-view.js';
import { svgResponse } from '../svg-answer.js';

/** Runs compared together at most. */
export const MAX_COMPARED = 8;
const MAX_STEPS = 100_000;

const lossParam = (value: string | undefined): LossName | undefined => (value === undefined || value === '' ? undefined : choiceParam('loss', value, LOSSES, 'loss'));

export function runRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/runs', async (c) => {
    const runs = await new RunRegistry(requireStore(ctx)).list();
    return c.json({ runs: runs.map(runSummary) });
  });
  app.get('/runs/:run', async (c) => c.json(await runDetail(requireStore(ctx), c.req.param('run'))));
  app.get('/runs/:run/steps', async (c) => {
    const after = integerParam('after', c.req.query('after'), 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam('limit', c.req.query('limit'), 10_000, 1, MAX_STEPS);
    const registry = new RunRegistry(requireStore(ctx));
    await registry.get(c.req.param('run'));
    return c.json({ steps: await registry.steps(c.req.param('run'), { afterStep: after, limit }) });
  });
  app.get('/runs/:run/curves.svg', async (c) => {
    const per = choiceParam('per', c.req.query('per'), ['epoch', 'step'] as const, 'epoch');
    return svgResponse(await lossCurvesSvg(requireStore(ctx), [c.req.param('run')], per, lossParam(c.req.query('loss'))));
  });
  app.get('/runs/:run/events', async (c) => {
    const afterEpoch = integerParam('afterEpoch', c.req.query('afterEpoch'), 0, 0, Number.MAX_SAFE_INTEGER);
    const afterStep = integerParam('afterStep', c.req.query('afterStep'), 0, 0, Number.MAX_SAFE_INTEGER);
    const store = requireStore(ctx);
    await new RunRegistry(store).get(c.req.param('run'));
    return runEventStream(c, store, c.req.param('run'), { afterEpoch, afterStep });
  });
  app.get('/compare', async (c) => c.json(await compareRuns(requireStore(ctx), runListParam('runs', c.req.query('runs'), MAX_COMPARED))));
  app.get('/compare/curves.svg', async (c) => {
    const runs = runListParam('runs', c.req.query('runs'), MAX_COMPARED);
    const per = choiceParam('per', c.req.query('per'), ['epoch', 'step'] as const, 'epoch');
    return svgResponse(await lossCurvesSvg(requireStore(ctx), runs, per, lossParam(c.req.query('loss'))));
  });
  return app;
}
