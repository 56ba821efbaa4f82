/**
 * How the CLI prints: JSON documents for scripts, aligned tables for people.
 *
 * JSON is complete and faithful: every row asked for, every character of every cell, integers
 * beyond 2^53 exact, and ±Infinity (a FLOAT column can hold them, from a CSV cell such as
 * `1e999`) as the numbers `1e999` and `-1e999`: JSON has no literal for infinity, JSON.stringify
 * would print null (the same as an empty cell), and these parse back as ±Infinity in JavaScript
 * and Python, so `find --json` edited and given to `update --from` keeps them. Tables are for reading: a cell
 * wider than {@link CELL_WIDTH} characters is cut with "…", line breaks in a cell show as "⏎",
 * and when fewer rows are shown than there are, a line says how many and how to see the rest.
 */
import { toJson } from '../json.js';
import { textTable } from '../text-table.js';

const INFINITY_MARK = '\u0000dsi:infinity\u0000';
const MINUS_INFINITY_MARK = '\u0000dsi:-infinity\u0000';

/** `value` with ±Infinity replaced by marks that {@link jsonText} turns into `±1e999`. */
function markInfinities(value: unknown): unknown {
  if (value === Infinity) return INFINITY_MARK;
  if (value === -Infinity) return MINUS_INFINITY_MARK;
  if (Array.isArray(value)) return value.map(markInfinities);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    // No prototype, so a column named `__proto__` is a key like any other.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = markInfinities(v);
    return out;
  }
  return value;
}

/** JSON text of `value` as the CLI prints it: bigints exact, ±Infinity as `1e999` and `-1e999` (NaN as null). */
export function jsonText(value: unknown): string {
  return toJson(markInfinities(value), 2)
    .replaceAll(JSON.stringify(INFINITY_MARK), '1e999')
    .replaceAll(JSON.stringify(MINUS_INFINITY_MARK), '-1e999');
}

/**
 * Say on stderr that `withheld` rows were left out because their files are not readable by
 * `who` (nothing when none were): the count only, never what the rows held.
 *
 * @example reportWithheld(3, 'alice (uid 1001)') // dsi: 3 rows withheld: their files are not readable by alice (uid 1001)
 */
export function reportWithheld(withheld: number | undefined, who: string): void {
  if (withheld === undefined || withheld <= 0) return;
  process.stderr.write(
    withheld === 1
      ? `dsi: 1 row withheld: its files are not readable by ${who}\n`
      : `dsi: ${withheld} rows withheld: their files are not readable by ${who}\n`,
  );
}

/** Print one JSON document on stdout (see {@link jsonText}). */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonText(value)}\n`);
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
  process.stdout.write(`${textTable(rows, columns)}\n`);
  const note = shownNote(rows.length, options.total, options.more);
  if (note !== undefined) process.stdout.write(`${note}\n`);
}
