/**
 * The store's record of which files were read into which table, so that reading the same file
 * into the same table again is noticed instead of silently doubling its rows:
 * `dsi_ingested(table_name, file, sha256, bytes, reader, reader_options, rows, read_at)`.
 *
 * A file is "the same" when its content (SHA-256), the reader and the reader's options all match
 * a record for that table: a changed file at the same path is a new file, and the same file read
 * with other options (another `split` of an IDX file, say) gives other rows. Folders (image
 * folders, the environment, Cinema databases) have no single content to hash and are not
 * recorded. The table is one of the store's own (its name starts with `dsi_`, so users' `update`
 * and readers refuse it); `Store` leaves it out of listings, find and search. Every write here
 * happens in the caller's transaction, so a failed read leaves no record.
 *
 * @example
 * const print = await fingerprintFile('runs.csv', 'csv', undefined);
 * const before = print && (await ledger.previous('runs', print)); // { file, rows, read_at } or undefined
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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
  /** The reader's options as canonical JSON (keys sorted), `{}` for none. */
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

/**
 * The fingerprint of reading `file` with `reader` and `options`, or undefined when `file` is not
 * a regular file (a folder). Reads the file once, streaming.
 */
export async function fingerprintFile(file: string, reader: string, options: Readonly<Record<string, unknown>> | undefined): Promise<FileFingerprint | undefined> {
  const stat = await fs.promises.stat(file);
  if (!stat.isFile()) return undefined;
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return { file: path.resolve(file), sha256: hash.digest('hex'), bytes: stat.size, reader, options: canonicalJson(options ?? {}) };
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
