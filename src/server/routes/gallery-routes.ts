/** The gallery: images of a table, query or Cinema database, filtered by their parameters. */
import { Hono } from 'hono';
import type { DashboardContext } from '../dashboard-context.js';

export function galleryRoutes(ctx: DashboardContext): Hono {
  void ctx;
  return new Hono();
}
