/** Jobs started from the page (a child run) and their progress. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function jobRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
