/** The options every image-model training run takes, whatever it trains (GANs, classifiers). */
import type { ProgressCallback } from '../../progress.js';

export type Precision = 'fp32' | 'bf16';

export interface TrainingRunOptions {
  readonly epochs?: number;
  readonly batch?: number;
  readonly precision?: Precision;
  /** `cpu` (default), `cuda` or `cuda:N`. */
  readonly device?: string;
  /** libtorch's threads for this run (default: as configured, the physical cores). */
  readonly threads?: number;
  /** Keep a checkpoint every N epochs (default 1); the last epoch always has one. */
  readonly checkpointEvery?: number;
  readonly onProgress?: ProgressCallback;
  /** Aborting stops the run at the next step with a checkpoint and status `stopped`. */
  readonly signal?: AbortSignal;
}
