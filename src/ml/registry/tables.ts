/**
 * The run registry's tables (DESIGN §4). Every row a workflow writes lands in one of these; they
 * are created on first use, grow new columns when a later version adds some, and user `update`
 * refuses them. Paths in `FILE…` columns are relative to the store's folder, as every other path.
 */
import type { ManagedTableDefinition } from '../../store/managed-tables.js';

export const ML_RUNS: ManagedTableDefinition = {
  name: 'ml_runs',
  primaryKey: 'run_id',
  columns: [
    { name: 'run_id', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'model', type: 'text' },
    { name: 'parent_run_id', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'params', type: 'text' },
    { name: 'data_query', type: 'text' },
    { name: 'data_rows', type: 'integer' },
    { name: 'data_hash', type: 'text' },
    { name: 'env', type: 'text' },
    { name: 'seed', type: 'integer' },
    { name: 'epochs_done', type: 'integer' },
    { name: 'steps_done', type: 'integer' },
    { name: 'images_per_second', type: 'float' },
    { name: 'd_loss', type: 'float' },
    { name: 'g_loss', type: 'float' },
    { name: 'FILE_checkpoint', type: 'text' },
    { name: 'FILE_loss_plot', type: 'text' },
    { name: 'error', type: 'text' },
    { name: 'included_predictions', type: 'text' },
    { name: 'pid', type: 'integer' },
    { name: 'created_at', type: 'text' },
    { name: 'finished_at', type: 'text' },
    { name: 'heartbeat_at', type: 'text' },
  ],
};

export const ML_EPOCHS: ManagedTableDefinition = {
  name: 'ml_epochs',
  columns: [
    { name: 'run_id', type: 'text' },
    { name: 'epoch', type: 'integer' },
    { name: 'd_loss', type: 'float' },
    { name: 'g_loss', type: 'float' },
    { name: 'loss', type: 'float' },
    { name: 'steps', type: 'integer' },
    { name: 'images_per_second', type: 'float' },
    { name: 'seconds', type: 'float' },
    { name: 'FILE_samples', type: 'text' },
    { name: 'FILE_checkpoint', type: 'text' },
    { name: 'created_at', type: 'text' },
  ],
};

/** Conditioning parameters get a column each on top of these, added when first predicted. */
export const ML_PREDICTIONS: ManagedTableDefinition = {
  name: 'ml_predictions',
  primaryKey: 'prediction_id',
  columns: [
    { name: 'prediction_id', type: 'text' },
    { name: 'run_id', type: 'text' },
    { name: 'params', type: 'text' },
    { name: 'seed', type: 'integer' },
    { name: 'epoch', type: 'integer' },
    { name: 'FILE', type: 'text' },
    { name: 'score', type: 'float' },
    { name: 'nn_distance', type: 'float' },
    { name: 'accepted', type: 'integer' },
    { name: 'accepted_by', type: 'text' },
    { name: 'created_at', type: 'text' },
  ],
};

/**
 * One row per metric value: overall (`condition` NULL) or for one condition value or bin
 * (`label=3`, `speed in [1.5, 2)`). `feature_run_id` names the classifier whose features produced
 * it: values are comparable only with the same one. `epoch` is the checkpoint evaluated.
 */
export const ML_EVALUATIONS: ManagedTableDefinition = {
  name: 'ml_evaluations',
  columns: [
    { name: 'run_id', type: 'text' },
    { name: 'metric', type: 'text' },
    { name: 'value', type: 'float' },
    { name: 'std', type: 'float' },
    { name: 'n_real', type: 'integer' },
    { name: 'n_generated', type: 'integer' },
    { name: 'feature_run_id', type: 'text' },
    { name: 'condition', type: 'text' },
    { name: 'epoch', type: 'integer' },
    { name: 'source', type: 'text' },
    { name: 'created_at', type: 'text' },
  ],
};

/**
 * One row per SHAP value: `target` says what was explained (`row 7 of the run's data`,
 * `image digits/3.png`, `prediction p-…`), `feature` which input (a column, a block `block r2 c5`,
 * a conditioning parameter). Σ value over a target equals prediction − base_value.
 */
export const ML_EXPLANATIONS: ManagedTableDefinition = {
  name: 'ml_explanations',
  columns: [
    { name: 'explanation_id', type: 'text' },
    { name: 'run_id', type: 'text' },
    { name: 'target', type: 'text' },
    { name: 'feature', type: 'text' },
    { name: 'value', type: 'float' },
    { name: 'base_value', type: 'float' },
    { name: 'prediction', type: 'float' },
    { name: 'method', type: 'text' },
    { name: 'output', type: 'text' },
    { name: 'background', type: 'integer' },
    { name: 'seed', type: 'integer' },
    { name: 'FILE_heatmap', type: 'text' },
    { name: 'created_at', type: 'text' },
  ],
};

/** One row per expert verdict on a generated item: accept or reject, and/or a rating. */
export const ML_REVIEWS: ManagedTableDefinition = {
  name: 'ml_reviews',
  columns: [
    { name: 'prediction_id', type: 'text' },
    { name: 'run_id', type: 'text' },
    { name: 'reviewer', type: 'text' },
    { name: 'verdict', type: 'text' },
    { name: 'rating', type: 'float' },
    { name: 'comment', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'created_at', type: 'text' },
    /** Position within the batch written at `created_at`: (created_at, batch_index) orders all reviews. */
    { name: 'batch_index', type: 'integer' },
  ],
};

/** The tables `deleteRun` clears of a run's rows, in the order it clears them. */
export const RUN_TABLES = ['ml_reviews', 'ml_predictions', 'ml_epochs', 'ml_evaluations', 'ml_explanations', 'ml_runs'] as const;
