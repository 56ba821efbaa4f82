/**
 * Export as a Cinema database (specification D), which pycinema and the Cinema viewers open:
 * a folder `NAME.cdb` with `data.csv` (parameters first, `FILE…` columns last, as the spec asks)
 * and the files those columns point at, copied into the folder and referred to relative to it.
 *
 * A file inside the store's folder keeps its path below it (`dsi.data/mnist/train/000001.png`);
 * one outside goes to `external/N-NAME`. Option `files`: `copy` (default; a reflink where the
 * file system can), `link` (hard links, copies across devices), `symlink` (absolute links).
 * The database is built in a temporary folder beside the target and put in its place by
 * `beginAtomicFolderSync` (src/atomic-write.ts); an existing Cinema database there is replaced,
 * any other existing path is refused. A row pointing
 * at a file that does not exist fails the export naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { beginAtomicFolderSync, FILE_MODE, FOLDER_MODE } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Cell, Row } from '../store/types.js';
import type { WriteContext, Writer } from './writer.js';

type FileMode = 'copy' | 'link' | 'symlink';

function isFileColumn(name: string): boolean {
  return /^FILE/i.test(name.trim());
}

function fileMode(options: Readonly<Record<string, unknown>> | undefined): FileMode {
  const o = options ?? {};
  for (const k of Object.keys(o)) if (k !== 'files') throw new StoreError('E_BAD_ARGUMENT', `the cinema writer has no option "${k}"; it takes files=copy|link|symlink`);
  const mode = o['files'] ?? 'copy';
  if (mode !== 'copy' && mode !== 'link' && mode !== 'symlink') {
    throw new StoreError('E_BAD_ARGUMENT', `cinema writer: option files must be copy, link or symlink, got ${JSON.stringify(mode)}`);
  }
  return mode;
}

function put(source: string, target: string, mode: FileMode): void {
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: FOLDER_MODE });
  if (mode === 'symlink') {
    fs.symlinkSync(source, target);
    return;
  }
  if (mode === 'link') {
    try {
      fs.linkSync(source, target);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    }
  }
  fs.copyFileSync(source, target, fs.constants.COPYFILE_FICLONE);
}

/** Refuses a `target` that exists and is not a Cinema database (only one of those may be replaced). */
function checkReplaceable(target: string): void {
  if (!fs.existsSync(target)) return;
  if (!fs.statSync(target).isDirectory() || !fs.existsSync(path.join(target, 'data.csv'))) {
    throw new StoreError('E_BAD_ARGUMENT', `${target} exists and is not a Cinema database; choose another name or remove it`);
  }
}

function cellText(v: Cell | undefined): string | number | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'bigint' ? v.toString() : v;
}

export const cinemaWriter: Writer = {
  name: 'cinema',
  description: 'Cinema database NAME.cdb: data.csv (FILE columns last) and the files, copied (option files=copy|link|symlink)',
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    if (!/\.cdb$/i.test(file.replace(/[\\/]+$/, ''))) {
      throw new StoreError('E_BAD_ARGUMENT', `a Cinema database is a folder named NAME.cdb, got "${file}"`);
    }
    const mode = fileMode(context?.options);
    const root = context?.fileRoot ?? process.cwd();
    const target = path.resolve(file);
    const ordered = [...columns.filter((c) => !isFileColumn(c)), ...columns.filter(isFileColumn)];
    const fileColumns = ordered.filter(isFileColumn);
    const staging = beginAtomicFolderSync(target);
    const temp = staging.temp;
    /** Where each source file went inside the database (copied once however many rows name it). */
    const placed = new Map<string, string>();
    let external = 0;
    let rows = 0;
    const place = (value: string, rowNumber: number, column: string): string => {
      if (/^https?:\/\//i.test(value)) return value;
      const source = path.resolve(root, value);
      const known = placed.get(source);
      if (known !== undefined) return known;
      if (!fs.existsSync(source)) {
        throw new StoreError('E_BAD_INPUT', `${source}: row ${rowNumber} names this file in ${column}, and it does not exist`, { file: source });
      }
      const below = path.relative(root, source);
      const inside = below !== '' && !below.startsWith('..') && !path.isAbsolute(below);
      const relative = inside ? below.split(path.sep).join('/') : `external/${++external}-${path.basename(source)}`;
      put(source, path.join(temp, relative), mode);
      placed.set(source, relative);
      return relative;
    };
    try {
      const out = fs.openSync(path.join(temp, 'data.csv'), 'w', FILE_MODE);
      try {
        fs.writeSync(out, `${Papa.unparse([ordered], { newline: '\n' })}\n`);
        for await (const batch of batches) {
          const data = batch.map((r, i) =>
            ordered.map((c) => {
              const v = cellText(r[c]);
              if (!fileColumns.includes(c) || v === null || v === '') return v;
              return place(String(v), rows + i + 1, c);
            }),
          );
          if (data.length > 0) fs.writeSync(out, `${Papa.unparse(data, { newline: '\n' })}\n`);
          rows += batch.length;
        }
      } finally {
        fs.closeSync(out);
      }
      checkReplaceable(target);
      staging.commit();
    } catch (e) {
      staging.abort();
      throw e;
    }
    return { rows };
  },
};
