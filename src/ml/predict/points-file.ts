/**
 * A points file: the parameter combinations a prediction is asked for, one per row of a CSV file
 * whose header names exactly the model's parameters (in any order). A third way to ask for
 * combinations, beside `params` and `grid` (parameter-grid.ts), for points a scientist chose one
 * by one (held-out simulations, a design of experiments) rather than a product of grids.
 *
 * ```csv
 * feed,kill
 * 0.035,0.060
 * 0.042,0.061
 * ```
 *
 * Guarantees: the file is read whole before anything is predicted, and any fault is one error
 * naming the file and the line (`points.csv:4: kill=abc is not a number …`): a missing, extra or
 * repeated column, an empty file or one with no rows, a row with too few or too many values, an
 * empty value, a value that is not a finite number in decimal digits in a continuous column
 * (`NaN`, `Infinity`, `1e999`, `0x1`), an unknown level of a categorical one, a blank line with
 * rows after it (blank lines at the end are ignored), more than {@link MAX_POINTS} rows. Those
 * are `E_BAD_INPUT`; a continuous value outside the range trained on is `E_ML_EXTRAPOLATION`
 * (naming the file, line, parameter and range) unless extrapolation is allowed, and each point
 * says whether it lies outside.
 */
import fs from 'node:fs';
import Papa from 'papaparse';
import { badInput, MlError, StoreError } from '../../errors.js';
import { parseDecimalSpelling } from '../../number-spelling.js';
import type { Cell } from '../../store/types.js';
import { CALL_LIMITS } from '../call-limits.js';
import type { ConditionSpec } from '../models/conditions.js';
import { isExtrapolated, levelOf } from './parameter-grid.js';

/** The most rows a points file may hold: each is at least one image of one call. */
export const MAX_POINTS = CALL_LIMITS.predictImages;

export interface PointsFileOptions {
  /** Accept continuous values outside the range trained on (each point then says so). */
  readonly allowExtrapolation?: boolean;
}

export interface PointsFile {
  /** One combination per row, in the file's order, a value for every parameter. */
  readonly points: readonly Readonly<Record<string, Cell>>[];
  /** Per point: whether a continuous value lies outside the range trained on. */
  readonly extrapolated: readonly boolean[];
  /** Per point: its 1-based line in the file. */
  readonly lines: readonly number[];
}

/** One parsed CSV record and the line it starts on. */
interface Rec {
  readonly fields: readonly string[];
  readonly line: number;
}

const isBlank = (fields: readonly string[]): boolean => fields.length === 1 && fields[0]!.trim() === '';

