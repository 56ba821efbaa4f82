/**
 * Write access to the tables the library's own workflows keep in a store (the `ml_` tables of the
 * run registry, the file index `filesystem`). Users' `update` refuses these tables; the workflows
 * change them only through this interface, so every change is one transaction and no other table
 * can be touched by it, with one narrow exception: a moved file's path may be replaced in the
 * `FILE…` columns of any table ({@link ManagedTransaction.replaceFilePath}), in the same
 * transaction as the index, so the rows and the files never disagree.
 *
 * ```ts
 * await store.managedTables().transaction(async (tx) => {
 *   await tx.ensure(ML_RUNS);
 *   await tx.insert('ml_runs', [{ run_id: 'r1', status: 'running' }]);
 * });
 * ```
 */
import { StoreError } from '../errors.js';
import type { Backend } from './backend.js';
import { isFileColumn } from '../file-columns.js';
import { FILE_INDEX_TABLE, MANAGED_PREFIX, isManagedTable } from './reserved-tables.js';
import type { Cell, LogicalType, Row } from './types.js';

/** What a managed table looks like: created when missing, missing columns added. */
export interface ManagedTableDefinition {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: LogicalType }[];
  readonly primaryKey?: string;
}

/** The operations of one transaction over managed tables. */
export interface ManagedTransaction {
  /** Create the table when it is missing, and add any of its columns that are missing. */
  ensure(definition: ManagedTableDefinition): Promise<void>;
  /** Add a column to a managed table when it is missing (conditioning columns of predictions). */
  ensureColumn(table: string, column: string, type: LogicalType): Promise<void>;
  insert(table: string, rows: readonly Row[]): Promise<void>;
  /** Set `values` on the rows whose columns equal `where`; returns how many changed. */
  update(table: string, values: Row, where: Row): Promise<number>;
  /** Delete the rows whose columns equal `where`; returns how many went. */
  remove(table: string, where: Row): Promise<number>;
  /** Read with SQL the caller wrote (inside the transaction, so it sees its own writes). */
  select(sql: string, params?: readonly Cell[]): Promise<Row[]>;
  /** Whether a table exists. */
  has(table: string): Promise<boolean>;
  /** Every `FILE…` column of every table (the backend's internal tables left out). */
  fileColumns(): Promise<{ readonly table: string; readonly column: string }[]>;
  /**
   * Set `to` in the cells of `table`.`column` (a `FILE…` column) that hold exactly `from`: a
   * moved file's new path; returns how many changed. Any other column is refused.
   */
  replaceFilePath(table: string, column: string, from: string, to: string): Promise<number>;
}

export interface ManagedTables {
  /** Run `fn` in one write transaction: all of its changes land, or none. */
  transaction<T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T>;
}

function requireManaged(table: string): void {
  if (!isManagedTable(table)) {
    throw new StoreError('E_BAD_ARGUMENT', `"${table}" is not a managed table (their names start with "${MANAGED_PREFIX}", or it is "${FILE_INDEX_TABLE}")`);
  }
}

/** The transaction's operations over `backend`; the store runs it inside its own transaction. */
export function managedTransaction(backend: Backend): ManagedTransaction {
  const q = (s: string) => backend.dialect.quote(s);
  const whereClause = (where: Row): { sql: string; params: Cell[] } => {
    const keys = Object.keys(where);
    if (keys.length === 0) throw new StoreError('E_BAD_ARGUMENT', 'a managed update or delete needs at least one column to match');
    return { sql: keys.map((k) => `${q(k)} = ?`).join(' AND '), params: keys.map((k) => where[k] ?? null) };
  };
  const ensureColumn = async (table: string, column: string, type: LogicalType): Promise<void> => {
    requireManaged(table);
    const info = await backend.describeTable(table);
    if (info === undefined) throw new StoreError('E_TABLE_MISSING', `no table "${table}"`);
    if (!info.columns.some((c) => c.name.toLowerCase() === column.toLowerCase())) await backend.addColumn(info.name, column, type);
  };
  return {
    async ensure(definition) {
      requireManaged(definition.name);
      const info = await backend.describeTable(definition.name);
      if (info === undefined) {
        await backend.createTable({ name: definition.name, columns: definition.columns, primaryKey: definition.primaryKey, foreignKeys: [], uniqueColumns: [] });
        return;
      }
      for (const c of definition.columns) {
        if (!info.columns.some((have) => have.name.toLowerCase() === c.name.toLowerCase())) await backend.addColumn(info.name, c.name, c.type);
      }
    },
    ensureColumn,
    async insert(table, rows) {
      requireManaged(table);
      if (rows.length === 0) return;
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const inserter = await backend.openInserter(table, columns);
      await inserter.insert(rows.map((r) => columns.map((c) => r[c] ?? null)));
    },
    async update(table, values, where) {
      requireManaged(table);
      const keys = Object.keys(values);
      if (keys.length === 0) return 0;
      const w = whereClause(where);
      return backend.execute(`UPDATE ${q(table)} SET ${keys.map((k) => `${q(k)} = ?`).join(', ')} WHERE ${w.sql}`, [...keys.map((k) => values[k] ?? null), ...w.params]);
    },
    async remove(table, where) {
      requireManaged(table);
      if ((await backend.describeTable(table)) === undefined) return 0;
      const w = whereClause(where);
      return backend.execute(`DELETE FROM ${q(table)} WHERE ${w.sql}`, w.params);
    },
    select(sql, params = []) {
      return backend.select(sql, params);
    },
    async has(table) {
      return (await backend.describeTable(table)) !== undefined;
    },
    async fileColumns() {
      const out: { table: string; column: string }[] = [];
      for (const t of await backend.listTables()) {
        for (const c of (await backend.describeTable(t))?.columns ?? []) if (isFileColumn(c.name)) out.push({ table: t, column: c.name });
      }
      return out;
    },
    async replaceFilePath(table, column, from, to) {
      if (!isFileColumn(column)) throw new StoreError('E_BAD_ARGUMENT', `"${column}" is not a FILE… column; only paths in FILE… columns are replaced`);
      return backend.execute(`UPDATE ${q(table)} SET ${q(column)} = ? WHERE ${q(column)} = ?`, [to, from]);
    },
  };
}
