/**
 * Diversity of generated samples relative to real ones, on features: how spread out a set is,
 * measured as the mean Euclidean distance over all pairs of its samples, and the ratio of the
 * generated set's spread to the real set's:
 *
 *   D(X)              = 2 / (n(n − 1)) · Σ_{i<j} ‖xᵢ − xⱼ‖
 *   diversity(G, R)   = D(G) / D(R)
 *
 * About 1: the generated samples vary as much as the real ones; near 0: they are (near) copies of
 * each other (mode collapse); above 1: more spread than the real data (often noise). Computed per
 * condition, it shows the intra-class collapse that FID and class faithfulness can hide.
 *
 * A set larger than `maxSamples` (default 500) is first subsampled without replacement with
 * `SeededRandom(seed)`, so the cost is bounded (at most 124,750 pairs per set) and the value
 * depends only on the inputs and the seed. D is then an unbiased estimate of the expected
 * distance between two independent samples (a U-statistic), with a standard deviation of at most
 * √(2/n) times that of the pairwise distances (Hoeffding). Distances are summed in plain float64
 * loops, pair by pair, so identical points give exactly 0 and no tensor is made.
 *
 * ```ts
 * const real = featureMatrix(realFeatures, 1000, 128);   // any classifier's features, Float32Array or not
 * const gen = featureMatrix(genFeatures, 1000, 128);
 * diversityRatio(gen, real);                             // { value: 0.93, generated: 7.1, real: 7.6 }
 * meanPairwiseDistance(gen, { maxSamples: 200, seed: 3 }); // 7.1…
 * ```
 */
import { MlError } from '../../../errors.js';
import { SeededRandom } from '../../data/seeded-random.js';
import { requireSameDimension, requireSamples, wholeOption, type FeatureMatrix } from './feature-matrix.js';
import { subsetSampler } from './seeded-sampling.js';

export interface FeatureDiversityOptions {
  /** At most this many samples of each set are used, drawn with `seed` when there are more (default 500). */
  readonly maxSamples?: number;
  /** Seed of the subsample (default 0). */
  readonly seed?: number;
}

/** The defaults of `FeatureDiversityOptions`. */
export const DIVERSITY_DEFAULTS = Object.freeze({ maxSamples: 500, seed: 0 });

function checkedOptions(options: FeatureDiversityOptions): { maxSamples: number; seed: number } {
  return {
    maxSamples: wholeOption('diversity maxSamples', options.maxSamples ?? DIVERSITY_DEFAULTS.maxSamples, 2),
    seed: wholeOption('diversity seed', options.seed ?? DIVERSITY_DEFAULTS.seed, 0, 0xffffffff),
  };
}

/** The rows used: all of them in order, or `maxSamples` distinct ones drawn with `seed`. */
function sampledRows(rows: number, maxSamples: number, seed: number): Int32Array {
  if (rows <= maxSamples) return Int32Array.from({ length: rows }, (_, i) => i);
  return subsetSampler(rows, new SeededRandom(seed))(maxSamples);
}

function meanDistanceOf(m: FeatureMatrix, maxSamples: number, seed: number): number {
  const rows = sampledRows(m.rows, maxSamples, seed);
  const d = m.cols;
  const x = m.data;
  let sum = 0;
  for (let a = 0; a < rows.length; a++) {
    const ia = rows[a]! * d;
    let rowSum = 0;
    for (let b = a + 1; b < rows.length; b++) {
      const ib = rows[b]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[ia + j]! - x[ib + j]!;
        s += diff * diff;
      }
      rowSum += Math.sqrt(s);
    }
    sum += rowSum;
  }
  const n = rows.length;
  return sum / ((n * (n - 1)) / 2);
}

/**
 * The mean Euclidean distance over all pairs of samples of `m` (after subsampling to
 * `maxSamples`). Needs 2 samples (E_ML_DATA).
 *
 * ```ts
 * meanPairwiseDistance(featureMatrix([0, 0, 3, 4, 0, 0], 3, 2)); // (5 + 0 + 5) / 3
 * ```
 */
export function meanPairwiseDistance(m: FeatureMatrix, options: FeatureDiversityOptions = {}): number {
  const o = checkedOptions(options);
  requireSamples(m, 'diversity samples');
  return meanDistanceOf(m, o.maxSamples, o.seed);
}

/**
 * Mean pairwise distance of the generated samples over that of the real ones (`value`), with
 * both distances. Both sets need 2 samples and the same dimension (E_ML_DATA), and the real
 * samples must not all be one point (E_ML_DATA: the ratio has no meaning).
 *
 * ```ts
 * diversityRatio(gen, real).value; // ≈ 1 when as varied as the real data, ≈ 0 when collapsed
 * ```
 */
export function diversityRatio(generated: FeatureMatrix, real: FeatureMatrix, options: FeatureDiversityOptions = {}): { value: number; generated: number; real: number } {
  const o = checkedOptions(options);
  requireSameDimension(generated, real, ['generated samples', 'real samples']);
  requireSamples(generated, 'generated samples');
  requireSamples(real, 'real samples');
  const r = meanDistanceOf(real, o.maxSamples, o.seed);
  if (!(r > 0)) throw new MlError('E_ML_DATA', `diversity: the ${real.rows} real samples are all the same point, so there is no real spread to compare with`);
  const g = meanDistanceOf(generated, o.maxSamples, o.seed);
  return { value: g / r, generated: g, real: r };
}
