/**
 * Train the small CNN classifier (models/classifier.ts) on the labelled images a store query
 * selects, and measure its accuracy on a test query; the run, its epochs, its checkpoints and its
 * accuracy are recorded in the store like any other run (DESIGN §4). A finished classifier is the
 * feature extractor of the GAN metrics (evaluate/feature-extractor.ts).
 *
 * ```ts
 * const r = await trainClassifier(store, { table: 'mnist', labelColumn: 'label', epochs: 2, seed: 1 });
 * r.test_accuracy; // 0.99…, measured on mnist's split = 'test' rows and stored in ml_evaluations
 * ```
 *
 * Everything that can be wrong (options, device, the training and test data, the label column and
 * its levels, the run to resume) is found before the run row is written. A stop through `signal`
 * writes a checkpoint at the current step and marks the run `stopped`; an error marks it
 * `failed`; either resumes with `resume: RUN_ID` exactly where it left off.
 */
import type { Store } from '../../store/store.js';
import type { ClassifierArchitecture } from '../models/classifier.js';
import { TRAINERS } from './trainers/index.js';
import { runTraining } from './training-session.js';
import type { Precision, TrainingRunOptions } from './training-run-options.js';

export { CLASSIFIER_DEFAULTS } from './trainers/classifier-trainer.js';

export interface TrainClassifierOptions extends TrainingRunOptions {
  /** A read-only query selecting the training images and their labels. */
  readonly query?: string;
  /** A table: all of its rows, or its `split = 'train'` rows when it has a `split` column. */
  readonly table?: string;
  /** The column holding image paths (default: the query's one `FILE…` column). */
  readonly imageColumn?: string;
  /** The column holding the class labels (required, except with `resume`). */
  readonly labelColumn?: string;
  /**
   * The images accuracy is measured on (default: the source table's `split = 'test'` rows when it
   * has a `split` column; none otherwise). Loaded at the training size and channels.
   */
  readonly testQuery?: string;
  /** Resize the images to 28, 32 or 64 (default: their own size, which must be one of these). */
  readonly size?: number;
  readonly channels?: 1 | 3;
  /** Only the first N training rows. */
  readonly maxImages?: number;
  /** Adam's peak learning rate; it decays to 0 along a cosine over the run's steps. */
  readonly lr?: number;
  /** Seeds the weights, dropout and the batch order (default: a random one, recorded). */
  readonly seed?: number;
  /** Continue this classifier run from its last checkpoint (`epochs` may raise the target). */
  readonly resume?: string;
}

export interface TrainClassifierResult {
  run_id: string;
  status: 'finished' | 'stopped';
  model: 'cnn';
  epochs_done: number;
  steps_done: number;
  /** Mean training loss of the last complete epoch. */
  loss: number | null;
  /** Share of the test images classified right (null when stopped or without a test set). */
  test_accuracy: number | null;
  /** The same on up to 10,000 training images spread evenly over the training set (eval mode). */
  train_accuracy: number | null;
  n_test: number;
  n_train: number;
  /** Training images per second over this call's steps (data loading excluded). */
  images_per_second: number | null;
  /** Wall time of this call. */
  seconds: number;
  FILE_checkpoint: string | null;
  FILE_loss_plot: string | null;
  resumed: boolean;
}

/**
 * Train a classifier (see the file comment): the training session driving the classifier
 * trainer. Returns when the run is finished or stopped; throws (after marking the run `failed`)
 * on an error during training.
 */
export function trainClassifier(store: Store, options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  return runTraining(store, TRAINERS.classifier, options);
}
