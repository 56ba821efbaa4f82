/**
 * The store's tables, rows, find, search, SQL, units and relations, read-only:
 *
 * - `GET /api/overview`: the store at a glance (tables with row and column counts, runs with
 *   their state), or the opened Cinema database;
 * - `GET /api/tables`: every table with its counts; `GET /api/relations`: the schema and its
 *   foreign keys (the ER diagram);
 * - `GET /api/tables/:table?offset&limit&sort&desc`: one page of a table (never the whole table)
 *   with its columns, types, units and keys;
 * - `GET /api/tables/:table/find?where=COND&offset&limit`: the find language over one table;
 * - `GET /api/search?q=TERM&limit`: search across tables (the first `limit` hits of each table);
 * - `POST /api/sql {sql, limit}` (or `GET /api/sql?q=&limit=`): a read-only query, as `dsi query`:
 *   a statement that would write is a 403 `E_READ_ONLY`.
 */
import { Hono } from 'hono';
import { isFileColumn } from '../../file-columns.js';
import { RunRegistry, runForDisplay } from '../../ml/index.js';
import type { Store } from '../../store/store.js';
import type { RunEntry, TableEntry } from '../api-types.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { badRequest, notFound } from '../http-errors.js';
import { jsonRows } from '../json-cells.js';
import { requiredText, switchParam, wholeNumberParam } from '../paging-params.js';
import { isCatalogTable, isRegistryTable, storeSchema } from '../store-schema.js';

export type { RunEntry, TableEntry };

/** The most rows one answer carries (a page, found rows, search hits, a query's result). */
export const MAX_ROWS = 5000;
const DEFAULT_PAGE = 50;
const DEFAULT_FOUND = 200;
const DEFAULT_QUERY = 500;
const DEFAULT_SEARCH = 50;

async function tableEntries(store: Store): Promise<TableEntry[]> {
  const out: TableEntry[] = [];
  for (const t of await store.list()) {
    const info = await store.describe(t.table);
    out.push({ table: t.table, rows: t.rows, columns: t.columns, registry: isRegistryTable(t.table), catalog: isCatalogTable(t.table), fileColumns: info.columns.map((c) => c.name).filter(isFileColumn) });
  }
  return out;
}

async function runEntries(store: Store): Promise<RunEntry[]> {
  const runs = await new RunRegistry(store).list();
  return runs.map((run) => {
    const r = runForDisplay(run);
    return {
      run_id: run.run_id,
      kind: run.kind,
      model: run.model,
      status: run.status,
      state: run.state,
      epochs_done: run.epochs_done,
      created_at: run.created_at,
      parent_run_id: typeof r['parent_run_id'] === 'string' ? r['parent_run_id'] : null,
    };
  });
}

