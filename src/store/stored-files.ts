/**
 * The files a store's rows point at. By Cinema's rule every column whose name starts with `FILE`
 * (any case) holds paths, relative to the folder holding the store or absolute; this is the one
 * place that asks whether replacing a file or folder would take any of them with it, whatever
 * table they are in. `Store.write` asks it before a writer replaces an existing target, so that
 * exporting one table over the Cinema database another table was read from cannot delete the
 * images that table points at.
 *
 * One streamed `SELECT` per `FILE…` column; each value is resolved against the store's folder,
 * the real path of its folder looked up once per distinct folder (so a symlinked folder, `..` or
 * `./` in a value does not get around the check) and compared with the target's real path. The
 * store's record of the files it read (`dsi_ingested`) names sources, not stored files: it is not
 * searched.
 *
 * @example
 * const hit = await storedFileInside(backend, tables, '/data/out.cdb', store.fileRoot);
 * // { table: 'cin', column: 'FILE', value: 'out.cdb/img/a.png' } or undefined
 */
import fs from 'node:fs';
import path from 'node:path';
import { isInside, realPathOf } from '../contained-path.js';
import { isFileColumn, isUrl } from '../file-columns.js';
import type { Backend } from './backend.js';

/** A `FILE…` value found at or inside a target. */
export interface StoredFileReference {
  readonly table: string;
  readonly column: string;
  readonly value: string;
}

/**
 * The first `FILE…` value of `tables` (read through `backend`) whose file is `target` or lies
 * inside it, `target`'s symlinks resolved; undefined when none does or nothing exists at
 * `target`. Relative values are relative to `fileRoot`.
 */
export async function storedFileInside(backend: Backend, tables: readonly string[], target: string, fileRoot: string): Promise<StoredFileReference | undefined> {
  const real = realPathOf(target);
  if (!fs.existsSync(real)) return undefined;
  const realFolders = new Map<string, string>();
  const q = backend.dialect.quote;
  for (const table of tables) {
    const info = await backend.describeTable(table);
    if (!info) continue;
    for (const column of info.columns.filter((c) => isFileColumn(c.name))) {
      const sql = `SELECT ${q(column.name)} AS v FROM ${q(info.name)} WHERE ${q(column.name)} IS NOT NULL`;
      for await (const batch of backend.iterateReadOnly(sql)) {
        for (const row of batch) {
          const value = row['v'];
          if (typeof value !== 'string' || value === '' || value.includes('\0') || isUrl(value)) continue;
          const absolute = path.resolve(fileRoot, value);
          const folder = path.dirname(absolute);
          let realFolder = realFolders.get(folder);
          if (realFolder === undefined) {
            realFolder = realPathOf(folder);
            realFolders.set(folder, realFolder);
          }
          if (isInside(path.join(realFolder, path.basename(absolute)), real) || isInside(absolute, real)) {
            return { table: info.name, column: column.name, value };
          }
        }
      }
    }
  }
  return undefined;
}
