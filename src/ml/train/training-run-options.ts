/**
 * The options every image-model training run takes, whatever it trains (GANs, classifiers), and
 * the checks of them that every such run makes before anything is written.
 */
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { resolveDevice } from '../device.js';
import type { RunKind, RunRecord, RunRecordOf, RunRegistry } from '../registry/run-registry.js';

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

/** `v` (or `fallback` when not given) as a positive whole number; `name` names the option in the message. */
export function positiveInteger(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new MlError('E_ML_ARGUMENT', `${name} must be a positive whole number, got ${String(v)}`);
  return x;
}

/** Steps in an epoch: a last batch of one image is dropped (BatchNorm cannot train on it). */
export function stepsPerEpoch(images: number, batch: number): number {
  const full = Math.floor(images / batch);
  return full + (images - full * batch >= 2 ? 1 : 0);
}

/** A learning rate: positive and finite. */
export function checkLearningRate(lr: number, given: number | undefined): number {
  if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr))) throw new MlError('E_ML_ARGUMENT', `--lr must be a positive number, got ${String(given)}`);
  return lr;
}

/** fp32 or bf16. */
export function checkPrecision(precision: Precision): Precision {
  if (precision !== 'fp32' && precision !== 'bf16') throw new MlError('E_ML_ARGUMENT', `--precision must be fp32 or bf16, got ${String(precision)}`);
  return precision;
}

/** The checks every image run makes first: epochs, device and threads (in this order, as messages report the first). */
export function checkRunBasics(options: TrainingRunOptions, defaults: { readonly epochs: number; readonly device: string }): { epochs: number; device: string } {
  const epochs = positiveInteger('--epochs', options.epochs, defaults.epochs);
  const device = resolveDevice(options.device ?? defaults.device);
  if (options.threads !== undefined) positiveInteger('--threads', options.threads, 1);
  return { epochs, device };
}

/** The run `runId` to resume: a `kind` run (`noun` in messages) that is not running. */
export async function resumableRun<K extends RunKind>(registry: RunRegistry, runId: string, kind: K, noun: string): Promise<RunRecordOf<K>> {
  const run = await registry.getRun(runId, kind, `, not ${noun}`);
  if (run.state === 'running') throw new MlError('E_ML_RUN', `run ${run.run_id} is still running (pid ${run.pid ?? '?'}); it cannot be resumed twice`);
  return run;
}

/** The epochs a resumed run trains to (`epochs` when given, else its recorded target), above those it has done. */
export function resumeTarget(run: RunRecord, epochs: number | undefined, recorded: number): number {
  const target = epochs ?? recorded;
  if (run.epochs_done >= target) throw new MlError('E_ML_RUN', `run ${run.run_id} has done ${run.epochs_done} of ${target} epochs; give --epochs above ${run.epochs_done} to train it further`);
  return target;
}
