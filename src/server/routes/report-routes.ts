/** A run's self-contained HTML report, to download or open. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function reportRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
