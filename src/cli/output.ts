/**
 * How the CLI prints: JSON documents for scripts, aligned tables for people.
 *
 * JSON is complete and faithful: every row asked for, every character of every cell, integers
 * beyond 2^53 exact, and ±Infinity (a FLOAT column can hold them, from a CSV cell such as
 * `1e999`) as the strings "Infinity" and "-Infinity", since JSON has no number for them
 * (JSON.stringify would print null, the same as an empty cell). Tables are for reading: a cell
 * wider than {@link CELL_WIDTH} characters is cut with "…", line breaks in a cell show as "⏎",
 * and when fewer rows are shown than there are, a line says how many and how to see the rest.
 */
import Table from 'cli-table3';
import { toJson } from '../json.js';
import type { Cell } from '../store/types.js';

/** The widest a table cell is printed, in characters; longer cells end in "…". */
export const CELL_WIDTH = 60;

/** `value` with every non-finite number replaced by its name ("Infinity", "-Infinity", "NaN"). */
export function withFaithfulNumbers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(withFaithfulNumbers);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withFaithfulNumbers(v);
    return out;
  }
  return value;
}

/** Print one JSON document on stdout (integers beyond 2^53 exact, ±Infinity as strings). */
export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(withFaithfulNumbers(value), 2)}\n`);
}

/** A cell as a table shows it: numbers to 12 significant digits, one line, at most CELL_WIDTH characters. */
export function tableCell(v: Cell | boolean | undefined): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(12))) : String(v);
  s = s.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, ' ');
  const chars = [...s];
  return chars.length > CELL_WIDTH ? `${chars.slice(0, CELL_WIDTH - 1).join('')}…` : s;
}

export interface PrintRowsOptions {
  /** How many rows there are in all; when more than are printed, a line says so. */
  readonly total?: number;
  /** How to see the rest (`-n N`, `--limit N`), added to that line. */
  readonly more?: string;
}

/** "showing 1 of 2 rows; -n 2 shows them all", or undefined when nothing was left out. */
export function shownNote(shown: number, total: number | undefined, more?: string, what = 'rows'): string | undefined {
  if (total === undefined || total <= shown) return undefined;
  return `showing ${shown} of ${total} ${what}${more === undefined ? '' : `; ${more}`}`;
}

/** Print rows as an aligned table; `columns` fixes the order (and shows a table with no rows). */
export function printRows(rows: readonly object[], columns?: readonly string[], options: PrintRowsOptions = {}): void {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (cols.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const table = new Table({
    head: cols.map((c) => tableCell(c)),
    style: { head: [], border: [], compact: true },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  table.push(cols.map(() => '─'.repeat(3)));
  for (const r of rows) table.push(cols.map((c) => tableCell((r as Record<string, Cell | boolean | undefined>)[c])));
  process.stdout.write(`${table.toString().replace(/^ +| +$/gm, '')}\n`);
  if (rows.length === 0) process.stdout.write('(no rows)\n');
  const note = shownNote(rows.length, options.total, options.more);
  if (note !== undefined) process.stdout.write(`${note}\n`);
}
