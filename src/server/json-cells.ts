/**
 * Store cells as JSON can carry them. A cell is null, a number, text or a bigint (an integer
 * beyond 2^53); JSON has no bigint, so such a cell goes out as its exact digits in a string.
 * Every row an API route of the dashboard returns passes through here, so no answer fails on a
 * large integer.
 */
import type { Cell, Row } from '../store/types.js';

/** The JSON form of one cell: a bigint as its digits, anything else unchanged. */
export function jsonCell(value: Cell): string | number | null {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** `row` with every cell in its JSON form (key order kept). */
export function jsonRow(row: Readonly<Record<string, Cell>>): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(row)) out[k] = jsonCell(v);
  return out;
}

/** Every row of `rows` in its JSON form. */
export function jsonRows(rows: readonly Readonly<Row>[]): Record<string, string | number | null>[] {
  return rows.map(jsonRow);
}
