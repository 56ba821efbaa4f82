/**
 * The four figures a regressor is judged by, as scikit-learn's `mean_squared_error`,
 * `root_mean_squared_error`, `mean_absolute_error` and `r2_score` compute them.
 *
 * ```ts
 * regressionMetrics(Float64Array.of(1, 2, 3), Float64Array.of(1, 2, 4));
 * // { mse: 1/3, rmse: 0.577…, mae: 1/3, r2: 0.5 }
 * ```
 */
import { MlError } from '../../errors.js';

export interface RegressionMetrics {
  /** Mean squared error. */
  mse: number;
  /** Its square root, in the target's unit. */
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /**
   * 1 − SS_res / SS_tot, SS_tot around the mean of these rows' actual values. When the actual
   * values are all equal, 1 for a perfect prediction and 0 otherwise (scikit-learn's
   * `force_finite`).
   */
  r2: number;
}

/** The metric names as `ml_evaluations.metric` holds them. */
export const REGRESSION_METRICS = ['mse', 'rmse', 'mae', 'r2'] as const;

export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const n = actual.length;
  if (n === 0 || predicted.length !== n) throw new MlError('E_ML_ARGUMENT', `regressionMetrics needs as many predictions as actual values (≥ 1), got ${predicted.length} and ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]!;
  mean /= n;
  let se = 0;
  let ae = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i]! - predicted[i]!;
    se += e * e;
    ae += Math.abs(e);
    tot += (actual[i]! - mean) ** 2;
  }
  const mse = se / n;
  return { mse, rmse: Math.sqrt(mse), mae: ae / n, r2: tot === 0 ? (se === 0 ? 1 : 0) : 1 - se / tot };
}
