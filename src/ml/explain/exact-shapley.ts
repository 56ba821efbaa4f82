/**
 * Exact Shapley values: every one of the 2^M coalitions valued (in one batched call), then
 *
 *   φ_j = Σ_{S ⊆ N∖{j}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {j}) − v(S))
 *
 * in float64. Efficiency (Σφ = v(all) − v(∅)) holds to rounding. The cost is 2^M coalitions (each
 * one model output per background row), so it is refused beyond {@link MAX_EXACT_FEATURES}.
 *
 * ```ts
 * const r = exactShapley(tabularGame({ x, background, predict }).value, 4);
 * r.values; // Float64Array(4), summing to r.prediction − r.baseValue
 * ```
 */
import { MlError } from '../../errors.js';
import { binomial, checkGame, valueCoalitions, type CoalitionValues, type ShapleyResult } from './coalition-game.js';

/** The most features exact Shapley values are computed for (2^14 = 16,384 coalitions). */
export const MAX_EXACT_FEATURES = 14;

/** The exact Shapley values of the M-feature game `v` (see the file comment). */
export function exactShapley(v: CoalitionValues, features: number): ShapleyResult {
  checkGame(v, features, 'exactShapley');
  const M = features;
  if (M > MAX_EXACT_FEATURES) {
    throw new MlError(
      'E_ML_ARGUMENT',
      (o) => `exact Shapley values need all 2^${M} = ${2 ** M} coalitions; ${M} features are more than the ${MAX_EXACT_FEATURES} the exact method takes: use the kernel method (Kernel SHAP, ${o('method')} kernel) or permutation sampling (${o('method')} permutation)`,
    );
  }
  const total = 2 ** M;
  // Coalition c (0 … 2^M − 1) has feature j present when bit j of c is set.
  const masks = new Uint8Array(total * M);
  for (let c = 0; c < total; c++) for (let j = 0; j < M; j++) masks[c * M + j] = (c >>> j) & 1;
  const value = valueCoalitions(v, masks, total, M);
  // weight[s] = s!(M − s − 1)!/M! = 1 / (M · C(M − 1, s)).
  const weight = Float64Array.from({ length: M }, (_, s) => 1 / (M * binomial(M - 1, s)));
  const size = new Uint8Array(total);
  for (let c = 1; c < total; c++) size[c] = size[c >>> 1]! + (c & 1);
  const values = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    const bit = 1 << j;
    let sum = 0;
    for (let c = 0; c < total; c++) {
      if (c & bit) continue;
      sum += weight[size[c]!]! * (value[c | bit]! - value[c]!);
    }
    values[j] = sum;
  }
  return { values, baseValue: value[0]!, prediction: value[total - 1]!, evaluations: total };
}
