/**
 * Table sources for readers that hold their rows in memory (JSON, YAML, TOML, env): records in,
 * columns in order of first appearance, nested objects flattened with `_` (`resources.gpu` →
 * `resources_gpu`), arrays kept as JSON text.
 */
import { FloatCell, type RawCell, type TableSource } from '../store/reader.js';

/** A JSON-like value as parsers return it. */
export type PlainValue = unknown;

/**
 * Flatten a record: nested objects become `parent_child` columns; arrays become JSON text; dates
 * become ISO 8601 text.
 */
export function flattenRecord(
  record: Record<string, PlainValue>,
  prefix = '',
  out: Record<string, RawCell> = Object.create(null) as Record<string, RawCell>, // `__proto__` is a column like any other
): Record<string, RawCell> {
  for (const [key, value] of Object.entries(record)) {
    const name = prefix === '' ? key : `${prefix}_${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof FloatCell)) {
      flattenRecord(value as Record<string, PlainValue>, name, out);
    } else {
      out[name] = toCell(value);
    }
  }
  return out;
}

/**
 * A scalar as a cell: arrays become JSON text, dates ISO 8601 text; a bigint that fits a
 * JavaScript number exactly becomes one (parsers that keep every digit give bigints for all).
 */
export function toCell(value: PlainValue): RawCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof FloatCell) {
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof FloatCell ? v.value : v));
}

/** Build a typed table source from flat records; `lines[i]` is the line row i starts on. */
export function recordsSource(
  table: string,
  file: string,
  records: readonly Record<string, RawCell>[],
  lines?: readonly (number | undefined)[],
): TableSource {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (record[key] === undefined) continue;
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const rows: RawCell[][] = records.map((r) => columns.map((c) => (r[c] === undefined ? null : (r[c] as RawCell))));
  return {
    table,
    columns,
    cells: 'typed',
    file,
    async forEachBatch(consume) {
      await consume(rows);
    },
    async lineOfRow(row) {
      return lines?.[row];
    },
  };
}
