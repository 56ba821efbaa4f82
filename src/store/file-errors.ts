/**
 * Node's file-system errors (`ENOENT`, `EISDIR`, `EACCES`…) as a {@link StoreError} whose one-line
 * message names the path and says in words what is wrong with it, instead of the raw
 * `EISDIR: illegal operation on a directory, read`. Used wherever the store opens, reads or
 * writes a path a caller gave: the store file, reader inputs, writer outputs.
 *
 * A wrong path (missing, a folder where a file is expected, a file where a folder is expected)
 * is `E_BAD_ARGUMENT`; a path that exists but cannot be used (permissions, a full or read-only
 * file system) is `E_FILE`.
 *
 * @example
 * try { fs.readFileSync(file); } catch (e) { throw fileSystemError(e, file); }
 * // StoreError E_BAD_ARGUMENT: "data: is a folder, not a file"
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';

/** Whether `e` is an error Node's `fs` raised (it carries an errno `code` and a `syscall`). */
export function isFileSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** What is wrong with `file`, in words, for an errno `code` (undefined for codes not known here). */
function problem(code: string, file: string): string | undefined {
  switch (code) {
    case 'ENOENT': {
      const folder = path.dirname(file);
      return folder !== '.' && folder !== file && !fs.existsSync(folder) ? `the folder ${folder} does not exist` : 'no such file or folder';
    }
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EEXIST':
      return 'already exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return undefined;
  }
}

const WRONG_PATH = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENAMETOOLONG', 'ELOOP']);

/**
 * `e` as a StoreError naming the path: the path Node reports (a rename's target), else `file`.
 * A StoreError passes through; any other error that is not a file-system error is returned as is.
 */
export function fileSystemError(e: unknown, file?: string): Error {
  if (e instanceof StoreError || !isFileSystemError(e)) return e instanceof Error ? e : new Error(String(e));
  // A rename, link or copy names two paths; what is wrong is at the target unless the source is missing.
  const dest = (e as { dest?: unknown }).dest;
  const where = typeof dest === 'string' && e.code !== 'ENOENT' ? dest : e.path ?? file ?? '(unknown path)';
  const code = e.code!;
  const what = problem(code, where) ?? `${e.syscall} failed (${code})`;
  return new StoreError(WRONG_PATH.has(code) ? 'E_BAD_ARGUMENT' : 'E_FILE', `${where}: ${what}`, { file: where, cause: e });
}
