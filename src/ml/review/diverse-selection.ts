/**
 * The diversity-aware acceptance policy: walking a rule's matches best-first, a prediction is
 * accepted only when, in a classifier's feature space, it is farther than a minimum distance from
 * every image already accepted (earlier, or before it in this walk) and from its nearest training
 * image. Near-duplicates of each other, or copies of the training set, add repetition rather than
 * information to a child run's data: accepting thousands of near-identical images within a class
 * is what made retraining worse in the measurements of docs/ml-review.md.
 *
 * ```ts
 * const r = await selectDiverse(store, run, [ranked], { limit: 200 });
 * r.ids; r.minDistance; // accepted ids, and the distance that was required
 * ```
 *
 * Features are the penultimate activations of a finished classifier (evaluate/feature-extractor.ts,
 * the ones FID and `nn_distance` use): `features`, else the newest classifier trained on the GAN
 * run's source table. The minimum distance is `minDistance`, else the 10th percentile of the
 * training images' own nearest-neighbour distances (up to 1,000 of them, spread evenly, each to
 * its nearest among the rest): a generated image closer to another accepted one, or to a training
 * image, than nine real images in ten are to their nearest real neighbour is a near-duplicate.
 * (The median would refuse half of a perfect generator's images for being near the training set,
 * since a real image is that close to its neighbour half of the time.) Deterministic: the same
 * matches, features and threshold accept the same predictions.
 */
import { MlError } from '../../errors.js';
import { loadImages } from '../../images/load-images.js';
import type { Store } from '../../store/store.js';
import { loadPredictionImages } from '../data/included-predictions.js';
import { defaultFeatureRun, loadFeatureExtractor, type FeatureExtractor } from '../evaluate/feature-extractor.js';
import { featureMatrix, nearestNeighbourDistances, type FeatureMatrix } from '../evaluate/metrics/index.js';
import type { RunRecordOf } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';

/** The share of real nearest-neighbour distances below the default minimum distance. */
export const DIVERSITY_QUANTILE = 0.1;
/** Training images whose nearest-neighbour distances set the default minimum distance. */
const THRESHOLD_SAMPLE = 1000;

export interface DiversityOptions {
  /** Feature-space distance a new acceptance must exceed (default: see the file comment). */
  readonly minDistance?: number | undefined;
  /** The finished classifier run whose features measure distance (default: the newest trained on the GAN's table). */
  readonly features?: string | undefined;
  /** At most this many accepted per group (a rule's `best`). */
  readonly limit?: number | undefined;
}

/** One candidate of a walk: its id, and whether it is accepted already. */
export interface Candidate {
  readonly id: string;
  readonly accepted: boolean;
}

export interface DiverseSelection {
  /** The accepted candidates (those accepted before included), in walk order. */
  readonly ids: string[];
  readonly minDistance: number;
  /** Where the minimum distance came from. */
  readonly threshold: 'given' | 'training quantile';
  readonly featureRunId: string;
  /** Candidates passed over for being too near an accepted image, or a training image. */
  readonly nearAccepted: number;
  readonly nearTraining: number;
}

