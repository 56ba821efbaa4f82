/**
 * `moveFiles`: move the files of the store's file index to another folder, keeping their layout,
 * and switch every path the store holds to the new place; `recoverMove` finishes or rolls back a
 * move that was killed.
 *
 * The order, and why a failure anywhere loses nothing:
 * 1. **Plan and check** (nothing written): every indexed file is still there with its indexed
 *    size, no two files land on the same target, no target exists, no file the store's own
 *    workflows reference (`ml_*` tables) is among them. Layout: `DEST/<name of the indexed
 *    folder>/<path below it>`, as Python DSI's `Sync` lays out its copies.
 * 2. **Journal** (move-journal.ts) written, state `copying`.
 * 3. **Copy and verify**: each file is copied to a temporary name beside its target, fsynced, its
 *    SHA-256 compared with the source's (the index's checksum, or the source read again), given
 *    the source's mode and times, then put in place. Any failure removes the copies made so far:
 *    the sources and the store are as before.
 * 4. Journal state `copied`; then **one transaction** switches the index rows (path, root, uuid,
 *    checksum) and every `FILE…` cell of users' tables naming a moved file.
 * 5. **Sources removed** (and the folders this leaves empty). A source that cannot be removed is
 *    reported, not fatal: the file then exists twice, and the store names the copy.
 *
 * @example
 * await indexFiles(store, 'runs', { checksum: true });
 * const r = await moveFiles(store, '/archive/project');
 * // runs/a.png is now /archive/project/runs/a.png, in the index and in every FILE… column
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isFileColumn, isUrl } from '../file-columns.js';
import { StoreError } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import type { ManagedTransaction } from '../store/managed-tables.js';
import { isStoreTable } from '../store/reserved-tables.js';
import type { Store } from '../store/store.js';
import { FILE_INDEX_TABLE, storedPath } from './file-index-table.js';
import { readIndex } from './index-files.js';
import { type JournalFile, type MoveJournal, journalPath, readJournal, writeJournal } from './move-journal.js';
import { pool } from './pool.js';
import { sha256File } from './sha256.js';
import { NAMESPACE_URL, uuid5 } from './uuid5.js';
import { reason } from './walk.js';

/** Points where a test (or a caller) can step in; a hook that throws fails the move there. */
export interface MoveHooks {
  /** Before a file is copied. */
  readonly beforeCopy?: (file: { readonly from: string; readonly to: string }) => void | Promise<void>;
  /** After a file is copied to `copy` (its temporary name), before the copy is verified. */
  readonly afterCopy?: (file: { readonly from: string; readonly to: string; readonly copy: string }) => void | Promise<void>;
  /** After the store names the new paths, before any source is removed. */
  readonly afterCommit?: () => void | Promise<void>;
}

export interface MoveFilesOptions {
  readonly onProgress?: ProgressCallback;
  readonly hooks?: MoveHooks;
}

export interface MoveFilesResult {
  /** What became of a move found killed before this one started. */
  readonly recovered?: RecoverResult;
  /** Files copied, verified and switched to (their sources removed, but for `notRemoved`). */
  readonly moved: number;
  readonly bytes: number;
  /** Indexed files already where the move would put them. */
  readonly alreadyThere: number;
  /** Index rows left alone because they record an unreadable entry. */
  readonly skipped: number;
  /** `FILE…` cells of users' tables switched to a new path. */
  readonly rewritten: number;
  /** Sources that could not be removed after the switch (each then exists twice). */
  readonly notRemoved: readonly { readonly path: string; readonly error: string }[];
}

export interface RecoverResult {
  readonly outcome: 'finished' | 'rolled back';
  readonly files: number;
  readonly notRemoved: readonly { readonly path: string; readonly error: string }[];
}

const partialOf = (to: string) => path.join(path.dirname(to), `.${path.basename(to)}.dsi-partial`);

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The `FILE…` cells to switch: for each users' table and `FILE…` column, the distinct values
 * that name a moved file (resolved against the store's folder), and what each becomes (spelled
 * as it was: absolute stays absolute). Throws when a table the store keeps itself names one.
 */
