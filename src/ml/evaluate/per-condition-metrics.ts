/**
 * Metrics per condition group (condition-groups.ts): generated images grouped by the condition
 * values they were made for, real ones by the reference query's columns of the same name. Each
 * group of generated images, in order of first appearance, gets the distribution metrics against
 * the real images of its group (what too few samples cannot give is left out) and its score
 * metrics. A condition the reference query does not select, and groups too small for an
 * unbiased FID, each leave one warning.
 */
import type { ProgressCallback } from '../../progress.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import { conditionGroup, groupRows } from './condition-groups.js';
import type { ConditionEvaluation } from './evaluation-result.js';
import { addScoreMetrics, type ImageScores } from './image-scores.js';
import type { ImageSet } from './image-sets.js';
import { rowsOf, setMetrics, type SetMetricsOptions } from './set-metrics.js';

export interface PerConditionInput {
  readonly conditions: readonly ConditionSpec[];
  readonly reference: ImageSet;
  readonly evaluated: ImageSet;
  /** The condition values of each evaluated image. */
  readonly combos: readonly Record<string, Cell>[];
  readonly scored: ImageScores;
  /** Length of a feature vector: groups with no more samples than this have a biased FID. */
  readonly featureDim: number;
}

/** One evaluation per condition group; progress (in groups) goes under `metrics per condition`. */
export function perConditionMetrics(input: PerConditionInput, o: SetMetricsOptions, warnings: string[], onProgress: ProgressCallback | undefined): ConditionEvaluation[] {
  const { conditions, reference, evaluated, combos, scored } = input;
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
      const m = setMetrics(rowsOf(reference.features, refRows), rowsOf(evaluated.features, rows), rowsOf(evaluated.logits, rows), o, groupWarnings, group);
      addScoreMetrics(m, scored, rows);
      perCondition.push({ condition: group, n_real: refRows.length, n_generated: rows.length, metrics: m });
      groupDone();
    }
  }
  const small = new Set(groupWarnings.map((w) => w.slice(0, w.indexOf(':'))));
  if (small.size > 0) {
    warnings.push(`${small.size} of ${perCondition.length} condition groups have no more samples than the ${input.featureDim} features (real or generated), so their FID is biased; evaluate more images (a larger count) for per-condition FID`);
  }
  return perCondition;
}
