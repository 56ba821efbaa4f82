/**
 * Linear models over the encoded columns, intercept never penalised:
 *
 * - `linear`: least squares, min ‖y − Xw − b‖², solved through the SVD (ml-matrix) of the centred
 *   design so that a rank-deficient design still has one answer, the minimum-norm one (numpy's
 *   `lstsq` cut-off for small singular values). Keeping every level of a text feature makes the
 *   centred level columns sum to zero, so the design is always rank-deficient by one per text
 *   feature; the minimum-norm answer then gives that feature's level coefficients summing to
 *   zero, and their differences are the level effects (docs/ml-emulators.md).
 * - `ridge`: min ‖y − Xw − b‖² + α‖w‖² (scikit-learn's `Ridge`), w = V diag(s / (s² + α)) Uᵀ y.
 * - `lasso`: min (1/2n)‖y − Xw − b‖² + α‖w‖₁ (scikit-learn's `Lasso`), by cyclic coordinate
 *   descent with soft-thresholding. Written here because no maintained JavaScript library
 *   implements it (ml-regression has least squares only); the iteration runs on the w × w Gram
 *   matrix, so each sweep costs w² whatever the row count, and it iterates to 1e-12 relative
 *   change rather than scikit-learn's looser 1e-4 duality-gap stop.
 *
 * The penalties apply to the encoded (standardised) columns. {@link rawCoefficients} turns the
 * weights back into the features' own units.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { MlError } from '../../../errors.js';
import type { Encoding } from '../feature-encoding.js';
import type { EncodedRows, FittedRegressor, HyperParameters, RegressorFamily } from './regressor.js';

export interface LinearFit {
  readonly intercept: number;
  /** One weight per encoded column. */
  readonly weights: Float64Array;
  /** lasso: coordinate-descent sweeps made, and whether they met the tolerance. */
  readonly iterations?: number;
  readonly converged?: boolean;
}

/** Column means of `x` and the centred design. */
function centre(data: EncodedRows): { means: Float64Array; yMean: number; xc: Float64Array; yc: Float64Array } {
  const { x, y, rows: n, width: w } = data;
  const means = new Float64Array(w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) means[j]! += x[i * w + j]!;
  for (let j = 0; j < w; j++) means[j]! /= n;
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i]!;
  yMean /= n;
  const xc = new Float64Array(n * w);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yc[i] = y[i]! - yMean;
    for (let j = 0; j < w; j++) xc[i * w + j] = x[i * w + j]! - means[j]!;
  }
  return { means, yMean, xc, yc };
}

const interceptOf = (yMean: number, means: Float64Array, weights: Float64Array): number => {
  let b = yMean;
  for (let j = 0; j < weights.length; j++) b -= means[j]! * weights[j]!;
  return b;
};

/**
 * Least squares (α = 0, minimum-norm) or ridge (α > 0) through the SVD of the centred design.
 *
 * ```ts
 * fitLeastSquares({ x, y, rows: 100, width: 2 }, 0).weights; // Float64Array [3, -2]
 * ```
 */
export function fitLeastSquares(data: EncodedRows, alpha: number): LinearFit {
  const { rows: n, width: w } = data;
  const { means, yMean, xc, yc } = centre(data);
  const m = new Matrix(n, w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) m.set(i, j, xc[i * w + j]!);
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const s = svd.diagonal;
  const sMax = s.reduce((a, b) => Math.max(a, b), 0);
  const cutoff = Number.EPSILON * Math.max(n, w) * sMax;
  const weights = new Float64Array(w);
  for (let k = 0; k < s.length; k++) {
    const sk = s[k]!;
    const f = alpha === 0 ? (sk > cutoff ? 1 / sk : 0) : sk / (sk * sk + alpha);
    if (f === 0) continue;
    let t = 0;
    for (let i = 0; i < n; i++) t += u.get(i, k) * yc[i]!;
    for (let j = 0; j < w; j++) weights[j]! += v.get(j, k) * f * t;
  }
  return { intercept: interceptOf(yMean, means, weights), weights };
}

