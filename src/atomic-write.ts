/**
 * Atomic replacement of a file or a folder: the one way the project writes anything a reader may
 * open while it is written, or a killed process must not leave half written (checkpoints,
 * safetensors, sample grids, plots, prediction batches, exports, caches, downloads).
 *
 * **The guarantee.** After `kill -9` or a power cut at any point, the target holds its complete
 * old content (or is absent, when there was none) or its complete new content: never a mix,
 * never a prefix, never an empty file. New files and folders get the store's modes, 0640 and
 * 0750 (no world access; the umask can only narrow them).
 *
 * - **Files:** the bytes go to a temporary file in the same folder, which is fsynced, renamed
 *   over the target, and the folder fsynced so that the rename is durable too.
 * - **Folders:** filled under a temporary name beside the target, every file and folder in it
 *   fsynced, then renamed into place. A folder cannot be renamed over a non-empty one and Node
 *   has no atomic exchange (Linux's `renameat2(RENAME_EXCHANGE)`), so *replacing* a folder takes
 *   two renames: the old folder moves aside (`.NAME.dsi-old-…`), the new one takes its name. A
 *   process killed between them leaves the target absent and the complete old folder aside;
 *   {@link recoverFolderSync} (run by every write into the same parent and by readers before they
 *   open a folder) renames it back, so the old content is what the next reader sees. Where a
 *   pointer exists, writers avoid the window altogether: a checkpoint goes to a folder named by
 *   its epoch and step and `ml_runs.FILE_checkpoint` switches to it; a prediction batch goes to a
 *   folder named by a fresh call id and its rows switch it on. Nothing is replaced there.
 *
 * **What a file write replaces.** A regular file, or nothing. A symbolic link is followed: the file
 * it names (at the end of a chain of links; created when missing) is replaced, and the link stays,
 * as writing through a link in a shell would. Anything else at the target (a character or block
 * device, a FIFO, a socket) is refused with a `StoreError` `E_UNSAFE_PATH` naming it, before any
 * byte is written: renaming over `/dev/null` would destroy the system's node.
 *
 * **Temporaries and who may remove them.** Every temporary is named
 * `.NAME.dsi-tmp-HOST-PID-RANDOM` (or `dsi-old-` for a folder moved aside), beside its target:
 * HOST is a hash of the machine's name, PID the writing process. Every write sweeps its parent
 * folder ({@link sweepStaleSync}) and removes the temporaries whose writer is gone: written on
 * this machine by a process that no longer exists, or written on another machine (a data folder
 * shared over NFS) and untouched for {@link FOREIGN_STALE_MS}. A temporary of a live process —
 * another write still running — is never touched, nor one of this process.
 *
 * ```ts
 * writeFileAtomicSync('run/samples/epoch-0001.png', png);
 * replaceFolderSync('run/checkpoints/epoch-0001', (temp) => model.save(path.join(temp, 'model.safetensors')));
 * ```
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreError } from './errors.js';

/** Mode of every file written (the store's own: owner read-write, group read). */
export const FILE_MODE = 0o640;
/** Mode of every folder made (the store's own: owner all, group read and enter). */
export const FOLDER_MODE = 0o750;
/** A temporary written on another machine is abandoned after this long untouched (its process cannot be asked). */
export const FOREIGN_STALE_MS = 24 * 60 * 60 * 1000;

/** The protocol's steps, in order, as {@link AtomicWriteOptions.onStep} sees them. */
export type AtomicStep = 'temp-synced' | 'old-moved-aside' | 'renamed' | 'old-removed';

export interface AtomicWriteOptions {
  /** Mode of a new file (default {@link FILE_MODE}) or folder (default {@link FOLDER_MODE}). */
  readonly mode?: number;
  /** Called after each step of the protocol; the crash tests end the process there. */
  readonly onStep?: (step: AtomicStep) => void;
}

/** A temporary target being written: fill `temp`, then `commit()` it into place or `abort()` it. */
export interface AtomicTarget {
  /** The temporary file or folder to write (beside the target, same file system). */
  readonly temp: string;
  /** Makes the written content durable and puts it in the target's place. */
  commit(): void;
  /** Removes the temporary (after a failure); harmless after `commit`. */
  abort(): void;
}

/** This machine, as temporaries' names record it (a hash of its host name). */
export const THIS_HOST = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
const HOST = THIS_HOST;
const TEMP_NAME = /^\.(.+)\.dsi-(tmp|old)-([0-9a-f]{8})-([1-9]\d*)-([0-9a-f]{8})$/s;

