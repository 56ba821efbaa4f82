/**
 * What `evaluateRun` returns: the overall metric values of the evaluated set, the values per
 * condition group and per saved epoch, and the bookkeeping around them (sizes, warnings, timings,
 * plot files). Every name here is also a column or a key of what `dsi ml evaluate` prints, so the
 * shapes do not change.
 */

/** Metric name → value (`fid`, `kid`, `kid_std`, `precision`, `recall`, `is`, `is_std`, `class_faithfulness`, …). */
export type MetricValues = Record<string, number>;

export interface ConditionEvaluation {
  condition: string;
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
}

/** The overall values of one saved epoch's checkpoint. */
export interface EpochEvaluation {
  epoch: number;
  metrics: MetricValues;
}

/** Seconds spent generating images, extracting features and computing metrics, and in all; phases add to them as they run. */
export interface EvaluationTimings {
  generation: number;
  features: number;
  metrics: number;
  total: number;
}

export interface EvaluationResult {
  run_id: string;
  feature_run_id: string;
  epoch: number;
  source: 'generated' | 'predictions';
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
  per_condition: ConditionEvaluation[];
  per_epoch: EpochEvaluation[];
  /** Stored predictions given a score and nn_distance by this call. */
  predictions_scored: number;
  warnings: string[];
  /** Seconds spent generating images, extracting features and computing metrics, and in all. */
  timings: EvaluationTimings;
  /** Plots written, relative to the store's folder. */
  files: Record<string, string>;
}
