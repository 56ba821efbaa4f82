/** SHAP explanations: values, base values, heat maps. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function explanationRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
