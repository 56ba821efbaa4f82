/**
 * How store cells become the numbers a tabular model sees (docs/ml-emulators.md, "Encoding").
 *
 * - A feature whose values are all numbers is **numeric**: standardised as (x − mean) / std with
 *   the mean and the **population** standard deviation (ddof 0, as scikit-learn's StandardScaler)
 *   of the rows the model is fitted on. A constant column gets std 1, so it encodes as 0.
 * - A feature whose values are all text is **text**: one 0/1 column per level, levels sorted, every
 *   level kept (no reference level dropped; the linear models cope, see linear-models.ts). The
 *   levels are those of the training rows; a value outside them at predict time is an error
 *   naming the column, the value and the row (never a silent all-zero row).
 * - A NULL, a column mixing numbers and text, or a blob is refused, naming the row and column.
 *
 * ```ts
 * const kinds = featureKinds(['wind_speed', 'fuels'], columns, 'training query');
 * const enc = fitEncoding(['wind_speed', 'fuels'], kinds, columns, trainRows);
 * const x = encodeColumns(enc, columns, trainRows, 'training query'); // rows × enc.width
 * ```
 */
import { MlError } from '../../errors.js';
import type { Cell } from '../../store/types.js';

/** A text column with more distinct values than this is refused (an identifier, most likely). */
export const MAX_LEVELS = 1000;

export type FeatureKind = 'numeric' | 'text';

/** A numeric feature: encoded as (x − mean) / std. */
export interface NumericEncoding {
  readonly name: string;
  readonly kind: 'numeric';
  readonly mean: number;
  /** Population standard deviation of the fitted rows (1 for a constant column). */
  readonly std: number;
}

/** A text feature: one 0/1 column per level, in this order. */
export interface TextEncoding {
  readonly name: string;
  readonly kind: 'text';
  readonly levels: readonly string[];
}

export type FeatureEncoding = NumericEncoding | TextEncoding;

/** The encoding of a list of features: how many columns it makes and what each one is called. */
export interface Encoding {
  readonly features: readonly FeatureEncoding[];
  /** Encoded columns in all. */
  readonly width: number;
  /** Each encoded column's name: the feature's for a numeric one, `feature=level` for a level. */
  readonly columns: readonly string[];
}

/** A cell as the encoder accepts it (what the store returns, or what a caller passes to `predict`). */
export type InputCell = Cell | undefined;

const isNumber = (v: InputCell): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

/**
 * Whether each feature is numeric or text, from its values; refuses NULLs, blobs and columns
 * that mix numbers and text, naming the row (1-based in `what`) and the column.
 */
export function featureKinds(names: readonly string[], columns: readonly (readonly InputCell[])[], what: string): FeatureKind[] {
  return names.map((name, j) => {
    const values = columns[j]!;
    let firstNumber = -1;
    let firstText = -1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) throw new MlError('E_ML_DATA', `feature "${name}" is NULL in row ${i + 1} of the ${what}; filter such rows out (WHERE "${name}" IS NOT NULL)`);
      if (isNumber(v)) {
        if (typeof v === 'number' && !Number.isFinite(v)) throw new MlError('E_ML_DATA', `feature "${name}" holds ${v} in row ${i + 1} of the ${what}; features must be finite`);
        if (firstNumber < 0) firstNumber = i;
      } else if (typeof v === 'string') {
        if (firstText < 0) firstText = i;
      } else throw new MlError('E_ML_DATA', `feature "${name}" holds a ${typeof v} in row ${i + 1} of the ${what}; features are numbers or text`);
      if (firstNumber >= 0 && firstText >= 0) {
        throw new MlError(
          'E_ML_DATA',
          `feature "${name}" mixes numbers (row ${firstNumber + 1}: ${String(values[firstNumber])}) and text (row ${firstText + 1}: ${JSON.stringify(values[firstText])}) in the ${what}; clean the column or cast it in the query`,
        );
      }
    }
    return firstText >= 0 ? 'text' : 'numeric';
  });
}

/**
 * The encoding fitted on `rows` (indices into the columns): means and stds of the numeric
 * features over those rows, and the sorted levels of the text features found in `levelRows`
 * (default: the same rows).
 */
