/** Evaluations across runs, per condition and per checkpoint. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function evaluationRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
