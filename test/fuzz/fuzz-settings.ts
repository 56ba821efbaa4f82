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

/** How long after its budget fast-check stops a property (the no-op cases still generate inputs). */
const GENERATION_SLACK_MS = 1000;

/** One property's cases and time: its fast-check parameters, and its check wrapped to keep time. */
export interface FuzzBudget<Ts extends unknown[]> {
  readonly parameters: FcParameters<Ts>;
  /** `check`, made a no-op once the time is spent (except after a failure, so shrinking runs). */
  guard(check: (...args: Ts) => Promise<void>): (...args: Ts) => Promise<void>;
}

/**
 * The budget of one property: the fixed seed, `runs` cases (or DSI_FUZZ_RUNS), and `share` of
 * the harness's time. Once the time is spent, the remaining cases pass without running, so the
 * property always runs at least one case and never leaves one running behind (fast-check's own
 * interruption would abandon a running case, and fail a property that had not finished one).
 * fast-check's interruption ends the generating of no-op cases a second after the budget.
 */
export function fuzzBudget<Ts extends unknown[]>(runs: number, share: number): FuzzBudget<Ts> {
  const ms = Math.max(500, Math.round(FUZZ_SECONDS * 1000 * share));
  const deadline = performance.now() + ms;
  let ran = 0;
  let failed = false;
  return {
    parameters: {
      seed: FUZZ_SEED,
      numRuns: RUNS ?? (SECONDS !== undefined ? 1_000_000 : runs),
      interruptAfterTimeLimit: ms + GENERATION_SLACK_MS,
      markInterruptAsFailure: false,
      endOnFailure: false,
      includeErrorInReport: true,
    },
    guard: (check) => async (...args) => {
      if (ran > 0 && !failed && performance.now() > deadline) return;
      ran++;
      try {
        await check(...args);
      } catch (e) {
        failed = true;
        throw e;
      }
    },
  };
}
