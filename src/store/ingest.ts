/**
 * Where a reader's rows become table rows. One `ingestSource` call takes one table source:
 * it infers column types from the first rows, creates the table or adds and widens columns,
 * then streams the rest in, widening a column when a later value needs it. The caller holds the
 * transaction; this file never commits.
 *
 * Widening integer → float, or any type → text for a column with no values yet, rebuilds the
 * table in place. Widening to text a column whose earlier cells in this file were already turned
 * into numbers would lose their spelling (`007` → 7), so that one case rolls back to the source's
 * savepoint, scans the whole source for its types, and reads it again.
 */
import { StoreError, badInput } from '../errors.js';
import type { RawCell, TableSource } from './reader.js';
import { type Backend, type RowInserter, RowRejected } from './backend.js';
import { bulkIngest, bulkLoaderFor } from './bulk-ingest.js';
import { definitionFor, redefine } from './catalog.js';
import { sanitizeColumns, sanitizeTableName } from './identifiers.js';
import type { Relations } from './relations.js';
import { isStoreTable } from './reserved-tables.js';
import { classifyText, classifyTyped, convertColumn, inferColumnType } from './type-inference.js';
import { type Cell, type LogicalType, widen } from './types.js';

/** Rows looked at before the table's types are decided. */
const INFERENCE_ROWS = 20_000;

class NeedsFullScan extends Error {}

export interface IngestResult {
  readonly table: string;
  readonly rows: number;
}

/** The line of a source's header, or undefined (sources without a header say nothing). */
async function headerLine(source: TableSource): Promise<number | undefined> {
  const first = await source.lineOfRow(0);
  return source.cells === 'text' ? Math.max(1, (first ?? 2) - 1) : undefined;
}

type CellKinds = readonly ('text' | 'typed')[] | undefined;
type ColumnConsumer = (columns: RawCell[][], rows: number, kinds: CellKinds) => void | Promise<void>;

/**
 * A source's rows as fresh column batches: its own column batches when it has them (and
 * `asWritten` is false), else its rows transposed.
 */
function eachColumnBatch(source: TableSource, width: number, consume: ColumnConsumer, asWritten = false): Promise<void> {
  if (source.forEachColumnBatch && !asWritten) return source.forEachColumnBatch((columns, rows, kinds) => consume(columns, rows, kinds));
  return source.forEachBatch((rows) => {
    const columns: RawCell[][] = Array.from({ length: width }, () => new Array<RawCell>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < width; c++) columns[c]![r] = row[c] ?? null;
    }
    return consume(columns, rows.length, undefined);
  });
}

/**
 * Ingest one table source inside the caller's transaction; `bulk: false` keeps it off the
 * database's own loader (bulk-ingest.ts).
 */
export async function ingestSource(backend: Backend, source: TableSource, relations: Relations, options: { readonly bulk?: boolean } = {}): Promise<IngestResult> {
  const table = sanitizeTableName(source.table, source.file);
  if (table === '') throw new StoreError('E_BAD_INPUT', (o) => `${source.file}: the table name is empty; give one with ${o('table')}`, { file: source.file });
  // Tables readers may not write: the store's own and the database's.
  if (isStoreTable(table) || backend.isInternalTable(table)) {
    throw new StoreError('E_BAD_INPUT', (o) => `${source.file}: "${table}" is a name the store keeps for itself (dsi_*, ml_*, or the database's own); choose another with ${o('table')}`, { file: source.file });
  }
  let columns: string[];
  try {
    columns = sanitizeColumns(source.columns, source.file, undefined);
  } catch {
    // Only now is the header's line worth finding (for CSV it means parsing the file again).
    columns = sanitizeColumns(source.columns, source.file, await headerLine(source));
  }
  if (columns.length === 0) throw badInput(source.file, undefined, `no columns for table "${table}"`);
  // ── Bulk path: the database loads the file itself (bulk-ingest.ts). ──
  const loader = options.bulk === false ? undefined : bulkLoaderFor(backend, source);
  if (loader !== undefined) return bulkIngest(backend, loader, source, table, columns, relations);
  // ── Without savepoints (DuckDB) nothing can be undone halfway: scan the types first. ──
  if (!backend.capabilities.supportsSavepoints) return attempt(backend, source, table, columns, relations, await scanTypes(source, columns));
  const savepoint = 'dsi_ingest_source';
  await backend.savepoint(savepoint);
  try {
    try {
      return await attempt(backend, source, table, columns, relations, undefined);
    } catch (e) {
      if (!(e instanceof NeedsFullScan)) throw e;
      await backend.rollbackToSavepoint(savepoint);
      return await attempt(backend, source, table, columns, relations, await scanTypes(source, columns));
    }
  } finally {
    if (backend.inTransaction) await backend.releaseSavepoint(savepoint);
  }
}

/**
 * Run `fn`; a statement the backend refuses (`E_SQL`: more columns than it allows, say) is
 * reported naming the file whose table it was for.
 */
async function namingFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreError && e.code === 'E_SQL' && e.file === undefined) throw new StoreError('E_SQL', `${file}: ${e.message}`, { file, cause: e });
    throw e;
  }
}

/** The types of a whole source, read once through. */
async function scanTypes(source: TableSource, columns: readonly string[]): Promise<LogicalType[]> {
  const types: (LogicalType | null)[] = columns.map(() => null);
  await eachColumnBatch(source, columns.length, (batch, _rows, kinds) => {
    for (let c = 0; c < columns.length; c++) types[c] = inferColumnType(batch[c]!, kinds?.[c] ?? source.cells, types[c] ?? null);
  });
  return types.map((t) => t ?? 'integer');
}