/** The column names of `rows`, in the first row's order, then any later ones. */
export function columnsOf(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function storeRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();

  app.get('/overview', async (c) => {
    const cinema = ctx.cinema === undefined ? null : { folder: ctx.cinema.folder, rows: ctx.cinema.rows.length, columns: ctx.cinema.columns, fileColumns: ctx.cinema.columns.filter(isFileColumn) };
    if (ctx.store === undefined) return c.json({ store: null, cinema, tables: [], runs: [] });
    const store = ctx.store;
    return c.json({ store: store.location, cinema, tables: await tableEntries(store), runs: await runEntries(store) });
  });

  app.get('/tables', async (c) => c.json({ tables: await tableEntries(requireStore(ctx)) }));

  app.get('/relations', async (c) => c.json(await storeSchema(requireStore(ctx))));

  app.get('/tables/:table', async (c) => {
    const store = requireStore(ctx);
    const name = (await store.describe(c.req.param('table'))).name;
    const offset = wholeNumberParam('offset', c.req.query('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = wholeNumberParam('limit', c.req.query('limit'), DEFAULT_PAGE, 1, MAX_ROWS);
    const sort = c.req.query('sort');
    const descending = switchParam('desc', c.req.query('desc'));
    const schema = await storeSchema(store);
    // A table the store keeps to itself (dsi_ingested) can be described but is not one of the listed tables.
    const table = schema.tables.find((t) => t.name === name);
    if (table === undefined) throw notFound(`"${name}" is not one of the store's tables (GET /api/tables lists them)`, 'E_TABLE_MISSING');
    const { rows, total } = await store.page(name, { offset, limit, orderBy: sort === '' ? undefined : sort, descending });
    const referencedBy = schema.edges.filter((e) => e.refTable === name);
    return c.json({
      table: name,
      registry: table.registry,
      catalog: table.catalog,
      total,
      offset,
      limit,
      sort: sort === undefined || sort === '' ? null : sort,
      descending,
      columns: table.columns,
      referencedBy,
      rows: jsonRows(rows),
    });
  });

  app.get('/tables/:table/find', async (c) => {
    const store = requireStore(ctx);
    const name = (await store.describe(c.req.param('table'))).name;
    const where = requiredText('where', c.req.query('where'), "a find condition such as `label == 3`, `brightness > 40` or `split ~ 'tr'`");
    const offset = wholeNumberParam('offset', c.req.query('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = wholeNumberParam('limit', c.req.query('limit'), DEFAULT_FOUND, 1, MAX_ROWS);
    const { rows, total } = await store.findPage(where, { table: name, offset, limit });
    return c.json({ table: name, where, total, offset, limit, more: total > offset + limit, rows: jsonRows(rows) });
  });

  app.get('/search', async (c) => {
    const store = requireStore(ctx);
    const term = requiredText('q', c.req.query('q'), 'the text to search for in table names, column names and cells');
    const limit = wholeNumberParam('limit', c.req.query('limit'), DEFAULT_SEARCH, 1, MAX_ROWS);
    const result = await store.search(term);
    // The first `limit` rows of each table, so one large table does not hide the others' hits.
    const perTable: Record<string, number> = {};
    const rows = result.rows.filter((r) => (perTable[r.dsi_table_name] = (perTable[r.dsi_table_name] ?? 0) + 1) <= limit);
    return c.json({ term, tables: result.tables, columns: result.columns, totalRows: result.rows.length, rowsPerTable: perTable, limit, rows: jsonRows(rows) });
  });

  const runQuery = async (sql: unknown, limitValue: unknown): Promise<Record<string, unknown>> => {
    const store = requireStore(ctx);
    if (typeof sql !== 'string' || sql.trim() === '') throw badRequest('give the SQL to run: {"sql": "SELECT …", "limit": 500}');
    let limit = DEFAULT_QUERY;
    if (limitValue !== undefined && limitValue !== null) {
      if (typeof limitValue !== 'number' || !Number.isSafeInteger(limitValue) || limitValue < 1 || limitValue > MAX_ROWS) {
        throw badRequest(`limit must be a whole number from 1 to ${MAX_ROWS}, got ${JSON.stringify(limitValue)?.slice(0, 40)}`);
      }
      limit = limitValue;
    }
    const { rows, more } = await store.queryFirst(sql, limit);
    const columns = columnsOf(rows);
    return { sql, limit, more, columns, fileColumns: columns.filter(isFileColumn), rows: jsonRows(rows) };
  };

  app.post('/sql', async (c) => {
    const body: unknown = await c.req.json();
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('send a JSON object: {"sql": "SELECT …", "limit": 500}');
    const { sql, limit } = body as { sql?: unknown; limit?: unknown };
    return c.json(await runQuery(sql, limit));
  });

  app.get('/sql', async (c) => {
    const limit = c.req.query('limit');
    return c.json(await runQuery(c.req.query('q'), limit === undefined ? undefined : wholeNumberParam('limit', limit, DEFAULT_QUERY, 1, MAX_ROWS)));
  });

  return app;
}
