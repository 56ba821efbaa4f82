/**
 * A run's lineage as a graph.
 *
 * - `GET /api/lineage/:run` → `{lineage: Lineage, graph: {nodes, edges, columns, rows}}` (lineage-graph.ts)
 *
 * An unknown run is a 404 (`E_ML_RUN`).
 */
import { Hono } from 'hono';
import { runLineage } from '../../ml/index.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { lineageGraph } from '../lineage-graph.js';

export function lineageRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/lineage/:run', async (c) => {
    const lineage = await runLineage(requireStore(ctx), c.req.param('run'));
    return c.json({ lineage, graph: lineageGraph(lineage) });
  });
  return app;
}