/** Sign(z)·max(|z| − γ, 0). */
const softThreshold = (z: number, gamma: number): number => (z > gamma ? z - gamma : z < -gamma ? z + gamma : 0);

/**
 * Lasso by cyclic coordinate descent on the Gram matrix (see the file comment). Stops when no
 * weight moved by more than `tolerance` × the largest weight in a sweep, or after
 * `maxIterations` sweeps (`converged: false`).
 *
 * ```ts
 * fitLasso(data, 0.5).weights; // the irrelevant column's weight is exactly 0
 * ```
 */
export function fitLasso(data: EncodedRows, alpha: number, options: { maxIterations?: number; tolerance?: number } = {}): LinearFit {
  const { rows: n, width: w } = data;
  const maxIterations = options.maxIterations ?? 100_000;
  const tolerance = options.tolerance ?? 1e-12;
  const { means, yMean, xc, yc } = centre(data);
  const gram = new Float64Array(w * w);
  const c = new Float64Array(w);
  for (let i = 0; i < n; i++) {
    const row = i * w;
    for (let j = 0; j < w; j++) {
      const xj = xc[row + j]!;
      if (xj === 0) continue;
      c[j]! += xj * yc[i]!;
      for (let k = j; k < w; k++) gram[j * w + k]! += xj * xc[row + k]!;
    }
  }
  let maxDiag = 0;
  for (let j = 0; j < w; j++) {
    c[j]! /= n;
    for (let k = j; k < w; k++) {
      gram[j * w + k]! /= n;
      gram[k * w + j] = gram[j * w + k]!;
    }
    maxDiag = Math.max(maxDiag, gram[j * w + j]!);
  }
  const weights = new Float64Array(w);
  const q = new Float64Array(w); // gram · weights, kept up to date
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    let maxDelta = 0;
    let maxWeight = 0;
    for (let j = 0; j < w; j++) {
      const gjj = gram[j * w + j]!;
      // A column constant on these rows (a level absent from them) keeps weight 0.
      if (gjj <= 1e-20 * maxDiag) continue;
      const old = weights[j]!;
      const rho = c[j]! - (q[j]! - gjj * old);
      const next = softThreshold(rho, alpha) / gjj;
      const delta = next - old;
      if (delta !== 0) {
        for (let k = 0; k < w; k++) q[k]! += delta * gram[k * w + j]!;
        weights[j] = next;
        maxDelta = Math.max(maxDelta, Math.abs(delta));
      }
      maxWeight = Math.max(maxWeight, Math.abs(next));
    }
    if (maxDelta <= tolerance * maxWeight) {
      converged = true;
      break;
    }
  }
  return { intercept: interceptOf(yMean, means, weights), weights, iterations, converged };
}

/** The smallest lasso α that zeroes every weight: max |Xⱼᵀ(y − ȳ)| / n (scikit-learn's alpha_max). */
export function lassoAlphaMax(data: EncodedRows): number {
  const { means, xc, yc } = centre(data);
  let best = 0;
  for (let j = 0; j < means.length; j++) {
    let dot = 0;
    for (let i = 0; i < data.rows; i++) dot += xc[i * data.width + j]! * yc[i]!;
    best = Math.max(best, Math.abs(dot) / data.rows);
  }
  return best;
}

/** A linear model's coefficients in the features' own units: per numeric feature, per text level. */
export interface RawCoefficients {
  readonly intercept: number;
  /** Keyed by encoded column name: `wind_speed`, `fuels=ST5_FF_DUET`. */
  readonly coefficients: Readonly<Record<string, number>>;
}

/**
 * Undoes the standardisation: weight wⱼ on (x − mean)/std is wⱼ/std per unit of x, and the
 * intercept absorbs −wⱼ·mean/std. Level weights are per level already.
 */
