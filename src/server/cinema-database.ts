/**
 * A Cinema database folder (`X.cdb/` with its `data.csv`) opened read-only for the gallery:
 * its parameter columns and rows, and the files it lists inside its own folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { StoreError, badInput } from '../errors.js';

export interface CinemaDatabase {
  /** The folder, absolute. */
  readonly folder: string;
  /** Column names of `data.csv`, in order. */
  readonly columns: readonly string[];
  /** Its rows: numbers where a column is numeric, text otherwise, null for empty cells. */
  readonly rows: readonly Readonly<Record<string, string | number | null>>[];
}

/** A number written as a plain decimal (Cinema's numeric parameters), else undefined. */
function numberOf(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Reads `folder/data.csv`. A column is numeric when every non-empty cell is a number. A folder
 * without data.csv, or a data.csv that does not parse, is an error naming the file (and line).
 */
export function openCinemaDatabase(folder: string): CinemaDatabase {
  const absolute = path.resolve(folder);
  const csv = path.join(absolute, 'data.csv');
  if (!fs.existsSync(csv)) throw new StoreError('E_BAD_ARGUMENT', `${folder} is not a Cinema database: it has no data.csv`);
  const parsed = Papa.parse<string[]>(fs.readFileSync(csv, 'utf8'), { skipEmptyLines: true });
  const bad = parsed.errors[0];
  if (bad !== undefined) throw badInput(csv, bad.row === undefined ? undefined : bad.row + 1, bad.message);
  const [header, ...body] = parsed.data;
  if (header === undefined || header.length === 0) throw badInput(csv, 1, 'no header row');
  const columns = header.map((h) => h.trim());
  body.forEach((cells, i) => {
    if (cells.length !== columns.length) throw badInput(csv, i + 2, `${cells.length} cells, but the header has ${columns.length}`);
  });
  const numeric = columns.map((_, j) => body.every((cells) => cells[j]!.trim() === '' || numberOf(cells[j]!) !== undefined));
  const rows = body.map((cells) =>
    Object.freeze(Object.fromEntries(columns.map((c, j) => {
      const text = cells[j]!;
      return [c, text.trim() === '' ? null : numeric[j] ? numberOf(text)! : text];
    }))),
  );
  return Object.freeze({ folder: absolute, columns: Object.freeze(columns), rows: Object.freeze(rows) });
}
