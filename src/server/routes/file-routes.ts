/**
 * `/files?path=VALUE`: a file the store references (the exact value of a `FILE…` cell) or, with
 * `/files?cinema=VALUE`, one the opened Cinema database lists; either only when the request's
 * account may read it. See store-files.ts for the rules.
 */
import { Hono } from 'hono';
import { containedPath } from '../../contained-path.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { badRequest, forbidden, notFound } from '../http-errors.js';
import { fileResponse, referencedFile, requireReadable } from '../store-files.js';

export function fileRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/files', async (c) => {
    const cinemaValue = c.req.query('cinema');
    if (cinemaValue !== undefined) {
      const cinema = ctx.cinema;
      if (cinema === undefined) throw notFound('no Cinema database is open', 'E_NO_CINEMA');
      const listed = cinema.rows.some((r) => Object.entries(r).some(([k, v]) => /^FILE/i.test(k) && v === cinemaValue));
      if (!listed) throw notFound(`the Cinema database lists no file "${cinemaValue}"`, 'E_NOT_REFERENCED');
      let file: string;
      try {
        file = containedPath(cinema.folder, cinemaValue, { base: cinema.folder, origin: 'a FILE value of data.csv' });
      } catch {
        throw forbidden(`"${cinemaValue}" lies outside the Cinema database's folder`, 'E_UNSAFE_PATH');
      }
      await requireReadable(file);
      return fileResponse(file);
    }
    const value = c.req.query('path');
    if (value === undefined) throw badRequest('name the file: /files?path=VALUE (a value of a FILE column)');
    const file = await referencedFile(requireStore(ctx), value);
    await requireReadable(file);
    return fileResponse(file);
  });
  return app;
}
