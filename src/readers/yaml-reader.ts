/**
 * The `yaml` reader: every document of a YAML 1.2 file (core schema), in one of two layouts
 * (option `layout`):
 * - `tables` (the default without a table name): shaped into tables by {@link DocumentTables};
 *   documents that name the same table append rows to it;
 * - `flat` (the default when the read names a table): Python DSI's layout, one table of that name
 *   with one row per document, nested keys joined with `_` ({@link DocumentTables.addFlat}).
 * The text is decoded strictly (option `encoding`, text-decoding.ts); nesting is limited
 * (nesting-limit.ts).
 */
import { LineCounter, isNode, isScalar, parseAllDocuments, type Document } from 'yaml';
import { StoreError, badInput } from '../errors.js';
import { DocumentTables, defaultTableName, type DocumentPath } from './document-tables.js';
import { checkValueNesting, tooDeep, withinStack } from './nesting-limit.js';
import type { Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { checkOptionNames, readTextFile, textEncoding, textIdentityOptions } from './text-decoding.js';

export const yamlReader: Reader = {
  name: 'yaml',
  extensions: ['.yml', '.yaml'],
  description: 'YAML (one or more documents): lists of mappings, mappings of tables or of columns, or one record',
  identityOptions: textIdentityOptions,
  async read(file, context) {
    checkOptionNames(context.options, 'yaml', ['encoding', 'layout']);
    const layout = yamlLayout(context.options?.['layout'], context.tableName);
    const { documents, lineOf } = parseYaml(await readTextFile(file, textEncoding(context.options, 'yaml'), 'yaml'), file);
    const tables = new DocumentTables(file);
    for (const document of documents) {
      if (isEmpty(document)) continue;
      const value = yamlToJs(file, () => document.toJS());
      checkValueNesting(value, file);
      tables[layout === 'flat' ? 'addFlat' : 'add'](value, {
        defaultTable: defaultTableName(file, context),
        lineOf: (path: DocumentPath) => lineOf(path.length === 0 ? document.contents : document.getIn(path, true)),
      });
    }
    return { tables: tables.sources(), units: [] };
  },
};

/** The layout option, checked: `flat` by default when the read names a table, else `tables`. */
function yamlLayout(option: unknown, table: string | undefined): 'tables' | 'flat' {
  if (option === undefined) return table === undefined ? 'tables' : 'flat';
  if (option === 'tables' || option === 'flat') return option;
  throw new StoreError('E_BAD_ARGUMENT', `the yaml reader's option layout must be "tables" or "flat", got ${JSON.stringify(option)}`);
}

export interface ParsedYaml {
  readonly documents: readonly Document.Parsed[];
  /** 1-based line on which a node starts, undefined for anything else. */
  lineOf(node: unknown): number | undefined;
}

/**
 * Parse all documents of a YAML file with the core schema, throwing badInput at the first error.
 * Unknown tags (DSI's `!jack`) are kept on their nodes; the warnings they raise are not printed.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // intAsBigInt: integers beyond 2^53 keep every digit (toCell turns the others back into numbers).
  const documents = withinStack(file, () =>
    parseAllDocuments(text, { lineCounter, schema: 'core', logLevel: 'error', prettyErrors: false, intAsBigInt: true }),
  );
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (!Array.isArray(documents)) return { documents: [], lineOf: () => undefined }; // an empty stream
  for (const document of documents) {
    const [error] = document.errors;
    if (error === undefined) continue;
    // The parser reports its own stack overflow as a document error: that is the nesting limit.
    if (/call stack/i.test(error.message)) throw tooDeep(file, undefined);
    throw badInput(file, lineAt(error.pos[0]), `invalid YAML: ${snippet(error.message.replace(/\s+/g, ' '), 120)}`);
  }
  return {
    documents,
    lineOf: (node) => (isNode(node) && node.range ? lineAt(node.range[0]) : undefined),
  };
}

/**
 * The JavaScript value of a YAML document or node (`toJS`), with the parser's refusals turned
 * into bad input naming the file: an alias expansion past its limit of 100 (a "billion laughs"
 * file of a few hundred bytes that would expand to gigabytes), an alias without its anchor, and
 * nesting deeper than the stack.
 *
 * @example const value = yamlToJs(file, () => document.toJS());
 */
export function yamlToJs(file: string, toJs: () => unknown): unknown {
  return withinStack(file, () => {
    try {
      return toJs();
    } catch (e) {
      if (e instanceof ReferenceError && /alias/i.test(e.message)) {
        throw badInput(file, undefined, `invalid YAML: ${/excessive alias count/i.test(e.message) ? 'its aliases expand past the limit of 100 (refused as a resource exhaustion attack)' : snippet(e.message.replace(/\s+/g, ' '), 120)}`);
      }
      throw e;
    }
  });
}

/** A document with no content, such as the one after a trailing `---`. */
export function isEmpty(document: Document.Parsed): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1]);
}
