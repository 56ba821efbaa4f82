/**
 * The run registry's tables (DESIGN §4). Every row a workflow writes lands in one of these; they
 * are created on first use, grow new columns when a later version adds some, and user `update`
 * refuses them. Paths in `FILE…` columns are relative to the store's folder, as every other path.
 */
import type { ManagedTableDefinition } from '../../store/managed-tables.js';

type ColumnType = ManagedTableDefinition['columns'][number]['type'];

/** The table `name` of `columns` (name → type, in the order written), keyed by `primaryKey` when given. */
function table(name: string, columns: Readonly<Record<string, ColumnType>>, primaryKey?: string): ManagedTableDefinition {
  return { name, columns: Object.entries(columns).map(([column, type]) => ({ name: column, type })), ...(primaryKey === undefined ? {} : { primaryKey }) };
}

export const ML_RUNS = table('ml_runs', {
  run_id: 'text', kind: 'text', model: 'text', parent_run_id: 'text', status: 'text', params: 'text', data_query: 'text', data_rows: 'integer',
  data_hash: 'text', env: 'text', seed: 'integer', epochs_done: 'integer', steps_done: 'integer', images_per_second: 'float', d_loss: 'float',
  g_loss: 'float', FILE_checkpoint: 'text', FILE_loss_plot: 'text', error: 'text', included_predictions: 'text', pid: 'integer', created_at: 'text',
  finished_at: 'text', heartbeat_at: 'text',
  /** The sweep (`ml_sweeps`) the run belongs to, or NULL. */
  sweep_id: 'text',
  /** The run's point in its sweep: an index into `ml_sweeps.points` (0-based, a Slurm array task id). */
  sweep_point: 'integer',
}, 'run_id');

/**
 * One row per sweep (a grid of training runs): its `grid` (JSON, name → values as given),
 * `train_args` (JSON, the `dsi ml train` arguments every point shares), `points` (JSON, one
 * name → value object per run, in launch order), how it was launched (`local` or `slurm`, with the
 * scheduler's `job_id`) and its `state`. Its runs name it in `ml_runs.sweep_id`.
 */
export const ML_SWEEPS = table('ml_sweeps', {
  sweep_id: 'text', name: 'text', grid: 'text', train_args: 'text', points: 'text', launcher: 'text', state: 'text', job_id: 'text', created_at: 'text',
  finished_at: 'text',
}, 'sweep_id');

export const ML_EPOCHS = table('ml_epochs', {
  run_id: 'text', epoch: 'integer', d_loss: 'float', g_loss: 'float', loss: 'float', steps: 'integer', images_per_second: 'float', seconds: 'float',
  FILE_samples: 'text', FILE_checkpoint: 'text', created_at: 'text',
});

/**
 * One row per training step: its losses (`d_loss`, `g_loss` for a GAN, `loss` for a single-loss
 * model), `step` counted over the whole run from 1 and `epoch` the 1-based epoch it belongs to.
 * Written in batches with the heartbeat and at each epoch's end; a resume removes the rows after
 * the step its checkpoint holds, so no step is stored twice.
 */
export const ML_STEPS = table('ml_steps', {
  run_id: 'text', step: 'integer', epoch: 'integer', d_loss: 'float', g_loss: 'float', loss: 'float', created_at: 'text',
});

/**
 * One row per predicted image. `seed` reproduces a stochastic model's image (NULL for a deterministic
 * model's). Conditioning parameters get a column each on top of these, added when first predicted.
 */
export const ML_PREDICTIONS = table('ml_predictions', {
  prediction_id: 'text', run_id: 'text', params: 'text', seed: 'integer', epoch: 'integer', FILE: 'text', score: 'float', nn_distance: 'float',
  accepted: 'integer', accepted_by: 'text', created_at: 'text',
  /** 1 when a continuous parameter lies outside the range the run trained on (asked for with `allowExtrapolation`), else 0; NULL in rows written before it existed. */
  extrapolated: 'integer',
}, 'prediction_id');

/**
 * One row per metric value: overall (`condition` NULL) or for one condition value or bin
 * (`label=3`, `speed in [1.5, 2)`). `feature_run_id` names the classifier whose features produced
 * it: values are comparable only with the same one. `epoch` is the checkpoint evaluated. A
 * validation's rows share a `validation_id`; `FILE_image` holds a point's error map (the contact
 * sheet on its overall rows).
 */
export const ML_EVALUATIONS = table('ml_evaluations', {
  run_id: 'text', metric: 'text', value: 'float', std: 'float', n_real: 'integer', n_generated: 'integer', feature_run_id: 'text', condition: 'text',
  epoch: 'integer', source: 'text', created_at: 'text', validation_id: 'text', FILE_image: 'text',
});

/**
 * One row per SHAP value: `target` says what was explained (`row 7 of the run's data`,
 * `image digits/3.png`, `prediction p-…`), `feature` which input (a column, a block `block r2 c5`,
 * a conditioning parameter). Σ value over a target equals prediction − base_value.
 */
export const ML_EXPLANATIONS = table('ml_explanations', {
  explanation_id: 'text', run_id: 'text', target: 'text', feature: 'text', value: 'float', base_value: 'float', prediction: 'float', method: 'text',
  output: 'text', background: 'integer', seed: 'integer', FILE_heatmap: 'text', created_at: 'text',
});

/** One row per expert verdict on a generated item: accept or reject, and/or a rating. */
export const ML_REVIEWS = table('ml_reviews', {
  prediction_id: 'text', run_id: 'text', reviewer: 'text', verdict: 'text', rating: 'float', comment: 'text', source: 'text', created_at: 'text',
  /** Position within the batch written at `created_at`: (created_at, batch_index) orders all reviews. */
  batch_index: 'integer',
});

/** The tables `deleteRun` clears of a run's rows, in the order it clears them. */
export const RUN_TABLES = ['ml_reviews', 'ml_predictions', 'ml_epochs', 'ml_steps', 'ml_evaluations', 'ml_explanations', 'ml_runs'] as const;
