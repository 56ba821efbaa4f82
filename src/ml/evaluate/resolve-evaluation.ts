/**
 * The first phase of an evaluation: the run to evaluate and the call's options, checked and with
 * their defaults, before anything is loaded. The run must be a GAN run with a checkpoint; counts
 * are whole numbers within their limits (src/ml/call-limits.ts); the device exists. Nothing is read
 * but the run's row, nothing is written.
 */
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { CALL_LIMITS, checkCallSize, checkSeed } from '../call-limits.js';
import type { RunRecord, RunRegistry } from '../registry/run-registry.js';
import { resolveDevice } from '../device.js';
import type { GanRunParams } from '../registry/run-params.js';
import type { SetMetricsOptions } from './set-metrics.js';

export interface EvaluateRunOptions {
  readonly run: string;
  /** A read-only query selecting the real images to compare with (and their condition columns). */
  readonly reference: string;
  /** The classifier run whose features are used (default: the newest trained on the run's table). */
  readonly features?: string;
  /** Images to generate, spread evenly over the conditions (default 10,000). */
  readonly count?: number;
  /** Evaluate these stored predictions (a query over ml_predictions) instead of generating. */
  readonly predictions?: string;
  /** Also evaluate each saved epoch checkpoint (overall values, one set of rows per epoch). */
  readonly everyCheckpoint?: boolean;
  /** Seeds of the generated images (image i uses seed + i; default 0) and of IS/KID sampling. */
  readonly seed?: number;
  readonly device?: string;
  readonly splits?: number;
  readonly kidSubsets?: number;
  readonly kidSubsetSize?: number;
  readonly k?: number;
  /** Progress of every phase (see src/ml/evaluate/evaluate-run.ts). */
  readonly onProgress?: ProgressCallback;
}

/** A GAN run with a checkpoint, and the call's settings with their defaults. */
export interface ResolvedEvaluation {
  readonly run: RunRecord;
  readonly params: GanRunParams;
  /** The run's newest checkpoint (`ml_runs.FILE_checkpoint`, relative to the store's folder). */
  readonly checkpoint: string;
  /** Images to generate per checkpoint. */
  readonly count: number;
  /** Seed of image 0 (image i uses seed + i), and of IS/KID sampling. */
  readonly seed: number;
  readonly metrics: SetMetricsOptions;
  readonly device: string;
}

function positive(name: string, v: number | undefined, fallback: number, min = 1): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new MlError('E_ML_ARGUMENT', (o) => `${o(name)} must be a whole number ≥ ${min}, got ${String(v)}`);
  return x;
}

/** The run and the options, checked in this order: the run, its kind, its checkpoint, then each option. */
export async function resolveEvaluation(registry: RunRegistry, options: EvaluateRunOptions): Promise<ResolvedEvaluation> {
  const run = await registry.get(options.run);
  if (run.kind !== 'gan') throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run; evaluate takes a GAN run`);
  const params = run.params;
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
  const count = positive('count', options.count, 10_000, 2);
  checkCallSize('count', count, CALL_LIMITS.evaluateImages, 'FID and KID settle far below that (10,000 is the usual count); evaluate fewer images', 'images');
  const seed = checkSeed('seed', options.seed ?? 0, count);
  const kidSubsets = positive('kidSubsets', options.kidSubsets, 100);
  checkCallSize('kidSubsets', kidSubsets, CALL_LIMITS.kidSubsets, 'the mean over 100 subsets (the default) is already stable; give fewer', 'subsets');
  const metrics: SetMetricsOptions = {
    splits: positive('splits', options.splits, 10),
    kidSubsets,
    kidSubsetSize: positive('kidSubsetSize', options.kidSubsetSize, 1000, 2),
    k: positive('k', options.k, 3),
    seed,
  };
  const device = resolveDevice(options.device ?? 'cpu');
  return { run, params, checkpoint: run.FILE_checkpoint, count, seed, metrics, device };
}
