/**
 * The gallery: images of a table, a read-only query or the opened Cinema database, filtered by
 * their parameter columns. The rows are named by `table=T`, `sql=QUERY` or `cinema=1` (the
 * default when the dashboard shows only a Cinema database):
 *
 * - `GET /api/gallery/sources`: what can be shown (tables with a FILE column, the Cinema database);
 * - `GET /api/gallery/facets?…&file=COL`: `{label, files, fileColumn, fileColumns, columns, total, facets}`;
 * - `GET /api/gallery/images?…&file=COL&filter=JSON&offset&limit`: `{offset, limit, rows, more, total?}`
 *   (`total`, the filtered count, on the first page only).
 *
 * Rows without a FILE column are a 400 `E_NO_FILE_COLUMN`.
 */
import { Hono, type Context } from 'hono';
import { isFileColumn } from '../../file-columns.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { CinemaGallerySource } from '../gallery-cinema-source.js';
import { chooseFileColumn, parseGalleryFilter, type GallerySource } from '../gallery-source.js';
import { SqlGallerySource } from '../gallery-sql-source.js';
import { badRequest, notFound } from '../http-errors.js';
import { switchParam, wholeNumberParam } from '../paging-params.js';

/** Images one page of the gallery carries by default, and at most. */
export const GALLERY_PAGE = 120;
const MAX_GALLERY_PAGE = 1000;

export function galleryRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();

  const sourceOf = async (c: Context): Promise<GallerySource> => {
    const table = c.req.query('table');
    const sql = c.req.query('sql');
    const cinema = switchParam('cinema', c.req.query('cinema'));
    const named = [table, sql].filter((v) => v !== undefined && v !== '').length + (cinema ? 1 : 0);
    if (named > 1) throw badRequest('name one source of rows: table=T, sql=QUERY or cinema=1');
    if (cinema || (named === 0 && ctx.cinema !== undefined)) {
      if (ctx.cinema === undefined) throw notFound('no Cinema database is open', 'E_NO_CINEMA');
      return new CinemaGallerySource(ctx.cinema);
    }
    if (table !== undefined && table !== '') return SqlGallerySource.ofTable(requireStore(ctx), table);
    if (sql !== undefined && sql !== '') return SqlGallerySource.ofQuery(requireStore(ctx), sql);
    throw badRequest('name the rows to show: table=T or sql=QUERY (a read-only query with a FILE column)');
  };

  app.get('/gallery/sources', async (c) => {
    const tables: { table: string; rows: number; fileColumns: string[] }[] = [];
    if (ctx.store !== undefined) {
      for (const t of await ctx.store.list()) {
        const fileColumns = (await ctx.store.describe(t.table)).columns.map((col) => col.name).filter(isFileColumn);
        if (fileColumns.length > 0) tables.push({ table: t.table, rows: t.rows, fileColumns });
      }
    }
    const cinema = ctx.cinema === undefined ? null : { folder: ctx.cinema.folder, rows: ctx.cinema.rows.length, fileColumns: ctx.cinema.columns.filter(isFileColumn) };
    return c.json({ tables, cinema });
  });

  app.get('/gallery/facets', async (c) => {
    const source = await sourceOf(c);
    const columns = await source.columns();
    const { total, facets } = await source.facets();
    // A query without rows has no columns to judge: an empty gallery, not a refusal.
    const fileColumn = columns.length === 0 ? null : chooseFileColumn(columns, c.req.query('file'));
    return c.json({ label: source.label, files: source.files, fileColumn, fileColumns: columns.map((col) => col.name).filter(isFileColumn), columns, total, facets });
  });

  app.get('/gallery/images', async (c) => {
    const source = await sourceOf(c);
    const columns = await source.columns();
    if (columns.length > 0) chooseFileColumn(columns, c.req.query('file'));
    const filter = parseGalleryFilter(c.req.query('filter'), columns);
    const offset = wholeNumberParam('offset', c.req.query('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = wholeNumberParam('limit', c.req.query('limit'), GALLERY_PAGE, 1, MAX_GALLERY_PAGE);
    const { rows, more } = columns.length === 0 ? { rows: [], more: false } : await source.page(filter, offset, limit);
    const total = offset === 0 ? (more ? await source.count(filter) : rows.length) : undefined;
    return c.json({ offset, limit, rows, more, ...(total === undefined ? {} : { total }) });
  });

  return app;
}