async function fileCellChanges(
  tx: Pick<ManagedTransaction, 'fileColumns' | 'select'>,
  fileRoot: string,
  target: ReadonlyMap<string, string>,
): Promise<{ table: string; column: string; from: string; to: string }[]> {
  const out: { table: string; column: string; from: string; to: string }[] = [];
  for (const { table, column } of await tx.fileColumns()) {
    if (table.toLowerCase() === FILE_INDEX_TABLE) continue;
    const values = await tx.select(`SELECT DISTINCT "${column.replace(/"/g, '""')}" AS v FROM "${table.replace(/"/g, '""')}"`);
    for (const { v } of values) {
      if (typeof v !== 'string' || v === '' || isUrl(v)) continue;
      const to = target.get(path.resolve(fileRoot, v));
      if (to === undefined) continue;
      if (isStoreTable(table)) {
        throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${v} is referenced by ${table}.${column}, a table the store's workflows keep; their files stay in the store's data folder, so it is not moved (nothing was)`);
      }
      out.push({ table, column, from: v, to: path.isAbsolute(v) ? to : storedPath(fileRoot, to) });
    }
  }
  return out;
}

/** Switch the index rows and `FILE…` cells to the new paths, in one transaction; returns cells changed. */
async function commitMove(store: Store, files: readonly JournalFile[]): Promise<number> {
  const fileRoot = store.fileRoot;
  const target = new Map(files.map((f) => [f.from, f.to]));
  return store.managedTables().transaction(async (tx) => {
    let cells = 0;
    for (const c of await fileCellChanges(tx, fileRoot, target)) cells += await tx.replaceFilePath(c.table, c.column, c.from, c.to);
    const present = new Set((await tx.select(`SELECT "uuid" FROM "${FILE_INDEX_TABLE}"`)).map((r) => String(r['uuid'])));
    for (const f of files) {
      const uuid = uuid5(NAMESPACE_URL, f.to);
      if (present.has(uuid)) await tx.remove(FILE_INDEX_TABLE, { uuid }); // a stale row of a file once at the target
      await tx.update(
        FILE_INDEX_TABLE,
        { uuid, file_origin: storedPath(fileRoot, f.to), root: storedPath(fileRoot, f.root), sha256: f.sha256, error: null },
        { uuid: f.uuid },
      );
    }
    return cells;
  });
}

/** Remove the copies of a move that did not happen (never one whose source is gone). */
async function rollBack(files: readonly JournalFile[]): Promise<void> {
  for (const f of files) {
    await fsp.rm(partialOf(f.to), { force: true }).catch(() => undefined);
    if (await exists(f.from)) await fsp.rm(f.to, { force: true }).catch(() => undefined);
  }
}

/** Remove the sources whose copy is in place, then the folders this empties (up to, not including, `stopAt`). */
async function removeSources(files: readonly JournalFile[], stopAt: ReadonlySet<string>): Promise<{ path: string; error: string }[]> {
  const notRemoved: { path: string; error: string }[] = [];
  const folders = new Set<string>();
  await pool(files, COPY_CONCURRENCY, async (f) => {
    try {
      if (await exists(f.to)) {
        await fsp.rm(f.from, { force: true });
        folders.add(path.dirname(f.from));
      } else notRemoved.push({ path: f.from, error: `its copy ${f.to} is missing` });
    } catch (e) {
      notRemoved.push({ path: f.from, error: reason(e) });
    }
  });
  // Deepest first; rmdir refuses a folder that is not empty, which is what we want.
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) {
    for (let d = folder; !stopAt.has(d) && d !== path.dirname(d); d = path.dirname(d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        break;
      }
    }
  }
  return notRemoved;
}

/**
 * Finish or roll back a move that was killed (see move-journal.ts); undefined when there was
 * none. `moveFiles` calls it first, so running the same move again is the way to recover.
 */
export async function recoverMove(store: Store): Promise<RecoverResult | undefined> {
  const file = journalPath(store);
  const journal = readJournal(file);
  if (journal === undefined) return undefined;
  const files = journal.files;
  let outcome: RecoverResult['outcome'] = 'rolled back';
  let notRemoved: { path: string; error: string }[] = [];
  if (journal.state === 'copying') {
    await rollBack(files);
  } else {
    const first = files[0];
    // Switched: the first file's row carries its new id and its old one is gone (a stale row
    // of the target alone proves nothing; the switch replaces both in one transaction).
    const has = async (uuid: string) => (await store.query(`SELECT 1 AS hit FROM "${FILE_INDEX_TABLE}" WHERE "uuid" = ?`, [uuid])).length > 0;
    const switched = first !== undefined && (await has(uuid5(NAMESPACE_URL, first.to))) && !(await has(first.uuid));
    let ready = switched;
    if (!switched) {
      ready = true;
      for (const f of files) {
        if (!(await exists(f.to)) || (await sha256File(f.to).catch(() => null)) !== f.sha256) {
          ready = false;
          break;
        }
      }
      if (ready) await commitMove(store, files);
      else await rollBack(files);
    }
    if (ready) {
      outcome = 'finished';
      notRemoved = await removeSources(files, journalRoots(journal));
    }
  }
  await fsp.rm(file, { force: true });
  return { outcome, files: files.length, notRemoved };
}

/** The source folders a journal's files were indexed under (recorded as the layout's first level). */
function journalRoots(journal: MoveJournal): Set<string> {
  const roots = new Set<string>();
  for (const f of journal.files) {
    // to = dest/<root name>/<rel>, from = <old root>/<rel>: the old root is `from` less <rel>.
    const rel = path.relative(f.root, f.to);
    roots.add(f.from.slice(0, f.from.length - rel.length - 1));
  }
  return roots;
}

/** How many files are copied and verified at once (their fsyncs overlap). */
const COPY_CONCURRENCY = 8;

/**
 * Copy `f.from` to a temporary name beside `f.to`, fsync it, check its SHA-256 against the
 * source's, give it the source's mode and times, and put it in place without replacing anything.
 */
async function copyVerified(f: JournalFile, hooks: MoveHooks): Promise<void> {
  const copy = partialOf(f.to);
  await hooks.beforeCopy?.({ from: f.from, to: f.to });
  await fsp.mkdir(path.dirname(f.to), { recursive: true });
  await fsp.copyFile(f.from, copy, fs.constants.COPYFILE_EXCL);
  await hooks.afterCopy?.({ from: f.from, to: f.to, copy });
  const handle = await fsp.open(copy, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  const expected = f.sha256 ?? (await sha256File(f.from));
  const actual = await sha256File(copy);
  if (actual !== expected) {
    throw new StoreError('E_FILE', `moveFiles: the copy of ${f.from} does not match it (SHA-256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…)`, { file: f.from });
  }
  f.sha256 = expected;
  const s = await fsp.stat(f.from);
  await fsp.chmod(copy, s.mode & 0o7777);
  await fsp.utimes(copy, s.atimeMs / 1000, s.mtimeMs / 1000);
  // A hard link never replaces what appeared at the target meanwhile; rename where links are not supported.
  try {
    await fsp.link(copy, f.to);
    await fsp.rm(copy);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw e;
    await fsp.rename(copy, f.to);
  }
}

/**
 * Move every readable file of the store's file index into `dest` (see the file's header for the
 * order and what a failure leaves). Files already at their target are left; index rows that
 * record an unreadable entry are skipped.
 */
export async function moveFiles(store: Store, dest: string, options: MoveFilesOptions = {}): Promise<MoveFilesResult> {
  if (typeof dest !== 'string' || dest === '') throw new StoreError('E_BAD_ARGUMENT', `moveFiles: the destination must be a non-empty path, got ${JSON.stringify(dest)}`);
  const destAbs = path.resolve(dest);
  const destStat = await fsp.stat(destAbs).catch(() => undefined);
  if (destStat !== undefined && !destStat.isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: the destination ${dest} is a file, not a folder`, { file: dest });
  const recovered = await recoverMove(store);
  const fileRoot = store.fileRoot;

  // 1. Plan and check.
  if (!(await store.tables()).some((t) => t.toLowerCase() === FILE_INDEX_TABLE)) {
    throw new StoreError('E_TABLE_MISSING', `moveFiles: the store has no file index (table "${FILE_INDEX_TABLE}"); index a folder first (indexFiles)`);
  }
  const rows = [...(await readIndex(store)).values()];
  const files: JournalFile[] = [];
  const targets = new Map<string, string>();
  let alreadyThere = 0;
  let skipped = 0;
  for (const r of rows) {
    if (r.error !== null || r.root === null) {
      skipped++;
      continue;
    }
    const from = path.resolve(fileRoot, r.file_origin);
    const rootAbs = path.resolve(fileRoot, r.root);
    const root = path.join(destAbs, path.basename(rootAbs));
    const to = path.join(root, path.relative(rootAbs, from));
    if (to === from) {
      alreadyThere++;
      continue;
    }
    const twin = targets.get(to);
    if (twin !== undefined) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${twin} and ${from} would both become ${to} (two indexed folders with the same name); nothing was moved`);
    targets.set(to, from);
    files.push({ uuid: r.uuid, from, to, root, size: r.size ?? 0, sha256: r.sha256 });
  }
  const sources = new Set(files.map((f) => f.from));
  for (const f of files) {
    if (sources.has(f.to)) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${f.from} would be copied over ${f.to}, another indexed file; nothing was moved`);
    if (await exists(f.to)) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${f.to} already exists; nothing was moved (a move never replaces a file)`, { file: f.to });
    const s = await fsp.stat(f.from).catch(() => undefined);
    if (s === undefined) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${f.from} is in the index but no longer there; index its folder again (nothing was moved)`, { file: f.from });
    if (s.size !== f.size) throw new StoreError('E_BAD_ARGUMENT', `moveFiles: ${f.from} changed since it was indexed (${f.size} bytes then, ${s.size} now); index its folder again (nothing was moved)`, { file: f.from });
  }
  const target = new Map(files.map((f) => [f.from, f.to]));
  // Refuses files the store's own tables reference, before anything is written.
  await fileCellChanges(
    { fileColumns: () => fileColumnsOf(store), select: (sql) => store.query(sql) },
    fileRoot,
    target,
  );
  if (files.length === 0) return { ...(recovered ? { recovered } : {}), moved: 0, bytes: 0, alreadyThere, skipped, rewritten: 0, notRemoved: [] };

  // 2. Journal.
  const journalFile = journalPath(store);
  const journal: MoveJournal = { format: 1, state: 'copying', dest: destAbs, files };
  await writeJournal(journalFile, journal);

  // 3. Copy and verify.
  const total = files.reduce((n, f) => n + f.size, 0);
  const task = `move to ${dest}`;
  let bytes = 0;
  const hooks = options.hooks ?? {};
  const folders = new Set<string>();
  let failed: JournalFile | undefined;
  try {
    await pool(files, COPY_CONCURRENCY, async (f) => {
      try {
        await copyVerified(f, hooks);
      } catch (e) {
        failed ??= f;
        throw e;
      }
      folders.add(path.dirname(f.to));
      bytes += f.size;
      options.onProgress?.({ task, done: bytes, total, unit: 'bytes' });
    });
  } catch (e) {
    await rollBack(files);
    await fsp.rm(journalFile, { force: true });
    const why = e instanceof StoreError ? e.message : `moveFiles: cannot copy ${failed?.from} to ${failed?.to}: ${reason(e)}`;
    throw new StoreError('E_FILE', `${why}; nothing was moved: the copies made are removed, the sources and the store are unchanged`, { ...(failed ? { file: failed.from } : {}), cause: e });
  }
  for (const folder of folders) {
    const handle = await fsp.open(folder, 'r');
    await handle.sync().finally(() => handle.close());
  }

  // 4. Switch the store, in one transaction.
  journal.state = 'copied';
  await writeJournal(journalFile, journal);
  let rewritten: number;
  try {
    rewritten = await commitMove(store, files);
  } catch (e) {
    await rollBack(files);
    await fsp.rm(journalFile, { force: true });
    throw e;
  }
  await hooks.afterCommit?.();

  // 5. Remove the sources.
  const notRemoved = await removeSources(files, journalRoots(journal));
  await fsp.rm(journalFile, { force: true });
  return { ...(recovered ? { recovered } : {}), moved: files.length, bytes, alreadyThere, skipped, rewritten, notRemoved };
}

/** Every FILE… column of the store's tables, read through its public API. */
async function fileColumnsOf(store: Store): Promise<{ table: string; column: string }[]> {
  const out: { table: string; column: string }[] = [];
  for (const t of await store.tables()) {
    for (const c of (await store.describe(t)).columns) if (isFileColumn(c.name)) out.push({ table: t, column: c.name });
  }
  return out;
}
