/**
 * Sweeps (grids of training runs, `dsi ml sweep`), read-only:
 *
 * - `GET /api/sweeps` → `{sweeps: SweepSummary[]}` (newest first)
 * - `GET /api/sweeps/:sweep` → `{sweep, columns, metrics, points: SweepPointView[]}`: each point's
 *   grid values (`columns`), run, state, final losses and evaluations (`metrics` names them)
 *
 * An unknown sweep is a 404 (`E_ML_RUN`).
 */
import { Hono } from 'hono';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { sweepDetail, sweepList } from '../sweep-view.js';

export function sweepRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/sweeps', async (c) => c.json({ sweeps: await sweepList(requireStore(ctx)) }));
  app.get('/sweeps/:sweep', async (c) => c.json(await sweepDetail(requireStore(ctx), c.req.param('sweep'))));
  return app;
}
