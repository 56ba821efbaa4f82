/**
 * Per-image classifier scores of generated images, and the two metrics made of them: the
 * classifier's probability (softmax of its logits) of the class an image was conditioned on, or
 * of its own top class when the model is not conditioned on the classifier's label; and class
 * faithfulness, the share of conditioned images the classifier puts in their conditioned class.
 * `class_faithfulness` is left out when no image is conditioned on the label.
 */
import type { Cell } from '../../store/types.js';
import type { MetricValues } from './evaluation-result.js';
import type { FeatureExtractor } from './feature-extractor.js';
import type { ImageSet } from './image-sets.js';

export interface ImageScores {
  /** Per image: the classifier's probability of the conditioned class, or of its own top class. */
  readonly scores: Float64Array;
  /** Per image: 1 when the top class is the conditioned one, 0 when not, NaN when not conditioned on the label. */
  readonly correct: Float64Array;
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

/** Scores and faithfulness of the images of `set` conditioned on `combos` (undefined: the model has no conditions). */
export function scoreImages(extractor: FeatureExtractor, set: ImageSet, combos: readonly Record<string, Cell>[] | undefined): ImageScores {
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
    const wanted = combos?.[i]?.[extractor.labelColumn];
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
export function mean(values: Float64Array | number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    s += v;
    n++;
  }
  return n === 0 ? NaN : s / n;
}

/** Adds `class_faithfulness` (when defined) and `mean_score` of the images `rows` (default: all) to `metrics`. */
export function addScoreMetrics(metrics: MetricValues, scored: ImageScores, rows?: readonly number[]): MetricValues {
  const faithful = rows === undefined ? mean(scored.correct) : mean(rows.map((i) => scored.correct[i]!));
  if (!Number.isNaN(faithful)) metrics['class_faithfulness'] = faithful;
  metrics['mean_score'] = rows === undefined ? mean(scored.scores) : mean(rows.map((i) => scored.scores[i]!));
  return metrics;
}
