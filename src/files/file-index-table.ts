/**
 * The file index: the store's reserved table `filesystem` (Python DSI's `Sync` keeps its index
 * under that name, so stores interoperate), its columns, and how its paths are spelled.
 *
 * **Why here, above `store/`.** The index is written through the store's public API only
 * (`Store.managedTables()`, `Store.query`), so it lives in its own layer between the store and
 * the front ends; the store itself knows only the table's name (`FILE_INDEX_TABLE`, a managed
 * and protected table) and offers the one write the index needs beyond its own table: replacing
 * a moved file's path in `FILE…` columns, in the same transaction.
 *
 * **Paths.** `file_origin` is spelled as every `FILE…` path of the store: relative to the folder
 * that holds the store file when the file lies inside it, absolute otherwise. `root` is the folder
 * that was indexed, spelled the same way. So `path.resolve(store.fileRoot, file_origin)` is the
 * file, whichever folder was indexed, and a `FILE…` cell naming the same file can be matched and
 * rewritten when the file moves.
 */
import path from 'node:path';
import { isInside } from '../contained-path.js';
import type { ManagedTableDefinition } from '../store/managed-tables.js';
import { FILE_INDEX_TABLE } from '../store/reserved-tables.js';

export { FILE_INDEX_TABLE };

/** The index's columns: Python DSI's names where it has the same fact, ours for the rest. */
export const FILE_INDEX_DEFINITION: ManagedTableDefinition = Object.freeze({
  name: FILE_INDEX_TABLE,
  columns: Object.freeze([
    { name: 'uuid', type: 'text' }, // UUIDv5 (URL namespace) of the absolute path
    { name: 'file_origin', type: 'text' }, // the file, spelled as FILE paths are
    { name: 'root', type: 'text' }, // the folder indexed, spelled the same way
    { name: 'size', type: 'integer' }, // bytes
    { name: 'modified_time', type: 'text' }, // mtime, ISO 8601 UTC
    { name: 'created_time', type: 'text' }, // ctime (last status change on POSIX), ISO 8601 UTC
    { name: 'mode', type: 'text' }, // permission bits in octal, e.g. 0644
    { name: 'uid', type: 'integer' },
    { name: 'user_name', type: 'text' },
    { name: 'gid', type: 'integer' },
    { name: 'group_name', type: 'text' },
    { name: 'sha256', type: 'text' }, // NULL unless checksums were asked for
    { name: 'error', type: 'text' }, // NULL, or why the entry could not be indexed
    { name: 'indexed_at', type: 'text' }, // when the row was last written, ISO 8601 UTC
  ] as const),
  primaryKey: 'uuid',
});

/** One row of the index as the library reads it. */
export interface FileIndexRow {
  readonly uuid: string;
  readonly file_origin: string;
  readonly root: string | null;
  readonly size: number | null;
  readonly modified_time: string | null;
  readonly sha256: string | null;
  readonly error: string | null;
}

/** `abs` spelled as the store spells paths: relative to `fileRoot` when inside it, absolute otherwise. */
export function storedPath(fileRoot: string, abs: string): string {
  return isInside(abs, fileRoot) ? path.relative(fileRoot, abs) || '.' : abs;
}

/** Text of `value` read from a row, or null (the index's cells are text, numbers or NULL). */
export function textCell(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A number of a row, or null. */
export function numberCell(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** The index row of a query result row. */
export function toIndexRow(r: Readonly<Record<string, unknown>>): FileIndexRow {
  return {
    uuid: String(r['uuid']),
    file_origin: String(r['file_origin']),
    root: textCell(r['root']),
    size: numberCell(r['size']),
    modified_time: textCell(r['modified_time']),
    sha256: textCell(r['sha256']),
    error: textCell(r['error']),
  };
}
