/**
 * The model-agnostic ground every SHAP method here stands on: a *coalition game*. A coalition is
 * a set of features that are present; its value v(S) is what the model outputs when the features
 * in S keep the explained input's values and the others are taken from the background
 * (interventional SHAP: v(S) = mean over background rows b of f(x_S, b_S̄)). The Shapley values φ
 * of the game then satisfy Σφ = v(all) − v(∅) = f(x) − E[f].
 *
 * Games are batched: one call values many coalitions, so a model sees thousands of masked inputs
 * in a few forward passes instead of one native call per coalition.
 *
 * ```ts
 * // masks: count × M bytes, row-major, 1 = feature present
 * const v: CoalitionValues = (masks, count) => { … return new Float64Array(count); };
 * const { values, baseValue, prediction } = exactShapley(v, 4);
 * ```
 */
import { MlError } from '../../errors.js';

/**
 * The values of `count` coalitions of M features: `masks` holds count × M bytes, row after row,
 * 1 where the feature is present and 0 where it is absent; the result holds one value per row.
 */
export type CoalitionValues = (masks: Uint8Array, count: number) => Float64Array | ArrayLike<number>;

/** What every SHAP method returns. */
export interface ShapleyResult {
  /** One value per feature, in feature order; they sum to `prediction − baseValue`. */
  readonly values: Float64Array;
  /** v(∅): the model's mean output over the background (E[f]). */
  readonly baseValue: number;
  /** v(all): the model's output for the explained input, f(x). */
  readonly prediction: number;
  /** How many coalitions were valued (each costs one model output per background row). */
  readonly evaluations: number;
}

/** Checks the arguments every method shares; `method` names the caller in messages. */
export function checkGame(v: CoalitionValues, features: number, method: string): void {
  if (typeof v !== 'function') throw new MlError('E_ML_ARGUMENT', `${method}: the value function must be a function (masks, count) → values, got ${typeof v}`);
  if (!Number.isInteger(features) || features < 1) throw new MlError('E_ML_ARGUMENT', `${method}: the number of features must be a whole number ≥ 1, got ${String(features)}`);
}

/**
 * Values `count` coalitions through `v` and checks what comes back: one finite number per mask.
 * A model that returns NaN or ∞ for some masked input makes every Shapley value meaningless, so it
 * is refused here naming the first such coalition.
 */
export function valueCoalitions(v: CoalitionValues, masks: Uint8Array, count: number, features: number): Float64Array {
  if (count === 0) return new Float64Array(0);
  const out = v(masks, count);
  if (out === null || typeof out !== 'object' || typeof (out as ArrayLike<number>).length !== 'number' || out.length !== count) {
    throw new MlError('E_ML_DATA', `the value function returned ${out === null || typeof out !== 'object' ? String(out) : `${(out as ArrayLike<number>).length} values`} for ${count} coalitions`);
  }
  const values = out instanceof Float64Array ? out : Float64Array.from(out);
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(values[i]!)) {
      const present: number[] = [];
      for (let j = 0; j < features; j++) if (masks[i * features + j]) present.push(j);
      throw new MlError('E_ML_DATA', `the model's output is ${values[i]} for the coalition of features [${present.join(', ')}]; SHAP values need finite outputs`);
    }
  }
  return values;
}

/**
 * The game restricted to the features in `active` (ascending indices): a mask over the active
 * features is widened to all `features`, the others set present. Used to leave out features whose
 * value equals the background's everywhere: they cannot change the output, their Shapley value is
 * 0, and Kernel SHAP estimates the rest better without them (as shap's "varying" features).
 */
export function restrictGame(v: CoalitionValues, features: number, active: readonly number[]): CoalitionValues {
  const m = active.length;
  return (masks, count) => {
    const full = new Uint8Array(count * features).fill(1);
    for (let i = 0; i < count; i++) for (let j = 0; j < m; j++) full[i * features + active[j]!] = masks[i * m + j]!;
    return v(full, count);
  };
}

/** C(n, k) in float64 (exact below 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let r = 1;
  // After step i, r = C(n − k + i, i): an integer, so every step is exact while it stays below 2^53.
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * Checks a model's outputs for `n` coalitions × `K` background rows (coalition-major) and writes
 * each coalition's mean over the background into `out` from `start`: v(S) = E_b[f(x_S, b_rest)].
 */
export function averageOverBackground(y: ArrayLike<number> | null | undefined, n: number, K: number, out: Float64Array, start: number, what: string): void {
  if (y === null || typeof y !== 'object' || y.length !== n * K) {
    throw new MlError('E_ML_DATA', `the model returned ${y === null || typeof y !== 'object' ? String(y) : `${y.length} outputs`} for ${n * K} ${what}`);
  }
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += y[c * K + k]!;
    out[start + c] = s / K;
  }
}
