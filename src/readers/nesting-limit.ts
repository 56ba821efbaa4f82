/**
 * How deeply a document (JSON, YAML, TOML) may nest arrays and objects: {@link MAX_NESTING}
 * levels. Parsers and the flattening of records recurse, so a document nested thousands deep
 * would end in "Maximum call stack size exceeded" naming nothing; here it is refused first with
 * the file, the line where the limit is passed (JSON) and the limit itself.
 *
 * @example checkJsonNesting('[[[…]]]', 'deep.json') // throws E_BAD_INPUT "deep.json:1: nested more than 512 levels deep…"
 */
import { type StoreError, badInput } from '../errors.js';
import { FloatCell } from '../store/reader.js';

/** Levels of arrays and objects a document may nest; far beyond any real metadata. */
export const MAX_NESTING = 512;

/** The error for a document nested past {@link MAX_NESTING}, naming the file (and line when known). */
export function tooDeep(file: string, line: number | undefined): StoreError {
  return badInput(file, line, `nested more than ${MAX_NESTING} levels deep (arrays and objects within each other); the limit is ${MAX_NESTING}`);
}

/** Scan JSON text (strings skipped) and refuse it where its nesting passes the limit. */
export function checkJsonNesting(text: string, file: string): void {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 34) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
        else if (d === 10) line++;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_NESTING) throw tooDeep(file, line);
    } else if (c === 93 || c === 125) depth--;
  }
}

/** Refuse a parsed value (iteratively: no recursion to overflow) nested past the limit. */
export function checkValueNesting(value: unknown, file: string): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof FloatCell) continue;
    if (depth + 1 > MAX_NESTING) throw tooDeep(file, undefined);
    const children = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
    for (const child of children) stack.push([child, depth + 1]);
  }
}

/** Run a parser; a stack overflow inside it becomes the nesting error naming the file. */
export function withinStack<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw tooDeep(file, undefined);
    throw e;
  }
}
