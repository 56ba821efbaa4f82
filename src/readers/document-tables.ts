/**
 * Tables from a parsed JSON, YAML or TOML document, shared by the `json`, `yaml`, `toml` and
 * `toml1` readers. A document's shape decides its tables:
 *
 * (a) an array of objects → one table named by the `table` option or the base name, one row per element;
 * (b) an object whose values are all objects or arrays of objects → one table per key; an object
 *     value is one row, an array of objects is rows (TOML `[[nodes]]` → table `nodes`);
 * (c) an object whose values are all arrays of scalars of one length ≥ 1 → column-oriented: one
 *     table named by `table` or the base name, row i holding element i of every array;
 * (d) any other object → one row in the `table`/base-name table. When such an object mixes
 *     scalar keys with table-like keys (an object, or an array of objects), the scalars form that
 *     one row and each table-like key becomes a table of its own, as in (b).
 *
 * With `collections` (the `json` reader), an object value whose values are all arrays of scalars is
 * Python DSI's collection layout `{table: {column: [values]}}`: read as columns, row i holding
 * element i of every array, like (c); arrays of different lengths there (or at the top, in (c)'s
 * shape) are bad input naming the table and the lengths, never a row of JSON arrays.
 *
 * {@link DocumentTables.addFlat} is the other layout, Python DSI's for YAML with a table name: each
 * document (or each element of an array of objects) is one row of that one table, nested keys
 * joined with `_` (`run: {id: 1}` → column `run_id`).
 *
 * Inside a row, nested objects flatten to `parent_child` columns and arrays become JSON text
 * ({@link flattenRecord}). A bare scalar or an array that is not all objects is not a table: it
 * is bad input. Empty objects and empty arrays give no rows. Documents that name the same table
 * append rows to it, so a multi-document YAML file fills its tables across documents. A
 * `measured` hook (TOML1's `{value, units}`) makes such an object one cell plus a unit record.
 */
import { basename, extname } from 'node:path';
import { badInput } from '../errors.js';
import { FloatCell, type RawCell, type ReadContext, type TableSource, type UnitRecord } from '../store/reader.js';
import { flattenRecord, recordsSource, toCell, type PlainValue } from './table-source.js';
import { snippet } from '../store/snippet.js';

/** A path into a document: object keys and array indexes. */
export type DocumentPath = readonly (string | number)[];

/** A scalar that carries its unit, as TOML1's `{value = 5.5, units = "m"}` does. */
export interface Measured {
  readonly value: PlainValue;
  readonly unit: string;
}

export interface DocumentOptions {
  /** The table for rows without a name of their own: the `table` option, else the file's base name. */
  readonly defaultTable: string;
  /** 1-based line at which the value at `path` starts, when the parser knows it. */
  readonly lineOf?: ((path: DocumentPath) => number | undefined) | undefined;
  /** Recognises a value that stands for a scalar with a unit; such values are cells, not objects. */
  readonly measured?: ((value: PlainValue) => Measured | undefined) | undefined;
  /** Read `{table: {column: [values]}}` as columns (Python DSI's collection layout). */
  readonly collections?: boolean | undefined;
}

interface TableRows {
  readonly records: Record<string, RawCell>[];
  readonly lines: (number | undefined)[];
}

/** Collects the tables of one file's documents, appending rows to tables seen before. */
export class DocumentTables {
  private readonly tables = new Map<string, TableRows>();
  private readonly unitRecords: UnitRecord[] = [];

  constructor(private readonly file: string) {}

  /** Add the tables of one parsed document; throws badInput for a document that is no table. */
  add(document: PlainValue, options: DocumentOptions): void {
    const lineOf = (path: DocumentPath) => options.lineOf?.(path);
    const isObject = (value: PlainValue): value is Record<string, PlainValue> =>
      isPlainObject(value) && options.measured?.(value) === undefined;
    const isTableLike = (value: PlainValue) =>
      isObject(value) || (Array.isArray(value) && value.length > 0 && value.every(isObject));
    const addRows = (table: string, value: PlainValue, path: DocumentPath) => {
      if (Array.isArray(value)) value.forEach((row, i) => this.addRow(table, row as Record<string, PlainValue>, [...path, i], options));
      else this.addRow(table, value as Record<string, PlainValue>, path, options);
    };

    if (Array.isArray(document)) {
      if (!document.every(isObject)) {
        throw badInput(this.file, lineOf([]), 'expected an array of objects (one row each), got an array holding other values');
      }
      addRows(options.defaultTable, document, []);
      return;
    }
    if (!isObject(document)) {
      throw badInput(this.file, lineOf([]), `expected an object or an array of objects, got ${describe(document)}`);
    }
    const entries = Object.entries(document);
    if (options.collections) this.#columnsOf(options.defaultTable, entries, lineOf([])); // refuses ragged columns
    if (isColumnOriented(entries)) {
      this.#addColumns(options.defaultTable, entries, [], lineOf);
      return;
    }
    const scalars = entries.filter(([, value]) => !isTableLike(value));
    if (scalars.length > 0) this.addRow(options.defaultTable, Object.fromEntries(scalars), [], options, lineOf([scalars[0]![0]]));
    for (const [key, value] of entries) {
      if (!isTableLike(value)) continue;
      const columns = options.collections && isObject(value) ? Object.entries(value) : undefined;
      if (columns !== undefined && this.#columnsOf(key, columns, lineOf([key]))) this.#addColumns(key, columns, [key], lineOf);
      else addRows(key, value, [key]);
    }
  }

  /**
   * Python DSI's layout for a YAML file read into one named table: each document that is an
   * object is one row (nested keys joined with `_`, arrays as JSON text), and an array of objects
   * is one row per element. Anything else is bad input.
   */
  addFlat(document: PlainValue, options: DocumentOptions): void {
    const lineOf = (path: DocumentPath) => options.lineOf?.(path);
    if (Array.isArray(document)) {
      if (!document.every((row) => isPlainObject(row))) {
        throw badInput(this.file, lineOf([]), 'expected an object (one row) or an array of objects (one row each), got an array holding other values');
      }
      document.forEach((row, i) => this.addRow(options.defaultTable, row as Record<string, PlainValue>, [i], options));
      return;
    }
    if (!isPlainObject(document)) throw badInput(this.file, lineOf([]), `expected an object (one row), got ${describe(document)}`);
    this.addRow(options.defaultTable, document, [], options);
  }

  /**
   * Whether `entries` are columns: every value an array of scalars (Python DSI's collection
   * layout). Columns of different lengths are bad input naming `table` and the lengths.
   */
  #columnsOf(table: string, entries: readonly [string, PlainValue][], line: number | undefined): boolean {
    if (entries.length === 0 || !entries.every(([, v]) => Array.isArray(v) && v.every((x) => !Array.isArray(x) && !isPlainObject(x)))) return false;
    const lengths = entries.map(([k, v]) => [k, (v as PlainValue[]).length] as const);
    const [firstKey, firstLength] = lengths[0]!;
    const other = lengths.find(([, n]) => n !== firstLength);
    if (other !== undefined) {
      throw badInput(
        this.file,
        line,
        `table "${snippet(table)}" is given as columns of different lengths ("${snippet(firstKey)}" has ${firstLength} values, "${snippet(other[0])}" ${other[1]}); each column needs one value per row`,
      );
    }
    return true;
  }

