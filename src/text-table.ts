/**
 * Rows as an aligned plain-text table, the way the command line prints them and a notebook shows
 * them outside Jupyter: a header, a rule, one line per row. Tables are for reading: numbers to 12
 * significant digits, a cell wider than {@link CELL_WIDTH} characters cut with "…", line breaks in
 * a cell shown as "⏎".
 *
 * @example
 * console.log(textTable([{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }]));
 */
import Table from 'cli-table3';

/** What a cell can hold: the store's cell values (text, numbers, bigints, bytes, null) and flags. */
export type TableValue = string | number | bigint | boolean | Uint8Array | null | undefined;

/** The widest a table cell is printed, in characters; longer cells end in "…". */
export const CELL_WIDTH = 60;

/** A cell as a table shows it: numbers to 12 significant digits, one line, at most CELL_WIDTH characters. */
export function tableCell(v: TableValue): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(12))) : String(v);
  s = s.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, ' ');
  const chars = [...s];
  return chars.length > CELL_WIDTH ? `${chars.slice(0, CELL_WIDTH - 1).join('')}…` : s;
}

/**
 * The table of `rows`; `columns` fixes the order (and gives a table with no rows a header).
 * `(no rows)` follows the header of an empty table, and is all there is without any column.
 */
export function textTable(rows: readonly object[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (cols.length === 0) return '(no rows)';
  const table = new Table({
    head: cols.map((c) => tableCell(c)),
    style: { head: [], border: [], compact: true },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  table.push(cols.map(() => '─'.repeat(3)));
  for (const r of rows) table.push(cols.map((c) => tableCell((r as Record<string, TableValue>)[c])));
  const text = table.toString().replace(/^ +| +$/gm, '');
  return rows.length === 0 ? `${text}\n(no rows)` : text;
}