async function attempt(
  backend: Backend,
  source: TableSource,
  table: string,
  columns: readonly string[],
  relations: Relations,
  knownTypes: readonly LogicalType[] | undefined,
): Promise<IngestResult> {
  const width = columns.length;
  const classify = (v: RawCell, kind: 'text' | 'typed') => (kind === 'typed' ? classifyTyped(v) : v === null ? null : classifyText(v as string));
  let buffered: { columns: RawCell[][]; rows: number; kinds: CellKinds }[] | undefined = [];
  let bufferedRows = 0;
  let types: LogicalType[] = [];
  let tableName = table;
  let targetColumns: string[] = [];
  let inserter: RowInserter | undefined;
  /** Columns whose cells this attempt has already turned into numbers. */
  const hasNumbers = new Array<boolean>(width).fill(false);
  let rowsDone = 0;

  /** Decide types from the first batches, create or adapt the table, open the inserter. */
  const start = async (batches: readonly { columns: RawCell[][]; kinds: CellKinds }[]) => {
    let inferred: (LogicalType | null)[];
    if (knownTypes) inferred = [...knownTypes];
    else {
      inferred = columns.map(() => null);
      for (const b of batches) {
        for (let c = 0; c < width; c++) inferred[c] = inferColumnType(b.columns[c]!, b.kinds?.[c] ?? source.cells, inferred[c] ?? null);
      }
    }
    const existing = await backend.describeTable(table);
    if (!existing) {
      types = inferred.map((t) => t ?? 'integer');
      await namingFile(source.file, () => backend.createTable(definitionFor(table, columns.map((name, i) => ({ name, type: types[i]! })), relations)));
      targetColumns = [...columns];
    } else {
      tableName = existing.name;
      const widened = new Map<string, LogicalType>();
      targetColumns = [];
      types = [];
      for (let i = 0; i < width; i++) {
        const col = existing.columns.find((c) => c.name.toLowerCase() === columns[i]!.toLowerCase());
        const t = inferred[i] ?? null;
        if (!col) {
          await namingFile(source.file, () => backend.addColumn(existing.name, columns[i]!, t ?? 'integer'));
          targetColumns.push(columns[i]!);
          types.push(t ?? 'integer');
          continue;
        }
        targetColumns.push(col.name);
        const wide = t === null ? col.type : widen(col.type, t);
        if (wide !== col.type) widened.set(col.name.toLowerCase(), wide);
        types.push(wide);
      }
      if (widened.size > 0) await rebuildWith(widened);
    }
    inserter = await backend.openInserter(tableName, targetColumns);
  };

  const rebuildWith = async (changes: ReadonlyMap<string, LogicalType>) => {
    const info = await backend.describeTable(tableName);
    if (!info) throw new StoreError('E_TABLE_MISSING', `table ${tableName} vanished during the read`);
    await backend.rebuildTable(redefine(info, changes, relations));
  };

  const insert = async (batch: RawCell[][], rows: number, kinds: CellKinds): Promise<void> => {
    const changes = new Map<string, LogicalType>();
    for (let c = 0; c < width; c++) {
      const column = batch[c]!;
      const kind = kinds?.[c] ?? source.cells;
      // Numbers a text source parsed itself, for a TEXT column: their spelling is gone, so read
      // the source again as written (rare: numbers appended to a text column).
      if (kind !== source.cells && types[c] === 'text') throw new NeedsFullScan();
      let result = convertColumn(column, types[c]!, kind);
      let numbers = result.numbers;
      while (result.misfit >= 0) {
        // A value needs a wider column. Cells already turned into numbers stay valid for FLOAT;
        // for TEXT they would lose their spelling, so then the whole source is read again.
        const wide = widen(types[c]!, classify(column[result.misfit] ?? null, kind) ?? 'text');
        if (wide === 'text' && (hasNumbers[c] || numbers)) throw new NeedsFullScan();
        types[c] = wide;
        changes.set(targetColumns[c]!.toLowerCase(), wide);
        result = convertColumn(column, wide, kind, result.misfit);
        numbers ||= result.numbers;
      }
      if (numbers) hasNumbers[c] = true;
    }
    if (changes.size > 0) {
      // The table holds only earlier batches: widen it before this batch goes in.
      await rebuildWith(changes);
      inserter = await backend.openInserter(tableName, targetColumns);
    }
    try {
      await inserter!.insertColumns(batch as Cell[][], rows);
    } catch (e) {
      // A row the table's keys refuse (a duplicate primary key, say) is the input's fault: name
      // its line. Anything else is the store's problem and keeps its own error.
      if (!(e instanceof RowRejected)) throw e;
      const row = rowsDone + e.row;
      throw badInput(source.file, await source.lineOfRow(row), `${e.reason} (table "${tableName}", data row ${row + 1})`);
    }
    rowsDone += rows;
  };

  const drain = async () => {
    const pending = buffered!;
    buffered = undefined;
    await start(pending);
    for (const b of pending) await insert(b.columns, b.rows, b.kinds);
  };

  await eachColumnBatch(
    source,
    width,
    async (batch, rows, kinds) => {
      if (buffered) {
        buffered.push({ columns: batch, rows, kinds });
        bufferedRows += rows;
        if (bufferedRows >= INFERENCE_ROWS) await drain();
        return;
      }
      await insert(batch, rows, kinds);
    },
    knownTypes !== undefined,
  );
  if (buffered) await drain();
  return { table: tableName, rows: rowsDone };
}
