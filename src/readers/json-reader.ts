/** The `json` reader: one JSON document, shaped into tables by {@link DocumentTables}. */
import { readFile } from 'node:fs/promises';
import { parse as parseTolerantly, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { badInput } from '../errors.js';
import { DocumentTables, defaultTableName } from './document-tables.js';
import type { Reader } from './reader.js';

export const jsonReader: Reader = {
  name: 'json',
  description: 'JSON: an array of objects, an object of tables or of columns, or one record',
  async read(file, context) {
    const tables = new DocumentTables(file);
    const text = await readFile(file, 'utf8');
    const root = lineAt(text, text.search(/\S/));
    // Lines are known for the document as a whole (JSON.parse keeps no positions).
    tables.add(parseJson(text, file), { defaultTable: defaultTableName(file, context), lineOf: (path) => (path.length === 0 ? root : undefined) });
    return { tables: tables.sources(), units: [] };
  },
};

/**
 * Parse JSON text, turning a syntax error into badInput with its line. JSON.parse reports a
 * character offset (`at position N`) rather than a line, and for some errors nothing at all.
 */
export function parseJson(text: string, file: string): unknown {
  const json = text.replace(/^\uFEFF/, '');
  if (json.trim() === '') throw badInput(file, undefined, 'the file is empty; expected a JSON document');
  try {
    return JSON.parse(json);
  } catch (error) {
    // JSON.parse names no position for many errors; a second, position-keeping parse (only on
    // this error path) finds where the text stops being JSON.
    const errors: ParseError[] = [];
    parseTolerantly(json, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const message = (error as Error).message.replace(/\s+/g, ' ').slice(0, 160);
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
