/**
 * Metrics of generated samples against real ones, on features (DESIGN §5): FID, KID, IS,
 * precision and recall, nearest-neighbour distances, diversity (mean pairwise distance). All in
 * float64; see docs/ml-metrics.md.
 *
 * ```ts
 * import { compareFeatureSets, inceptionScore, readFeatureCsv } from './metrics/index.js';
 * const r = compareFeatureSets(readFeatureCsv('real.csv'), readFeatureCsv('gen.csv'));
 * ```
 */
export { featureMatrix, type FeatureMatrix } from './feature-matrix.js';
export { FeatureStatisticsAccumulator, featureStatistics, type FeatureStatistics } from './feature-statistics.js';
export { frechetDistance } from './frechet-distance.js';
export { inceptionScore, type InceptionScoreOptions } from './inception-score.js';
export { kernelInceptionDistance, KID_DEFAULTS, type KernelInceptionDistanceOptions } from './kernel-inception-distance.js';
export { precisionRecall, type PrecisionRecallOptions } from './precision-recall.js';
export { nearestNeighbourDistances } from './nearest-neighbours.js';
export { diversityRatio, meanPairwiseDistance, DIVERSITY_DEFAULTS, type FeatureDiversityOptions } from './feature-diversity.js';
export { compareFeatureSets, type CompareFeatureSetsOptions, type FeatureSetComparison } from './compare-feature-sets.js';
export { readFeatureCsv } from './feature-csv.js';
export { meanAndStd } from './mean-and-std.js';
export { ssim, SSIM_WINDOW, SSIM_WEIGHTS, type SsimShape } from './ssim.js';
