/**
 * Rows a program hands the store (`store.insertRows`) as a table source, so they take the same
 * path as a file's rows: the same type inference, table creation, widening, units and
 * all-or-nothing transaction as `read`.
 *
 * **The guarantee:** every value is checked before the store is touched; a value that is not a
 * cell is refused naming its row and column. Values keep their own types, as a JSON file's do: a
 * string is text even when it spells a number; a whole number is an integer unless wrapped in
 * `FloatCell` (then its column is FLOAT); a boolean is 0 or 1; NaN is NULL.
 */
import { StoreError } from '../errors.js';
import { FloatCell, type RawCell, type TableSource, type UnitRecord } from './reader.js';
import { snippet } from './snippet.js';

/** One row for `insertRows`: column name → value; a column a row lacks is NULL in it. */
export type RowRecord = Readonly<Record<string, RawCell | undefined>>;

/** Options of `Store.insertRows`. */
export interface InsertRowsOptions {
  /** The columns in table order (default: in order of first appearance in the rows). */
  readonly columns?: readonly string[];
  /** Units of some columns (`{ burned_area: 'ha' }`), recorded in `dsi_units` as readers' are. */
  readonly units?: Readonly<Record<string, string>>;
  /** Refuse, before anything is written, a table that already exists (default: append to it). */
  readonly newTable?: boolean;
}

function isRawCell(value: unknown): value is RawCell {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean' ||
    value instanceof FloatCell
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The label messages name the rows by, in place of a file. */
export function rowsLabel(table: string): string {
  return `insertRows "${snippet(table)}"`;
}

/**
 * `rows` for `table` as a typed table source, with their units; refuses malformed rows, columns
 * and units with `E_BAD_ARGUMENT`.
 */
export function rowRecordsSource(
  table: string,
  rows: readonly RowRecord[],
  options: InsertRowsOptions,
): { source: TableSource; units: UnitRecord[] } {
  if (typeof table !== 'string' || table.trim() === '') throw new StoreError('E_BAD_ARGUMENT', `insertRows: the table must be a non-empty name, got ${JSON.stringify(table)}`);
  if (!Array.isArray(rows)) throw new StoreError('E_BAD_ARGUMENT', `insertRows "${snippet(table)}": the rows must be an array of objects, got ${describe(rows)}`);
  const file = rowsLabel(table);
  const columns: string[] = [];
  const seen = new Set<string>();
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.some((c) => typeof c !== 'string')) {
      throw new StoreError('E_BAD_ARGUMENT', (o) => `${file}: ${o('columns')} must be an array of names`);
    }
    for (const c of options.columns) {
      if (!seen.has(c)) columns.push(c);
      seen.add(c);
    }
  }
  rows.forEach((row, r) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new StoreError('E_BAD_ARGUMENT', `${file}: row ${r + 1} must be an object of column values, got ${row === null ? 'null' : describe(row)}`);
    }
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      if (!isRawCell(value)) {
        throw new StoreError('E_BAD_ARGUMENT', `${file}: row ${r + 1}, column "${snippet(key)}": ${describe(value)} is not a value a cell holds (a number, text, a boolean or null)`);
      }
      if (seen.has(key)) continue;
      if (options.columns !== undefined) throw new StoreError('E_BAD_ARGUMENT', (o) => `${file}: row ${r + 1} has a column "${snippet(key)}" that ${o('columns')} does not list`);
      seen.add(key);
      columns.push(key);
    }
  });
  if (columns.length === 0) throw new StoreError('E_BAD_ARGUMENT', (o) => `${file}: no columns: give rows with values, or ${o('columns')}`);
  const units: UnitRecord[] = [];
  for (const [column, unit] of Object.entries(options.units ?? {})) {
    if (!seen.has(column)) throw new StoreError('E_BAD_ARGUMENT', (o) => `${file}: ${o('units')} gives a unit for "${snippet(column)}", which is not one of the columns`);
    if (typeof unit !== 'string' || unit.trim() === '') throw new StoreError('E_BAD_ARGUMENT', (o) => `${file}: the unit ${o('units')} gives "${snippet(column)}" must be non-empty text`);
    units.push({ table, column, unit, file });
  }
  const cells: RawCell[][] = rows.map((row) => columns.map((c) => (Object.hasOwn(row, c) ? (row[c] ?? null) : null)));
  const source: TableSource = {
    table,
    columns,
    cells: 'typed',
    file,
    async forEachBatch(consume) {
      await consume(cells);
    },
    async lineOfRow() {
      return undefined;
    },
  };
  return { source, units };
}
