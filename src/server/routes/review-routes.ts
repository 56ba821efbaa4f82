/** Expert review: the queue, verdicts, acceptance by rule. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function reviewRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
