/**
 * `indexFiles`: record every file under a folder in the store's file index (`filesystem`, see
 * file-index-table.ts), incrementally.
 *
 * What it guarantees:
 * - **All or nothing.** The walk, the stats and the checksums happen first, outside any
 *   transaction (the store stays free for other writers meanwhile); the rows are then written
 *   in one transaction, so the index is either the old one or the new one.
 * - **Incremental.** A file already indexed whose size and modification time are unchanged is
 *   left alone (its checksum is added when asked for and missing); a changed one is updated (and
 *   rehashed when checksums are on; without them its old checksum is cleared, never left stale);
 *   a new one is added; a row of a file under the folder that is no longer there is **removed**.
 * - **Unreadable entries are rows, not failures.** A folder or file that may not be read, a broken
 *   symbolic link, a link leading out of the folder: each is listed in the result and recorded
 *   with its reason in the `error` column.
 * - The store's own database file (and its `-wal`, `-shm`, `-journal` companions) and the move
 *   journal are never indexed, so that indexing the store's folder cannot lead `move` to move
 *   the store.
 * - Rows are matched by `uuid`, the UUIDv5 of the file's absolute path (Python's
 *   `uuid.uuid5(uuid.NAMESPACE_URL, path)`), so indexing a folder again from anywhere finds them.
 *
 * @example
 * const r = await indexFiles(store, 'runs', { checksum: true });
 * console.log(r.added, r.changed, r.unchanged, r.removed, r.unreadable);
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import type { Store } from '../store/store.js';
import type { Row } from '../store/types.js';
import { FILE_INDEX_DEFINITION, FILE_INDEX_TABLE, type FileIndexRow, storedPath, toIndexRow } from './file-index-table.js';
import { journalPath } from './move-journal.js';
import { OwnerNames } from './owners.js';
import { pool } from './pool.js';
import { sha256File } from './sha256.js';
import { NAMESPACE_URL, uuid5 } from './uuid5.js';
import { reason, walkFiles } from './walk.js';

export interface IndexFilesOptions {
  /** Record each file's SHA-256 (read every new or changed file whole). Default false. */
  readonly checksum?: boolean;
  readonly onProgress?: ProgressCallback;
}

/** An entry that could not be indexed, and why. */
export interface UnreadableEntry {
  /** Spelled as the index spells paths (relative to the store's folder when inside it). */
  readonly path: string;
  readonly error: string;
}

export interface IndexFilesResult {
  readonly table: string;
  /** The folder indexed, spelled as the index's `root` column. */
  readonly root: string;
  readonly added: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly unreadable: number;
  /** The unreadable entries (also rows of the index, with their `error`). */
  readonly problems: readonly UnreadableEntry[];
}

/** How many rows one insert statement batch carries. */
const INSERT_BATCH = 1000;
/** How many files are hashed at once. */
const HASH_CONCURRENCY = 8;

/** The index's rows as they are, by uuid; empty when there is no index yet. */
export async function readIndex(store: Store): Promise<Map<string, FileIndexRow>> {
  const out = new Map<string, FileIndexRow>();
  if (!(await store.tables()).some((t) => t.toLowerCase() === FILE_INDEX_TABLE)) return out;
  const have = new Set((await store.describe(FILE_INDEX_TABLE)).columns.map((c) => c.name.toLowerCase()));
  const wanted = ['uuid', 'file_origin', 'root', 'size', 'modified_time', 'sha256', 'error'];
  // A table Python DSI wrote lacks some of our columns: read them as NULL.
  const select = wanted.map((c) => (have.has(c) ? `"${c}"` : `NULL AS "${c}"`)).join(', ');
  for (const r of await store.query(`SELECT ${select} FROM "${FILE_INDEX_TABLE}" WHERE "uuid" IS NOT NULL AND "file_origin" IS NOT NULL`)) {
    const row = toIndexRow(r);
    out.set(row.uuid, row);
  }
  return out;
}

/**
 * Index every file under `dir` into the store's `filesystem` table (created when missing), see
 * the file's header for what a second run does. `dir` may lie outside the store's folder: its
 * paths are then recorded absolute.
 */
