/**
 * Mean and sample covariance (ddof 1) of features, float64, accumulated batch by batch with Chan's
 * parallel update: each batch contributes its own mean and centred cross-product matrix
 * Σ (x − x̄_b)(x − x̄_b)ᵀ, and two partial results combine as
 *
 *   M2 = M2_a + M2_b + δδᵀ · n_a n_b / n,   δ = x̄_b − x̄_a,   x̄ = x̄_a + δ · n_b / n,
 *
 * so batches of any size give the one-shot values to rounding (no E[xxᵀ] − x̄x̄ᵀ cancellation).
 *
 * ```ts
 * const acc = new FeatureStatisticsAccumulator(128);
 * for (const batch of batches) acc.add(batch);
 * const stats = acc.finish(); // { n, dim, mean, cov }
 * ```
 */
import { MlError } from '../../../errors.js';
import * as torch from '../../../torch/index.js';
import { matrixTensor, wholeOption, type FeatureMatrix } from './feature-matrix.js';

/** Mean and sample covariance (ddof 1), float64; `cov` is dim × dim, row-major. */
export interface FeatureStatistics {
  readonly n: number;
  readonly dim: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** Sums batches of features into their mean and covariance; `finish()` may be called at any point. */
export class FeatureStatisticsAccumulator {
  readonly dim: number;
  #n = 0;
  readonly #mean: Float64Array;
  /** Σ (x − x̄)(x − x̄)ᵀ over everything added so far. */
  readonly #m2: Float64Array;

  constructor(dim: number) {
    this.dim = wholeOption('dim', dim, 1);
    this.#mean = new Float64Array(dim);
    this.#m2 = new Float64Array(dim * dim);
  }

  /** Samples added so far. */
  get n(): number {
    return this.#n;
  }

  add(batch: FeatureMatrix): void {
    if (batch.cols !== this.dim) throw new MlError('E_ML_DATA', `a batch of ${batch.cols} features added to statistics of ${this.dim}`);
    const nb = batch.rows;
    if (nb === 0) return;
    const d = this.dim;
    const { meanB, m2B } = torch.tidy(() => {
      const x = matrixTensor(batch);
      const mean = x.mean(0);
      const centred = x.sub(mean);
      return { meanB: mean.toArray() as Float64Array, m2B: centred.t().matmul(centred).toArray() as Float64Array };
    });
    const na = this.#n;
    const n = na + nb;
    if (na === 0) {
      this.#mean.set(meanB);
      this.#m2.set(m2B);
    } else {
      const delta = new Float64Array(d);
      for (let i = 0; i < d; i++) delta[i] = meanB[i]! - this.#mean[i]!;
      const w = (na * nb) / n;
      for (let i = 0; i < d; i++) {
        const wi = delta[i]! * w;
        const row = i * d;
        for (let j = 0; j < d; j++) this.#m2[row + j]! += m2B[row + j]! + wi * delta[j]!;
      }
      for (let i = 0; i < d; i++) this.#mean[i]! += (delta[i]! * nb) / n;
    }
    this.#n = n;
  }

  /** The statistics of everything added so far (E_ML_DATA with fewer than two samples). */
  finish(): FeatureStatistics {
    const n = this.#n;
    if (n < 2) throw new MlError('E_ML_DATA', `feature statistics need at least 2 samples, got ${n}`);
    const d = this.dim;
    const cov = new Float64Array(d * d);
    // The cross-product matrix is symmetric up to rounding in the matrix product: make it exactly so.
    for (let i = 0; i < d; i++) {
      cov[i * d + i] = this.#m2[i * d + i]! / (n - 1);
      for (let j = 0; j < i; j++) {
        const v = (this.#m2[i * d + j]! + this.#m2[j * d + i]!) / (2 * (n - 1));
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
    }
    return Object.freeze({ n, dim: d, mean: Float64Array.from(this.#mean), cov });
  }
}

/**
 * Mean and sample covariance (ddof 1) of all rows of `m`.
 *
 * ```ts
 * const { mean, cov } = featureStatistics(featureMatrix(x, 50, 4));
 * ```
 */
export function featureStatistics(m: FeatureMatrix): FeatureStatistics {
  const acc = new FeatureStatisticsAccumulator(m.cols);
  acc.add(m);
  return acc.finish();
}
