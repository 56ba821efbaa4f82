/**
 * Table and column names, sanitised the way Python DSI does (spaces and `-` become `_`), so a
 * store written by either tool reads in the other. Names are always quoted in SQL, never pasted,
 * so any other character is kept.
 *
 * A name may also be given in its SQL-quoted spelling, as Python DSI takes it: `"math"` is the
 * name math and `"say ""hi"""` the name say "hi" ({@link unquoteIdentifier}); the plain
 * spelling keeps working.
 */
import { badInput } from '../errors.js';
import { snippet } from './snippet.js';

/**
 * `my table` → `my_table`, `wind-speed` → `wind_speed`; surrounding spaces are dropped, and a
 * name in its SQL-quoted spelling (`"math"`) is the name inside the quotes.
 */
export function sanitizeIdentifier(name: string): string {
  return unquoteIdentifier(name.trim()).trim().replace(/[\s-]/g, '_');
}

/**
 * The name an SQL-quoted identifier stands for: `"math"` → `math`, `"a""b"` → `a"b`. Anything
 * else, including a name with a lone quote inside (`"a"b"`) or an empty one (`""`), is returned
 * as it is.
 *
 * @example unquoteIdentifier('"2"') // '2'
 */
export function unquoteIdentifier(name: string): string {
  if (name.length < 3 || !name.startsWith('"') || !name.endsWith('"')) return name;
  const inner = name.slice(1, -1);
  // Every quote inside must be doubled, or the name is not one quoted identifier; nor is `"  "`.
  if (inner.replaceAll('""', '').includes('"') || inner.trim() === '') return name;
  return inner.replaceAll('""', '"');
}

/**
 * Sanitised column names for a header; an empty header cell is named `column_N` (1-based). Two
 * headers that sanitise to the same name (SQL names ignore case) are refused, naming both; so is
 * a name holding a NUL character, which SQLite would cut short. Names are quoted back cut short.
 */
export function sanitizeColumns(names: readonly string[], file: string, line: number | undefined): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    if (hasNul(raw)) {
      throw badInput(file, line, `column ${i + 1} ("${snippet(raw)}") has a NUL character in its name; no column name may hold one`);
    }
    const name = raw.trim() === '' ? `column_${i + 1}` : sanitizeIdentifier(raw);
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw badInput(
        file,
        line,
        `columns ${first + 1} ("${snippet(names[first]!)}") and ${i + 1} ("${snippet(raw)}") have the same name "${snippet(name)}" once sanitised; rename one`,
      );
    }
    seen.set(key, i);
    return name;
  });
}

/** Whether `name` holds a NUL character, which SQLite would cut a name short at. */
export function hasNul(name: string): boolean {
  return name.includes('\u0000');
}

/** The sanitised name of a table a file's `source.table` names; a NUL in it is refused, naming the file. */
export function sanitizeTableName(name: string, file: string): string {
  if (hasNul(name)) throw badInput(file, undefined, `the table name "${snippet(name)}" has a NUL character; no table name may hold one`);
  return sanitizeIdentifier(name);
}

