/**
 * The metrics of the evaluated set against the reference set (DESIGN §5), overall, per condition
 * group and per saved epoch. Keys come in the order of the recorded rows: the distribution
 * metrics, then the score metrics, then (overall only) `mean_nn_distance`.
 *
 * - Distribution metrics: FID and KID (with its standard deviation) on penultimate features,
 *   precision and recall (k-NN manifolds), diversity (the generated set's mean pairwise feature
 *   distance over the real set's, each set subsampled to at most 500 with the call's seed), the
 *   Inception Score (with its standard deviation) on the generated logits. Per condition group,
 *   recall and diversity are what make intra-class mode collapse visible. A metric that too few
 *   samples cannot give is left out rather than reported as NaN: FID, KID and diversity need 2
 *   rows on each side (diversity also real rows that are not all one point), precision/recall
 *   more than k, IS one generated row. FID's own warnings come back prefixed with the set's label.
 * - Score metrics: per image, the classifier's probability (softmax of its logits) of the class it
 *   was conditioned on, or of its own top class when the model is not conditioned on the
 *   classifier's label (`mean_score`); class faithfulness, the share of conditioned images the
 *   classifier puts in their conditioned class (left out when no image is conditioned on the label).
 * - Condition groups: one per level of a categorical condition (`label=3`), and 10 equal-width
 *   bins over the recorded range of a continuous one (`speed in [1.5, 2)`, the last bin closed);
 *   a value outside the range, not a number, or NULL falls in no group. Bounds are printed with 6
 *   significant digits. Generated images are grouped by the values they were made for, real ones
 *   by the reference query's columns of the same name; a condition the reference query does not
 *   select, and groups too small for an unbiased FID, each leave one warning.
 * - Saved epochs: each `checkpoints/epoch-NNNN` folder, in epoch order, generates the same count
 *   of images with the same seeds and is measured against the same reference set (no
 *   per-condition values, no nearest-neighbour distances); progress under `epoch N: …`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProgressCallback } from '../../progress.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { ConditionEvaluation, EpochEvaluation, EvaluateRunOptions, Evaluation, MetricValues } from './evaluate-run.js';
import type { EvaluatedSet, EvaluationImages, EvaluationInputs, ImageSet } from './evaluation-images.js';
import { DIVERSITY_DEFAULTS, featureStatistics, frechetDistance, inceptionScore, kernelInceptionDistance, meanPairwiseDistance, nearestNeighbourDistances, precisionRecall, type FeatureMatrix } from './metrics/index.js';

export type SetMetricsOptions = Readonly<Required<Pick<EvaluateRunOptions, 'splits' | 'kidSubsets' | 'kidSubsetSize' | 'k' | 'seed'>>>;

/** Where `setMetrics` reports each metric: tasks `${prefix}FID`, `${prefix}KID`, … */
type MetricProgress = { readonly onProgress: ProgressCallback; readonly prefix: string } | undefined;

export interface ImageScores {
  /** Per image: the classifier's probability of the conditioned class, or of its own top class. */
  readonly scores: Float64Array;
  /** Per image: 1 when the top class is the conditioned one, 0 when not, NaN when not conditioned on the label. */
  readonly correct: Float64Array;
}

/** `x` to 6 significant digits, as group labels and plot titles print it. */
export const round = (x: number): number => Number(x.toPrecision(6));

/** The group a value falls in: `label=3`, or `speed in [1.5, 2)` for the 10 equal-width bins of a continuous range. */
export function conditionGroup(spec: ConditionSpec, value: Cell): string | undefined {
  if (value === null) return undefined;
  if (spec.kind === 'categorical') return `${spec.name}=${String(value)}`;
  const x = Number(value);
  if (!Number.isFinite(x) || x < spec.min || x > spec.max) return undefined;
  const width = (spec.max - spec.min) / 10;
  const bin = width === 0 ? 0 : Math.min(9, Math.floor((x - spec.min) / width));
  const lo = spec.min + bin * width;
  const hi = bin === 9 ? spec.max : spec.min + (bin + 1) * width;
  return `${spec.name} in [${round(lo)}, ${round(hi)}${bin === 9 ? ']' : ')'}`;
}

