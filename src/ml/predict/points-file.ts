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
 * (`NaN`, `Infinity`, `1e999`, `0x1`), an unknown level of a categorical one, more than
 * {@link MAX_POINTS} rows (src/points-csv.ts reads the records; blank lines are skipped). Those
 * are `E_BAD_INPUT`; a continuous value outside the range trained on is `E_ML_EXTRAPOLATION`
 * (naming the file, line, parameter and range) unless extrapolation is allowed, and each point
 * says whether it lies outside.
 */
import { badInput, MlError } from '../../errors.js';
import { parseDecimalSpelling } from '../../number-spelling.js';
import { readPointsCsv } from '../../points-csv.js';
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

/** Reads `file`'s points for a model conditioned on `conditions`; see the file header for what is refused. */
export async function readPointsFile(file: string, conditions: readonly ConditionSpec[], options: PointsFileOptions = {}): Promise<PointsFile> {
  if (conditions.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `this model is unconditional; it takes no ${o('points')} file`);
  const known = new Map(conditions.map((c) => [c.name, c]));
  const records = await readPointsCsv(file, conditions.map((c) => c.name), {
    maxPoints: MAX_POINTS,
    whose: "the model's parameters",
    tooMany: `one call predicts at most ${MAX_POINTS} images: split the file`,
  });
  const points: Record<string, Cell>[] = [];
  const lines: number[] = [];
  for (const { cells, line } of records) {
    // In the model's order, as combinations from parameters and grids are.
    points.push(Object.fromEntries(conditions.map((c) => [c.name, pointValue(file, line, known.get(c.name)!, cells[c.name]!)])));
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

/** One cell of a points file as the value of `spec`. */
function pointValue(file: string, line: number, spec: ConditionSpec, text: string): Cell {
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