  /** Rows from columns of one length: row i holds element i of every column. */
  #addColumns(table: string, entries: readonly [string, PlainValue][], path: DocumentPath, lineOf: (path: DocumentPath) => number | undefined): void {
    const [firstKey, firstColumn] = entries[0] as [string, PlainValue[]];
    firstColumn.forEach((_, i) => {
      const record = Object.fromEntries(entries.map(([key, column]) => [key, toCell((column as PlainValue[])[i])]));
      this.addRecord(table, record, lineOf([...path, firstKey, i]));
    });
  }

  /** Units met in `measured` values, once per cell. */
  get units(): readonly UnitRecord[] {
    return this.unitRecords;
  }

  /** One typed source per table, in order of first appearance. */
  sources(): TableSource[] {
    return [...this.tables].map(([table, rows]) => recordsSource(table, this.file, rows.records, rows.lines));
  }

  /** Append one flat row to `table`, starting at `line`; an empty record adds nothing. */
  addRecord(table: string, record: Record<string, RawCell>, line: number | undefined): void {
    if (Object.keys(record).length === 0) return;
    let rows = this.tables.get(table);
    if (rows === undefined) {
      rows = { records: [], lines: [] };
      this.tables.set(table, rows);
    }
    rows.records.push(record);
    rows.lines.push(line);
  }

  private addRow(
    table: string,
    row: Record<string, PlainValue>,
    path: DocumentPath,
    options: DocumentOptions,
    line = options.lineOf?.(path),
  ): void {
    const plain = options.measured === undefined ? row : this.takeUnits(table, row, '', options.measured, line);
    this.addRecord(table, flattenRecord(plain), line);
  }

  /** A copy of `row` with measured values replaced by their value, their units recorded. */
  private takeUnits(
    table: string,
    row: Record<string, PlainValue>,
    prefix: string,
    measured: (value: PlainValue) => Measured | undefined,
    line: number | undefined,
  ): Record<string, PlainValue> {
    const out = Object.create(null) as Record<string, PlainValue>; // `__proto__` is a key like any other
    for (const [key, value] of Object.entries(row)) {
      const column = prefix === '' ? key : `${prefix}_${key}`;
      const withUnit = measured(value);
      if (withUnit !== undefined) {
        out[key] = withUnit.value;
        this.unitRecords.push({ table, column, unit: withUnit.unit, file: this.file, line });
      } else {
        out[key] = isPlainObject(value) ? this.takeUnits(table, value, column, measured, line) : value;
      }
    }
    return out;
  }
}

/** The `table` option when given, else the file's base name without its extension (`runs.json` → `runs`). */
export function defaultTableName(file: string, context: ReadContext): string {
  return context.tableName ?? basename(file, extname(file));
}

/** A plain object as parsers build them (TOML's have no prototype); not an array or a date. */
export function isPlainObject(value: PlainValue): value is Record<string, PlainValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof FloatCell);
}

/** Rule (c): every value an array of scalars, all of one length ≥ 1. */
function isColumnOriented(entries: readonly [string, PlainValue][]): boolean {
  const first = entries[0]?.[1];
  if (!Array.isArray(first) || first.length === 0) return false;
  return entries.every(
    ([, value]) => Array.isArray(value) && value.length === first.length && value.every((v) => !Array.isArray(v) && !isPlainObject(v)),
  );
}

function describe(value: PlainValue): string {
  if (value === null || value === undefined) return 'null';
  return `a bare ${typeof value} (${snippet(String(toCell(value)))})`;
}
