/**
 * The coalition game of a model on table rows (interventional SHAP): for a coalition S, every
 * background row b gives the row that keeps x's cells for the features in S and b's cells for the
 * others; v(S) is the model's mean output over those rows. Cells go to the model raw (a text
 * feature is one feature, its value swapped whole; the model does its own encoding).
 *
 * ```ts
 * const game = tabularGame({ x: [1.5, 'red'], background: [[0, 'blue'], [1, 'red']], predict: (rows) => model(rows) });
 * exactShapley(game.value, game.features);
 * ```
 */
import { MlError } from '../../errors.js';
import { averageOverBackground, type CoalitionValues } from './coalition-game.js';

/** A cell of a feature row: a number, a text, or missing. */
export type FeatureCell = number | string | null;
export type FeatureRow = readonly FeatureCell[];

/** A coalition game built from a model and data, with what the explanation layer needs besides its values. */
export interface MaskedGame {
  readonly features: number;
  readonly value: CoalitionValues;
  /**
   * Per feature, whether x's value differs from some background row's. A feature that never
   * differs cannot change any coalition's value: its Shapley value is 0.
   */
  readonly varying: readonly boolean[];
  /** Model outputs (rows or images) a coalition costs: the number of background rows. */
  readonly backgroundSize: number;
}

export interface TabularGameOptions {
  /** The explained row, one cell per feature. */
  readonly x: FeatureRow;
  /** The background rows, each with the same features. */
  readonly background: readonly FeatureRow[];
  /** The model: rows → one output per row. */
  readonly predict: (rows: readonly FeatureRow[]) => Float64Array | ArrayLike<number>;
  /** Rows per call of `predict` at most (default 50,000; a coalition's rows are never split). */
  readonly batchRows?: number;
}

const sameCell = (a: FeatureCell, b: FeatureCell): boolean => a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

/** The game of the file comment. */
export function tabularGame(options: TabularGameOptions): MaskedGame {
  const { x, background, predict } = options;
  if (!Array.isArray(x) || x.length === 0) throw new MlError('E_ML_ARGUMENT', `tabularGame: x must be a non-empty row of cells, got ${Array.isArray(x) ? 'an empty row' : String(x)}`);
  if (!Array.isArray(background) || background.length === 0) throw new MlError('E_ML_ARGUMENT', 'tabularGame: the background needs at least one row');
  if (typeof predict !== 'function') throw new MlError('E_ML_ARGUMENT', `tabularGame: predict must be a function, got ${typeof predict}`);
  const M = x.length;
  background.forEach((b, i) => {
    if (!Array.isArray(b) || b.length !== M) throw new MlError('E_ML_ARGUMENT', `tabularGame: background row ${i + 1} has ${Array.isArray(b) ? b.length : 'no'} cells, x has ${M}`);
  });
  const K = background.length;
  const batchRows = options.batchRows ?? 50_000;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new MlError('E_ML_ARGUMENT', `tabularGame: batchRows must be a whole number ≥ 1, got ${String(options.batchRows)}`);
  const perCall = Math.max(1, Math.floor(batchRows / K));
  const varying = x.map((cell, j) => background.some((b) => !sameCell(b[j]!, cell)));

  const value: CoalitionValues = (masks, count) => {
    const out = new Float64Array(count);
    for (let start = 0; start < count; start += perCall) {
      const n = Math.min(perCall, count - start);
      const rows: FeatureCell[][] = new Array(n * K);
      for (let c = 0; c < n; c++) {
        const m = (start + c) * M;
        for (let k = 0; k < K; k++) {
          const b = background[k]!;
          const row = new Array<FeatureCell>(M);
          for (let j = 0; j < M; j++) row[j] = masks[m + j] ? x[j]! : b[j]!;
          rows[c * K + k] = row;
        }
      }
      const y = predict(rows);
      averageOverBackground(y, n, K, out, start, 'rows');
    }
    return out;
  };
  return { features: M, value, varying, backgroundSize: K };
}
