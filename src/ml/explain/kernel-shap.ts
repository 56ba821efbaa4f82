/**
 * Kernel SHAP (Lundberg & Lee 2017) as shap's `KernelExplainer` computes it, without its l1
 * feature selection: Shapley values as the solution of a weighted least-squares fit of the
 * coalition values, with the Shapley kernel weight of a coalition of size s
 *
 *   π(s) = (M − 1) / (C(M, s) · s · (M − s)),
 *
 * and efficiency (Σφ = v(all) − v(∅)) enforced exactly by eliminating the last feature's value
 * before solving. Coalitions are chosen as shap chooses them: sizes are taken in complementary
 * pairs (s and M − s), smallest first, and a size whose coalitions the remaining budget can all
 * afford is enumerated completely; the remaining budget is drawn at random (size by its share of
 * the kernel weight, members uniformly, each draw with its complement), repeated draws adding to
 * the weight of the coalition already drawn. When the budget covers every coalition (2^M − 2 ≤
 * samples) all are enumerated and the result equals the exact Shapley values to rounding.
 *
 * ```ts
 * const r = kernelShap(game.value, 49, { samples: 2146, seed: 0 });
 * ```
 *
 * Randomness comes from the project's SeededRandom, so a seed reproduces the values exactly (they
 * differ from shap's, which draws from numpy).
 */
import { MlError } from '../../errors.js';
import { mixSeed, SeededRandom } from '../data/seeded-random.js';
import { binomial, checkGame, valueCoalitions, type CoalitionValues, type ShapleyResult } from './coalition-game.js';
import { solveSymmetric } from './symmetric-solve.js';

export interface KernelShapOptions {
  /** Coalitions to value besides ∅ and all (default {@link defaultKernelSamples}: 2M + 2048, as shap's "auto"). */
  readonly samples?: number;
  /** Seed of the random coalitions (default 0). */
  readonly seed?: number;
}

/** shap's default budget: 2M + 2^11 coalitions, enough to enumerate every coalition up to M = 11. */
export function defaultKernelSamples(features: number): number {
  return 2 * features + 2048;
}

/** A growing list of coalitions and their kernel weights. */
class CoalitionSample {
  masks: Uint8Array;
  weights: Float64Array;
  count = 0;

  constructor(readonly features: number, capacity: number) {
    this.masks = new Uint8Array(Math.max(1, capacity) * features);
    this.weights = new Float64Array(Math.max(1, capacity));
  }

  add(mask: Uint8Array, weight: number): number {
    if (this.count === this.weights.length) {
      const masks = new Uint8Array(this.masks.length * 2);
      masks.set(this.masks);
      this.masks = masks;
      const weights = new Float64Array(this.weights.length * 2);
      weights.set(this.weights);
      this.weights = weights;
    }
    this.masks.set(mask, this.count * this.features);
    this.weights[this.count] = weight;
    return this.count++;
  }
}

