/**
 * Paths built from what a store holds (run ids, `FILE…` values, table and split names, the paths
 * of a Cinema database's `data.csv`) are untrusted input: a store is shared with a group, and a
 * row can say anything. This is the one check every such path passes before a file is read,
 * written, copied or removed: resolved against its base folder, with the symlinks of its deepest
 * existing ancestor resolved, it must lie inside a root folder, or a `StoreError` with code
 * `E_UNSAFE_PATH` names the value, where it came from and the root.
 *
 * The root itself is resolved the same way, so a data folder that is itself a symlink (to a
 * larger disk, say) works; a symlink *inside* the root that leads out of it does not.
 *
 * @example
 * const file = containedPath(store.dataFolder, row.FILE, { base: store.fileRoot, origin: 'ml_predictions.FILE' });
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from './errors.js';

/**
 * The real path of `p` (made absolute first): the symlinks of its deepest existing ancestor
 * resolved, the parts below it that do not exist yet appended as they are.
 */
export function realPathOf(p: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...rest.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: an ancestor is a file, so nothing below it can exist either; keep climbing.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      const parent = path.dirname(existing);
      if (parent === existing) return path.join(existing, ...rest.reverse());
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** Whether the absolute path `inner` is `outer` or lies below it (plain path comparison). */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export interface ContainOptions {
  /** The folder a relative `value` is relative to; default `root`. */
  readonly base?: string;
  /** What the value is and where it came from, for the error (`ml_runs.FILE_checkpoint of run r1`). */
  readonly origin: string;
  /** Whether `value` may name the root itself; default false (nothing may replace or remove it). */
  readonly allowRoot?: boolean;
  /** A sentence added to the error: how to do it anyway, when there is a way. */
  readonly hint?: string;
}

/**
 * `value` resolved against `options.base` (absolute), after checking that its real path lies
 * inside the real path of `root`; otherwise an `E_UNSAFE_PATH` error.
 */
export function containedPath(root: string, value: string, options: ContainOptions): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new StoreError('E_UNSAFE_PATH', `${options.origin} is not a usable path (got ${JSON.stringify(value)})`);
  }
  const resolved = path.resolve(options.base ?? root, value);
  const realRoot = realPathOf(root);
  const real = realPathOf(resolved);
  const inside = isInside(real, realRoot) && (options.allowRoot === true || real !== realRoot);
  if (!inside) {
    const where = real === realRoot ? 'is that folder itself' : `leads to ${real}`;
    const hint = options.hint === undefined ? '' : ` ${options.hint}`;
    throw new StoreError('E_UNSAFE_PATH', `${options.origin} "${value}" must stay inside ${root}, but it ${where}; refusing to use it.${hint}`);
  }
  return resolved;
}

/**
 * `name` checked as one plain folder or file name (no separator, not `.` or `..`, no NUL, no
 * leading dot), as run ids are before they become `NAME.data/ml/RUN_ID/`.
 */
export function checkPathSegment(name: string, origin: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.@+=-]*$/.test(name) || name.length > 200) {
    throw new StoreError(
      'E_UNSAFE_PATH',
      `${origin} ${JSON.stringify(name)} cannot name a folder: it must be letters, digits and _ . - @ + = (not starting with . or -, at most 200 characters)`,
    );
  }
  return name;
}
