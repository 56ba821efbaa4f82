/**
 * Parquet out: a table or a query's rows as one `.parquet` file, written by DuckDB's `COPY … TO`
 * (zstd-compressed) from an in-memory DuckDB, so it works whatever the store's backend. Column
 * types follow the values: whole numbers → INT64 (bigint beyond 2^53 kept exactly), other numbers
 * → DOUBLE, anything else → text; a column widens as later rows need. Written to a temporary file
 * and renamed (src/atomic-write.ts), so a failed export leaves no half file; it never replaces
 * the store, its data folder, or a file the rows reference (output-guard.ts).
 */
import fs from 'node:fs';
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBType } from '@duckdb/node-api';

/** DuckDB's client, loaded when a Parquet file is written (its native library is large). */
type DuckdbModule = typeof import('@duckdb/node-api');
import { beginAtomicFileSync } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Cell, Row } from '../store/types.js';
import type { WriteContext, Writer } from '../store/writer.js';
import { OutputGuard, isFileColumn } from './output-guard.js';
import { checkWriterOptions } from './writer-options.js';

type ColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR';
const RANK: Record<ColumnType, number> = { BIGINT: 0, DOUBLE: 1, VARCHAR: 2 };
/** Rows per INSERT statement into the staging table. */
const ROWS_PER_STATEMENT = 256;

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

function typeOf(v: Cell): ColumnType | undefined {
  if (v === null) return undefined;
  if (typeof v === 'bigint') return 'BIGINT';
  if (typeof v === 'number') return Number.isInteger(v) && Number.isSafeInteger(v) ? 'BIGINT' : 'DOUBLE';
  return 'VARCHAR';
}

/** Insert `rows` into the staging table, through prepared multi-row statements kept per size. */
async function insertRows(duckdb: DuckdbModule, connection: DuckDBConnection, statements: Map<number, DuckDBPreparedStatement>, columns: readonly string[], types: readonly ColumnType[], rows: readonly Row[]): Promise<void> {
  const { BIGINT, DOUBLE, VARCHAR, SQLNULL } = duckdb;
  const duckdbTypes: Record<ColumnType, DuckDBType> = { BIGINT, DOUBLE, VARCHAR };
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, rows.length - i);
    let stmt = statements.get(n);
    if (stmt === undefined) {
      stmt = await connection.prepare(`INSERT INTO staging VALUES ${Array.from({ length: n }, () => tuple).join(', ')}`);
      statements.set(n, stmt);
    }
    const params: Cell[] = [];
    const bound: DuckDBType[] = [];
    for (let r = i; r < i + n; r++) {
      columns.forEach((c, k) => {
        const v = rows[r]![c] ?? null;
        // Bound as the column's type: the driver's own guess makes 1e20 a BIGINT that overflows.
        params.push(v !== null && types[k] === 'VARCHAR' && typeof v !== 'string' ? String(v) : v);
        bound.push(v === null ? SQLNULL : duckdbTypes[types[k]!]);
      });
    }
    stmt.bind(params, bound);
    await stmt.run();
  }
}

export const parquetWriter: Writer = {
  name: 'parquet',
  extensions: ['.parquet', '.pq'],
  description: 'Parquet file (one table, column types from the values)',
  options: {},
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    checkWriterOptions(parquetWriter, context?.options);
    const guard = new OutputGuard(file, context);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `${file}: is a folder, not a file`);
    const fileColumns = columns.filter(isFileColumn);
    const duckdb = await import('@duckdb/node-api');
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const statements = new Map<number, DuckDBPreparedStatement>();
    const target = beginAtomicFileSync(file);
    let rows = 0;
    try {
      const types: ColumnType[] = columns.map(() => 'BIGINT');
      await connection.run(`CREATE TABLE staging (${columns.map((c) => `${quote(c)} BIGINT`).join(', ') || 'dsi_empty BIGINT'})`);
      for await (const batch of batches) {
        for (let c = 0; c < columns.length; c++) {
          let wide = types[c]!;
          for (const row of batch) {
            const t = typeOf(row[columns[c]!] ?? null);
            if (t !== undefined && RANK[t] > RANK[wide]) wide = t;
          }
          if (wide !== types[c]) {
            types[c] = wide;
            for (const s of statements.values()) s.destroySync();
            statements.clear();
            await connection.run(`ALTER TABLE staging ALTER ${quote(columns[c]!)} TYPE ${wide}`);
          }
        }
        batch.forEach((r, i) => {
          for (const c of fileColumns) if (typeof r[c] === 'string') guard.noteFile(r[c], rows + i + 1, c);
        });
        await insertRows(duckdb, connection, statements, columns, types, batch);
        rows += batch.length;
      }
      await connection.run(`COPY (SELECT * FROM staging ORDER BY rowid) TO '${target.temp.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`);
      await guard.beforeReplace();
      target.commit();
    } catch (e) {
      target.abort();
      throw e instanceof StoreError ? e : new StoreError('E_FILE', `cannot write ${file}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, { file, cause: e });
    } finally {
      for (const s of statements.values()) s.destroySync();
      connection.closeSync();
      instance.closeSync();
    }
    return { rows };
  },
};
