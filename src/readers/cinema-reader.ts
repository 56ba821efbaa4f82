/**
 * Cinema databases (Cinema specification D): a folder `NAME.cdb` holding `data.csv`, one row per
 * item, parameters first and `FILE…` columns last, whose values are paths relative to the
 * `.cdb` folder (or http(s) URLs). Read into table `NAME` (or the `table` option) like any CSV, except
 * that each `FILE…` path is checked and rewritten relative to the store's folder, the store's
 * convention; the files themselves stay in the database. A path to a file that does not exist
 * fails the read naming `data.csv` and the line.
 *
 * A database may come from anyone, so its paths must stay inside it: a `FILE…` value that leaves
 * the `.cdb` folder once resolved (`../../etc/passwd`, `/etc/passwd`, a symlink inside the
 * database pointing out of it) fails the read with `E_UNSAFE_PATH`, naming `data.csv`, the line
 * and the value, and the store is unchanged. Option `allow_outside=true` accepts such paths, for
 * a database whose files deliberately live elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { containedPath } from '../contained-path.js';
import { StoreError, badInput } from '../errors.js';
import { csvSource, readCsvHeader } from './csv-reader.js';
import type { RawCell, Reader, ReadContext, ReadResult, TableSource } from '../store/reader.js';

/** Cinema's rule: columns whose name starts with FILE hold paths. */
export function isFileColumn(name: string): boolean {
  return /^FILE/i.test(name.trim());
}

function isUrl(v: string): boolean {
  return /^https?:\/\//i.test(v);
}

/** The `.cdb` folder and its `data.csv` from either of them. */
export function cinemaPaths(input: string): { database: string; dataCsv: string } {
  const isCsv = path.basename(input).toLowerCase() === 'data.csv' && fs.statSync(input).isFile();
  const database = isCsv ? path.dirname(input) : input;
  const dataCsv = path.join(database, 'data.csv');
  if (!fs.existsSync(dataCsv)) throw badInput(input, undefined, 'is not a Cinema database: it has no data.csv');
  return { database, dataCsv };
}

/** The reader's one option, `allow_outside` (true or false; default false). */
function allowOutsideOption(options: Readonly<Record<string, unknown>> | undefined): boolean {
  const o = options ?? {};
  for (const k of Object.keys(o)) {
    if (k !== 'allow_outside') throw new StoreError('E_BAD_ARGUMENT', `the cinema reader has no option "${k}"; it takes allow_outside=true|false`);
  }
  const v = o['allow_outside'] ?? false;
  if (v !== true && v !== false && v !== 'true' && v !== 'false') {
    throw new StoreError('E_BAD_ARGUMENT', `cinema reader: option allow_outside must be true or false, got ${JSON.stringify(v)}`);
  }
  return v === true || v === 'true';
}

export const cinemaReader: Reader = {
  name: 'cinema',
  extensions: ['.cdb'],
  description: 'Cinema database (NAME.cdb/data.csv); FILE columns checked to stay inside it (option allow_outside=true) and made relative to the store',
  async read(input: string, context: ReadContext): Promise<ReadResult> {
    const allowOutside = allowOutsideOption(context.options);
    const { database, dataCsv } = cinemaPaths(input);
    const header = await readCsvHeader(dataCsv);
    const fileColumns = header.map((h, i) => (isFileColumn(h) ? i : -1)).filter((i) => i >= 0);
    const table = context.tableName ?? path.basename(path.resolve(database)).replace(/\.cdb$/i, '');
    const inner = csvSource(dataCsv, table, header, context.onProgress);
    const root = context.fileRoot ?? process.cwd();
    const databaseAbsolute = path.resolve(database);

    /** Check and rewrite the FILE cells of `rows`, the first being data row `first`. */
    const rewrite = async (rows: RawCell[][], first: number): Promise<void> => {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (const c of fileColumns) {
          const v = row[c];
          if (v === null || v === undefined || v === '') continue;
          const text = String(v).trim();
          if (isUrl(text)) continue;
          const target = path.resolve(databaseAbsolute, text);
          if (!allowOutside) {
            try {
              containedPath(databaseAbsolute, text, { origin: `${header[c]}` });
            } catch (e) {
              if (!(e instanceof StoreError)) throw e;
              const line = await inner.lineOfRow(first + r);
              throw new StoreError('E_UNSAFE_PATH', `${dataCsv}:${line}: ${e.message} Give the cinema reader option allow_outside=true to accept paths outside the database.`, { file: dataCsv, line, cause: e });
            }
          }
          if (!fs.existsSync(target)) {
            throw badInput(dataCsv, await inner.lineOfRow(first + r), `${header[c]} "${text}" points at ${target}, which does not exist`);
          }
          row[c] = path.relative(root, target).split(path.sep).join('/');
        }
      }
    };

    const source: TableSource = {
      table,
      columns: header,
      cells: 'text',
      file: dataCsv,
      lineOfRow: inner.lineOfRow,
      async forEachBatch(consume) {
        let done = 0;
        await inner.forEachBatch(async (rows) => {
          await rewrite(rows, done);
          done += rows.length;
          await consume(rows);
        });
      },
    };
    return { tables: [source], units: [] };
  },
};
