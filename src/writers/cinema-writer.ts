/**
 * Export as a Cinema database (specification D), which pycinema and the Cinema viewers open:
 * a folder `NAME.cdb` with `data.csv` (parameters first, `FILE…` columns last, as the spec asks)
 * and the files those columns point at, copied into the folder and referred to relative to it.
 *
 * A file inside the store's folder keeps its path below it (`dsi.data/mnist/train/000001.png`).
 * The rows are untrusted: a `FILE…` value whose real path (symlinks resolved) leaves the folder
 * holding the store (`/etc/passwd`, `../../x`, a link pointing out) is refused with
 * `E_UNSAFE_PATH`, unless option `allow_outside=true` is given, which copies such files to
 * `external/N-NAME`. Option `files`: `copy` (default; a reflink where the file system can),
 * `link` (hard links, copies across devices), `symlink` (absolute links).
 * The database is built in a temporary folder beside the target and put in its place by
 * `beginAtomicFolderSync` (src/atomic-write.ts); an existing Cinema database there is replaced, any other existing path is refused, and so is a
 * target that would take the store, its data folder or a file the rows reference with it
 * (output-guard.ts). A row pointing at a file that does not exist fails the export naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { containedPath, isInside } from '../contained-path.js';
import { beginAtomicFolderSync, FILE_MODE, FOLDER_MODE } from '../atomic-write.js';
import { StoreError } from '../errors.js';
import type { Cell, Row } from '../store/types.js';
import { OutputGuard, isFileColumn, isUrl } from './output-guard.js';
import type { WriteContext, Writer } from '../store/writer.js';
import { checkWriterOptions } from './writer-options.js';
import { CINEMA_VIEWER_NAME, cinemaViewerHtml } from './cinema-viewer.js';

type FileMode = 'copy' | 'link' | 'symlink';

interface CinemaOptions {
  readonly mode: FileMode;
  /** Whether files outside the store's folder may be copied (to `external/`). */
  readonly allowOutside: boolean;
}

function cinemaOptions(options: Readonly<Record<string, unknown>> | undefined): CinemaOptions {
  const o = options ?? {};
  checkWriterOptions(cinemaWriter, o);
  const mode = o['files'] ?? 'copy';
  if (mode !== 'copy' && mode !== 'link' && mode !== 'symlink') {
    throw new StoreError('E_BAD_ARGUMENT', `cinema writer: option files must be copy, link or symlink, got ${JSON.stringify(mode)}`);
  }
  const outside = o['allow_outside'] ?? false;
  if (outside !== true && outside !== false && outside !== 'true' && outside !== 'false') {
    throw new StoreError('E_BAD_ARGUMENT', `cinema writer: option allow_outside must be true or false, got ${JSON.stringify(outside)}`);
  }
  return { mode, allowOutside: outside === true || outside === 'true' };
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
  extensions: ['.cdb'],
  description: 'Cinema database NAME.cdb: data.csv (FILE columns last) and the files, copied (options files=copy|link|symlink, allow_outside=true)',
  options: { files: 'copy|link|symlink', allow_outside: 'true|false' },
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    if (!/\.cdb$/i.test(file.replace(/[\\/]+$/, ''))) {
      throw new StoreError('E_BAD_ARGUMENT', `a Cinema database is a folder named NAME.cdb, got "${file}"`);
    }
    const { mode, allowOutside } = cinemaOptions(context?.options);
    const root = context?.fileRoot ?? process.cwd();
    const target = path.resolve(file);
    const guard = new OutputGuard(target, context);
    const ordered = [...columns.filter((c) => !isFileColumn(c)), ...columns.filter(isFileColumn)];
    const fileColumns = ordered.filter(isFileColumn);
    const staging = beginAtomicFolderSync(target);
    const temp = staging.temp;
    /** Where each source file went inside the database (copied once however many rows name it). */
    const placed = new Map<string, string>();
    let external = 0;
    let rows = 0;
    /** The rows as data.csv holds them, for the viewer page. */
    const written: (string | number | null)[][] = [];
    const place = (value: string, rowNumber: number, column: string): string => {
      if (isUrl(value)) return value;
      const source = path.resolve(root, value);
      const known = placed.get(source);
      if (known !== undefined) return known;
      guard.noteFile(value, rowNumber, column);
      if (!allowOutside) containedPath(root, value, { origin: `row ${rowNumber}'s ${column}`, hint: 'Give the cinema writer option allow_outside=true to copy files from outside the store\'s folder.' });
      if (!fs.existsSync(source)) {
        throw new StoreError('E_BAD_INPUT', `${source}: row ${rowNumber} names this file in ${column}, and it does not exist`, { file: source });
      }
      if (!fs.statSync(source).isFile()) throw new StoreError('E_BAD_INPUT', `${source}: row ${rowNumber} names this in ${column}, and it is not a file`, { file: source });
      const below = path.relative(root, source).split(path.sep).join('/');
      // data.csv and index.html are the database's own: a file of either name goes with the outside ones.
      const inside = below !== '' && isInside(source, root) && below.toLowerCase() !== 'data.csv' && below.toLowerCase() !== CINEMA_VIEWER_NAME;
      const relative = inside ? below : `external/${++external}-${path.basename(source)}`;
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
          for (const r of data) written.push(r);
          rows += batch.length;
        }
      } finally {
        fs.closeSync(out);
      }
      const viewer = cinemaViewerHtml({ title: path.basename(target), columns: ordered, fileColumns, rows: written });
      fs.writeFileSync(path.join(temp, CINEMA_VIEWER_NAME), viewer, { mode: FILE_MODE });
      checkReplaceable(target);
      await guard.beforeReplace();
      staging.commit();
    } catch (e) {
      staging.abort();
      throw e;
    }
    return { rows };
  },
};
