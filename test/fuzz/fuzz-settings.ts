/**
 * The fuzzing harness's settings: one seed, a run count and a wall-time budget shared by every
 * property, so CI runs the same cases each time and never runs longer than its budget.
 *
 * - `DSI_FUZZ_SEED`: the seed (default 2126); fast-check prints the seed and path of a failure,
 *   and `DSI_FUZZ_SEED=N` replays it.
 * - `DSI_FUZZ_RUNS`: cases per property (default: each property's own small count; with only
 *   `DSI_FUZZ_SECONDS` given, unlimited, so the time decides).
 * - `DSI_FUZZ_SECONDS`: the whole harness's budget in seconds (default 40), shared out between
 *   the properties by weight; a property stops generating when its share is spent.
 * - `DSI_FUZZ_CASE_SECONDS`: the most one case may take before it counts as a hang (default 5).
 */
import type { Parameters as FcParameters } from 'fast-check';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/** The seed every property runs with. */
export const FUZZ_SEED: number = Math.trunc(envNumber('DSI_FUZZ_SEED') ?? 2126);
const RUNS = envNumber('DSI_FUZZ_RUNS');
const SECONDS = envNumber('DSI_FUZZ_SECONDS');
/** The whole harness's budget (all three test files together), in seconds. */
export const FUZZ_SECONDS: number = SECONDS ?? 40;
/** Whether the run was asked to be longer than CI's (for messages and larger inputs). */
export const LONG_RUN: boolean = RUNS !== undefined || SECONDS !== undefined;
/** The most one case may take, in milliseconds, before it counts as a hang. */
export const CASE_MS: number = (envNumber('DSI_FUZZ_CASE_SECONDS') ?? 5) * 1000;
/** The most the resident memory may grow during one case, in bytes. */
export const CASE_MEMORY_BYTES = 768 * 1024 * 1024;

/**
 * fast-check parameters for one property: the fixed seed, `runs` cases (or DSI_FUZZ_RUNS), and
 * `share` of the harness's budget as its time limit. Interruption by the time limit is not a
 * failure: the property passed for every case it ran.
 */
export function fuzzParameters<T>(runs: number, share: number): FcParameters<T> {
  const numRuns = RUNS ?? (SECONDS !== undefined ? 1_000_000 : runs);
  return {
    seed: FUZZ_SEED,
    numRuns,
    interruptAfterTimeLimit: Math.max(1000, Math.round(FUZZ_SECONDS * 1000 * share)),
    markInterruptAsFailure: false,
    endOnFailure: false,
    includeErrorInReport: true,
  };
}
