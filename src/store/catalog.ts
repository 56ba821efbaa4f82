/**
 * The store's own bookkeeping tables and the table definitions derived from them:
 * `dsi_units(table_name, column_name, unit)` as Python DSI lays it out, and
 * `dsi_relations(table_name, column_name, kind, ref_table, ref_column)`, which remembers the keys
 * a relations file declared so that tables created later get them too.
 */
import { StoreError } from '../errors.js';
import type { Backend } from './backend.js';
import type { Relations, TableRelations } from './relations.js';
import type { ForeignKey, LogicalType, TableDefinition, TableInfo } from './types.js';

export const UNITS_TABLE = 'dsi_units';
export const RELATIONS_TABLE = 'dsi_relations';
const UNITS_COLUMNS = ['table_name', 'column_name', 'unit'] as const;
const RELATIONS_COLUMNS = ['table_name', 'column_name', 'kind', 'ref_table', 'ref_column'] as const;

export interface UnitRow {
  readonly table: string;
  readonly column: string;
  readonly unit: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class Catalog {
  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async units(): Promise<UnitRow[]> {
    if (!(await this.#backend.describeTable(UNITS_TABLE))) return [];
    const rows = await this.#backend.select(
      `SELECT table_name, column_name, unit FROM ${this.#backend.dialect.quote(UNITS_TABLE)} ORDER BY ${this.#backend.dialect.insertionOrder}`,
    );
    return rows.map((r) => ({ table: String(r['table_name']), column: String(r['column_name']), unit: String(r['unit']) }));
  }

  /** Record units (already checked for conflicts); existing identical ones are skipped. */
  async addUnits(units: readonly UnitRow[]): Promise<void> {
    if (units.length === 0) return;
    const b = this.#backend;
    await this.#ensureTextTable(UNITS_TABLE, UNITS_COLUMNS);
    const existing = await this.units();
    const fresh = units.filter((u) => !existing.some((e) => same(e.table, u.table) && same(e.column, u.column)));
    if (fresh.length === 0) return;
    const inserter = await b.openInserter(UNITS_TABLE, UNITS_COLUMNS);
    await inserter.insert(fresh.map((u) => [u.table, u.column, u.unit]));
  }

  /** Create one of the store's bookkeeping tables (all text columns) when it is missing. */
  async #ensureTextTable(name: string, columns: readonly string[]): Promise<void> {
    if (await this.#backend.describeTable(name)) return;
    await this.#backend.createTable({
      name,
      columns: columns.map((c) => ({ name: c, type: 'text' as const })),
      foreignKeys: [],
      uniqueColumns: [],
    });
  }

  /** Relations recorded by earlier schema applications. */
  async relations(): Promise<Map<string, TableRelations>> {
    const out = new Map<string, TableRelations>();
    if (!(await this.#backend.describeTable(RELATIONS_TABLE))) return out;
    const rows = await this.#backend.select(
      `SELECT table_name, column_name, kind, ref_table, ref_column FROM ${this.#backend.dialect.quote(RELATIONS_TABLE)} ORDER BY ${this.#backend.dialect.insertionOrder}`,
    );
    for (const r of rows) {
      const table = String(r['table_name']);
      const key = [...out.keys()].find((k) => same(k, table)) ?? table;
      const current = out.get(key) ?? { foreignKeys: [] };
      if (r['kind'] === 'primary_key') out.set(key, { ...current, primaryKey: String(r['column_name']) });
      else {
        const fk: ForeignKey = { column: String(r['column_name']), refTable: String(r['ref_table']), refColumn: String(r['ref_column']) };
        out.set(key, { ...current, foreignKeys: [...current.foreignKeys, fk] });
      }
    }
    return out;
  }

  /** Replace the recorded relations of the tables in `relations` (other tables keep theirs). */
  async recordRelations(relations: Relations): Promise<void> {
    const b = this.#backend;
    const q = b.dialect.quote;
    await this.#ensureTextTable(RELATIONS_TABLE, RELATIONS_COLUMNS);
    const rows: (string | null)[][] = [];
    for (const [table, r] of relations) {
      await b.execute(`DELETE FROM ${q(RELATIONS_TABLE)} WHERE lower(table_name) = lower(?)`, [table]);
      if (r.primaryKey !== undefined) rows.push([table, r.primaryKey, 'primary_key', null, null]);
      for (const fk of r.foreignKeys) rows.push([table, fk.column, 'foreign_key', fk.refTable, fk.refColumn]);
    }
    const inserter = await b.openInserter(RELATIONS_TABLE, RELATIONS_COLUMNS);
    await inserter.insert(rows);
  }
}

/** Relations of `table` in `relations`, matching names case-insensitively. */
export function relationsOf(relations: Relations, table: string): TableRelations | undefined {
  for (const [name, r] of relations) if (same(name, table)) return r;
  return undefined;
}

/**
 * The definition of `table` with `columns`, keyed as `relations` say. A referenced column that
 * is not its table's primary key gets a unique index (SQLite requires one for a foreign key).
 */
export function definitionFor(
  table: string,
  columns: readonly { name: string; type: LogicalType }[],
  relations: Relations,
): TableDefinition {
  const own = relationsOf(relations, table);
  const has = (c: string) => columns.some((col) => same(col.name, c));
  const named = (c: string) => columns.find((col) => same(col.name, c))?.name ?? c;
  if (own?.primaryKey !== undefined && !has(own.primaryKey)) {
    throw new StoreError('E_SCHEMA', `the relations give table "${table}" the primary key "${own.primaryKey}", but it has no such column (columns: ${columns.map((c) => c.name).join(', ')})`);
  }
  for (const fk of own?.foreignKeys ?? []) {
    if (!has(fk.column)) {
      throw new StoreError('E_SCHEMA', `the relations give table "${table}" a foreign key on "${fk.column}", but it has no such column (columns: ${columns.map((c) => c.name).join(', ')})`);
    }
  }
  const uniqueColumns: string[] = [];
  for (const [other, r] of relations) {
    for (const fk of r.foreignKeys) {
      if (!same(fk.refTable, table)) continue;
      if (!has(fk.refColumn)) {
        throw new StoreError('E_SCHEMA', `table "${other}" references "${table}.${fk.refColumn}", but "${table}" has no such column`);
      }
      const col = named(fk.refColumn);
      if (!(own?.primaryKey !== undefined && same(own.primaryKey, col)) && !uniqueColumns.includes(col)) uniqueColumns.push(col);
    }
  }
  return {
    name: table,
    columns,
    primaryKey: own?.primaryKey === undefined ? undefined : named(own.primaryKey),
    foreignKeys: (own?.foreignKeys ?? []).map((fk) => ({ ...fk, column: named(fk.column) })),
    uniqueColumns,
  };
}

/** The definition of an existing table with changed column types and current relations. */
export function redefine(info: TableInfo, types: ReadonlyMap<string, LogicalType>, relations: Relations): TableDefinition {
  const columns = info.columns.map((c) => ({ name: c.name, type: types.get(c.name.toLowerCase()) ?? c.type }));
  const def = definitionFor(info.name, columns, relations);
  // Keys the table already has (from another tool, say) survive when the relations are silent.
  const own = relationsOf(relations, info.name);
  return {
    ...def,
    primaryKey: def.primaryKey ?? (own ? undefined : info.columns.find((c) => c.primaryKey)?.name),
    foreignKeys: own ? def.foreignKeys : info.foreignKeys,
  };
}
