/** Runs: list, detail, curves, samples, checkpoints, live events, comparison. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function runRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
