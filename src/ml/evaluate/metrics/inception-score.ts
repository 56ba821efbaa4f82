/**
 * The Inception Score of a classifier's logits on generated samples (DESIGN §5):
 *
 *   IS = exp( mean_x KL( p(y|x) ‖ p(y) ) ),   p(y) = mean_x p(y|x) over the split,
 *
 * in float64, from log-softmax (and p(y) through a log-sum-exp) so that no probability that
 * underflows turns into 0 · log 0. The samples are shuffled with SeededRandom(seed) (unless
 * `shuffle: false`) and cut into `splits` contiguous splits, split s holding samples
 * ⌊s·n/splits⌋ … ⌊(s+1)·n/splits⌋ − 1; the result is the mean and the population standard
 * deviation (ddof 0) of the splits' scores. Higher is better; between 1 and the number of classes.
 * One sample is enough (its IS is 1); `splits` must not exceed the samples.
 *
 * ```ts
 * const { value, std } = inceptionScore(featureMatrix(logits, n, 10), { splits: 10, seed: 0 });
 * ```
 */
import { wholeOption, requireSamples, type FeatureMatrix } from './feature-matrix.js';
import { meanAndStd } from './mean-and-std.js';
import { seededPermutation } from './seeded-sampling.js';

export interface InceptionScoreOptions {
  /** Contiguous splits after the shuffle (default 10; at most the number of samples). */
  readonly splits?: number;
  /** Seed of the shuffle (default 0). */
  readonly seed?: number;
  /** Shuffle before splitting (default true); false keeps the rows' order. */
  readonly shuffle?: boolean;
}

/** IS of one split: rows `order[from … to)` of the log-probabilities `logp` (n × k). */
function splitScore(logp: Float64Array, k: number, order: Int32Array, from: number, to: number): number {
  const m = to - from;
  // log p(y) = logsumexp_x log p(y|x) − log m, a column at a time.
  const top = new Float64Array(k).fill(-Infinity);
  for (let i = from; i < to; i++) {
    const row = order[i]! * k;
    for (let c = 0; c < k; c++) if (logp[row + c]! > top[c]!) top[c] = logp[row + c]!;
  }
  const sums = new Float64Array(k);
  for (let i = from; i < to; i++) {
    const row = order[i]! * k;
    for (let c = 0; c < k; c++) sums[c]! += Math.exp(logp[row + c]! - top[c]!);
  }
  const logMarginal = new Float64Array(k);
  for (let c = 0; c < k; c++) logMarginal[c] = top[c]! + Math.log(sums[c]!) - Math.log(m);
  let kl = 0;
  for (let i = from; i < to; i++) {
    const row = order[i]! * k;
    let rowKl = 0;
    for (let c = 0; c < k; c++) {
      const lp = logp[row + c]!;
      rowKl += Math.exp(lp) * (lp - logMarginal[c]!);
    }
    kl += rowKl;
  }
  return Math.exp(kl / m);
}

/** Row-wise log-softmax of the logits, float64. */
function logSoftmax(logits: FeatureMatrix): Float64Array {
  const { rows, cols, data } = logits;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    let top = -Infinity;
    for (let c = 0; c < cols; c++) if (data[row + c]! > top) top = data[row + c]!;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(data[row + c]! - top);
    const lse = top + Math.log(sum);
    for (let c = 0; c < cols; c++) out[row + c] = data[row + c]! - lse;
  }
  return out;
}

/**
 * Inception Score of `logits` (samples × classes): the mean over splits and its population
 * standard deviation.
 */
export function inceptionScore(logits: FeatureMatrix, options: InceptionScoreOptions = {}): { value: number; std: number } {
  requireSamples(logits, 'logits', 1); // one sample is a valid (if useless) set: IS = 1
  const n = logits.rows;
  const splits = wholeOption('splits', options.splits ?? 10, 1, n);
  const seed = wholeOption('seed', options.seed ?? 0, 0, 0xffffffff);
  const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : seededPermutation(n, seed);
  const logp = logSoftmax(logits);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) scores.push(splitScore(logp, logits.cols, order, Math.floor((s * n) / splits), Math.floor(((s + 1) * n) / splits)));
  return meanAndStd(scores);
}
