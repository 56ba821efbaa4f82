/**
 * The `schema` reader: a DSI relations file (primary and foreign keys per table), which adds no
 * rows; the store applies the relations it returns.
 */
import { LineCounter, isNode, parseDocument } from 'yaml';
import { StoreError } from '../errors.js';
import { parseRelations } from '../store/relations.js';
import { isPlainObject, type DocumentPath } from './document-tables.js';
import { parseJson } from './json-reader.js';
import { readTextFile } from './text-decoding.js';
import type { Reader } from '../store/reader.js';

export const schemaReader: Reader = {
  name: 'schema',
  description: 'A relations file: {"table": {"primary_key": "col", "foreign_key": {"col": ["table", "col"]}}}',
  async read(file) {
    const text = await readTextFile(file, 'utf8', 'schema');
    const json = parseJson(text, file);
    try {
      return { tables: [], units: [], relations: parseRelations(json, file) };
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      const line = lineOfPath(text, faultyEntry(json, file));
      if (line === undefined) throw error;
      const what = error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message;
      throw new StoreError(error.code, `${file}:${line}: ${what}`, { file, line, cause: error });
    }
  },
};

/**
 * parseRelations says what is wrong but not where; find the first entry it rejects on its own
 * (a table, its primary key or one foreign key) so the message can give a line.
 */
function faultyEntry(json: unknown, file: string): DocumentPath {
  const rejects = (relations: unknown) => {
    try {
      parseRelations(relations, file);
      return false;
    } catch {
      return true;
    }
  };
  if (!isPlainObject(json)) return [];
  for (const [table, spec] of Object.entries(json)) {
    if (!rejects({ [table]: spec })) continue;
    if (!isPlainObject(spec)) return [table];
    if (rejects({ [table]: { primary_key: spec['primary_key'] } })) return [table, 'primary_key'];
    const foreignKeys = spec['foreign_key'];
    if (!isPlainObject(foreignKeys)) return [table, 'foreign_key'];
    const column = Object.keys(foreignKeys).find((c) => rejects({ [table]: { foreign_key: { [c]: foreignKeys[c] } } }));
    return column === undefined ? [table, 'foreign_key'] : [table, 'foreign_key', column];
  }
  return [];
}

/** Line of the value at `path`, read back through the YAML parser (JSON is YAML); undefined if it cannot tell. */
function lineOfPath(text: string, path: DocumentPath): number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, logLevel: 'silent' });
  const node = path.length === 0 ? document.contents : document.getIn(path, true);
  return document.errors.length === 0 && isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
}