/** `minDistance` checked: a positive finite number, or undefined. */
export function checkMinDistance(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('minDistance')} must be a positive number (a distance in the classifier's feature space), got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Walks each group of `groups` (candidates best-first) and accepts what is far enough from all
 * accepted images and from the training set (see the file comment). Groups are walked in order,
 * and acceptances in one count as accepted for the next.
 */
export async function selectDiverse(store: Store, run: RunRecordOf<'gan'>, groups: readonly (readonly Candidate[])[], options: DiversityOptions = {}): Promise<DiverseSelection> {
  const given = checkMinDistance(options.minDistance);
  const featureRun = options.features ?? (await defaultFeatureRun(store, run.params.source_table));
  if (featureRun === undefined) {
    throw new MlError('E_ML_ARGUMENT', (o) => `the diversity policy measures distance on a classifier's features, and no finished classifier of table ${run.params.source_table ?? '(none)'} was found; train one or name it (${o('features')})`);
  }
  const registry = new RunRegistry(store);
  using fx = await loadFeatureExtractor(store, featureRun);
  const candidates = groups.flat();
  const inWalk = new Set(candidates.map((c) => c.id));
  const earlier = (await registry.predictions.acceptedIds(run.run_id)).filter((id) => !inWalk.has(id));
  const ids = [...candidates.map((c) => c.id), ...earlier];
  const images = await loadPredictionImages(store, ids, fx.size, fx.channels);
  const features = fx.extract(images.pixels, ids.length).features;
  const training = await trainingFeatures(store, run, fx);
  const nearTraining = nearestNeighbourDistances(featureMatrix(features.subarray(0, candidates.length * fx.featureDim), candidates.length, fx.featureDim), training);
  const minDistance = given ?? trainingQuantile(training, DIVERSITY_QUANTILE);

  const d = fx.featureDim;
  const limit2 = minDistance * minDistance;
  // Rows of `features` accepted so far: those accepted before this walk first.
  const accepted: number[] = earlier.map((_, k) => candidates.length + k);
  const farFromAccepted = (i: number): boolean => {
    for (const j of accepted) {
      let s = 0;
      for (let c = 0; c < d && s <= limit2; c++) {
        const diff = features[i * d + c]! - features[j * d + c]!;
        s += diff * diff;
      }
      if (s <= limit2) return false;
    }
    return true;
  };
  const chosen: string[] = [];
  let nearAccepted = 0;
  let nearTrainingCount = 0;
  let row = 0;
  for (const group of groups) {
    let taken = 0;
    for (const c of group) {
      const i = row++;
      if (options.limit !== undefined && taken >= options.limit) continue;
      // An earlier acceptance stands; it counts against the limit and keeps others away.
      if (!c.accepted) {
        if (nearTraining[i]! <= minDistance) {
          nearTrainingCount++;
          continue;
        }
        if (!farFromAccepted(i)) {
          nearAccepted++;
          continue;
        }
      }
      accepted.push(i);
      chosen.push(c.id);
      taken++;
    }
  }
  return { ids: chosen, minDistance, threshold: given === undefined ? 'training quantile' : 'given', featureRunId: fx.runId, nearAccepted, nearTraining: nearTrainingCount };
}

/** The features of the GAN run's training images (its data query), at the classifier's size. */
async function trainingFeatures(store: Store, run: RunRecordOf<'gan'>, fx: FeatureExtractor): Promise<FeatureMatrix> {
  const imageColumn = run.params.image_column;
  const images = await loadImages(store, run.data_query, { size: fx.size, channels: fx.channels, ...(imageColumn === null ? {} : { imageColumn }) });
  if (images.count < 2) throw new MlError('E_ML_DATA', `the training query of run ${run.run_id} selects ${images.count} image now; the diversity policy compares with the training images`);
  return featureMatrix(fx.extract(images.pixels, images.count).features, images.count, fx.featureDim);
}

/**
 * The `q` quantile of the nearest-neighbour distances of up to THRESHOLD_SAMPLE training rows
 * (spread evenly), each to its nearest among the other rows.
 */
function trainingQuantile(training: FeatureMatrix, q: number): number {
  const n = training.rows;
  const d = training.cols;
  const m = Math.min(THRESHOLD_SAMPLE, Math.floor(n / 2));
  const pick = new Set(Array.from({ length: m }, (_, k) => Math.floor((k * n) / m)));
  const sample = new Float64Array(m * d);
  const rest = new Float64Array((n - m) * d);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const v = training.data.subarray(i * d, (i + 1) * d);
    if (pick.has(i)) sample.set(v, d * a++);
    else rest.set(v, d * b++);
  }
  const distances = Array.from(nearestNeighbourDistances(featureMatrix(sample, m, d), featureMatrix(rest, n - m, d))).sort((x, y) => x - y);
  const value = distances[Math.min(distances.length - 1, Math.floor(q * distances.length))]!;
  // Identical training images would give 0, which refuses nothing: the least positive distance instead.
  return value > 0 ? value : (distances.find((x) => x > 0) ?? Number.MIN_VALUE);
}