/** Row indices by group, groups in order of first appearance; values in no group are left out. */
function groupRows(spec: ConditionSpec, values: readonly Cell[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  values.forEach((v, i) => {
    const g = conditionGroup(spec, v);
    if (g !== undefined) (groups.get(g) ?? groups.set(g, []).get(g)!).push(i);
  });
  return groups;
}

/** The given rows of `m`, in the given order. */
function rowsOf(m: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

/** FID, KID, precision/recall, diversity and IS of one generated set against one real set, leaving out what too few samples cannot give. */
function setMetrics(real: FeatureMatrix, gen: FeatureMatrix, genLogits: FeatureMatrix, o: SetMetricsOptions, warnings: string[], label: string, progress?: MetricProgress): MetricValues {
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
  if (real.rows >= 2 && gen.rows >= 2) {
    // diversityRatio's definition, leaving the value out (not throwing) when the real rows are one point.
    step('diversity', 0);
    const sampling = { maxSamples: DIVERSITY_DEFAULTS.maxSamples, seed: o.seed };
    const realSpread = meanPairwiseDistance(real, sampling);
    if (realSpread > 0) m['diversity'] = meanPairwiseDistance(gen, sampling) / realSpread;
    step('diversity', 1);
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

function softmaxRow(logits: Float32Array, row: number, k: number): Float64Array {
  const out = new Float64Array(k);
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[row * k + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += out[j] = Math.exp(logits[row * k + j]! - max);
  for (let j = 0; j < k; j++) out[j]! /= sum;
  return out;
}

/** Scores and faithfulness of the images of `set` conditioned on `combos` (none when the GAN has no conditions). */
export function scoreImages(e: Evaluation, set: ImageSet, combos: readonly Record<string, Cell>[]): ImageScores {
  const { extractor } = e;
  const conditioned = e.run.params.conditions.length > 0;
  const logits = new Float32Array(set.logits.data);
  const count = set.features.rows;
  const k = extractor.levels.length;
  const index = new Map(extractor.levels.map((l, i) => [String(l), i]));
  const scores = new Float64Array(count);
  const correct = new Float64Array(count).fill(NaN);
  for (let i = 0; i < count; i++) {
    const p = softmaxRow(logits, i, k);
    let top = 0;
    for (let j = 1; j < k; j++) if (p[j]! > p[top]!) top = j;
    const wanted = conditioned ? combos[i]?.[extractor.labelColumn] : undefined;
    const target = wanted === undefined || wanted === null ? undefined : index.get(String(wanted));
    if (target === undefined) scores[i] = p[top]!;
    else {
      scores[i] = p[target]!;
      correct[i] = top === target ? 1 : 0;
    }
  }
  return { scores, correct };
}

/** The mean of the values that are not NaN (NaN when none is). */
function mean(values: Float64Array | number[]): number {
  const kept = Array.from(values).filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** Adds `class_faithfulness` (when defined) and `mean_score` of the images `rows` (default: all) to `metrics`. */
function addScoreMetrics(metrics: MetricValues, scored: ImageScores, rows?: readonly number[]): MetricValues {
  const faithful = rows === undefined ? mean(scored.correct) : mean(rows.map((i) => scored.correct[i]!));
  if (!Number.isNaN(faithful)) metrics['class_faithfulness'] = faithful;
  metrics['mean_score'] = rows === undefined ? mean(scored.scores) : mean(rows.map((i) => scored.scores[i]!));
  return metrics;
}

/** Distribution and score metrics of `evaluated` against `reference`; FID warnings are labelled with `label`. */
function evaluatedSetMetrics(e: Evaluation, reference: ImageSet, evaluated: EvaluatedSet, label: string, progress: MetricProgress): { metrics: MetricValues; scored: ImageScores } {
  const metrics = setMetrics(reference.features, evaluated.features, evaluated.logits, e.metrics, e.warnings, label, progress);
  const scored = scoreImages(e, evaluated, evaluated.combos);
  addScoreMetrics(metrics, scored);
  return { metrics, scored };
}

/** The overall values, then `mean_nn_distance` (progress under `nearest training image`); `nn` is each image's distance to its nearest training image. */
export function overallMetrics(e: Evaluation, inputs: EvaluationInputs, evaluated: EvaluatedSet): { metrics: MetricValues; scored: ImageScores; nn: Float64Array } {
  const { onProgress } = e;
  const { metrics, scored } = evaluatedSetMetrics(e, inputs.reference, evaluated, 'overall', onProgress === undefined ? undefined : { onProgress, prefix: '' });
  const nn = nearestNeighbourDistances(evaluated.features, inputs.training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image' });
  metrics['mean_nn_distance'] = mean(nn);
  return { metrics, scored, nn };
}

/** One evaluation per condition group, in order of first appearance; progress (in groups) goes under `metrics per condition`. */
export function perConditionMetrics(e: Evaluation, reference: ImageSet, evaluated: EvaluatedSet, scored: ImageScores): ConditionEvaluation[] {
  const { onProgress, warnings } = e;
  const conditions = e.run.params.conditions;
  const combos = evaluated.combos;
  const perCondition: ConditionEvaluation[] = [];
  const groupWarnings: string[] = [];
  const groupTotal = conditions.reduce((n, spec) => n + new Set(combos.map((c) => conditionGroup(spec, c[spec.name] ?? null)).filter((g) => g !== undefined)).size, 0);
  const groupDone = (): void => onProgress?.({ task: 'metrics per condition', done: perCondition.length, total: groupTotal, unit: 'groups' });
  if (groupTotal > 0) groupDone();
  for (const spec of conditions) {
    const genGroups = groupRows(spec, combos.map((c) => c[spec.name] ?? null));
    const refValues = reference.images.columns[spec.name];
    const refGroups = groupRows(spec, refValues ?? []);
    if (refValues === undefined) warnings.push(`the reference query has no column "${spec.name}": per-condition FID, KID and precision/recall left out`);
    for (const [group, rows] of [...genGroups].sort((a, b) => a[1][0]! - b[1][0]!)) {
      const refRows = refGroups.get(group) ?? [];
      const m = setMetrics(rowsOf(reference.features, refRows), rowsOf(evaluated.features, rows), rowsOf(evaluated.logits, rows), e.metrics, groupWarnings, group);
      addScoreMetrics(m, scored, rows);
      perCondition.push({ condition: group, n_real: refRows.length, n_generated: rows.length, metrics: m });
      groupDone();
    }
  }
  const small = new Set(groupWarnings.map((w) => w.slice(0, w.indexOf(':'))));
  if (small.size > 0) {
    warnings.push(`${small.size} of ${perCondition.length} condition groups have no more samples than the ${e.extractor.featureDim} features (real or generated), so their FID is biased; evaluate more images (a larger count) for per-condition FID`);
  }
  return perCondition;
}

/** One set of overall values per saved epoch folder of the run, oldest first; the time measuring is added to `timings.metrics`. */
export function perEpochMetrics(e: Evaluation, images: EvaluationImages, reference: ImageSet): EpochEvaluation[] {
  const dir = e.registry.runPath(e.run.run_id, 'checkpoints');
  const saved = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^epoch-\d{4}$/.test(d)).sort() : [];
  const perEpoch: EpochEvaluation[] = [];
  for (const name of saved) {
    const g = images.generate(path.join(dir, name));
    const t = performance.now();
    const progress = e.onProgress === undefined ? undefined : { onProgress: e.onProgress, prefix: `epoch ${g.epoch}: ` };
    perEpoch.push({ epoch: g.epoch, metrics: evaluatedSetMetrics(e, reference, g, `epoch ${g.epoch}`, progress).metrics });
    e.timings.metrics += (performance.now() - t) / 1000;
  }
  return perEpoch;
}
