/**
 * Sweeps as the dashboard shows them: the list (each with how many of its points have a run and
 * how many finished), and one sweep compared point by point: its grid values as columns, each
 * point's run, state, final losses and newest overall evaluations (a surrogate's test MSE, a
 * classifier's accuracy, an emulator's held-out MSE and R²).
 *
 * A point is matched to its run by the run's `sweep_point`; a point no run names yet (a Slurm task
 * not started, a training refused before its run existed) is shown as `pending`. When a point
 * was retried, its newest run is shown.
 */
import { RunRegistry, SweepRegistry, type RunRecord, type SweepRecord } from '../ml/index.js';
import type { Store } from '../store/store.js';
import type { SweepPointView, SweepSummary } from './api-types.js';
import { evaluationRowsOf } from './run-view.js';

export type { SweepPointView, SweepSummary };

function summaryOf(sweep: SweepRecord, runs: readonly RunRecord[]): SweepSummary {
  const own = runs.filter((r) => r.sweep_id === sweep.sweep_id);
  return {
    sweep_id: sweep.sweep_id,
    name: sweep.name,
    launcher: sweep.launcher,
    state: sweep.state,
    job_id: sweep.job_id,
    grid: sweep.grid,
    points: sweep.points.length,
    runs: new Set(own.map((r) => r.sweep_point)).size,
    finished: own.filter((r) => r.state === 'finished').length,
    created_at: sweep.created_at,
  };
}

/** Every sweep, newest first. */
export async function sweepList(store: Store): Promise<SweepSummary[]> {
  const runs = await new RunRegistry(store).list();
  return (await new SweepRegistry(store).list()).map((s) => summaryOf(s, runs));
}

/** One sweep compared point by point (an `E_ML_RUN` 404 when there is no such sweep). */
export async function sweepDetail(store: Store, sweepId: string) {
  const registry = new RunRegistry(store);
  const sweep = await new SweepRegistry(store).get(sweepId);
  const runs = await registry.list();
  // Newest first: the first run naming a point is its newest.
  const byPoint = new Map<number, RunRecord>();
  for (const r of runs) if (r.sweep_id === sweepId && r.sweep_point !== null && !byPoint.has(r.sweep_point)) byPoint.set(r.sweep_point, r);
  const chosen = [...byPoint.values()];
  const evaluations = (await evaluationRowsOf(store, chosen.map((r) => r.run_id))).filter((e) => e['condition'] === null || e['condition'] === undefined);
  const metricNames = [...new Set(evaluations.map((e) => String(e['metric'])))].sort();
  const points: SweepPointView[] = [];
  for (const [i, values] of sweep.points.entries()) {
    const run = byPoint.get(i);
    const last = run === undefined ? undefined : (await registry.epochs(run.run_id)).at(-1);
    const metrics: Record<string, number | null> = {};
    for (const m of metricNames) {
      // Rows are newest first: the first is the newest value.
      const row = run === undefined ? undefined : evaluations.find((e) => e['run_id'] === run.run_id && e['metric'] === m);
      metrics[m] = row === undefined || row['value'] === null ? null : Number(row['value']);
    }
    points.push({
      point: i,
      values,
      run_id: run?.run_id ?? null,
      state: run?.state ?? 'pending',
      epochs_done: run?.epochs_done ?? null,
      final_loss: last?.loss ?? last?.g_loss ?? null,
      final_d_loss: last?.d_loss ?? null,
      metrics,
      error: run?.error ?? null,
    });
  }
  return { sweep: { ...summaryOf(sweep, runs), train_args: sweep.train_args, finished_at: sweep.finished_at }, columns: Object.keys(sweep.grid), metrics: metricNames, points };
}
