/**
 * The `parquet` reader: one Parquet file (`.parquet`, `.pq`) as one table, read through an
 * in-memory DuckDB, so it works whatever the store's backend. Column types map to the store's:
 * integer and boolean columns → integers, floating and decimal columns → floats (a whole 2.0
 * stays a float), text, dates, times and UUIDs → text. A nested or binary column (list, struct,
 * map, blob…) has no cell to go into: the read is refused, naming the file and the column.
 */
import { StoreError, badInput } from '../errors.js';
import { defaultTableName } from './document-tables.js';
import { FloatCell, type RawCell, type Reader, type TableSource } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { checkOptionNames } from './text-decoding.js';

type Kind = 'integer' | 'float' | 'text';

/** The store's kind of a Parquet column as DuckDB types it, or undefined for one with no cell to go into. */
function kindOf(type: string): Kind | undefined {
  const t = type.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|BOOLEAN)$/.test(t)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(t)) return 'float';
  if (/^(VARCHAR|DATE|TIME|TIMESTAMP|UUID|INTERVAL|ENUM)/.test(t)) return 'text';
  return undefined;
}

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** Run `fn` with a connection to a fresh in-memory DuckDB, closed afterwards. */
async function withDuckdb<T>(fn: (run: (sql: string) => Promise<{ names: string[]; rows: unknown[][] }>) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api'); // DuckDB's native client: only when a Parquet file is read
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await fn(async (sql) => {
      const reader = await connection.runAndReadAll(sql);
      return { names: reader.columnNames(), rows: reader.getRowsJS() as unknown[][] };
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function cell(value: unknown, kind: Kind): RawCell {
  if (value === null || value === undefined) return null;
  if (kind === 'float') return new FloatCell(Number(value));
  if (kind === 'integer') return typeof value === 'boolean' ? (value ? 1 : 0) : (value as number | bigint);
  return String(value);
}

export const parquetReader: Reader = {
  name: 'parquet',
  extensions: ['.parquet', '.pq'],
  description: 'Parquet file: one table, column types kept (nested columns are refused)',
  async read(file, context) {
    checkOptionNames(context.options, 'parquet', []);
    const source = `read_parquet(${sqlText(file)})`;
    const columns = await withDuckdb(async (run) => {
      let described;
      try {
        described = await run(`DESCRIBE SELECT * FROM ${source}`);
      } catch (e) {
        throw badInput(file, undefined, `not a Parquet file DuckDB can read (${message(e)})`);
      }
      return described.rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    });
    const kinds = columns.map((c) => {
      const kind = kindOf(c.type);
      if (kind === undefined) {
        throw new StoreError('E_BAD_INPUT', `${file}: column "${snippet(c.name)}" has the Parquet type ${c.type}, which no table cell holds (only numbers, text, booleans, dates and times are read)`, { file });
      }
      return kind;
    });
    const select = columns.map((c, i) => (kinds[i] === 'text' ? `CAST(${quote(c.name)} AS VARCHAR)` : quote(c.name))).join(', ');
    const table: TableSource = {
      table: defaultTableName(file, context),
      columns: columns.map((c) => c.name),
      cells: 'typed',
      file,
      async forEachBatch(consume) {
        const { DuckDBInstance, JSDuckDBValueConverter } = await import('@duckdb/node-api');
        const instance = await DuckDBInstance.create(':memory:');
        const connection = await instance.connect();
        try {
          // Streamed in DuckDB's chunks, in the file's row order.
          const result = await connection.stream(`SELECT ${select} FROM ${source}`);
          for (;;) {
            const chunk = await result.fetchChunk();
            if (!chunk || chunk.rowCount === 0) break;
            await consume((chunk.convertRows(JSDuckDBValueConverter) as unknown[][]).map((r) => r.map((v, c) => cell(v, kinds[c]!))));
          }
        } catch (e) {
          throw e instanceof StoreError ? e : badInput(file, undefined, message(e));
        } finally {
          connection.closeSync();
          instance.closeSync();
        }
      },
      lineOfRow: async () => undefined,
    };
    return { tables: [table], units: [] };
  },
};
