/**
 * Type inference and conversion of cells, the way DSI declares columns: all integers → integer,
 * all numbers → float (a mix of integers and floats is a number, not text as in Python DSI),
 * anything else → text; empty cells are NULL and a column with no values is integer.
 *
 * Text cells (CSV) are classified by their spelling: `42`, `-7`, `007` are integers, `0.5`,
 * `1e-3`, `.5` floats; surrounding spaces are allowed around numbers. `NaN` is a missing number
 * in a numeric column and the text `NaN` in a text column. An integer outside the 64-bit range
 * is text, so no digit is lost.
 */
import { numberShape } from './number-text.js';
import { FloatCell, type RawCell } from './reader.js';
import type { Cell, LogicalType } from './types.js';

/** What one cell says about its column's type; `null` says nothing. */
export type CellKind = LogicalType | null;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/** Bounds of `s` without surrounding spaces and tabs. */
function trimmedBounds(s: string): [number, number] {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return [start, end];
}

function isNaNSpelling(s: string): boolean {
  return s.length <= 4 && /^\s*[-+]?nan\s*$/i.test(s);
}

/** Integer text that fits 64 bits (15 digits or fewer always do). */
function fitsInt64(s: string, start: number, end: number): boolean {
  if (end - start <= 15) return true;
  const n = BigInt(s.slice(start, end));
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** The kind of a cell written as text in a file. */
export function classifyText(s: string): CellKind {
  if (s.length === 0) return null;
  let start = 0;
  let end = s.length;
  if (isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(end - 1))) [start, end] = trimmedBounds(s);
  if (start === end) return 'text';
  const shape = numberShape(s, start, end);
  if (shape === 0) return fitsInt64(s, start, end) ? 'integer' : 'text';
  if (shape === 1) return 'float';
  return isNaNSpelling(s) ? null : 'text';
}

/** The kind of a typed cell (JSON, YAML, TOML values). */
export function classifyTyped(v: RawCell): CellKind {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      if (Number.isNaN(v)) return null;
      return Number.isInteger(v) ? 'integer' : 'float';
    case 'bigint':
      return v >= INT64_MIN && v <= INT64_MAX ? 'integer' : 'text';
    case 'boolean':
      return 'integer';
    case 'object':
      return Number.isNaN(v.value) ? null : 'float';
    default:
      return 'text';
  }
}

/** Sentinel: the cell does not fit the column's type and the column must widen. */
export const DOES_NOT_FIT: unique symbol = Symbol('does not fit');

/**
 * Convert a text cell for a column of `type`, or return DOES_NOT_FIT. Integers beyond 2^53 become
 * `bigint`; text keeps the file's spelling exactly.
 */
export function convertText(s: string | null, type: LogicalType): Cell | typeof DOES_NOT_FIT {
  if (s === null || s.length === 0) return null;
  if (type === 'text') return s;
  let start = 0;
  let end = s.length;
  if (isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(end - 1))) [start, end] = trimmedBounds(s);
  const shape = start === end ? 2 : numberShape(s, start, end);
  if (shape === 0) {
    if (end - start <= 15) return Number(s);
    const n = BigInt(s.slice(start, end));
    if (n < INT64_MIN || n > INT64_MAX) return DOES_NOT_FIT;
    if (type === 'float') return Number(n);
    return n >= SAFE_MIN && n <= SAFE_MAX ? Number(n) : n;
  }
  if (shape === 1) return type === 'float' ? Number(start === 0 && end === s.length ? s : s.slice(start, end)) : DOES_NOT_FIT;
  return isNaNSpelling(s) ? null : DOES_NOT_FIT;
}

/** Convert a typed cell for a column of `type`, or return DOES_NOT_FIT. */
export function convertTyped(v: RawCell, type: LogicalType): Cell | typeof DOES_NOT_FIT {
  if (v === null) return null;
  if (v instanceof FloatCell) {
    if (Number.isNaN(v.value)) return null;
    return type === 'integer' ? DOES_NOT_FIT : type === 'text' ? String(v.value) : v.value;
  }
  if (typeof v === 'boolean') return type === 'text' ? String(v) : v ? 1 : 0;
  if (type === 'text') return typeof v === 'string' ? v : String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return null;
    if (type === 'integer' && !Number.isInteger(v)) return DOES_NOT_FIT;
    return v;
  }
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) return DOES_NOT_FIT;
    if (type === 'float') return Number(v);
    return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
  }
  return DOES_NOT_FIT;
}

/** The type one column's cells need, starting from `known` (a column with no values: null). */
export function inferColumnType(column: readonly RawCell[], cells: 'text' | 'typed', known: LogicalType | null = null): LogicalType | null {
  let t = known;
  if (t === 'text') return t;
  for (const v of column) {
    if (v === null) continue;
    const kind = cells === 'text' ? classifyText(v as string) : classifyTyped(v);
    if (kind === null || kind === t) continue;
    if (t === null || kind === 'text' || (kind === 'float' && t === 'integer')) t = kind;
    if (t === 'text') break;
  }
  return t;
}

/** What {@link convertColumn} found. */
export interface ColumnConversion {
  /** First row (≥ `from`) whose cell does not fit the type, or -1 when all fit. */
  readonly misfit: number;
  /** Whether a non-NULL number was written (its text spelling is gone). */
  readonly numbers: boolean;
}

/** Digits only, optionally signed, at most 15 digits: the common integer cell (no regex, no trim). */
function isShortInteger(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    if (n === 1) return false;
    i = 1;
  } else if (n === 16) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Convert `column` in place, from row `from` on, to `type` (the ingest's hot loop: one
 * specialised loop per type). Stops at the first cell that does not fit.
 */
export function convertColumn(column: RawCell[], type: LogicalType, cells: 'text' | 'typed', from = 0): ColumnConversion {
  const n = column.length;
  let numbers = false;
  if (cells === 'text') {
    if (type === 'text') {
      for (let r = from; r < n; r++) if (column[r] === '') column[r] = null;
      return { misfit: -1, numbers };
    }
    for (let r = from; r < n; r++) {
      const s = column[r] as string | null;
      if (s === null || s === '') {
        column[r] = null;
        continue;
      }
      if (isShortInteger(s)) {
        column[r] = +s;
        numbers = true;
        continue;
      }
      const v = convertText(s, type);
      if (v === DOES_NOT_FIT) return { misfit: r, numbers };
      if (v !== null) numbers = true;
      column[r] = v as RawCell;
    }
    return { misfit: -1, numbers };
  }
  for (let r = from; r < n; r++) {
    const cell = column[r] ?? null;
    // Plain numbers, the common typed cell, without the general conversion's checks.
    if (typeof cell === 'number' && cell === cell && type !== 'text' && (type === 'float' || Number.isInteger(cell))) {
      numbers = true;
      continue;
    }
    const v = convertTyped(cell, type);
    if (v === DOES_NOT_FIT) return { misfit: r, numbers };
    if (v !== null && type !== 'text') numbers = true;
    column[r] = v as RawCell;
  }
  return { misfit: -1, numbers };
}
