/**
 * The evaluation's rows, in one transaction: one `ml_evaluations` row per metric (overall, then
 * per condition group, then per saved epoch; a metric's standard deviation rides on its row as
 * `std`, a value that is not finite is NULL), all sharing the feature run, the source and one
 * `created_at`; and the per-image `score` and `nn_distance` of the scored stored predictions.
 * Either all of it is stored or none.
 */
import type { Row } from '../../store/types.js';
import { now, type RunRegistry } from '../registry/run-registry.js';
import type { ConditionEvaluation, EpochEvaluation, EvaluationResult, MetricValues } from './evaluation-result.js';
import type { PredictionScores } from './prediction-scores.js';

/** Metrics whose standard deviation is stored beside them. */
const STD_OF: Record<string, string> = { kid: 'kid_std', is: 'is_std' };

export interface EvaluationRecord {
  readonly runId: string;
  readonly featureRunId: string;
  readonly source: EvaluationResult['source'];
  /** The epoch of the overall and per-condition values. */
  readonly epoch: number;
  readonly nReal: number;
  readonly nGenerated: number;
  readonly metrics: MetricValues;
  readonly perCondition: readonly ConditionEvaluation[];
  readonly perEpoch: readonly EpochEvaluation[];
  /** Images generated per saved epoch. */
  readonly count: number;
}

/** Store the evaluation's rows and the predictions' scores together. */
export async function recordEvaluation(registry: RunRegistry, e: EvaluationRecord, scored: PredictionScores | undefined): Promise<void> {
  const created = now();
  const rowsFor = (m: MetricValues, condition: string | null, nReal: number, nGen: number, ep: number): Row[] =>
    Object.entries(m)
      .filter(([name]) => !Object.values(STD_OF).includes(name))
      .map(([metric, value]) => ({
        run_id: e.runId,
        metric,
        value: Number.isFinite(value) ? value : null,
        std: STD_OF[metric] !== undefined ? (m[STD_OF[metric]!] ?? null) : null,
        n_real: nReal,
        n_generated: nGen,
        feature_run_id: e.featureRunId,
        condition,
        epoch: ep,
        source: e.source,
        created_at: created,
      }));
  await registry.transaction(async (tx) => {
    await tx.insert('ml_evaluations', [
      ...rowsFor(e.metrics, null, e.nReal, e.nGenerated, e.epoch),
      ...e.perCondition.flatMap((c) => rowsFor(c.metrics, c.condition, c.n_real, c.n_generated, e.epoch)),
      ...e.perEpoch.flatMap((p) => rowsFor(p.metrics, null, e.nReal, e.count, p.epoch)),
    ]);
    if (scored !== undefined) {
      const { ids, scores, nn } = scored;
      for (let i = 0; i < ids.length; i++) await tx.update('ml_predictions', { score: scores[i]!, nn_distance: nn[i]! }, { prediction_id: ids[i]! });
    }
  });
}
