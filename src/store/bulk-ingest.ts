/**
 * Bulk ingest of a delimited text file by the database's own reader (DuckDB's `read_csv`), for a
 * backend that has a `delimitedTextLoader` and a source that is such a file
 * (`TableSource.delimitedText`) of at least `DSI_BULK_MIN_BYTES` (default 4 MiB; smaller files
 * take the row path, whose messages name the exact line of any problem).
 *
 * **The guarantee:** the table ends exactly as the row path (ingest.ts) would leave it: the same
 * sanitised names, the same types by the same rules (type-inference.ts, here as SQL over the
 * whole file: all integers → integer, numbers → float, anything else → text, empty and NaN →
 * NULL), the same widening of an existing table, rows in file order. The file goes into a
 * staging table of text columns, one query finds each column's type, and one INSERT … SELECT
 * converts and appends (in file order: the loader promises a plain SELECT of the staging table
 * gives its rows in that order), all in the caller's transaction.
 */
import fs from 'node:fs';
import { badInput } from '../errors.js';
import type { Backend, DelimitedTextLoader } from './backend.js';
import { definitionFor, redefine } from './catalog.js';
import type { TableSource } from './reader.js';
import type { Relations } from './relations.js';
import { type LogicalType, widen } from './types.js';

const DEFAULT_MIN_BYTES = 4 << 20;

function minBytes(): number {
  const v = Number(process.env['DSI_BULK_MIN_BYTES']);
  return process.env['DSI_BULK_MIN_BYTES'] !== undefined && Number.isFinite(v) && v >= 0 ? v : DEFAULT_MIN_BYTES;
}

/** The loader to bulk-ingest `source` with, or undefined when it takes the row path. */
export function bulkLoaderFor(backend: Backend, source: TableSource): DelimitedTextLoader | undefined {
  const loader = backend.delimitedTextLoader;
  if (loader === undefined || source.delimitedText === undefined || source.cells !== 'text') return undefined;
  let size: number;
  try {
    size = fs.statSync(source.file).size;
  } catch {
    return undefined;
  }
  if (size < minBytes()) return undefined;
  // The header must be the first line (a leading blank line would make it a data row there).
  const head = Buffer.alloc(4);
  const fd = fs.openSync(source.file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  const first = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head[3] : head[0];
  return first === 0x0a || first === 0x0d ? undefined : loader;
}

/** Ingest `source` into `table` (its sanitised `columns`) through `loader`, inside the caller's transaction. */
export async function bulkIngest(
  backend: Backend,
  loader: DelimitedTextLoader,
  source: TableSource,
  table: string,
  columns: readonly string[],
  relations: Relations,
): Promise<{ readonly table: string; readonly rows: number }> {
  const width = columns.length;
  const staged = await loader.load(source.file, source.delimitedText!.delimiter, width);
  const q = backend.dialect.quote;
  try {
    const kinds = await backend.select(
      `SELECT count(*) AS n, ${staged.columns.map((c, i) => `max(${loader.textKind(c)}) AS k${i}`).join(', ')} FROM ${staged.table}`,
    );
    const rows = Number(kinds[0]?.['n'] ?? 0);
    const inferred: (LogicalType | null)[] = columns.map((_, i) => {
      const k = Number(kinds[0]?.[`k${i}`] ?? 0);
      return k === 0 ? null : k === 1 ? 'integer' : k === 2 ? 'float' : 'text';
    });
    // The table as the row path would leave it: created, or new columns added and others widened.
    let tableName = table;
    const targets: string[] = [];
    const types: LogicalType[] = [];
    const existing = await backend.describeTable(table);
    if (!existing) {
      types.push(...inferred.map((t) => t ?? 'integer'));
      targets.push(...columns);
      await backend.createTable(definitionFor(table, columns.map((name, i) => ({ name, type: types[i]! })), relations));
    } else {
      tableName = existing.name;
      const widened = new Map<string, LogicalType>();
      for (let i = 0; i < width; i++) {
        const col = existing.columns.find((c) => c.name.toLowerCase() === columns[i]!.toLowerCase());
        const t = inferred[i] ?? null;
        if (!col) {
          await backend.addColumn(existing.name, columns[i]!, t ?? 'integer');
          targets.push(columns[i]!);
          types.push(t ?? 'integer');
          continue;
        }
        targets.push(col.name);
        const wide = t === null ? col.type : widen(col.type, t);
        if (wide !== col.type) widened.set(col.name.toLowerCase(), wide);
        types.push(wide);
      }
      if (widened.size > 0) {
        const info = await backend.describeTable(tableName);
        if (info) await backend.rebuildTable(redefine(info, widened, relations));
      }
    }
    try {
      await backend.execute(
        `INSERT INTO ${q(tableName)} (${targets.map(q).join(', ')}) SELECT ${staged.columns.map((c, i) => loader.fromText(c, types[i]!)).join(', ')} ` +
          `FROM ${staged.table}`,
      );
    } catch (e) {
      // A row the table's keys refuse (a duplicate primary key) is the input's fault.
      throw badInput(source.file, undefined, `${e instanceof Error ? e.message.split(' (in: ')[0] : String(e)} (table "${tableName}")`);
    }
    return { table: tableName, rows };
  } finally {
    if (backend.inTransaction) await loader.drop(staged.table).catch(() => undefined);
  }
}
