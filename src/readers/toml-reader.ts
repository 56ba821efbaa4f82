/**
 * The `toml` reader: one TOML document, shaped into tables by {@link DocumentTables}. The text is
 * decoded strictly (option `encoding`, text-decoding.ts); nesting is limited (nesting-limit.ts).
 */
import { TomlError, parse, type TomlTable } from 'smol-toml';
import { badInput } from '../errors.js';
import { DocumentTables, defaultTableName, type Measured } from './document-tables.js';
import { MAX_NESTING, checkValueNesting, withinStack } from './nesting-limit.js';
import type { ReadContext, ReadResult, Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { checkOptionNames, readTextFile, textEncoding, textIdentityOptions } from './text-decoding.js';
import type { PlainValue } from './table-source.js';

export const tomlReader: Reader = {
  name: 'toml',
  extensions: ['.toml'],
  description: 'TOML: each table ([name] or [[name]]) a table; top-level keys one row of the file-named table',
  identityOptions: textIdentityOptions,
  read: (file, context) => readToml(file, context),
};

/** Read a TOML file into tables; `measured` lets TOML1 turn `{value, units}` into cells. */
export async function readToml(
  file: string,
  context: ReadContext,
  measured?: (value: PlainValue) => Measured | undefined,
): Promise<ReadResult> {
  const reader = measured === undefined ? 'toml' : 'toml1';
  checkOptionNames(context.options, reader, ['encoding']);
  const tables = new DocumentTables(file);
  const document = parseToml(await readTextFile(file, textEncoding(context.options, reader), reader), file);
  checkValueNesting(document, file);
  tables.add(document, { defaultTable: defaultTableName(file, context), measured });
  return { tables: tables.sources(), units: tables.units };
}

function parseToml(text: string, file: string): TomlTable {
  try {
    // Integers beyond 2^53 come back as bigint rather than failing.
    return withinStack(file, () => parse(text, { integersAsBigInt: 'asNeeded', maxDepth: MAX_NESTING }));
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message continues with a code excerpt; the line number says where.
    throw badInput(file, error.line, `invalid TOML: ${snippet(error.message.split('\n')[0] ?? '', 120)}`);
  }
}
