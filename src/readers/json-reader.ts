/** The `json` reader: one JSON document, shaped into tables by {@link DocumentTables}. */
import { readFile } from 'node:fs/promises';
import { badInput } from '../errors.js';
import { DocumentTables, defaultTableName } from './document-tables.js';
import type { Reader } from './reader.js';

export const jsonReader: Reader = {
  name: 'json',
  description: 'JSON: an array of objects, an object of tables or of columns, or one record',
  async read(file, context) {
    const tables = new DocumentTables(file);
    tables.add(parseJson(await readFile(file, 'utf8'), file), { defaultTable: defaultTableName(file, context) });
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
    const message = (error as Error).message;
    throw badInput(file, jsonErrorLine(json, message), `invalid JSON: ${message}`);
  }
}

function jsonErrorLine(json: string, message: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  if (position !== null) return lineAt(json, Number(position[1]));
  if (message.includes('Unexpected end of JSON input')) return lineAt(json, json.trimEnd().length);
  return undefined;
}

/** 1-based line of character `offset`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
