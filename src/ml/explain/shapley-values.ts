/**
 * Shapley values of a masked game by the method asked for, or by the default: exact for up to
 * {@link EXACT_DEFAULT_LIMIT} features, Kernel SHAP beyond. Features whose value equals the
 * background's everywhere (`game.varying` false) get 0 and are left out of the computation, as
 * shap's KernelExplainer does: they cannot change any coalition's value, and the estimate of the
 * others is better without them. The method's feature count is the count of the rest.
 *
 * ```ts
 * const r = shapleyValues(game, { method: 'kernel', samples: 4096, seed: 1 });
 * r.values; r.baseValue; r.prediction; r.method; r.active;
 * ```
 */
import { MlError } from '../../errors.js';
import { restrictGame, valueCoalitions, type ShapleyResult } from './coalition-game.js';
import { exactShapley, MAX_EXACT_FEATURES } from './exact-shapley.js';
import { kernelShap } from './kernel-shap.js';
import { permutationShap, permutationsForBudget } from './permutation-shap.js';
import type { MaskedGame } from './tabular-masker.js';

export type ShapMethod = 'exact' | 'kernel' | 'permutation';
export const SHAP_METHODS: readonly ShapMethod[] = Object.freeze(['exact', 'kernel', 'permutation']);

/** Up to this many (varying) features the default method is exact; beyond it, kernel. */
export const EXACT_DEFAULT_LIMIT = 12;

export interface ShapleyValuesOptions {
  readonly method?: ShapMethod;
  /**
   * Coalition budget: Kernel SHAP's samples (default 2M + 2048); for permutation sampling, the
   * number of antithetic pairs is the budget over 2(M − 1). Ignored by the exact method.
   */
  readonly samples?: number;
  readonly seed?: number;
}

export interface GameExplanation extends ShapleyResult {
  readonly method: ShapMethod;
  /** Features that differ from the background (the rest have value 0). */
  readonly active: number;
}

/** The Shapley values of `game` (see the file comment). */
export function shapleyValues(game: MaskedGame, options: ShapleyValuesOptions = {}): GameExplanation {
  const M = game.features;
  const active: number[] = [];
  for (let j = 0; j < M; j++) if (game.varying[j]) active.push(j);
  const method = options.method ?? (active.length <= EXACT_DEFAULT_LIMIT ? 'exact' : 'kernel');
  // A method that cannot run on these features is refused before any model output is computed.
  if (!SHAP_METHODS.includes(method)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('method')} must be one of ${SHAP_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  if (method === 'exact' && active.length > MAX_EXACT_FEATURES) {
    throw new MlError(
      'E_ML_ARGUMENT',
      (o) => `the exact method values all 2^M coalitions and takes at most ${MAX_EXACT_FEATURES} features; this explanation has ${active.length} that differ from the background (of ${M}): use ${o('method')} kernel (Kernel SHAP) or ${o('method')} permutation`,
    );
  }
  const seed = options.seed ?? 0;
  if (options.samples !== undefined && (!Number.isInteger(options.samples) || options.samples < 1)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('samples')} must be a whole number ≥ 1, got ${String(options.samples)}`);
  }
  if (active.length === 0) {
    // Nothing differs from the background: f(x) = E[f] and every value is 0.
    const ends = new Uint8Array(2 * M);
    ends.fill(1, M);
    const [baseValue, prediction] = valueCoalitions(game.value, ends, 2, M);
    return { values: new Float64Array(M), baseValue: baseValue!, prediction: prediction!, evaluations: 2, method, active: 0 };
  }
  const v = active.length === M ? game.value : restrictGame(game.value, M, active);
  const m = active.length;
  const r =
    method === 'exact'
      ? exactShapley(v, m)
      : method === 'kernel'
        ? kernelShap(v, m, { seed, ...(options.samples === undefined ? {} : { samples: options.samples }) })
        : permutationShap(v, m, { seed, ...(options.samples === undefined ? {} : { permutations: permutationsForBudget(options.samples, m) }) });
  const values = new Float64Array(M);
  active.forEach((j, i) => (values[j] = r.values[i]!));
  return { values, baseValue: r.baseValue, prediction: r.prediction, evaluations: r.evaluations, method, active: m };
}
