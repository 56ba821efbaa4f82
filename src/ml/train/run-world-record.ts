/**
 * What a data-parallel run records of its world, and what a resume and a stop must agree on:
 *
 * - `ml_runs.params.world_size` holds the workers of the session that last trained the run (absent
 *   for one process), so its global batch is `batch × world_size`;
 * - a checkpoint taken mid-epoch counts its steps in shares of the world that wrote it, so it
 *   resumes only on as many workers (an epoch checkpoint resumes on any number);
 * - a stop (Ctrl-C) is agreed: every worker asks the others after each step, so all stop after the
 *   same one and rank 0's checkpoint holds the step every worker reached.
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { storedParams, type RunRecord } from '../registry/run-record.js';
import type { RunWorld } from './distributed-run.js';
import type { RunPosition } from './trainer.js';

/** `params` as the run row records it in `world`: `world_size` set above one worker, dropped at one. */
export function paramsInWorld(params: object, world: RunWorld): object {
  const { world_size: _dropped, ...rest } = params as Record<string, unknown>;
  return world.worldSize > 1 ? { ...rest, world_size: world.worldSize } : rest;
}

/** The workers that trained `run` last (1 when its params name none). */
export function recordedWorldSize(run: RunRecord): number {
  const n = storedParams(run)['world_size'];
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : 1;
}

/** Refuses to resume a mid-epoch checkpoint on another number of workers than wrote it. */
export function checkResumeWorld(run: RunRecord, position: RunPosition, world: RunWorld): void {
  if (position.stepInEpoch === 0) return;
  const wrote = recordedWorldSize(run);
  if (wrote === world.worldSize) return;
  const workers = (n: number): string => (n === 1 ? 'one process' : `${n} workers`);
  throw new MlError(
    'E_ML_ARGUMENT',
    `run ${run.run_id} stopped at step ${position.stepInEpoch} of epoch ${position.epoch + 1}, on ${workers(wrote)}; ` +
      `a checkpoint taken mid-epoch counts its steps in that world's shares, so resume it on ${workers(wrote)}` +
      (wrote > 1 ? ` (--nproc ${wrote})` : ' (without --nproc)'),
  );
}

/** Whether any worker was asked to stop (one collective in a world above one; every rank must call it alike). */
export function agreedStop(signal: AbortSignal | undefined, world: RunWorld): boolean {
  const mine = signal?.aborted === true;
  if (world.worldSize === 1) return mine;
  return torch.tidy(() => {
    const flag = torch.tensor(new Float32Array([mine ? 1 : 0]));
    torch.distributed.allReduce(flag, { op: 'max' });
    return (flag.toArray() as Float32Array)[0]! > 0;
  });
}
