/**
 * Shapley values by antithetic permutation sampling: for each sampled order of the features and
 * for its reverse, features are added one by one from ∅ to all and each is credited with the
 * change its arrival makes; the values are the mean credit over all orders. Every order's credits
 * sum to v(all) − v(∅), so efficiency holds exactly (to rounding) whatever the number of orders;
 * pairing each order with its reverse cancels much of the sampling error (exactly so for games
 * with interactions of at most two features).
 *
 * The coalitions of all orders are valued in one batched call: 2 + 2P(M − 1) of them.
 *
 * ```ts
 * const r = permutationShap(game.value, 49, { permutations: 20, seed: 0 });
 * ```
 */
import { MlError } from '../../errors.js';
import { mixSeed, seededPermutation } from '../data/seeded-random.js';
import { checkGame, valueCoalitions, type CoalitionValues, type ShapleyResult } from './coalition-game.js';
import { defaultKernelSamples } from './kernel-shap.js';

export interface PermutationShapOptions {
  /** Sampled orders, each also walked in reverse (default {@link defaultPermutations}). */
  readonly permutations?: number;
  /** Seed of the orders (default 0). */
  readonly seed?: number;
}

/**
 * The number of antithetic pairs that values about as many coalitions as Kernel SHAP's default
 * budget (2M + 2048), so the two methods cost about the same by default.
 */
export function defaultPermutations(features: number): number {
  return permutationsForBudget(defaultKernelSamples(features), features);
}

/** Antithetic pairs that fit a budget of `samples` coalitions (at least one). */
export function permutationsForBudget(samples: number, features: number): number {
  return Math.max(1, Math.ceil(samples / (2 * Math.max(1, features - 1))));
}

/** Permutation-sampling Shapley values of the M-feature game `v` (see the file comment). */
export function permutationShap(v: CoalitionValues, features: number, options: PermutationShapOptions = {}): ShapleyResult {
  checkGame(v, features, 'permutationShap');
  const M = features;
  const P = options.permutations ?? defaultPermutations(M);
  if (!Number.isInteger(P) || P < 1) throw new MlError('E_ML_ARGUMENT', `permutationShap: permutations must be a whole number ≥ 1, got ${String(options.permutations)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new MlError('E_ML_ARGUMENT', `permutationShap: seed must be a whole number, got ${String(options.seed)}`);

  // Orders 2p (sampled) and 2p + 1 (its reverse).
  const orders: Int32Array[] = [];
  for (let p = 0; p < P; p++) {
    const forward = seededPermutation(M, mixSeed(seed, p, 0x5045)); // 'PE'
    orders.push(forward, forward.slice().reverse());
  }
  // Coalition 0 is ∅, 1 is all, then for each order its prefixes of sizes 1 … M − 1.
  const inner = M - 1;
  const count = 2 + orders.length * inner;
  const masks = new Uint8Array(count * M);
  masks.fill(1, M, 2 * M);
  orders.forEach((order, o) => {
    const start = 2 + o * inner;
    for (let k = 0; k < inner; k++) {
      const row = (start + k) * M;
      for (let i = 0; i <= k; i++) masks[row + order[i]!] = 1;
    }
  });
  const value = valueCoalitions(v, masks, count, M);
  const baseValue = value[0]!;
  const prediction = value[1]!;
  const values = new Float64Array(M);
  orders.forEach((order, o) => {
    const start = 2 + o * inner;
    let previous = baseValue;
    for (let k = 0; k < M; k++) {
      const current = k === M - 1 ? prediction : value[start + k]!;
      values[order[k]!]! += current - previous;
      previous = current;
    }
  });
  for (let j = 0; j < M; j++) values[j]! /= orders.length;
  return { values, baseValue, prediction, evaluations: count };
}
