/**
 * Runs a sweep's points on this machine: one `dsi ml train … --sweep ID --json` child process per
 * point, at most `parallel` at once, in point order. Each child is a whole training of its own, so
 * a point that fails (its training throws, its arguments are refused, its process is killed) is
 * reported with its error and the others go on.
 *
 * Guarantees: every point is started at most once, and each started point is reported exactly
 * once through `onEvent` (`start`, then `end`); after `signal` aborts no point starts (the running
 * ones end as their trainings do on Ctrl-C: with a checkpoint, `stopped`) and the points never
 * started are `skipped`. The result lists the points in plan order whatever order they ended in.
 * The store's location travels in the environment (`DSI_DB`), never on a command line that `ps`
 * shows to every account.
 */
import { spawn } from 'node:child_process';
import { MlError } from '../../errors.js';
import { pointArgs, type SweepPlan } from './sweep-plan.js';

/** How to start `dsi`: the program and the arguments before the verb (`[node, bin/dsi.js]`). */
export interface DsiCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** Variables added to this process's environment (`DSI_DB`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** How one point ended. */
export interface PointOutcome {
  /** Its index in the plan (0-based, as a Slurm array task id). */
  readonly index: number;
  readonly point: Readonly<Record<string, string>>;
  /** `stopped`: interrupted (Ctrl-C: exit status 130 or SIGINT); `skipped`: never started, the sweep was interrupted first. */
  readonly status: 'finished' | 'failed' | 'stopped' | 'skipped';
  /** The run it trained, when the training printed its result. */
  readonly run_id: string | null;
  readonly exit_code: number | null;
  /** The training's result (`dsi ml train --json`), or null. */
  readonly result: Readonly<Record<string, unknown>> | null;
  /** The last line of its error output when it failed. */
  readonly error: string | null;
  readonly seconds: number;
}

export type SweepEvent =
  | { readonly type: 'start'; readonly index: number; readonly total: number; readonly point: Readonly<Record<string, string>> }
  | { readonly type: 'end'; readonly total: number; readonly outcome: PointOutcome };

export interface LocalSweepOptions {
  readonly dsi: DsiCommand;
  /** Children running at once (default 1). */
  readonly parallel?: number;
  readonly onEvent?: (event: SweepEvent) => void;
  /** Aborting starts no further point. */
  readonly signal?: AbortSignal;
}

/** The last line of `text` that parses as a JSON object, or null. */
function lastJsonObject(text: string): Record<string, unknown> | null {
  const start = text.lastIndexOf('\n{');
  const candidates = [start >= 0 ? text.slice(start + 1) : text, text];
  for (const c of candidates) {
    try {
      const value: unknown = JSON.parse(c.trim());
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return null;
}

/** The training arguments of point `index` of `plan`, the sweep's id included. */
export function trainArguments(plan: SweepPlan, index: number): string[] {
  return ['ml', 'train', ...plan.trainArgs, ...pointArgs(plan.points[index]!), '--sweep', plan.sweepId, '--sweep-point', String(index)];
}

function runPoint(plan: SweepPlan, index: number, dsi: DsiCommand): Promise<PointOutcome> {
  const started = performance.now();
  const point = plan.points[index]!;
  return new Promise((resolve) => {
    const child = spawn(dsi.file, [...dsi.args, ...trainArguments(plan, index), '--json'], {
      env: { ...process.env, ...dsi.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      const result = lastJsonObject(stdout);
      const ok = code === 0 && spawnError === undefined;
      const lastLine = stderr.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== '').pop();
      resolve({
        index,
        point,
        status: ok ? 'finished' : code === 130 || signal === 'SIGINT' ? 'stopped' : 'failed',
        run_id: typeof result?.['run_id'] === 'string' ? result['run_id'] : null,
        exit_code: code,
        result,
        error: ok ? null : (spawnError?.message ?? (signal === null ? undefined : `ended by ${signal}`) ?? lastLine ?? `exit status ${String(code)}`),
        seconds: (performance.now() - started) / 1000,
      });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/**
 * Trains every point of `plan` (already recorded in `ml_sweeps`) as child processes, at most
 * `parallel` at once; resolves with each point's outcome, in plan order.
 *
 * @example
 * const outcomes = await runLocalSweep(plan, { dsi: { file: process.execPath, args: [binDsi], env: { DSI_DB: 'runs.db' } }, parallel: 2 });
 */
export async function runLocalSweep(plan: SweepPlan, options: LocalSweepOptions): Promise<PointOutcome[]> {
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('parallel')} must be a whole number of at least 1, got ${String(options.parallel)}`);
  const total = plan.points.length;
  const outcomes: PointOutcome[] = new Array<PointOutcome>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total && options.signal?.aborted !== true) {
      const index = next++;
      options.onEvent?.({ type: 'start', index, total, point: plan.points[index]! });
      const outcome = await runPoint(plan, index, options.dsi);
      outcomes[index] = outcome;
      options.onEvent?.({ type: 'end', total, outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, total) }, worker));
  for (let i = 0; i < total; i++) {
    outcomes[i] ??= { index: i, point: plan.points[i]!, status: 'skipped', run_id: null, exit_code: null, result: null, error: null, seconds: 0 };
  }
  return outcomes;
}
