/**
 * Bulk ingest of a delimited text file by the database's own reader (DuckDB's `read_csv`), for a
 * backend that has a `delimitedTextLoader` and a source that is such a file
 * (`TableSource.delimitedText`) of at least `DSI_BULK_MIN_BYTES` (default 64 KiB; below that the
 * database's fixed cost of two scans outweighs what it saves, and the row path is as fast).
 *
 * **The guarantee:** the table ends exactly as the row path (ingest.ts) would leave it: the same
 * sanitised names, the same types by the same rules (type-inference.ts, here as SQL over the
 * whole file: all integers → integer, numbers → float, anything else → text, empty and NaN →
 * NULL), the same widening of an existing table, rows in file order. The database reads the file
 * twice and holds none of it as text: one aggregate query over the scan finds each column's type,
 * and one INSERT … SELECT over a second scan converts and appends (in file order: the loader
 * promises a plain SELECT of its scan gives rows in that order), all in the caller's transaction.
 * A file that changes between the two scans (its size, time or row count) is refused, so the
 * types always describe the rows inserted.
 *
 * The database's reader names a record, not always the exact line, and a duplicate key not at
 * all: an input it refuses is marked ({@link failedInBulk}) so that the store rolls back and
 * reads the file again by the row path, whose message names the line, or which accepts what the
 * stricter reader would not.
 */
import fs from 'node:fs';
import { StoreError, badInput } from '../errors.js';
import type { Backend, DelimitedTextLoader } from './backend.js';
import { definitionFor, redefine } from './catalog.js';
import type { TableSource } from './reader.js';
import type { Relations } from './relations.js';
import { type LogicalType, widen } from './types.js';

const DEFAULT_MIN_BYTES = 64 << 10;

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

const bulkFailures = new WeakSet<object>();

/** Whether `e` is an input the bulk path refused (the row path may name it better, or accept it). */
export function failedInBulk(e: unknown): boolean {
  return typeof e === 'object' && e !== null && bulkFailures.has(e);
}

function marked<E>(e: E): E {
  if (e instanceof StoreError && e.code === 'E_BAD_INPUT') bulkFailures.add(e);
  return e;
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
  const file = source.file;
  const scan = loader.scan(file, source.delimitedText!.delimiter, width);
  const q = backend.dialect.quote;
  const asFileError = (e: unknown): unknown => marked(loader.fileError(e, file) ?? e);
  const before = fileState(file);
  const kinds = await backend
    .select(`SELECT count(*) AS n, ${scan.columns.map((c, i) => `max(${loader.textKind(c)}) AS k${i}`).join(', ')} FROM ${scan.from}`)
    .catch((e: unknown) => {
      throw asFileError(e);
    });
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
  let inserted: number;
  try {
    inserted = await backend.execute(
      `INSERT INTO ${q(tableName)} (${targets.map(q).join(', ')}) SELECT ${scan.columns.map((c, i) => loader.fromText(c, types[i]!)).join(', ')} ` +
        `FROM ${scan.from}`,
    );
  } catch (e) {
    const fromFile = loader.fileError(e, file);
    if (fromFile !== undefined) throw marked(fromFile);
    // A row the table's keys refuse (a duplicate primary key) is the input's fault.
    throw marked(badInput(file, undefined, `${e instanceof Error ? e.message.split(' (in: ')[0] : String(e)} (table "${tableName}")`));
  }
  const after = fileState(file);
  if (after !== before || inserted !== rows) {
    throw new StoreError('E_FILE', `${file} changed while it was being read (${rows} rows, then ${inserted}); read it again once it is complete`, { file });
  }
  return { table: tableName, rows };
}

/** Size, modification time and inode of `file`, as one comparable string. */
function fileState(file: string): string {
  const st = fs.statSync(file, { bigint: true });
  return `${st.size}:${st.mtimeNs}:${st.ino}`;
}
