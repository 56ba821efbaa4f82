/**
 * Every metric of two feature sets at once, as `dsi ml metrics` prints them: FID, KID (mean and
 * std over subsets), precision and recall, and the sizes. Everything that can be wrong with the
 * inputs (dimensions, sizes, options) is refused before anything is computed.
 *
 * ```ts
 * const r = compareFeatureSets(readFeatureCsv('real.csv'), readFeatureCsv('gen.csv'), { seed: 0 });
 * r.fid; r.kid; r.precision; r.warnings;
 * ```
 */
import { requireRealAndGenerated, wholeOption, type FeatureMatrix } from './feature-matrix.js';
import { featureStatistics } from './feature-statistics.js';
import { frechetDistance } from './frechet-distance.js';
import { KID_DEFAULTS, kernelInceptionDistance } from './kernel-inception-distance.js';
import { precisionRecall, requireNeighbours } from './precision-recall.js';

export interface CompareFeatureSetsOptions {
  /** KID subsets (default 100). */
  readonly kidSubsets?: number;
  /** KID subset size (default 1000, or the smaller set's size). */
  readonly kidSubsetSize?: number;
  /** Neighbour of precision and recall's radii (default 3). */
  readonly k?: number;
  /** Seed of the KID subsets (default 0). */
  readonly seed?: number;
}

export interface FeatureSetComparison {
  fid: number;
  kid: number;
  kid_std: number;
  precision: number;
  recall: number;
  n_real: number;
  n_generated: number;
  dim: number;
  warnings: string[];
}

/** FID, KID, precision and recall of generated against real features. */
export function compareFeatureSets(real: FeatureMatrix, gen: FeatureMatrix, options: CompareFeatureSetsOptions = {}): FeatureSetComparison {
  requireRealAndGenerated(real, gen);
  const kidSubsets = wholeOption('KID subsets', options.kidSubsets ?? KID_DEFAULTS.subsets, 1);
  const kidSubsetSize = wholeOption('KID subset size', options.kidSubsetSize ?? KID_DEFAULTS.subsetSize, 2);
  const seed = wholeOption('seed', options.seed ?? KID_DEFAULTS.seed, 0, 0xffffffff);
  const k = wholeOption('k', options.k ?? 3, 1);
  requireNeighbours(real, gen, k);
  const fid = frechetDistance(featureStatistics(real), featureStatistics(gen), ['real', 'generated']);
  const kid = kernelInceptionDistance(real, gen, { subsets: kidSubsets, subsetSize: kidSubsetSize, seed });
  const pr = precisionRecall(real, gen, { k });
  return { fid: fid.value, kid: kid.value, kid_std: kid.std, precision: pr.precision, recall: pr.recall, n_real: real.rows, n_generated: gen.rows, dim: real.cols, warnings: fid.warnings };
}
