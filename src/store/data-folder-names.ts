/**
 * The names of the folders inside a store's data folder `NAME.data/`. The store keeps its own
 * files there under a few reserved names (`ml/` for the run registry, `.cache/` for the image
 * cache, `.staging/` for the files a read stages); readers put a table's files under a folder
 * named after the table (and its split), `NAME.data/TABLE/SPLIT/`.
 *
 * **The guarantee:** two different table names never get the same folder, and no table gets a
 * reserved one. A name that is already a plain folder name (lowercase letters, digits, `_` and
 * `-`, at most 64 characters, not reserved) is its own folder; any other name gets its
 * sanitised form plus `.` and a hash of the exact name (`a/b` → `a_b.c14cddc033`). The dot never
 * occurs in a plain name, so a hashed folder cannot be another table's plain one. Split names
 * follow the same rule inside their table's folder.
 *
 * Stores written by earlier versions keep working: their rows keep the `FILE…` paths they hold;
 * only folders made from now on follow this rule.
 *
 * @example
 * folderForName('mnist');   // 'mnist'
 * folderForName('MNIST');   // 'mnist.d1f0739aec'
 * folderForName('ml');      // 'ml.5d58d41913'
 */
import crypto from 'node:crypto';

/** Where the run registry keeps each run's files: `NAME.data/ml/RUN_ID/`. */
export const ML_FOLDER = 'ml';
/** Where a read stages its files before the store moves them into place. */
export const STAGING_FOLDER = '.staging';
/** Where `loadImages` keeps its cache. */
export const CACHE_FOLDER = '.cache';

/** Folder names the store keeps for itself (and every name starting with `.`). */
const RESERVED = new Set([ML_FOLDER, STAGING_FOLDER, CACHE_FOLDER]);

/** Whether `name` is a folder name the store keeps for itself. */
export function isReservedFolder(name: string): boolean {
  return RESERVED.has(name.toLowerCase()) || name.startsWith('.');
}

/** The folder for a table or split name `name` in the data folder (see the file comment). */
export function folderForName(name: string): string {
  if (/^[a-z0-9_-]{1,64}$/.test(name) && !isReservedFolder(name)) return name;
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 64);
  const hash = crypto.createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 10);
  return `${cleaned === '' ? 'table' : cleaned}.${hash}`;
}
