/** The `toml` reader: one TOML document, shaped into tables by {@link DocumentTables}. */
import { readFile } from 'node:fs/promises';
import { TomlError, parse, type TomlTable } from 'smol-toml';
import { badInput } from '../errors.js';
import { DocumentTables, defaultTableName, type Measured } from './document-tables.js';
import type { ReadContext, ReadResult, Reader } from './reader.js';
import type { PlainValue } from './table-source.js';

export const tomlReader: Reader = {
  name: 'toml',
  description: 'TOML: each table ([name] or [[name]]) a table; top-level keys one row of the file-named table',
  read: (file, context) => readToml(file, context),
};

/** Read a TOML file into tables; `measured` lets TOML1 turn `{value, units}` into cells. */
export async function readToml(
  file: string,
  context: ReadContext,
  measured?: (value: PlainValue) => Measured | undefined,
): Promise<ReadResult> {
  const tables = new DocumentTables(file);
  tables.add(parseToml(await readFile(file, 'utf8'), file), { defaultTable: defaultTableName(file, context), measured });
  return { tables: tables.sources(), units: tables.units };
}

function parseToml(text: string, file: string): TomlTable {
  try {
    // Integers beyond 2^53 come back as bigint rather than failing.
    return parse(text, { integersAsBigInt: 'asNeeded' });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message continues with a code excerpt; the line number says where.
    throw badInput(file, error.line, `invalid TOML: ${error.message.split('\n')[0]}`);
  }
}
