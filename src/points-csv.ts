/**
 * A CSV file of parameter points: a header naming exactly a given set of parameters (in any
 * order), then one point per line. The shared shape of `dsi ml predict --points` (a model's
 * parameters) and `dsi datasets add SIMULATION --points` (a simulation's): what a point's values
 * mean is the caller's; this file reads the records and refuses a malformed file.
 *
 * Guarantees: the file is read whole (papaparse) before anything is done with it, and each fault
 * is one `E_BAD_INPUT` error naming the file and the line: an empty file, a header that repeats,
 * misses or adds a column, a header without points, a row of the wrong width, an empty value, an
 * unclosed quote, more than `maxPoints` points. Blank lines are skipped wherever they are (lines
 * keep their numbers in messages); a UTF-8 byte order mark is ignored; values are trimmed.
 */
import fs from 'node:fs';
import Papa from 'papaparse';
import { badInput, StoreError } from './errors.js';

/** One point: its 1-based line and its text values by parameter name. */
export interface PointRecord {
  readonly line: number;
  readonly cells: Readonly<Record<string, string>>;
}

export interface PointsCsvOptions {
  /** The most points the file may hold. */
  readonly maxPoints: number;
  /** What the names are, for messages: `the model's parameters`, `heat-transfer's parameters`. */
  readonly whose: string;
  /** Said after "more than N points" (`split the file`). */
  readonly tooMany?: string;
}

interface CsvRecord {
  readonly fields: readonly string[];
  readonly line: number;
}

const isBlank = (fields: readonly string[]): boolean => fields.length === 1 && fields[0]!.trim() === '';

/** The points of `file`, whose header must name exactly `names` (see the file comment). */
export async function readPointsCsv(file: string, names: readonly string[], options: PointsCsvOptions): Promise<PointRecord[]> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'a folder, not a file' : err.message;
    throw new StoreError('E_FILE', `${file}: cannot read the points file (${why})`, { file });
  }
  const { maxPoints, whose } = options;
  const records = parseRecords(file, text.replace(/^\uFEFF/, ''), maxPoints).filter((r) => !isBlank(r.fields));
  if (records.length === 0) throw badInput(file, undefined, `the points file is empty; its first line must name ${whose} (${names.join(', ')})`);

  const header = records[0]!;
  const columns = header.fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const n of columns) {
    if (seen.has(n)) throw badInput(file, header.line, `the column "${n}" is named twice`);
    seen.add(n);
  }
  const wanted = new Set(names);
  const missing = names.filter((n) => !seen.has(n));
  const extra = columns.filter((n) => !wanted.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `${missing.join(', ')} missing` : '', extra.length > 0 ? `${extra.map((n) => (n === '' ? '(an empty name)' : n)).join(', ')} not among them` : ''].filter((p) => p !== '');
    throw badInput(file, header.line, `the header must name exactly ${whose} (${names.join(', ')}): ${parts.join('; ')}`);
  }
  const rows = records.slice(1);
  if (rows.length === 0) throw badInput(file, header.line, 'the points file has a header but no points');
  if (rows.length > maxPoints) throw badInput(file, rows[maxPoints]!.line, `more than ${maxPoints} points; ${options.tooMany ?? 'split the file'}`);

  return rows.map(({ fields, line }) => {
    if (fields.length !== columns.length) throw badInput(file, line, `${fields.length} value${fields.length === 1 ? '' : 's'}, but the header names ${columns.length} parameters`);
    // No prototype: a parameter may be named `toString` or `__proto__`.
    const cells = Object.create(null) as Record<string, string>;
    columns.forEach((name, i) => {
      const value = fields[i]!.trim();
      if (value === '') throw badInput(file, line, `no value for ${name}`);
      cells[name] = value;
    });
    return { line, cells };
  });
}

/** Every CSV record of `text` with the line it starts on; an unterminated quote is refused. */
function parseRecords(file: string, text: string, maxPoints: number): CsvRecord[] {
  const records: CsvRecord[] = [];
  let start = 0;
  let line = 1;
  let fault: StoreError | undefined;
  let kept = 0;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    skipEmptyLines: false,
    step(result, parser) {
      if (result.errors.some((e) => e.type === 'Quotes')) {
        fault = badInput(file, line, 'a quoted value is not closed');
        parser.abort();
        return;
      }
      records.push({ fields: result.data, line });
      const end = result.meta.cursor;
      for (let i = start; i < end; i++) if (text.charCodeAt(i) === 10) line++;
      start = end;
      // A record beyond the limit (and the header) is enough to refuse the file; blank ones do not count.
      if (!isBlank(result.data)) kept++;
      if (kept > maxPoints + 1) parser.abort();
    },
  });
  if (fault !== undefined) throw fault;
  return records;
}
