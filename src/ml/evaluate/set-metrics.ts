/**
 * The distribution metrics of one generated set against one real set (DESIGN §5): FID and KID
 * (with its standard deviation) on penultimate features, precision and recall (k-NN manifolds),
 * and the Inception Score (with its standard deviation) on the generated logits. A metric that too
 * few samples cannot give is left out rather than reported as NaN: FID and KID need 2 rows on each
 * side, precision/recall more than k, IS one generated row. FID's own warnings come back prefixed
 * with the set's label.
 */
import type { ProgressCallback } from '../../progress.js';
import type { MetricValues } from './evaluation-result.js';
import { featureStatistics, frechetDistance, inceptionScore, kernelInceptionDistance, precisionRecall, type FeatureMatrix } from './metrics/index.js';

export interface SetMetricsOptions {
  readonly splits: number;
  readonly kidSubsets: number;
  readonly kidSubsetSize: number;
  readonly k: number;
  readonly seed: number;
}

/** Where `setMetrics` reports each metric: tasks `${prefix}FID`, `${prefix}KID`, … */
export interface MetricProgress {
  readonly onProgress: ProgressCallback;
  readonly prefix: string;
}

/** FID, KID, precision/recall and IS of one generated set against one real set, leaving out what too few samples cannot give. */
export function setMetrics(real: FeatureMatrix, gen: FeatureMatrix, genLogits: FeatureMatrix, o: SetMetricsOptions, warnings: string[], label: string, progress?: MetricProgress): MetricValues {
  const m: MetricValues = {};
  const step = (name: string, done: number): void => progress?.onProgress({ task: `${progress.prefix}${name}`, done, total: 1, unit: 'steps' });
  const tracked = (name: string) => (progress === undefined ? {} : { onProgress: progress.onProgress, task: `${progress.prefix}${name}` });
  if (real.rows >= 2 && gen.rows >= 2) {
    step('FID', 0);
    const f = frechetDistance(featureStatistics(real), featureStatistics(gen));
    step('FID', 1);
    m['fid'] = f.value;
    for (const w of f.warnings) warnings.push(`${label}: ${w}`);
    const kid = kernelInceptionDistance(real, gen, { subsets: o.kidSubsets, subsetSize: o.kidSubsetSize, seed: o.seed, ...tracked('KID') });
    m['kid'] = kid.value;
    m['kid_std'] = kid.std;
  }
  if (real.rows > o.k && gen.rows > o.k) {
    const pr = precisionRecall(real, gen, { k: o.k, ...tracked('precision and recall') });
    m['precision'] = pr.precision;
    m['recall'] = pr.recall;
  }
  if (genLogits.rows >= 1) {
    step('Inception Score', 0);
    const is = inceptionScore(genLogits, { splits: Math.min(o.splits, genLogits.rows), seed: o.seed });
    step('Inception Score', 1);
    m['is'] = is.value;
    m['is_std'] = is.std;
  }
  return m;
}

/** The given rows of `m`, in the given order. */
export function rowsOf(m: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}
