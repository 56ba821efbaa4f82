/** Writers by name (`--writer`), or by the output file's extension. */
import path from 'node:path';
import { StoreError } from '../errors.js';
import { cinemaWriter } from './cinema-writer.js';
import { csvWriter } from './csv-writer.js';
import type { Writer } from './writer.js';

const writers: readonly Writer[] = [csvWriter, cinemaWriter];
const byExtension: Readonly<Record<string, Writer>> = { '.csv': csvWriter, '.cdb': cinemaWriter };

export function writerNames(): string[] {
  return writers.map((w) => w.name);
}

/** The writer called `name`, or the one `file`'s extension implies. */
export function writerFor(file: string, name?: string): Writer {
  if (name !== undefined) {
    const w = writers.find((x) => x.name === name.toLowerCase());
    if (!w) throw new StoreError('E_BAD_ARGUMENT', `unknown writer "${name}"; available: ${writerNames().join(', ')}`);
    return w;
  }
  const w = byExtension[path.extname(file).toLowerCase()];
  if (!w) throw new StoreError('E_BAD_ARGUMENT', `cannot tell the writer from "${file}"; give --writer (${writerNames().join(', ')})`);
  return w;
}
