/**
 * Readers by name (`--reader`), or by the input's extension. Adding a reader: implement `Reader`
 * in its own file and list it here (see docs/readers.md).
 */
import path from 'node:path';
import { StoreError } from '../errors.js';
import { cinemaReader } from './cinema-reader.js';
import { csvReader } from './csv-reader.js';
import { ensembleReader } from './ensemble-reader.js';
import { envReader } from './env-reader.js';
import { idxReader } from './idx-reader.js';
import { imageFolderReader } from './image-folder-reader.js';
import { jsonReader } from './json-reader.js';
import type { Reader } from './reader.js';
import { schemaReader } from './schema-reader.js';
import { toml1Reader } from './toml1-reader.js';
import { tomlReader } from './toml-reader.js';
import { yaml1Reader } from './yaml1-reader.js';
import { yamlReader } from './yaml-reader.js';

const readers: readonly Reader[] = [
  csvReader,
  jsonReader,
  yamlReader,
  yaml1Reader,
  tomlReader,
  toml1Reader,
  schemaReader,
  ensembleReader,
  envReader,
  idxReader,
  imageFolderReader,
  cinemaReader,
];

const byExtension: Readonly<Record<string, Reader>> = {
  '.csv': csvReader,
  '.json': jsonReader,
  '.yml': yamlReader,
  '.yaml': yamlReader,
  '.toml': tomlReader,
  '.cdb': cinemaReader,
  '.png': imageFolderReader,
  '.jpg': imageFolderReader,
  '.jpeg': imageFolderReader,
};

/** Every reader, for help texts. */
export function listReaders(): readonly Reader[] {
  return readers;
}

/** The reader called `name`, or the one `file`'s extension implies. */
export function readerFor(file: string, name?: string): Reader {
  if (name !== undefined) {
    const reader = readers.find((r) => r.name === name.toLowerCase());
    if (!reader) throw new StoreError('E_BAD_ARGUMENT', `unknown reader "${name}"; available: ${readers.map((r) => r.name).join(', ')}`);
    return reader;
  }
  const reader = byExtension[path.extname(file).toLowerCase()];
  if (!reader) {
    throw new StoreError(
      'E_BAD_ARGUMENT',
      `cannot tell the reader from "${path.basename(file)}"; give --reader (${readers.map((r) => r.name).join(', ')})`,
    );
  }
  return reader;
}
