/**
 * What an export must never destroy. A writer replaces its target at the very end (a rename), so
 * before that the target is checked against everything it could take with it:
 *
 * - the store's file `NAME.db` and its `-wal`, `-shm` and `-journal` files (the target may not be
 *   one of them, nor a folder holding one);
 * - the store's data folder (the target may not be it, hold it, or lie inside it: that folder
 *   holds the store's own files);
 * - every file or folder that a written row's `FILE…` column references (the target may not be
 *   one, nor a folder holding one; re-exporting a Cinema database over the one a table was read
 *   from would delete the images its rows point at);
 * - every file or folder that any row of any table of the store references in a `FILE…` column
 *   ({@link OutputGuard.beforeReplace}, through the store's `storedFileInside`): writing another
 *   table over that Cinema database would delete the images just as well.
 *
 * Paths are compared by real path (symlinks of the deepest existing ancestor resolved), so a `..`
 * or a link does not get around the check. A refusal is a `StoreError` with code `E_UNSAFE_PATH`
 * naming the target and what would be lost; the target is then left as it was.
 *
 * @example
 * const guard = new OutputGuard(file, context);      // refuses the store and its data folder
 * guard.noteFile(row.FILE, rowNumber, 'FILE');       // refuses a target that holds this file
 * await guard.beforeReplace();                        // refuses a target holding any stored file
 */
import fs from 'node:fs';
import path from 'node:path';
import { isInside, realPathOf } from '../contained-path.js';
import { StoreError } from '../errors.js';
import { isUrl } from '../file-columns.js';
import type { WriteContext } from '../store/writer.js';

export { isFileColumn, isUrl } from '../file-columns.js';

export class OutputGuard {
  readonly #file: string;
  /** The target's real path. */
  readonly #target: string;
  readonly #root: string;
  /** Whether anything is at the target now (else no referenced file can be inside it). */
  readonly #exists: boolean;
  readonly #storedFileInside: WriteContext['storedFileInside'];

  /** Check `file` against the store's own paths in `context`; throws `E_UNSAFE_PATH`. */
  constructor(file: string, context: WriteContext | undefined) {
    this.#file = file;
    this.#target = realPathOf(file);
    this.#root = context?.fileRoot ?? process.cwd();
    this.#exists = fs.existsSync(this.#target);
    this.#storedFileInside = context?.storedFileInside;
    const storeFile = context?.storeFile;
    if (storeFile !== undefined) {
      const bases = [...new Set([storeFile, realPathOf(storeFile)])];
      for (const base of bases) {
        for (const suffix of ['', '-wal', '-shm', '-journal', '.wal']) {
          if (this.#holds(realPathOf(`${base}${suffix}`))) this.#refuse(`the store ${storeFile}${suffix === '' ? '' : ` (its ${suffix.slice(1)} file)`}`);
        }
      }
    }
    const data = context?.dataFolder;
    if (data !== undefined) {
      const real = realPathOf(data);
      if (this.#holds(real)) this.#refuse(`the store's data folder ${data}`);
      if (isInside(this.#target, real)) {
        throw new StoreError('E_UNSAFE_PATH', `cannot write ${file}: it is inside the store's data folder ${data}, which holds the store's own files; write the export elsewhere`);
      }
    }
  }

  /** Refuse a target that is `value` (a `FILE…` value of data row `row`, in `column`) or holds it. */
  noteFile(value: string, row: number, column: string): void {
    if (!this.#exists || value === '' || isUrl(value)) return;
    if (this.#holds(realPathOf(path.resolve(this.#root, value)))) {
      this.#refuse(`${value}, which row ${row} of the export references in ${column}`);
    }
  }

  /**
   * Refuse a target that holds a file any table of the store references (not only the rows
   * written): called once the rows are written, just before the target is replaced.
   */
  async beforeReplace(): Promise<void> {
    if (!this.#exists || this.#storedFileInside === undefined) return;
    const hit = await this.#storedFileInside(this.#file);
    if (hit !== undefined) this.#refuse(`${hit.value}, which table "${hit.table}" of the store references in ${hit.column}`);
  }

  /** Whether replacing the target would replace `real` (the target is it, or a folder above it). */
  #holds(real: string): boolean {
    return isInside(real, this.#target);
  }

  #refuse(what: string): never {
    throw new StoreError('E_UNSAFE_PATH', `cannot write ${this.#file}: replacing it would destroy ${what}; write the export elsewhere`);
  }
}