/** Calls `fn` with every `size`-subset of 0 … n−1, in lexicographic order (`indices` is reused). */
function forEachCombination(n: number, size: number, fn: (indices: Int32Array) => void): void {
  const idx = Int32Array.from({ length: size }, (_, i) => i);
  for (;;) {
    fn(idx);
    let i = size - 1;
    while (i >= 0 && idx[i] === n - size + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < size; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** Kernel SHAP values of the M-feature game `v` (see the file comment). */
export function kernelShap(v: CoalitionValues, features: number, options: KernelShapOptions = {}): ShapleyResult {
  checkGame(v, features, 'kernelShap');
  const M = features;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new MlError('E_ML_ARGUMENT', `kernelShap: seed must be a whole number, got ${String(options.seed)}`);
  const asked = options.samples ?? defaultKernelSamples(M);
  if (!Number.isInteger(asked) || asked < 1) throw new MlError('E_ML_ARGUMENT', `kernelShap: samples must be a whole number ≥ 1, got ${String(options.samples)}`);

  // ∅ and all are the constraints of the fit, valued first.
  const ends = new Uint8Array(2 * M);
  ends.fill(1, M);
  const [baseValue, prediction] = valueCoalitions(v, ends, 2, M) as unknown as [number, number];
  if (M === 1) return { values: Float64Array.of(prediction - baseValue), baseValue, prediction, evaluations: 2 };

  const maxSamples = M <= 30 ? 2 ** M - 2 : 2 ** 30;
  const samples = Math.min(asked, maxSamples);
  const sample = new CoalitionSample(M, Math.min(samples, 1 << 16));
  const mask = new Uint8Array(M);

  // Sizes 1 … ⌈(M−1)/2⌉, each standing for itself and its complement M − s (paired when distinct).
  const sizes = Math.ceil((M - 1) / 2);
  const paired = Math.floor((M - 1) / 2);
  const weightOf = Float64Array.from({ length: sizes }, (_, i) => (M - 1) / ((i + 1) * (M - i - 1)));
  for (let i = 0; i < paired; i++) weightOf[i]! *= 2;
  const total = weightOf.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) weightOf[i]! /= total;

  // Enumerate whole sizes while the budget affords them.
  let fullSizes = 0;
  let left = samples;
  const remaining = Float64Array.from(weightOf);
  for (let size = 1; size <= sizes; size++) {
    const isPaired = size <= paired;
    const n = binomial(M, size) * (isPaired ? 2 : 1);
    if (!((left * remaining[size - 1]!) / n >= 1 - 1e-8)) break;
    fullSizes++;
    left -= n;
    if (remaining[size - 1]! < 1) {
      const rest = 1 - remaining[size - 1]!;
      for (let i = 0; i < sizes; i++) remaining[i]! /= rest;
    }
    const w = weightOf[size - 1]! / binomial(M, size) / (isPaired ? 2 : 1);
    forEachCombination(M, size, (idx) => {
      mask.fill(0);
      for (const j of idx) mask[j] = 1;
      sample.add(mask, w);
      if (isPaired) {
        for (let j = 0; j < M; j++) mask[j] = 1 - mask[j]!;
        sample.add(mask, w);
      }
    });
  }

  // Draw the rest of the budget at random.
  const fixed = sample.count;
  let samplesLeft = samples - fixed;
  if (fullSizes !== sizes && samplesLeft > 0) {
    const drawWeights = Float64Array.from(weightOf);
    for (let i = 0; i < paired; i++) drawWeights[i]! /= 2; // each paired draw brings two coalitions
    const open = drawWeights.subarray(fullSizes);
    const openTotal = open.reduce((a, b) => a + b, 0);
    const cumulative = new Float64Array(open.length);
    let acc = 0;
    for (let i = 0; i < open.length; i++) cumulative[i] = acc += open[i]! / openTotal;
    const rng = new SeededRandom(mixSeed(seed, 0x4b53)); // 'KS'
    const order = new Int32Array(M);
    const used = new Map<string, number>();
    const draws = 4 * samplesLeft;
    for (let d = 0; d < draws && samplesLeft > 0; d++) {
      const u = rng.next();
      let k = 0;
      while (k < open.length - 1 && u >= cumulative[k]!) k++;
      const size = k + fullSizes + 1;
      // The first `size` entries of a partial Fisher–Yates shuffle: a uniform subset of that size.
      for (let i = 0; i < M; i++) order[i] = i;
      mask.fill(0);
      for (let i = 0; i < size; i++) {
        const j = i + Math.floor(rng.next() * (M - i));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
        mask[order[i]!] = 1;
      }
      const key = Buffer.from(mask.buffer, mask.byteOffset, M).toString('latin1');
      const seen = used.get(key);
      if (seen === undefined) {
        used.set(key, sample.add(mask, 1));
        samplesLeft--;
      } else {
        sample.weights[seen]! += 1;
      }
      if (samplesLeft > 0 && size <= paired) {
        // The complement follows its coalition, so an already-drawn one has it at seen + 1.
        if (seen === undefined) {
          for (let j = 0; j < M; j++) mask[j] = 1 - mask[j]!;
          sample.add(mask, 1);
          samplesLeft--;
        } else {
          sample.weights[seen + 1]! += 1;
        }
      }
    }
    // The drawn coalitions share the kernel weight the enumerated sizes left.
    let weightLeft = 0;
    for (let i = fullSizes; i < sizes; i++) weightLeft += weightOf[i]!;
    let drawn = 0;
    for (let i = fixed; i < sample.count; i++) drawn += sample.weights[i]!;
    for (let i = fixed; i < sample.count; i++) sample.weights[i]! *= weightLeft / drawn;
  }

  const n = sample.count;
  const y = valueCoalitions(v, sample.masks.subarray(0, n * M), n, M);
  const values = solveConstrained(sample.masks, sample.weights, y, n, M, baseValue, prediction);
  return { values, baseValue, prediction, evaluations: n + 2 };
}

/**
 * The weighted least-squares fit with Σφ = fx − fnull built in: φ_last = (fx − fnull) − Σ_{j<last} φ_j,
 * so for each coalition z, y − fnull − z_last (fx − fnull) = Σ_{j<last} φ_j (z_j − z_last).
 */
function solveConstrained(masks: Uint8Array, weights: Float64Array, y: Float64Array, n: number, M: number, fnull: number, fx: number): Float64Array {
  const p = M - 1;
  const last = M - 1;
  const gap = fx - fnull;
  const xtwx = new Float64Array(p * p);
  const xtwy = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const base = i * M;
    const zl = masks[base + last]!;
    const target = y[i]! - fnull - zl * gap;
    let nonzero = false;
    for (let j = 0; j < p; j++) {
      row[j] = masks[base + j]! - zl;
      if (row[j] !== 0) nonzero = true;
    }
    if (!nonzero) continue;
    for (let a = 0; a < p; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      const wa = w * ra;
      xtwy[a]! += wa * target;
      for (let b = a; b < p; b++) xtwx[a * p + b]! += wa * row[b]!;
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) xtwx[a * p + b] = xtwx[b * p + a]!;
  const w = solveSymmetric(xtwx, xtwy, p);
  const values = new Float64Array(M);
  let sum = 0;
  for (let j = 0; j < p; j++) {
    values[j] = w[j]!;
    sum += w[j]!;
  }
  values[last] = gap - sum;
  return values;
}
