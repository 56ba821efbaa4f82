/** How the CLI prints: JSON documents for scripts, aligned tables for people. */
import Table from 'cli-table3';
import { toJson } from '../json.js';
import type { Cell } from '../store/types.js';

/** Print one JSON document on stdout (integers beyond 2^53 exact). */
export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value, 2)}\n`);
}

function show(v: Cell | boolean | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(12)));
  return String(v);
}

/** Print rows as an aligned table; `columns` fixes the order (and shows a table with no rows). */
export function printRows(rows: readonly object[], columns?: readonly string[]): void {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (cols.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const table = new Table({
    head: [...cols],
    style: { head: [], border: [], compact: true },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  table.push(cols.map(() => '─'.repeat(3)));
  for (const r of rows) table.push(cols.map((c) => show((r as Record<string, Cell | boolean | undefined>)[c])));
  process.stdout.write(`${table.toString().replace(/^ +| +$/gm, '')}\n`);
  if (rows.length === 0) process.stdout.write('(no rows)\n');
}
