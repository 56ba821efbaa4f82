/**
 * Distances between feature vectors, chunked so that 10,000 × 10,000 (or more) never holds the
 * whole distance matrix: a block of query rows at a time against every reference row, one float64
 * matrix product per block. Squared distances use ‖q − r‖² = ‖q‖² + ‖r‖² − 2 q·r, with the
 * terms that depend on the reference row folded into the product (an extra column), so each block
 * is one product and one reduction. Its rounding is about 1e-16 · ‖q‖², so two points closer than
 * about 1e-8 · ‖q‖ are not told apart; `nearestNeighbourDistances` therefore recomputes the distance
 * to the neighbour it found directly (Σ (qᵢ − rᵢ)²), which is exact to rounding even at 0.
 *
 * ```ts
 * const d = nearestNeighbourDistances(generated, training); // d[i]: generated i to its closest training row
 * ```
 */
import { MlError } from '../../../errors.js';
import type { ProgressCallback } from '../../../progress.js';
import * as torch from '../../../torch/index.js';
import { matrixTensor, requireSameDimension, type FeatureMatrix } from './feature-matrix.js';

/**
 * Elements of one block of the query × reference matrix (32 MiB of float64). Large enough that a
 * block's product and reduction are few, long parallel regions: with smaller blocks, 10,000 ×
 * 10,000 took up to 5× longer on two threads whenever other processes kept the cores busy.
 */
const BLOCK_ELEMENTS = 1 << 22;

/** ‖xᵢ‖² of each row. */
function squaredNorms(x: FeatureMatrix): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = i * x.cols; j < (i + 1) * x.cols; j++) s += x.data[j]! * x.data[j]!;
    out[i] = s;
  }
  return out;
}

/** Where a chunked computation reports the query rows it has done: `done` of `total` in all, from `offset` on. */
interface RowProgress {
  readonly onProgress: ProgressCallback;
  readonly task: string;
  /** Rows done before this computation (when several make up one task). */
  readonly offset: number;
  readonly total: number;
}

/**
 * Calls `block(q, start)` for consecutive blocks of query rows, with `q` the rows [start, start+c)
 * of the queries with a column of ones appended (so q · [−2r, t]ᵀ = t − 2 q·r); each call runs in
 * its own scope. A block does one product and one reduction and hands back c numbers: few
 * parallel regions, which matters when other processes share the cores. With `progress`, one
 * event per block.
 */
function forEachBlock(queries: FeatureMatrix, references: number, block: (q: torch.Tensor, start: number) => void, progress?: RowProgress): void {
  const n = queries.rows;
  const rows = Math.max(1, Math.floor(BLOCK_ELEMENTS / references));
  torch.tidy(() => {
    const augmented = torch.cat([matrixTensor(queries), torch.ones([n, 1], { dtype: 'float64' })], 1);
    for (let start = 0; start < n; start += rows) {
      const c = Math.min(rows, n - start);
      torch.tidy(() => block(augmented.narrow(0, start, c), start));
      progress?.onProgress({ task: progress.task, done: progress.offset + start + c, total: progress.total, unit: 'rows' });
    }
  });
}

/** [−2r, offset_r]ᵀ for the reference rows: the right-hand side of the blocks' products ((d+1) × n). */
function referenceSide(reference: FeatureMatrix, offset: Float64Array): torch.Tensor {
  return torch.cat([matrixTensor(reference).mul(-2), torch.tensor(offset, { dtype: 'float64' }).unsqueeze(1)], 1).t().contiguous();
}

/**
 * The squared distance from each row of `x` to its k-th nearest neighbour among the other rows of
 * `x` (itself excluded; a duplicate row counts as a neighbour at distance 0). Needs k < rows.
 */
export function kthNeighbourSquaredRadii(x: FeatureMatrix, k: number, progress?: RowProgress): Float64Array {
  if (!(Number.isInteger(k) && k >= 1 && k < x.rows)) throw new MlError('E_ML_ARGUMENT', `k must be a whole number in 1…${x.rows - 1} (fewer than the ${x.rows} samples), got ${k}`);
  const norms = squaredNorms(x);
  const out = new Float64Array(x.rows);
  torch.tidy(() => {
    const right = referenceSide(x, norms);
    forEachBlock(x, x.rows, (q, start) => {
      // The k+1 smallest of ‖xⱼ‖² − 2 xᵢ·xⱼ include xᵢ itself (distance 0, the smallest up to rounding).
      out.set(q.matmul(right).topk(k + 1, 1, false, true).values.select(1, k).contiguous().toArray() as Float64Array, start);
    }, progress);
  });
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i]! + norms[i]!);
  return out;
}

/**
 * How many query rows lie within some reference row's ball: ‖q − r‖² ≤ radiiSquared[r] for at
 * least one r.
 */
export function countInsideSomeBall(queries: FeatureMatrix, reference: FeatureMatrix, radiiSquared: Float64Array, progress?: RowProgress): number {
  requireSameDimension(queries, reference, ['queries', 'reference rows']);
  const queryNorms = squaredNorms(queries);
  const referenceNorms = squaredNorms(reference);
  // min_r (‖r‖² − ρ_r² − 2 q·r) ≤ −‖q‖²  ⇔  some r has ‖q − r‖² ≤ ρ_r².
  const offset = referenceNorms.map((v, r) => v - radiiSquared[r]!);
  const closest = new Float64Array(queries.rows);
  torch.tidy(() => {
    const right = referenceSide(reference, offset);
    forEachBlock(queries, reference.rows, (block, start) => {
      closest.set(block.matmul(right).min(1).values.toArray() as Float64Array, start);
    }, progress);
  });
  let inside = 0;
  for (let i = 0; i < closest.length; i++) if (closest[i]! + queryNorms[i]! <= 0) inside++;
  return inside;
}

/**
 * For each query row, the Euclidean distance to its nearest reference row (chunked; the distance
 * to the neighbour found is recomputed exactly).
 *
 * ```ts
 * nearestNeighbourDistances(featureMatrix([0, 0, 3, 4], 2, 2), featureMatrix([0, 0], 1, 2)); // [0, 5]
 * ```
 *
 * With `onProgress`, one event per block of query rows under `task` (default `nearest neighbours`).
 */
export function nearestNeighbourDistances(queries: FeatureMatrix, reference: FeatureMatrix, options: { onProgress?: ProgressCallback; task?: string } = {}): Float64Array {
  requireSameDimension(queries, reference, ['queries', 'reference rows']);
  if (reference.rows === 0) throw new MlError('E_ML_DATA', 'nearest neighbours: the reference set is empty');
  const d = queries.cols;
  const out = new Float64Array(queries.rows);
  if (queries.rows === 0) return out;
  torch.tidy(() => {
    const right = referenceSide(reference, squaredNorms(reference));
    forEachBlock(queries, reference.rows, (block, start) => {
      const nearest = block.matmul(right).argmin(1).toArray() as BigInt64Array;
      for (let i = 0; i < nearest.length; i++) {
        const qi = (start + i) * d;
        const ri = Number(nearest[i]!) * d;
        let sum = 0;
        for (let j = 0; j < d; j++) {
          const diff = queries.data[qi + j]! - reference.data[ri + j]!;
          sum += diff * diff;
        }
        out[start + i] = Math.sqrt(sum);
      }
    }, options.onProgress === undefined ? undefined : { onProgress: options.onProgress, task: options.task ?? 'nearest neighbours', offset: 0, total: queries.rows });
  });
  return out;
}
