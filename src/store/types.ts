/** Values and shapes the store speaks in, independent of any backend. */

/**
 * The three logical column types. Each backend maps them to its own names (SQLite: INTEGER,
 * FLOAT, VARCHAR, the declared types Python DSI writes) through a `Record<LogicalType, …>`, so
 * adding a type fails to compile until every backend handles it.
 */
export type LogicalType = 'integer' | 'float' | 'text';

/** A value held in a cell. Integers beyond 2^53 come back as `bigint` so no digit is lost. */
export type Cell = null | number | bigint | string;

/** Whether `value` is a {@link Cell}: null, a number, a bigint or a string (no boolean, object or array). */
export function isCell(value: unknown): value is Cell {
  return value === null || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string';
}

/** What a value that is not a cell is, for messages: "an object", "an array", "the boolean true". */
export function describeNonCell(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A row keyed by column name, in the table's column order. */
export type Row = Record<string, Cell>;

/** One column of a table as the store sees it. */
export interface ColumnInfo {
  readonly name: string;
  /** The type name the backend declared (`INTEGER`, `FLOAT`, `VARCHAR`, or another tool's). */
  readonly declaredType: string;
  readonly type: LogicalType;
  readonly primaryKey: boolean;
}

/** A foreign key: `column` of this table references `refTable.refColumn`. */
export interface ForeignKey {
  readonly column: string;
  readonly refTable: string;
  readonly refColumn: string;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly foreignKeys: readonly ForeignKey[];
}

/** What a table should look like: the store computes it, the backend creates or rebuilds it. */
export interface TableDefinition {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: LogicalType }[];
  readonly primaryKey?: string | undefined;
  readonly foreignKeys: readonly ForeignKey[];
  /** Columns that other tables reference without being this table's primary key. */
  readonly uniqueColumns: readonly string[];
}

/** The order types widen in: integer ⊂ float ⊂ text. */
const rank: Record<LogicalType, number> = { integer: 0, float: 1, text: 2 };

/** The narrowest type that holds values of both `a` and `b`. */
export function widen(a: LogicalType, b: LogicalType): LogicalType {
  return rank[a] >= rank[b] ? a : b;
}
