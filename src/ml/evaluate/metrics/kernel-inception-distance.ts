/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the squared maximum mean discrepancy between
 * real and generated features under the cubic polynomial kernel k(x, y) = (x·y/d + 1)³, with the
 * paper's unbiased estimator on subsets of m samples from each set,
 *
 *   MMD² = Σ_{i≠j} k(xᵢ, xⱼ) / m(m−1) + Σ_{i≠j} k(yᵢ, yⱼ) / m(m−1) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
 *
 * (the diagonal is dropped within each set, every cross pair is kept), in float64. `subsets`
 * subsets of m = min(subsetSize, n_real, n_generated) are drawn without replacement from each set
 * with SeededRandom(seed), real then generated for each subset (a set of exactly m samples is used
 * whole, without a draw); the result is the mean and the population std over the subsets. Unbiased, so it can be slightly negative when the sets agree.
 *
 * ```ts
 * const { value, std } = kernelInceptionDistance(real, gen, { subsets: 100, subsetSize: 1000, seed: 0 });
 * ```
 */
import type { ProgressCallback } from '../../../progress.js';
import { SeededRandom } from '../../data/seeded-random.js';
import * as torch from '../../../torch/index.js';
import { requireRealAndGenerated, wholeOption, type FeatureMatrix } from './feature-matrix.js';
import { meanAndStd } from './mean-and-std.js';
import { subsetSampler } from './seeded-sampling.js';

export interface KernelInceptionDistanceOptions {
  /** Subsets to average over (default 100). */
  readonly subsets?: number;
  /** Samples per subset from each set (default 1000; fewer when a set is smaller). */
  readonly subsetSize?: number;
  /** Seed of the subsets (default 0). */
  readonly seed?: number;
  /** One event per group of subsets computed, under `task` (default `KID`). */
  readonly onProgress?: ProgressCallback;
  readonly task?: string;
}

/** The defaults of KID: 100 subsets of 1000. */
export const KID_DEFAULTS = Object.freeze({ subsets: 100, subsetSize: 1000, seed: 0 });

/** Elements held at once (kernel matrices, packed subsets): subsets are computed in groups. */
const GROUP_ELEMENTS = 1 << 22;

/**
 * Σ k(xᵢ, yⱼ) over all pairs, for each of S subsets at once. `x` and `y` are S × m × (d+1), rows
 * [x, √d], so one batched product gives x·y + d = d·k^{1/3}, and Σ k³ = Σ p³ / d³ is the dot product
 * of p² with p: per group one product, one element-wise pass and one batched dot, few parallel
 * regions however many subsets.
 */
function kernelSums(x: torch.Tensor, y: torch.Tensor, d: number): Float64Array {
  return torch.tidy(() => {
    const [s, m] = x.shape as [number, number, number];
    const p = x.matmul(y.transpose(1, 2));
    const squares = p.mul(p).reshape(s, 1, m * m);
    const sums = squares.matmul(p.reshape(s, m * m, 1)).reshape(s).toArray() as Float64Array;
    return sums.map((v) => v / (d * d * d));
  });
}

/** Rows `indices` of `m` into `out` at `offset` as [x, √d]; returns Σ (‖x‖²/d + 1)³, the kernel's diagonal. */
function packRows(m: FeatureMatrix, indices: ArrayLike<number>, out: Float64Array, offset: number): number {
  const d = m.cols;
  const root = Math.sqrt(d);
  let diagonal = 0;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]! * d;
    const at = offset + i * (d + 1);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = m.data[row + j]!;
      norm += v * v;
      out[at + j] = v;
    }
    out[at + d] = root;
    const kii = norm / d + 1;
    diagonal += kii * kii * kii;
  }
  return diagonal;
}

/** KID of real against generated features: mean and population std of MMD² over the subsets. */
export function kernelInceptionDistance(real: FeatureMatrix, gen: FeatureMatrix, options: KernelInceptionDistanceOptions = {}): { value: number; std: number } {
  requireRealAndGenerated(real, gen);
  const subsets = wholeOption('KID subsets', options.subsets ?? KID_DEFAULTS.subsets, 1);
  const subsetSize = wholeOption('KID subset size', options.subsetSize ?? KID_DEFAULTS.subsetSize, 2);
  const seed = wholeOption('seed', options.seed ?? KID_DEFAULTS.seed, 0, 0xffffffff);
  const m = Math.min(subsetSize, real.rows, gen.rows);
  const d = real.cols;
  const rng = new SeededRandom(seed);
  // A set used whole needs no draw; when both are, every subset is the same and one is computed.
  const everyRow = Int32Array.from({ length: m }, (_, i) => i);
  const drawReal = m === real.rows ? () => everyRow : subsetSampler(real.rows, rng);
  const drawGen = m === gen.rows ? () => everyRow : subsetSampler(gen.rows, rng);
  const distinct = m === real.rows && m === gen.rows ? 1 : subsets;
  const group = Math.max(1, Math.min(distinct, Math.floor(GROUP_ELEMENTS / (m * m)), Math.floor(GROUP_ELEMENTS / (m * (d + 1)))));
  const values: number[] = [];
  const task = options.task ?? 'KID';
  options.onProgress?.({ task, done: 0, total: subsets, unit: 'subsets' });
  for (let first = 0; first < distinct; first += group) {
    const s = Math.min(group, distinct - first);
    const xs = new Float64Array(s * m * (d + 1));
    const ys = new Float64Array(s * m * (d + 1));
    const diagonals: [number, number][] = [];
    for (let i = 0; i < s; i++) diagonals.push([packRows(real, drawReal(m), xs, i * m * (d + 1)), packRows(gen, drawGen(m), ys, i * m * (d + 1))]);
    const [kxx, kyy, kxy] = torch.tidy(() => {
      const x = torch.tensor(xs, { shape: [s, m, d + 1], dtype: 'float64' });
      const y = torch.tensor(ys, { shape: [s, m, d + 1], dtype: 'float64' });
      return [kernelSums(x, x, d), kernelSums(y, y, d), kernelSums(x, y, d)];
    });
    for (let i = 0; i < s; i++) {
      const [dx, dy] = diagonals[i]!;
      values.push((kxx[i]! - dx) / (m * (m - 1)) + (kyy[i]! - dy) / (m * (m - 1)) - (2 * kxy[i]!) / (m * m));
    }
    options.onProgress?.({ task, done: distinct === 1 ? subsets : first + s, total: subsets, unit: 'subsets' });
  }
  while (values.length < subsets) values.push(values[0]!);
  return meanAndStd(values);
}