export function rawCoefficients(fit: { intercept: number; weights: ArrayLike<number> }, encoding: Encoding): RawCoefficients {
  const coefficients: Record<string, number> = {};
  let intercept = fit.intercept;
  let col = 0;
  for (const f of encoding.features) {
    if (f.kind === 'numeric') {
      const w = fit.weights[col]! / f.std;
      coefficients[f.name] = w;
      intercept -= w * f.mean;
      col++;
    } else {
      for (const level of f.levels) coefficients[`${f.name}=${level}`] = fit.weights[col++]!;
    }
  }
  return { intercept, coefficients };
}

class LinearRegressor implements FittedRegressor {
  constructor(readonly fit: LinearFit) {}

  predict(x: Float64Array, rows: number): Float64Array {
    const { intercept, weights } = this.fit;
    const w = weights.length;
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = intercept;
      for (let j = 0; j < w; j++) s += weights[j]! * x[i * w + j]!;
      out[i] = s;
    }
    return out;
  }

  state(): Record<string, unknown> {
    const { intercept, weights, iterations, converged } = this.fit;
    return { intercept, weights: [...weights], ...(iterations === undefined ? {} : { iterations, converged }) };
  }

  dispose(): void {}
}

/** The fitted linear model's intercept and weights (encoded columns), for a regressor of a linear family. */
export function linearFitOf(model: FittedRegressor): LinearFit | undefined {
  return model instanceof LinearRegressor ? model.fit : undefined;
}

/** What the three linear families share: two rows at least, and the checkpoint's intercept and weights. */
const linearCommon = {
  minRows: () => 2,
  load: (state: Record<string, unknown>, _h: HyperParameters, width: number): FittedRegressor => {
    const weights = state['weights'];
    const intercept = state['intercept'];
    if (!Array.isArray(weights) || weights.length !== width || typeof intercept !== 'number') {
      throw new MlError('E_ML_CHECKPOINT', `the checkpoint's linear model does not match its encoding (${width} columns)`);
    }
    return new LinearRegressor({ intercept, weights: Float64Array.from(weights as number[]) });
  },
};

function checkAlpha(alpha: unknown): number {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('alpha')} must be a number ≥ 0, got ${String(alpha)}`);
  return alpha;
}

export const linearFamily: RegressorFamily = {
  name: 'linear',
  options: [],
  gridded: [],
  resolve: () => ({}),
  grid: (base) => [base],
  fit: async (data) => new LinearRegressor(fitLeastSquares(data, 0)),
  ...linearCommon,
};

/** Ridge's grid: α ∈ {0.01, 0.1, 1, 10, 100} (the encoded columns have unit variance, so these span weak to strong). */
export const RIDGE_GRID = [0.01, 0.1, 1, 10, 100] as const;

export const ridgeFamily: RegressorFamily = {
  name: 'ridge',
  options: ['alpha'],
  gridded: ['alpha'],
  resolve: (h) => ({ alpha: checkAlpha(h.alpha ?? 1) }),
  grid: () => RIDGE_GRID.map((alpha) => ({ alpha })),
  fit: async (data, h) => new LinearRegressor(fitLeastSquares(data, h.alpha!)),
  ...linearCommon,
};

/**
 * Lasso's grid: α = α_max × {1e-4, 1e-3, 1e-2, 1e-1} (6 significant digits, so a grid prints and
 * reproduces cleanly), α_max the smallest α that zeroes every weight on the training rows; the
 * lasso's α is in the target's unit, so a fixed list would not suit every target.
 */
export const LASSO_GRID_FRACTIONS = [1e-4, 1e-3, 1e-2, 1e-1] as const;

export const lassoFamily: RegressorFamily = {
  name: 'lasso',
  options: ['alpha'],
  gridded: ['alpha'],
  resolve: (h) => ({ alpha: checkAlpha(h.alpha ?? 1) }),
  grid: (_base, data) => {
    const max = lassoAlphaMax(data);
    return max > 0 ? LASSO_GRID_FRACTIONS.map((f) => ({ alpha: Number((max * f).toPrecision(6)) })) : [{ alpha: 1 }];
  },
  fit: async (data, h) => new LinearRegressor(fitLasso(data, h.alpha!)),
  ...linearCommon,
};
