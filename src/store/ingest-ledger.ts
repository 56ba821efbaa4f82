/**
 * The store's record of which files were read into which table, so that reading the same file
 * into the same table again is noticed instead of silently doubling its rows:
 * `dsi_ingested(table_name, file, sha256, bytes, reader, reader_options, rows, read_at)`.
 *
 * A file is "the same" when its content (SHA-256), the reader and the reader's options that change
 * its rows all match a record for that table: a changed file at the same path is a new file, and
 * the same file read with other options (another `split` of an IDX file, say) gives other rows.
 * Options count as the reader's `identityOptions` gives them: an option equal to its default
 * (`encoding=utf8`) or without effect on this content (`encoding=latin1` on a pure-ASCII file) is
 * left out, so it cannot make a repeat look new; a reader without that hook has every option
 * count as given. A folder (an image
 * folder, a Cinema database) is fingerprinted by its content: the SHA-256 over every file below
 * it, in path order, of its relative path, size and SHA-256, so adding, removing, renaming or
 * changing any file makes it a new folder. A reader that observes rather than reads content
 * (`env`, whose every read is a new snapshot of the machine) is never recorded. The table is one of the store's own (its name starts with `dsi_`, so users' `update`
 * and readers refuse it); `Store` leaves it out of listings, find and search. Every write here
 * happens in the caller's transaction, so a failed read leaves no record.
 *
 * @example
 * const print = await fingerprintFile('runs.csv', csvReader, undefined);
 * const before = print && (await ledger.previous('runs', print)); // { file, rows, read_at } or undefined
 */
import { isAscii } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Reader } from './reader.js';
import type { Backend } from './backend.js';
import type { Cell } from './types.js';

/** The ledger table's name. */
export const INGESTED_TABLE = 'dsi_ingested';

const COLUMNS = [
  { name: 'table_name', type: 'text' },
  { name: 'file', type: 'text' },
  { name: 'sha256', type: 'text' },
  { name: 'bytes', type: 'integer' },
  { name: 'reader', type: 'text' },
  { name: 'reader_options', type: 'text' },
  { name: 'rows', type: 'integer' },
  { name: 'read_at', type: 'text' },
] as const;

/** What identifies one read of a file: its content, and how it was read. */
export interface FileFingerprint {
  /** The file's absolute path (recorded to name it later; not part of the identity). */
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly reader: string;
  /** The reader's identity options (see the header) as canonical JSON (keys sorted), `{}` for none. */
  readonly options: string;
}

/** An earlier read of the same file into a table. */
export interface PreviousRead {
  readonly file: string;
  readonly rows: number;
  readonly readAt: string;
}

/** JSON with object keys sorted, so equal options give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The SHA-256 of one file's bytes, read streaming, and whether every byte is ASCII. */
async function hashFile(file: string): Promise<{ sha256: string; ascii: boolean }> {
  const hash = crypto.createHash('sha256');
  let ascii = true;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    ascii &&= isAscii(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), ascii };
}

/** The SHA-256 of one file's bytes, read streaming. */
async function sha256OfFile(file: string): Promise<string> {
  return (await hashFile(file)).sha256;
}

/**
 * A folder's content hash and size: every regular file below it (symlinks followed, as readers
 * follow them), sorted by relative path, each contributing `path NUL size NUL sha256 LF`.
 */
async function folderContent(folder: string): Promise<{ sha256: string; bytes: number }> {
  const files: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const relative = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const stat = entry.isSymbolicLink() ? await fs.promises.stat(abs).catch(() => undefined) : undefined;
      if (entry.isDirectory() || stat?.isDirectory()) await walk(abs, relative);
      else if (entry.isFile() || stat?.isFile()) files.push(relative);
    }
  };
  await walk(folder, '');
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for (const rel of files) {
    const abs = path.join(folder, ...rel.split('/'));
    const size = (await fs.promises.stat(abs)).size;
    bytes += size;
    hash.update(`${rel}\0${size}\0${await sha256OfFile(abs)}\n`);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * The fingerprint of reading `file` (a file or a folder, see the header) with `reader` and
 * `options`, or undefined for a reader that observes rather than reads content (`observes`),
 * whose reads are never refused as repeats. Reads the content once, streaming.
 */
export async function fingerprintFile(
  file: string,
  reader: Pick<Reader, 'name' | 'observes' | 'identityOptions'>,
  options: Readonly<Record<string, unknown>> | undefined,
): Promise<FileFingerprint | undefined> {
  if (reader.observes === true) return undefined;
  const stat = await fs.promises.stat(file);
  let content: { sha256: string; bytes: number; ascii: boolean };
  if (stat.isFile()) content = { ...(await hashFile(file)), bytes: stat.size };
  else if (stat.isDirectory()) content = { ...(await folderContent(file)), ascii: false };
  else return undefined;
  const identity = reader.identityOptions === undefined ? (options ?? {}) : reader.identityOptions(options, { ascii: content.ascii });
  return { file: path.resolve(file), sha256: content.sha256, bytes: content.bytes, reader: reader.name, options: canonicalJson(identity) };
}

/** The ledger over `backend`; every method runs in the caller's transaction. */
export class IngestLedger {
  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** The latest earlier read of this file, read the same way, into `table` (matched ignoring case). */
  async previous(table: string, print: FileFingerprint): Promise<PreviousRead | undefined> {
    if (!(await this.#backend.describeTable(INGESTED_TABLE))) return undefined;
    const q = this.#backend.dialect.quote;
    const rows = await this.#backend.select(
      `SELECT file, rows, read_at FROM ${q(INGESTED_TABLE)} WHERE lower(table_name) = lower(?) AND sha256 = ? AND reader = ? AND reader_options = ? ` +
        `ORDER BY ${this.#backend.dialect.insertionOrder} DESC LIMIT 1`,
      [table, print.sha256, print.reader, print.options],
    );
    const r = rows[0];
    return r === undefined ? undefined : { file: String(r['file']), rows: Number(r['rows']), readAt: String(r['read_at']) };
  }

  /** Record that `rows` rows of the fingerprinted file went into `table`. */
  async record(table: string, print: FileFingerprint, rows: number): Promise<void> {
    if (!(await this.#backend.describeTable(INGESTED_TABLE))) {
      await this.#backend.createTable({ name: INGESTED_TABLE, columns: COLUMNS, foreignKeys: [], uniqueColumns: [] });
    }
    const inserter = await this.#backend.openInserter(INGESTED_TABLE, COLUMNS.map((c) => c.name));
    const row: Cell[] = [table, print.file, print.sha256, print.bytes, print.reader, print.options, rows, new Date().toISOString()];
    await inserter.insert([row]);
  }

  /** Forget every read into `table` (its rows were replaced). */
  async forget(table: string): Promise<void> {
    if (!(await this.#backend.describeTable(INGESTED_TABLE))) return;
    await this.#backend.execute(`DELETE FROM ${this.#backend.dialect.quote(INGESTED_TABLE)} WHERE lower(table_name) = lower(?)`, [table]);
  }
}
