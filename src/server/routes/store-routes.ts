/** The store's tables, rows, find, search, SQL, units and relations. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function storeRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