export async function indexFiles(store: Store, dir: string, options: IndexFilesOptions = {}): Promise<IndexFilesResult> {
  if (typeof dir !== 'string' || dir === '') throw new StoreError('E_BAD_ARGUMENT', `indexFiles: the folder must be a non-empty path, got ${JSON.stringify(dir)}`);
  if (options.checksum !== undefined && typeof options.checksum !== 'boolean') {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `indexFiles: ${o('checksum')} must be true or false, got ${JSON.stringify(options.checksum)}`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    throw new StoreError('E_BAD_ARGUMENT', `indexFiles: cannot index ${dir}: ${reason(e) === 'no longer there' ? 'it does not exist' : reason(e)}`, { file: dir });
  }
  if (!stat.isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `indexFiles: ${dir} is not a folder`, { file: dir });

  const fileRoot = store.fileRoot;
  const rootAbs = path.resolve(dir);
  const root = storedPath(fileRoot, rootAbs);
  const task = `index ${dir}`;
  const before = await readIndex(store);
  const owners = new OwnerNames();
  const now = new Date().toISOString();
  const checksum = options.checksum === true;
  // The store's own database files and move journal are never indexed: moving them would move the store.
  const storeFile = path.resolve(store.location);
  const own = new Set([journalPath(store), ...(fs.existsSync(storeFile) ? ['', '-wal', '-shm', '-journal'].map((x) => storeFile + x) : [])]);

  const writes = new Set<Row>(); // new and changed rows, whole
  const toHash: Row[] = [];
  const seen = new Set<string>();
  const problems: UnreadableEntry[] = [];
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  let done = 0;

  for await (const entry of walkFiles(rootAbs)) {
    if (own.has(entry.abs)) continue;
    const uuid = uuid5(NAMESPACE_URL, entry.abs);
    seen.add(uuid);
    const old = before.get(uuid);
    const s = entry.stats;
    const row: Row = {
      uuid,
      file_origin: storedPath(fileRoot, entry.abs),
      root,
      size: s ? s.size : null,
      modified_time: s ? s.mtime.toISOString() : null,
      created_time: s ? s.ctime.toISOString() : null,
      mode: s ? (s.mode & 0o7777).toString(8).padStart(4, '0') : null,
      uid: s ? s.uid : null,
      user_name: s ? owners.user(s.uid) : null,
      gid: s ? s.gid : null,
      group_name: s ? owners.group(s.gid) : null,
      sha256: null,
      error: entry.kind === 'unreadable' ? entry.error : null,
      indexed_at: now,
    };
    if (entry.kind === 'unreadable') {
      problems.push({ path: String(row['file_origin']), error: entry.error });
      if (old === undefined || old.error !== entry.error || old.root !== root) writes.add(row);
    } else if (old !== undefined && old.error === null && old.size === row['size'] && old.modified_time === row['modified_time'] && old.root === root) {
      unchanged++;
      if (checksum && old.sha256 === null) toHash.push(row); // same file, checksum added
    } else {
      if (old === undefined) added++;
      else changed++;
      writes.add(row);
      if (checksum) toHash.push(row);
    }
    if (++done % 1000 === 0) options.onProgress?.({ task, done, unit: 'files' });
  }
  options.onProgress?.({ task, done, total: done, unit: 'files' });

  if (toHash.length > 0) {
    let hashed = 0;
    await pool(toHash, HASH_CONCURRENCY, async (row) => {
      const file = path.resolve(fileRoot, String(row['file_origin']));
      try {
        row['sha256'] = await sha256File(file);
      } catch (e) {
        row['error'] = `not readable: ${reason(e)}`;
        problems.push({ path: String(row['file_origin']), error: String(row['error']) });
      }
      writes.add(row);
      if (++hashed % 100 === 0 || hashed === toHash.length) options.onProgress?.({ task: `checksums ${dir}`, done: hashed, total: toHash.length, unit: 'files' });
    });
  }

  // Rows of files under the folder that the walk did not see: gone (or moved elsewhere).
  const vanished: string[] = [];
  for (const [uuid, old] of before) {
    if (seen.has(uuid) || old.root === null) continue; // rows without a root are another tool's
    if (path.resolve(fileRoot, old.file_origin) !== rootAbs && isUnder(path.resolve(fileRoot, old.file_origin), rootAbs)) vanished.push(uuid);
  }

  await store.managedTables().transaction(async (tx) => {
    await tx.ensure(FILE_INDEX_DEFINITION);
    const present = new Set((await tx.select(`SELECT "uuid" FROM "${FILE_INDEX_TABLE}"`)).map((r) => String(r['uuid'])));
    const inserts = [...writes].filter((r) => !present.has(String(r['uuid'])));
    for (const r of writes) {
      if (!present.has(String(r['uuid']))) continue;
      const { uuid, ...values } = r;
      await tx.update(FILE_INDEX_TABLE, values, { uuid: uuid ?? null });
    }
    for (let i = 0; i < inserts.length; i += INSERT_BATCH) {
      await tx.insert(FILE_INDEX_TABLE, inserts.slice(i, i + INSERT_BATCH));
      options.onProgress?.({ task: 'write index', done: Math.min(i + INSERT_BATCH, inserts.length), total: inserts.length, unit: 'rows' });
    }
    for (const uuid of vanished) await tx.remove(FILE_INDEX_TABLE, { uuid });
  });
  return { table: FILE_INDEX_TABLE, root, added, changed, unchanged, removed: vanished.length, unreadable: problems.length, problems };
}

function isUnder(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