export function fitEncoding(
  names: readonly string[],
  kinds: readonly FeatureKind[],
  columns: readonly (readonly InputCell[])[],
  rows: Int32Array,
  levelRows: Int32Array = rows,
): Encoding {
  const features: FeatureEncoding[] = names.map((name, j) => {
    const values = columns[j]!;
    if (kinds[j] === 'text') {
      const seen = new Set<string>();
      for (const i of levelRows) seen.add(String(values[i]));
      if (seen.size > MAX_LEVELS) throw new MlError('E_ML_DATA', `text feature "${name}" has ${seen.size} distinct values (at most ${MAX_LEVELS} are one-hot encoded); is it an identifier?`);
      return { name, kind: 'text', levels: [...seen].sort() };
    }
    let sum = 0;
    for (const i of rows) sum += Number(values[i]);
    const mean = sum / rows.length;
    let ss = 0;
    for (const i of rows) ss += (Number(values[i]) - mean) ** 2;
    const std = Math.sqrt(ss / rows.length);
    // A constant column (to rounding) would divide by ~0: scikit-learn's StandardScaler uses 1.
    return { name, kind: 'numeric', mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
  });
  return encodingOf(features);
}

/** The encoding whose features are `features` (width and column names derived). */
export function encodingOf(features: readonly FeatureEncoding[]): Encoding {
  const columns: string[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') columns.push(f.name);
    else for (const l of f.levels) columns.push(`${f.name}=${l}`);
  }
  return { features, width: columns.length, columns };
}

/**
 * Encodes `count` rows into a row-major Float64Array of count × width values. `rowLabel(i)`
 * names row i in error messages (`row 5 of the query`).
 */
export function encodeWith(encoding: Encoding, count: number, cellAt: (i: number, j: number) => InputCell, rowLabel: (i: number) => string): Float64Array {
  const { features, width } = encoding;
  const out = new Float64Array(count * width);
  const levelIndex = features.map((f) => (f.kind === 'text' ? new Map(f.levels.map((l, k) => [l, k])) : undefined));
  for (let i = 0; i < count; i++) {
    let col = 0;
    const base = i * width;
    for (let j = 0; j < features.length; j++) {
      const f = features[j]!;
      const v = cellAt(i, j);
      if (v === null || v === undefined) throw new MlError('E_ML_DATA', `feature "${f.name}" is NULL in ${rowLabel(i)}`);
      if (f.kind === 'numeric') {
        if (!isNumber(v)) throw new MlError('E_ML_DATA', `feature "${f.name}" is numeric but ${rowLabel(i)} holds ${typeof v === 'string' ? `text ${JSON.stringify(v)}` : `a ${typeof v}`}`);
        const x = Number(v);
        if (!Number.isFinite(x)) throw new MlError('E_ML_DATA', `feature "${f.name}" holds ${x} in ${rowLabel(i)}; features must be finite`);
        out[base + col] = (x - f.mean) / f.std;
        col++;
      } else {
        if (typeof v !== 'string' && !isNumber(v)) throw new MlError('E_ML_DATA', `feature "${f.name}" holds a ${typeof v} in ${rowLabel(i)}; it takes text`);
        const k = levelIndex[j]!.get(String(v));
        if (k === undefined) {
          const shown = f.levels.length <= 12 ? f.levels.map((l) => JSON.stringify(l)).join(', ') : `${f.levels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ')}, … (${f.levels.length})`;
          throw new MlError('E_ML_DATA', `feature "${f.name}" is ${JSON.stringify(String(v))} in ${rowLabel(i)}, a level the model was not trained on (its levels: ${shown})`);
        }
        out[base + col + k] = 1;
        col += f.levels.length;
      }
    }
  }
  return out;
}

/** Encodes the listed rows of column-major data (`columns[j][i]` is feature j of row i). */
export function encodeColumns(encoding: Encoding, columns: readonly (readonly InputCell[])[], rows: Int32Array, what: string): Float64Array {
  return encodeWith(encoding, rows.length, (i, j) => columns[j]![rows[i]!], (i) => `row ${rows[i]! + 1} of the ${what}`);
}
