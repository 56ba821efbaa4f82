/**
 * Gallery rows from the store: a table, or a read-only query as the SQL box runs it. Nothing is
 * loaded whole: the facets are computed in SQL (one aggregate over the rows, then one GROUP BY per
 * column with few values), and rows come a page at a time with the filter applied in SQL, through
 * `store.queryFirst` over `SELECT * FROM (<rows>) AS dsi_gallery WHERE … LIMIT … OFFSET …`.
 * Column names are quoted with double quotes (embedded ones doubled), which SQLite, DuckDB and
 * PostgreSQL all accept; every value is a `?` parameter. A user query is first run alone, so a
 * statement that would write is refused as in the SQL box (`E_READ_ONLY`).
 */
import { isFileColumn } from '../file-columns.js';
import type { Store } from '../store/store.js';
import type { Cell, Row } from '../store/types.js';
import { badRequest } from './http-errors.js';
import { jsonCell, jsonRows } from './json-cells.js';
import { NUMERIC_CHOICE_MAX, TEXT_CHOICE_MAX, type Facet, type GalleryColumn, type GalleryFilter, type GalleryPage, type GallerySource } from './gallery-source.js';

/** `name` as a double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** How many rows of a query decide whether a column is numeric. */
const SAMPLE_ROWS = 200;

/** `sql` without trailing semicolons and blanks, so it can stand inside a subquery. */
function asSubquery(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** The WHERE clause (with its leading ` WHERE`, or nothing) and parameters of `filter`. */
export function filterSql(filter: GalleryFilter): { where: string; params: Cell[] } {
  const parts: string[] = [];
  const params: Cell[] = [];
  for (const term of filter) {
    const column = quoteIdentifier(term.column);
    if (term.kind === 'range') {
      if (term.min !== undefined) {
        parts.push(`${column} >= ?`);
        params.push(term.min);
      }
      if (term.max !== undefined) {
        parts.push(`${column} <= ?`);
        params.push(term.max);
      }
      continue;
    }
    const values = term.values.filter((v) => v !== null);
    const withNull = values.length < term.values.length;
    const inList = values.length === 0 ? '' : `${column} IN (${values.map(() => '?').join(', ')})`;
    params.push(...values);
    if (inList === '' && !withNull) parts.push('1 = 0');
    else if (!withNull) parts.push(inList);
    else parts.push(inList === '' ? `${column} IS NULL` : `(${inList} OR ${column} IS NULL)`);
  }
  return { where: parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`, params };
}

export class SqlGallerySource implements GallerySource {
  readonly files = 'store' as const;
  readonly label: string;
  readonly #store: Store;
  readonly #rows: string;
  readonly #columns: readonly GalleryColumn[];

  private constructor(store: Store, label: string, rows: string, columns: readonly GalleryColumn[]) {
    this.#store = store;
    this.label = label;
    this.#rows = rows;
    this.#columns = Object.freeze(columns);
  }

  /** The rows of `table`, in insertion order (an unknown table is `E_TABLE_MISSING`). */
  static async ofTable(store: Store, table: string): Promise<SqlGallerySource> {
    const info = await store.describe(table);
    const rows = await store.tableQuery(info.name);
    return new SqlGallerySource(store, `table ${info.name}`, rows, info.columns.map((c) => ({ name: c.name, numeric: c.type !== 'text' })));
  }

  /** The rows of read-only `sql`; its columns' kinds are judged from its first rows. */
  static async ofQuery(store: Store, sql: string): Promise<SqlGallerySource> {
    if (sql.trim() === '') throw badRequest('give the query whose rows the gallery shows: sql=SELECT …');
    const rows = asSubquery(sql);
    const sample = (await store.queryFirst(rows, SAMPLE_ROWS)).rows;
    const names = sample.length === 0 ? [] : Object.keys(sample[0]!);
    const numeric = (name: string): boolean => {
      const values = sample.map((r) => r[name]).filter((v) => v !== null && v !== undefined);
      return values.length > 0 && values.every((v) => typeof v === 'number' || typeof v === 'bigint');
    };
    return new SqlGallerySource(store, 'query', rows, names.map((name) => ({ name, numeric: numeric(name) })));
  }

  async columns(): Promise<readonly GalleryColumn[]> {
    return this.#columns;
  }

  #from(): string {
    return `FROM (\n${this.#rows}\n) AS dsi_gallery`;
  }

  async facets(): Promise<{ total: number; facets: Facet[] }> {
    const columns = this.#columns.filter((c) => !isFileColumn(c.name));
    const parts = ['count(*) AS "n"'];
    columns.forEach((c, i) => {
      const q = quoteIdentifier(c.name);
      parts.push(`count(DISTINCT ${q}) AS "d${i}"`);
      if (c.numeric) parts.push(`min(${q}) AS "lo${i}"`, `max(${q}) AS "hi${i}"`);
    });
    const [aggregate] = (await this.#store.queryFirst(`SELECT ${parts.join(', ')} ${this.#from()}`, 1)).rows as [Row];
    const total = Number(aggregate['n'] ?? 0);
    const facets: Facet[] = [];
    for (const [i, c] of columns.entries()) {
      const distinct = Number(aggregate[`d${i}`] ?? 0);
      if (distinct > 0 && distinct <= (c.numeric ? NUMERIC_CHOICE_MAX : TEXT_CHOICE_MAX)) {
        const q = quoteIdentifier(c.name);
        const grouped = await this.#store.queryFirst(`SELECT ${q} AS "value", count(*) AS "n" ${this.#from()} GROUP BY ${q} ORDER BY ${q}`, TEXT_CHOICE_MAX + 1);
        facets.push({ column: c.name, kind: 'choice', values: grouped.rows.map((r) => ({ value: jsonCell(r['value'] ?? null), count: Number(r['n']) })) });
      } else if (c.numeric && distinct > 0) {
        const lo = aggregate[`lo${i}`] ?? null;
        const hi = aggregate[`hi${i}`] ?? null;
        const whole = (v: Cell): boolean => v === null || typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
        facets.push({ column: c.name, kind: 'range', min: jsonCell(lo), max: jsonCell(hi), integer: whole(lo) && whole(hi) && (await this.#allWhole(c.name)), distinct });
      } else facets.push({ column: c.name, kind: 'none', distinct });
    }
    return { total, facets };
  }

  /** Whether every value of numeric column `name` is a whole number. */
  async #allWhole(name: string): Promise<boolean> {
    const q = quoteIdentifier(name);
    const hit = await this.#store.queryFirst(`SELECT 1 AS "x" ${this.#from()} WHERE ${q} IS NOT NULL AND ${q} <> CAST(${q} AS INTEGER)`, 1);
    return hit.rows.length === 0;
  }

  async page(filter: GalleryFilter, offset: number, limit: number): Promise<GalleryPage> {
    const { where, params } = filterSql(filter);
    const { rows, more } = await this.#store.queryFirst(`SELECT * ${this.#from()}${where} LIMIT ${limit + 1} OFFSET ${offset}`, limit, params);
    return { rows: jsonRows(rows), more };
  }

  async count(filter: GalleryFilter): Promise<number> {
    const { where, params } = filterSql(filter);
    const { rows } = await this.#store.queryFirst(`SELECT count(*) AS "n" ${this.#from()}${where}`, 1, params);
    return Number(rows[0]?.['n'] ?? 0);
  }
}
