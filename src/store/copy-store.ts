/**
 * Copy a whole store into another, on any backend (Python DSI's `process`): every table, the
 * store's own (`dsi_units`, `dsi_relations`, `dsi_ingested`, the `ml_` run registry) as ordinary
 * tables, each with its logical column types (named as the target's backend names them), its
 * primary key, the unique columns other tables reference, its foreign keys and its rows in
 * insertion order. Integers beyond 2^53 are copied exactly.
 *
 * The caller holds the target's transaction (so the copy is all or nothing there) and checks the
 * foreign keys of the tables reported as touched before committing; the source is only read.
 * Files in the source's data folder are not copied: they stay where they are.
 */
import { StoreError } from '../errors.js';
import { type Backend, RowRejected } from './backend.js';
import type { ForeignKey, TableInfo } from './types.js';

export interface CopyStoreOptions {
  /**
   * Replace the tables a target store already has. Without it a target that holds any table is
   * refused with `E_BAD_ARGUMENT` before anything is written.
   */
  readonly replace?: boolean;
}

export interface CopyStoreResult {
  /** Each table copied, in the order it was created, with its row count. */
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
}

/** Rows read and written per batch. */
const BATCH_ROWS = 5000;

const lower = (s: string) => s.toLowerCase();

/** Columns of each table that other tables reference without their being its primary key. */
function referencedColumns(infos: readonly TableInfo[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const child of infos) {
    for (const fk of child.foreignKeys) {
      const parent = infos.find((i) => lower(i.name) === lower(fk.refTable));
      const column = parent?.columns.find((c) => lower(c.name) === lower(fk.refColumn));
      if (!parent || !column || column.primaryKey) continue;
      const list = out.get(lower(parent.name)) ?? [];
      if (!list.includes(column.name)) list.push(column.name);
      out.set(lower(parent.name), list);
    }
  }
  return out;
}

/**
 * Copy every table of `from` into `to` inside the caller's transaction on `to`; the names of the
 * tables written are added to `touched` (the caller checks their foreign keys before commit).
 */
export async function copyStoreTables(from: Backend, to: Backend, options: CopyStoreOptions, touched: Set<string>): Promise<CopyStoreResult> {
  const names = await from.listTables();
  for (const name of names) {
    if (to.isInternalTable(name)) {
      throw new StoreError('E_BAD_ARGUMENT', `table "${name}" of ${from.location} has a name the target's database keeps for itself; rename it before copying`);
    }
  }
  const existing = await to.listTables();
  if (existing.length > 0) {
    if (!options.replace) {
      const shown = existing.slice(0, 5).join(', ') + (existing.length > 5 ? ` and ${existing.length - 5} more` : '');
      throw new StoreError('E_BAD_ARGUMENT', (o) => `the target store ${to.location} already has tables (${shown}); give ${o('replace')} to replace them`);
    }
    // Children first, so no table is dropped while another still references it.
    for (const name of [...existing].reverse()) await to.dropTable(name);
  }
  const infos: TableInfo[] = [];
  for (const name of names) {
    const info = await from.describeTable(name);
    if (info) infos.push(info);
  }
  const unique = referencedColumns(infos);
  const tables: { table: string; rows: number }[] = [];
  const definitionOf = (info: TableInfo, foreignKeys: readonly ForeignKey[]) => ({
    name: info.name,
    columns: info.columns.map((c) => ({ name: c.name, type: c.type })),
    primaryKey: info.columns.find((c) => c.primaryKey)?.name,
    foreignKeys,
    uniqueColumns: unique.get(lower(info.name)) ?? [],
  });
  // The source's creation order, so the copy lists its tables as the source does. A table may
  // reference one created after it (or tables may reference each other in a circle): backends
  // check foreign keys when the transaction commits, and one that needs the referenced table to
  // exist first (PostgreSQL) adds the key when that table is created.
  for (const info of infos) {
    await to.createTable(definitionOf(info, info.foreignKeys));
    touched.add(info.name);
    tables.push({ table: info.name, rows: await copyRows(from, to, info) });
  }
  return { tables };
}

/** The rows of `info` from `from` into the table of that name in `to`, in insertion order. */
async function copyRows(from: Backend, to: Backend, info: TableInfo): Promise<number> {
  const columns = info.columns.map((c) => c.name);
  if (columns.length === 0) return 0;
  const q = from.dialect.quote;
  const sql = `SELECT ${columns.map(q).join(', ')} FROM ${q(info.name)} ORDER BY ${from.dialect.insertionOrder}`;
  const inserter = await to.openInserter(info.name, columns);
  let done = 0;
  for await (const batch of from.iterateReadOnly(sql, [], BATCH_ROWS)) {
    try {
      await inserter.insert(batch.map((row) => columns.map((c) => row[c] ?? null)));
    } catch (e) {
      if (!(e instanceof RowRejected)) throw e;
      throw new StoreError('E_BAD_INPUT', `${from.location}: table "${info.name}" row ${done + e.row + 1} cannot be copied: ${e.reason}`);
    }
    done += batch.length;
  }
  return done;
}
