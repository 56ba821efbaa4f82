/**
 * A streaming walk of a folder tree for the file index: folders are read entry by entry
 * (`opendir`), files stat'ed in batches, and what cannot be read is yielded as an entry of its
 * own instead of ending the walk. A regular file is stat'ed synchronously (100,000 files: 2.0 s
 * against 3.4 s through the thread pool, measured on a loaded 2-core AMD EPYC); the event loop
 * runs between batches of {@link STAT_BATCH}, so a server calling it stays responsive.
 *
 * What it yields:
 * - every regular file below `root`, with its `stat`;
 * - a symbolic link to a regular file inside `root`, as a file (the target's `stat`);
 * - an **unreadable** entry, with the reason, for a folder it may not read, a broken symbolic
 *   link, a symbolic link that leads out of `root` (never followed), a file it may not stat.
 *
 * Symbolic links to folders are not descended (the folder's files are reached through their
 * real path when it lies inside `root`; that also rules out cycles). Sockets, FIFOs and devices
 * are skipped: they hold no data to index.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../contained-path.js';

export type WalkEntry =
  | { readonly kind: 'file'; readonly abs: string; readonly stats: fs.Stats }
  | { readonly kind: 'unreadable'; readonly abs: string; readonly error: string; readonly stats?: fs.Stats };

/** How many entries are stat'ed at once. */
const STAT_BATCH = 128;

/** The reason of a file system error, as a short phrase (`permission denied`). */
export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no longer there';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EIO':
      return 'input/output error';
    case 'EEXIST':
    case 'EISDIR':
      return 'something is already there';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return code ?? (e instanceof Error ? e.message : String(e));
  }
}

async function classify(abs: string, dirent: fs.Dirent, realRoot: string): Promise<WalkEntry | undefined> {
  if (dirent.isFile()) {
    try {
      return { kind: 'file', abs, stats: fs.statSync(abs) };
    } catch (e) {
      return { kind: 'unreadable', abs, error: reason(e) };
    }
  }
  if (!dirent.isSymbolicLink()) return undefined;
  const link = await fsp.lstat(abs).catch(() => undefined);
  let real: string;
  try {
    real = await fsp.realpath(abs);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'broken symbolic link' : reason(e);
    return { kind: 'unreadable', abs, error: why, ...(link ? { stats: link } : {}) };
  }
  if (!isInside(real, realRoot)) {
    return { kind: 'unreadable', abs, error: `symbolic link to ${real}, outside the indexed folder; not followed`, ...(link ? { stats: link } : {}) };
  }
  try {
    const stats = await fsp.stat(abs);
    return stats.isFile() ? { kind: 'file', abs, stats } : undefined;
  } catch (e) {
    return { kind: 'unreadable', abs, error: reason(e), ...(link ? { stats: link } : {}) };
  }
}

/** Every file (and unreadable entry) below `root`, folder by folder, in no particular order. */
export async function* walkFiles(root: string): AsyncGenerator<WalkEntry> {
  const realRoot = await fsp.realpath(root);
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    let dir: fs.Dir;
    try {
      dir = await fsp.opendir(folder, { bufferSize: 256 });
    } catch (e) {
      yield { kind: 'unreadable', abs: folder, error: `folder not readable: ${reason(e)}` };
      continue;
    }
    let batch: fs.Dirent[] = [];
    const flush = async function* (): AsyncGenerator<WalkEntry> {
      const found = await Promise.all(batch.map((d) => classify(path.join(folder, d.name), d, realRoot)));
      batch = [];
      for (const f of found) if (f !== undefined) yield f;
    };
    try {
      for await (const d of dir) {
        if (d.isDirectory()) {
          folders.push(path.join(folder, d.name));
          continue;
        }
        batch.push(d);
        if (batch.length >= STAT_BATCH) yield* flush();
      }
    } catch (e) {
      yield { kind: 'unreadable', abs: folder, error: `folder not fully readable: ${reason(e)}` };
    }
    yield* flush();
  }
}
