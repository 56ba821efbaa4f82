/**
 * The options every image-model training run takes, whatever it trains (GANs, classifiers), the
 * checks of them that every such run makes before anything is written, and what every such run's
 * result reports.
 */
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { checkSeed } from '../call-limits.js';
import { resolveDevice } from '../device.js';
import type { RunKind, RunRecordOf, RunRegistry } from '../registry/run-registry.js';

export type Precision = 'fp32' | 'bf16';

export interface TrainingRunOptions {
  readonly epochs?: number;
  readonly batch?: number;
  /** Adam's (peak) learning rate. */
  readonly lr?: number;
  readonly precision?: Precision;
  /** `cpu` (default), `cuda` or `cuda:N`. */
  readonly device?: string;
  /** libtorch's threads for this run (default: as configured, the physical cores). */
  readonly threads?: number;
  /** Keep a checkpoint every N epochs (default 1); the last epoch always has one. */
  readonly checkpointEvery?: number;
  /** Seeds the weights, the noise, dropout and the batch order (default: a random one, recorded). */
  readonly seed?: number;
  /** Continue this run from its last checkpoint (its data and hyper-parameters; `epochs` may raise the target). */
  readonly resume?: string;
  /**
   * Warn (a progress event of task `warning`) when the run's data passed through more generations
   * of synthetic data than this (default 1; lineage/synthetic-generations.ts).
   */
  readonly maxSyntheticGenerations?: number;
  readonly onProgress?: ProgressCallback;
  /** Aborting stops the run at the next step with a checkpoint and status `stopped`. */
  readonly signal?: AbortSignal;
  /** The sweep (`ml_sweeps`) a new run belongs to, recorded in its row at creation. */
  readonly sweepId?: string;
  /** The run's point in that sweep (an index into its points). */
  readonly sweepPoint?: number;
  /** A data-parallel run's bound on joining and on each collective, in milliseconds (default 5 minutes). */
  readonly distTimeoutMs?: number;
  /** A data-parallel run's batch norm over every worker's samples (default true; false: each worker's own share). */
  readonly syncBatchNorm?: boolean;
}

/** What every image run's result reports. */
export interface ImageRunResult {
  run_id: string;
  status: 'finished' | 'stopped';
  epochs_done: number;
  steps_done: number;
  /** Training images per second over this call's steps (data loading excluded). */
  images_per_second: number | null;
  /** Wall time of this call. */
  seconds: number;
  FILE_checkpoint: string | null;
  FILE_loss_plot: string | null;
  resumed: boolean;
}

/** The hyper-parameters every image run settles. */
export interface RunSettings {
  readonly epochs: number;
  readonly batch: number;
  readonly checkpointEvery: number;
  readonly lr: number;
  readonly precision: Precision;
  readonly seed: number;
}

/** `v` (or `fallback` when not given) as a positive whole number; `option` is its library name. */
export function positiveInteger(option: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a positive whole number, got ${String(v)}`);
  return x;
}

/** The checks every image run makes first: epochs, device and threads (in this order, as messages report the first). */
export function checkRunBasics(options: TrainingRunOptions, defaults: { readonly epochs: number; readonly device: string }): { epochs: number; device: string } {
  const epochs = positiveInteger('epochs', options.epochs, defaults.epochs);
  const device = resolveDevice(options.device ?? defaults.device);
  if (options.threads !== undefined) positiveInteger('threads', options.threads, 1);
  return { epochs, device };
}

/**
 * The hyper-parameters of a new image run: each option checked, or its default when not given (a
 * kind's defaults, or a parent run's recipe; a random seed without one).
 */
export function runSettings(options: TrainingRunOptions, defaults: Omit<RunSettings, 'seed'> & { readonly seed?: number }): RunSettings {
  const lr = options.lr ?? defaults.lr;
  if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr))) throw new MlError('E_ML_ARGUMENT', (o) => `${o('lr')} must be a positive number, got ${String(options.lr)}`);
  const precision = options.precision ?? defaults.precision;
  if (precision !== 'fp32' && precision !== 'bf16') throw new MlError('E_ML_ARGUMENT', (o) => `${o('precision')} must be fp32 or bf16, got ${String(precision)}`);
  return {
    epochs: positiveInteger('epochs', options.epochs, defaults.epochs),
    batch: positiveInteger('batch', options.batch, defaults.batch),
    checkpointEvery: positiveInteger('checkpointEvery', options.checkpointEvery, defaults.checkpointEvery),
    lr,
    precision,
    seed: options.seed === undefined ? (defaults.seed ?? Math.floor(Math.random() * 2 ** 31)) : checkSeed('seed', options.seed),
  };
}

/**
 * The run `runId` to resume, a `kind` run (`noun` in messages) that is not running, and the epochs
 * it trains to (`epochs` when given, else its recorded target), above those it has done. A run
 * that recorded its last epoch but was killed before it finished (its evaluations, its status) is
 * resumed at its target: nothing is trained again, the run is finished.
 */
export async function resumableRun<K extends RunKind>(
  registry: RunRegistry,
  runId: string,
  kind: K,
  noun: string,
  epochs: number | undefined,
  recorded: (run: RunRecordOf<K>) => number,
): Promise<{ run: RunRecordOf<K>; epochs: number }> {
  const run = await registry.getRun(runId, kind, `, not ${noun}`);
  if (run.state === 'running') throw new MlError('E_ML_RUN', `run ${run.run_id} is still running (pid ${run.pid ?? '?'}); it cannot be resumed twice`);
  const target = epochs ?? recorded(run);
  const unfinished = run.status !== 'finished' && run.epochs_done === target;
  if (run.epochs_done >= target && !unfinished) throw new MlError('E_ML_RUN', (o) => `run ${run.run_id} has done ${run.epochs_done} of ${target} epochs; give ${o('epochs')} above ${run.epochs_done} to train it further`);
  return { run, epochs: target };
}
