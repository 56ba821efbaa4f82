/** A run's lineage as a graph. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function lineageRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