/** A fresh temporary name beside `target`. */
function tempPath(target: string, kind: 'tmp' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.dsi-${kind}-${HOST}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

/** Whether process `pid` of this machine exists (EPERM: it does, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a temporary written by process `pid` on the machine hashed `host`, last touched at
 * `mtimeMs`, belongs to a write that can no longer finish (the rule in the file comment).
 */
export function isAbandoned(host: string, pid: number, mtimeMs: number, nowMs = Date.now()): boolean {
  if (host !== HOST) return nowMs - mtimeMs > FOREIGN_STALE_MS;
  return pid !== process.pid && !processAlive(pid);
}

/** Flushes a folder's entries (the renames in it) to disk; a platform that cannot is left alone. */
function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a folder for fsync; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Flushes every file and folder below `root` (symbolic links are left as they are). */
function fsyncTree(root: string): void {
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) fsyncTree(p);
    else if (entry.isFile()) {
      const fd = fs.openSync(p, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  fsyncFolder(root);
}

/**
 * Removes a file or folder (absent is fine) so that a kill midway leaves an abandoned temporary
 * for the next sweep, never a partial `p`.
 */
export function removeTreeSync(p: string): void {
  const doomed = tempPath(p, 'tmp');
  try {
    fs.renameSync(p, doomed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  fs.rmSync(doomed, { recursive: true, force: true });
}

/**
 * Removes the entries of `folder` that `isStale(name, entryPath)` names: the staging left by
 * earlier versions, whose names predate the temporaries {@link sweepStaleSync} knows. A folder
 * that cannot be listed, or an entry removed meanwhile by another process, is skipped.
 */
export function removeStaleEntriesSync(folder: string, isStale: (name: string, entry: string) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const entry = path.join(folder, name);
    try {
      if (isStale(name, entry)) removeTreeSync(entry);
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/**
 * Cleans what killed writes left in `folder`: temporaries of dead writers are removed, and a
 * folder moved aside by a writer killed mid-swap is renamed back when its target is missing.
 * Returns how many entries it removed or restored. A folder that cannot be listed is skipped.
 */
export function sweepStaleSync(folder: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return 0;
  }
  let changed = 0;
  const nowMs = Date.now();
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null) continue;
    const [, base, kind, host, pid] = m as unknown as [string, string, 'tmp' | 'old', string, string];
    const entry = path.join(folder, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(entry);
    } catch {
      continue; // another sweep got there first
    }
    if (!isAbandoned(host, Number(pid), stat.mtimeMs, nowMs)) continue;
    const target = path.join(folder, base);
    try {
      if (kind === 'old' && !fs.existsSync(target)) fs.renameSync(entry, target);
      else removeTreeSync(entry);
      changed++;
    } catch {
      // Another process restored or removed it meanwhile.
    }
  }
  if (changed > 0) fsyncFolder(folder);
  return changed;
}

/**
 * Restores `folder` if a writer was killed while the folder was moved aside (see the file
 * comment), and cleans the other leftovers beside it. Readers call it before opening a folder
 * that is replaced in place.
 */
export function recoverFolderSync(folder: string): void {
  sweepStaleSync(path.dirname(path.resolve(folder)));
}

/**
 * A private folder for this process's work inside `parent` (made with its parents), named as a
 * temporary so that {@link sweepStaleSync} removes it once this process is gone. The caller
 * removes it when done.
 */
export function makeStagingFolderSync(parent: string, name: string): string {
  makeFolderSync(parent);
  sweepStaleSync(parent);
  const folder = tempPath(path.join(parent, name), 'tmp');
  fs.mkdirSync(folder, { mode: FOLDER_MODE });
  return folder;
}

/** Makes `folder` and its missing parents with {@link FOLDER_MODE}. */
export function makeFolderSync(folder: string): void {
  fs.mkdirSync(folder, { recursive: true, mode: FOLDER_MODE });
}

/** What a non-regular file is, in words. */
function kindOf(stat: fs.Stats): string {
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  return 'something other than a file';
}

/** Links followed before a chain is taken for a loop (Linux's own limit). */
const MAX_LINKS = 40;

/**
 * The path a file write of `file` replaces: `file` itself when it is a regular file, a folder or
 * absent; the file a symbolic link names (following a chain); a device, FIFO or socket refused
 * (see the file comment). A path that cannot be examined is returned as it is, so that the write
 * fails on it with the system's own error.
 */
export function fileWriteTarget(file: string): string {
  let target = file;
  for (let links = 0; ; links++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(target);
    } catch {
      return target;
    }
    if (stat.isSymbolicLink()) {
      if (links >= MAX_LINKS) throw new StoreError('E_UNSAFE_PATH', `cannot write ${file}: more than ${MAX_LINKS} symbolic links in a chain (a loop?)`, { file });
      target = path.resolve(path.dirname(target), fs.readlinkSync(target));
      continue;
    }
    if (stat.isFile() || stat.isDirectory()) return target;
    const through = target === file ? '' : ` (the link leads to ${target})`;
    throw new StoreError('E_UNSAFE_PATH', `cannot write ${file}${through}: it is ${kindOf(stat)}, not a regular file; refusing to replace it`, { file });
  }
}

function writeAll(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Renames the finished temporary file `temp` over `file` and makes the rename durable. */
function commitFile(temp: string, file: string, options: AtomicWriteOptions): void {
  options.onStep?.('temp-synced');
  fs.renameSync(temp, file);
  options.onStep?.('renamed');
  fsyncFolder(path.dirname(file));
}

/**
 * Writes `data` to `file` atomically (see the file comment). The folder must exist; an existing
 * file is replaced (through a symbolic link; a device, FIFO or socket is refused). On failure the temporary is removed and the system error thrown as is.
 */
export function writeFileAtomicSync(given: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const file = fileWriteTarget(given);
  sweepStaleSync(path.dirname(file));
  const temp = tempPath(file, 'tmp');
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', options.mode ?? FILE_MODE);
    writeAll(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    commitFile(temp, file, options);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

/** {@link writeFileAtomicSync} without blocking the event loop while the bytes are written and flushed. */
export async function writeFileAtomic(given: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const file = fileWriteTarget(given);
  sweepStaleSync(path.dirname(file));
  const temp = tempPath(file, 'tmp');
  try {
    const handle = await fsp.open(temp, 'wx', options.mode ?? FILE_MODE);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    commitFile(temp, file, options);
  } catch (e) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Starts an atomic write of `file` that the caller streams itself: `temp` exists (empty, with the
 * mode) and is written by path; `commit()` flushes it and renames it over `file` (the file a
 * symbolic link names; a device, FIFO or socket is refused here, before anything is written).
 */
export function beginAtomicFileSync(given: string, options: AtomicWriteOptions = {}): AtomicTarget {
  const file = fileWriteTarget(given);
  sweepStaleSync(path.dirname(file));
  const temp = tempPath(file, 'tmp');
  fs.closeSync(fs.openSync(temp, 'wx', options.mode ?? FILE_MODE));
  return {
    temp,
    commit() {
      const fd = fs.openSync(temp, 'r+');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      commitFile(temp, file, options);
    },
    abort() {
      fs.rmSync(temp, { force: true });
    },
  };
}

/**
 * Starts an atomic write of the folder `folder`: `temp` is an empty folder beside it (missing
 * parents are made with {@link FOLDER_MODE}); `commit()` flushes everything in it and puts it in
 * `folder`'s place, replacing an existing folder by the recovered two-rename swap of the file
 * comment.
 */
export function beginAtomicFolderSync(folder: string, options: AtomicWriteOptions = {}): AtomicTarget {
  const target = path.resolve(folder);
  makeFolderSync(path.dirname(target));
  sweepStaleSync(path.dirname(target));
  const temp = tempPath(target, 'tmp');
  fs.mkdirSync(temp, { mode: options.mode ?? FOLDER_MODE });
  return {
    temp,
    commit() {
      fsyncTree(temp);
      options.onStep?.('temp-synced');
      if (!fs.existsSync(target)) {
        try {
          fs.renameSync(temp, target);
          options.onStep?.('renamed');
          fsyncFolder(path.dirname(target));
          return;
        } catch (e) {
          // Another writer made the target meanwhile: replace it below.
          if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        }
      }
      const old = tempPath(target, 'old');
      fs.renameSync(target, old);
      options.onStep?.('old-moved-aside');
      try {
        fs.renameSync(temp, target);
      } catch (e) {
        fs.renameSync(old, target);
        throw e;
      }
      options.onStep?.('renamed');
      fsyncFolder(path.dirname(target));
      removeTreeSync(old);
      options.onStep?.('old-removed');
    },
    abort() {
      fs.rmSync(temp, { recursive: true, force: true });
    },
  };
}

/**
 * Writes the folder `folder` as a whole: `fill` writes into a temporary folder that then takes
 * `folder`'s place (see the file comment). A `fill` that throws leaves the old folder and no
 * temporary.
 */
export function replaceFolderSync(folder: string, fill: (temp: string) => void, options: AtomicWriteOptions = {}): void {
  const target = beginAtomicFolderSync(folder, options);
  try {
    fill(target.temp);
    target.commit();
  } catch (e) {
    target.abort();
    throw e;
  }
}

/**
 * Moves `folder` aside while an operation that may fail decides its fate (deleting a run with its
 * rows): `restore()` puts it back, `discard()` removes it for good. A process killed while it is
 * aside leaves it to {@link sweepStaleSync}, which puts it back.
 */
export function moveAsideSync(folder: string): { restore(): void; discard(): void } {
  const target = path.resolve(folder);
  sweepStaleSync(path.dirname(target));
  const aside = tempPath(target, 'old');
  fs.renameSync(target, aside);
  return {
    restore() {
      fs.renameSync(aside, target);
    },
    discard() {
      removeTreeSync(aside);
    },
  };
}
