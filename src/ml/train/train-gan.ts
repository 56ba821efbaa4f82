/**
 * Train a GAN on the images a store query selects, with every run, epoch, sample grid and
 * checkpoint recorded in the store (DESIGN §4).
 *
 * ```ts
 * const result = await trainGan(store, {
 *   query: "SELECT * FROM mnist WHERE split = 'train'",
 *   conditionColumns: ['label'],
 *   epochs: 5,
 *   onProgress: (p) => console.error(p.detail),
 * });
 * ```
 *
 * Everything that can be wrong (data, options, device, the run to resume) is found before the run
 * row is written. A stop through `signal` (the CLI's Ctrl-C) writes a checkpoint at the current
 * step and marks the run `stopped`; an error marks it `failed`; either can be resumed with
 * `resume: RUN_ID`, which continues exactly where it left off (same batches, same random
 * numbers, same losses as an uninterrupted run on the CPU).
 */
import type { Store } from '../../store/store.js';
import type { TrainingDataOptions } from '../data/training-data.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { GanModel } from '../models/gan.js';
import { TRAINERS } from './trainers/index.js';
import { runTraining } from './training-session.js';
import type { Precision, TrainingRunOptions } from './training-run-options.js';

export { GAN_DEFAULTS } from './trainers/gan-trainer.js';

export type { Precision };

export interface TrainGanOptions extends Omit<TrainingDataOptions, 'onProgress'>, TrainingRunOptions {
  /** `cdcgan` when condition columns are given, `dcgan` otherwise. */
  readonly model?: GanModel;
  readonly lr?: number;
  /** Seeds the weights, the noise, dropout and the batch order (default: a random one, recorded). */
  readonly seed?: number;
  /** Continue this run from its last checkpoint (its data and hyper-parameters; `epochs` may raise the target). */
  readonly resume?: string;
  /**
   * Start a child of this run: its architecture, hyper-parameters and data query, beginning from
   * its newest checkpoint (weights and optimiser state). `epochs`, `batch`, `lr`, `precision`,
   * `checkpointEvery` and `seed` may be given anew; the data options may not.
   */
  readonly from?: string;
  /** With `from`: also train on the parent's accepted predictions (and those it included itself). */
  readonly includeAccepted?: boolean;
}

export interface TrainGanResult {
  run_id: string;
  status: 'finished' | 'stopped';
  model: GanModel;
  epochs_done: number;
  steps_done: number;
  d_loss: number | null;
  g_loss: number | null;
  /** Training images per second over this call's steps (data loading excluded). */
  images_per_second: number | null;
  /** Wall time of this call. */
  seconds: number;
  data_rows: number;
  FILE_checkpoint: string | null;
  FILE_samples: string | null;
  FILE_loss_plot: string | null;
  resumed: boolean;
}

/** Train a GAN (see the file comment): the training session driving the GAN trainer. */
export function trainGan(store: Store, options: TrainGanOptions = {}): Promise<TrainGanResult> {
  return runTraining(store, TRAINERS.gan, options);
}
