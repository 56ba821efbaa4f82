/**
 * SHAP explanations: values, base values, heat maps.
 *
 * - `GET /api/explanations?run=R` → `{explanations: ExplanationSummary[]}` (newest first)
 * - `GET /api/explanations/:id` → `{explanation, values: [{feature, value}], sum}` (largest |value| first)
 * - `GET /api/explanations/:id/values.svg` → the values as bars after the base value
 *
 * An unknown explanation is a 404 (`E_NO_EXPLANATION`); an unknown run a 404 (`E_ML_RUN`).
 */
import { Hono } from 'hono';
import { RunRegistry } from '../../ml/index.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { explanationBarsSvg, explanationDetail, explanationList } from '../explanation-view.js';
import { svgResponse } from '../svg-answer.js';

export function explanationRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/explanations', async (c) => {
    const store = requireStore(ctx);
    const run = c.req.query('run');
    if (run !== undefined && run !== '') await new RunRegistry(store).get(run);
    return c.json({ explanations: await explanationList(store, run === '' ? undefined : run) });
  });
  app.get('/explanations/:id', async (c) => c.json(await explanationDetail(requireStore(ctx), c.req.param('id'))));
  app.get('/explanations/:id/values.svg', async (c) => svgResponse(await explanationBarsSvg(requireStore(ctx), c.req.param('id'))));
  return app;
}
