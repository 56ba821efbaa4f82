/**
 * The `json` reader: one JSON document, shaped into tables by {@link DocumentTables}, Python DSI's
 * collection layout `{table: {column: [values]}}` read as columns. The text is
 * decoded strictly (option `encoding`, text-decoding.ts) and its nesting checked before parsing
 * (nesting-limit.ts).
 */
import {
  findNodeAtLocation,
  parse as parseTolerantly,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { badInput } from '../errors.js';
import { DocumentTables, defaultTableName, type DocumentPath } from './document-tables.js';
import { checkJsonNesting } from './nesting-limit.js';
import { FloatCell, type Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { checkOptionNames, readTextFile, textEncoding, textIdentityOptions } from './text-decoding.js';

export const jsonReader: Reader = {
  name: 'json',
  extensions: ['.json'],
  description: 'JSON: an array of objects, an object of tables or of columns, or one record',
  identityOptions: textIdentityOptions,
  async read(file, context) {
    checkOptionNames(context.options, 'json', ['encoding']);
    const tables = new DocumentTables(file);
    const text = (await readTextFile(file, textEncoding(context.options, 'json'), 'json')).replace(/^\uFEFF/, '');
    parseJson(text, file); // strict syntax check (and nesting), with the line of the first error
    const tree = parseTree(text)!;
    const lines = lineStarts(text);
    tables.add(exactValue(tree, text), {
      defaultTable: defaultTableName(file, context),
      collections: true,
      lineOf: (path: DocumentPath) => {
        const node = path.length === 0 ? tree : findNodeAtLocation(tree, [...path]);
        return node === undefined ? undefined : lineOfOffset(lines, node.offset);
      },
    });
    return { tables: tables.sources(), units: [] };
  },
};

/**
 * The document's value with numbers as written: integers beyond 2^53 as bigint (JSON.parse
 * would round them), and whole numbers written as floats (`2.0`) as FloatCell so their column is
 * FLOAT. Objects have no prototype, so a `__proto__` key is just a key.
 */
function exactValue(node: Node, text: string): unknown {
  switch (node.type) {
    case 'object': {
      const out = Object.create(null) as Record<string, unknown>;
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key !== undefined && value !== undefined) out[key.value as string] = exactValue(value, text);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map((child) => exactValue(child, text));
    case 'number': {
      const written = text.slice(node.offset, node.offset + node.length);
      if (/^-?\d+$/.test(written)) return Number.isSafeInteger(Number(written)) ? Number(written) : BigInt(written);
      const value = Number(written);
      return Number.isInteger(value) ? new FloatCell(value) : value;
    }
    default:
      return node.value as unknown;
  }
}

/**
 * JSON text as {@link parseJson} checks it, its value as the json reader sees it: integers beyond
 * 2^53 as bigint, a number too large for a double (`1e999`, as JSON output of `find` rows writes infinity) as
 * ±Infinity, whole numbers written as floats as {@link FloatCell}, objects without a prototype.
 *
 * @example parseJsonExactly('[{"id": 9007199254740993}]', 'rows.json') // [{ id: 9007199254740993n }]
 */
export function parseJsonExactly(text: string, file: string): unknown {
  const json = text.replace(/^\uFEFF/, '');
  parseJson(json, file);
  return exactValue(parseTree(json)!, json);
}

/** Offsets at which each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of `offset`, by binary search over the line starts. */
function lineOfOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Parse JSON text, turning a syntax error into badInput with its line. JSON.parse reports a
 * character offset (`at position N`) rather than a line, and for some errors nothing at all.
 */
export function parseJson(text: string, file: string): unknown {
  const json = text.replace(/^\uFEFF/, '');
  if (json.trim() === '') throw badInput(file, undefined, 'the file is empty; expected a JSON document');
  checkJsonNesting(json, file);
  try {
    return JSON.parse(json);
  } catch (error) {
    // JSON.parse names no position for many errors; a second, position-keeping parse (only on
    // this error path) finds where the text stops being JSON.
    const errors: ParseError[] = [];
    parseTolerantly(json, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const message = snippet((error as Error).message.replace(/\s+/g, ' '), 80);
    if (first === undefined) throw badInput(file, undefined, `invalid JSON: ${message}`);
    const line = lineAt(json, Math.min(first.offset, json.trimEnd().length));
    throw badInput(file, line, `invalid JSON: ${describe(printParseErrorCode(first.error))} (${message})`);
  }
}

/** `ValueExpected` → `value expected`. */
function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** 1-based line of character `offset`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