/** Reads `file`'s points for a model conditioned on `conditions`; see the file header for what is refused. */
export async function readPointsFile(file: string, conditions: readonly ConditionSpec[], options: PointsFileOptions = {}): Promise<PointsFile> {
  if (conditions.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `this model is unconditional; it takes no ${o('points')} file`);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'a folder, not a file' : err.message;
    throw new StoreError('E_FILE', `${file}: cannot read the points file (${why})`, { file });
  }
  const records = parseRecords(file, text.replace(/^\uFEFF/, ''));
  // Blank lines at the end are ignored; one with rows after it is refused.
  while (records.length > 0 && isBlank(records.at(-1)!.fields)) records.pop();
  if (records.length === 0) throw badInput(file, undefined, `the points file is empty; its first line must name the model's parameters (${conditions.map((c) => c.name).join(', ')})`);

  const header = records[0]!;
  const names = header.fields.map((f) => f.trim());
  const known = new Map(conditions.map((c) => [c.name, c]));
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw badInput(file, header.line, `the column "${n}" is named twice`);
    seen.add(n);
  }
  const missing = conditions.filter((c) => !seen.has(c.name)).map((c) => c.name);
  const extra = names.filter((n) => !known.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `${missing.join(', ')} missing` : '', extra.length > 0 ? `${extra.map((n) => (n === '' ? '(an empty name)' : n)).join(', ')} not a parameter of the model` : ''].filter((p) => p !== '');
    throw badInput(file, header.line, `the header must name exactly the model's parameters (${conditions.map((c) => c.name).join(', ')}): ${parts.join('; ')}`);
  }
  const rows = records.slice(1);
  if (rows.length === 0) throw badInput(file, header.line, 'the points file has a header but no points');
  if (rows.length > MAX_POINTS) throw badInput(file, rows[MAX_POINTS]!.line, `more than ${MAX_POINTS} points; one call predicts at most ${MAX_POINTS} images: split the file`);

  const points: Record<string, Cell>[] = [];
  const lines: number[] = [];
  for (const { fields, line } of rows) {
    if (isBlank(fields)) throw badInput(file, line, 'a blank line between points; remove it (blank lines are allowed only at the end)');
    if (fields.length !== names.length) throw badInput(file, line, `${fields.length} value${fields.length === 1 ? '' : 's'}, but the header names ${names.length} parameters`);
    // No prototype: a parameter may be named `toString` or `__proto__`.
    const point = Object.create(null) as Record<string, Cell>;
    names.forEach((name, i) => {
      point[name] = pointValue(file, line, known.get(name)!, fields[i]!.trim());
    });
    // In the model's order, as combinations from parameters and grids are.
    points.push(Object.fromEntries(conditions.map((c) => [c.name, point[c.name]!])));
    lines.push(line);
  }

  const extrapolated = points.map((p) => isExtrapolated(conditions, p));
  const outside = extrapolated.indexOf(true);
  if (outside >= 0 && options.allowExtrapolation !== true) {
    const p = points[outside]!;
    const c = conditions.find((s) => s.kind === 'continuous' && ((p[s.name] as number) < s.min || (p[s.name] as number) > s.max));
    const range = c?.kind === 'continuous' ? `${c.name}=${String(p[c.name])} lies outside the range trained on (${c.min} to ${c.max})` : 'a value lies outside the range trained on';
    const others = extrapolated.filter((x) => x).length - 1;
    const more = others > 0 ? ` (and ${others} more point${others === 1 ? '' : 's'} of the file)` : '';
    throw new MlError('E_ML_EXTRAPOLATION', (o) => `${file}:${lines[outside]}: ${range}${more}; give ${o('allowExtrapolation')} to predict there anyway`);
  }
  return { points, extrapolated, lines };
}

/** Every CSV record of `text` with the line it starts on; an unterminated quote is refused. */
function parseRecords(file: string, text: string): Rec[] {
  const records: Rec[] = [];
  let start = 0;
  let line = 1;
  let fault: StoreError | undefined;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    skipEmptyLines: false,
    step(result, parser) {
      const quoteError = result.errors.find((e) => e.type === 'Quotes');
      if (quoteError !== undefined) {
        fault = badInput(file, line, 'a quoted value is not closed');
        parser.abort();
        return;
      }
      records.push({ fields: result.data, line });
      const end = result.meta.cursor;
      for (let i = start; i < end; i++) if (text.charCodeAt(i) === 10) line++;
      start = end;
      // One record beyond the limit (and the header) is enough to refuse the file.
      if (records.length > MAX_POINTS + 2) parser.abort();
    },
  });
  if (fault !== undefined) throw fault;
  return records;
}

/** One cell of a points file as the value of `spec`. */
function pointValue(file: string, line: number, spec: ConditionSpec, text: string): Cell {
  if (text === '') throw badInput(file, line, `no value for ${spec.name}`);
  if (spec.kind === 'categorical') {
    const level = levelOf(spec, text);
    if (level === undefined) {
      const shown = spec.levels.length <= 20 ? spec.levels.join(', ') : `${spec.levels.slice(0, 20).join(', ')}, … (${spec.levels.length} in all)`;
      throw badInput(file, line, `${spec.name}=${text} was not trained on; ${spec.name} is categorical with levels ${shown}`);
    }
    return level;
  }
  const x = parseDecimalSpelling(text);
  if (x === undefined) throw badInput(file, line, `${spec.name}=${text} is not a finite number in decimal digits; ${spec.name} is continuous`);
  return x;
}
