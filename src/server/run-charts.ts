/**
 * The loss curves the run pages show, drawn on the server as SVG: one run's losses per epoch
 * (`ml_epochs`) or per step (`ml_steps`), and several runs' curves overlaid in one chart, a series
 * per run and loss. Long step series are thinned in the store to at most about {@link MAX_POINTS}
 * points per series (the mean of each run of consecutive steps, placed at its last step), so a run
 * of a million steps draws without reading a million rows. A run with nothing to draw yet gets a placeholder.
 */
import { linePlotSvg, RunRegistry, type LineSeries } from '../ml/index.js';
import type { Store } from '../store/store.js';
import { placeholderSvg } from './svg-answer.js';

/** Points per series at most; more steps are averaged in buckets. */
export const MAX_POINTS = 1000;

export const LOSSES = ['d_loss', 'g_loss', 'loss'] as const;
export type LossName = (typeof LOSSES)[number];
export type CurveScale = 'epoch' | 'step';

interface LossPoint {
  readonly x: number;
  readonly d_loss: number | null;
  readonly g_loss: number | null;
  readonly loss: number | null;
}

/** A run id short enough for a legend: `201148-2043` for `gan-20261202-201148-2043`, other ids as they are. */
export function shortRunName(runId: string): string {
  const m = /^[a-z]+-\d{8}-(\d{6}-[0-9a-f]{4})$/.exec(runId);
  return m === null ? runId : m[1]!;
}

const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The run's losses per epoch, or per step; more than {@link MAX_POINTS} steps are averaged in the
 * store, in buckets of consecutive steps (each placed at its last step), so a long run's curve
 * never reads all its rows.
 */
async function lossPoints(registry: RunRegistry, runId: string, scale: CurveScale): Promise<{ points: LossPoint[]; bucket: number }> {
  if (scale === 'epoch') return { points: (await registry.epochs(runId)).map((e) => ({ x: e.epoch, d_loss: e.d_loss, g_loss: e.g_loss, loss: e.loss })), bucket: 1 };
  const store = registry.store;
  if (!(await store.tables()).some((t) => t.toLowerCase() === 'ml_steps')) return { points: [], bucket: 1 };
  const count = Number((await store.query('SELECT count(*) AS n FROM ml_steps WHERE run_id = ?', [runId]))[0]?.['n'] ?? 0);
  if (count <= MAX_POINTS) return { points: (await registry.steps(runId)).map((s) => ({ x: s.step, d_loss: s.d_loss, g_loss: s.g_loss, loss: s.loss })), bucket: 1 };
  const size = Math.ceil(count / MAX_POINTS);
  // (step − 1) less its remainder is a whole multiple of size: the division is exact on every backend.
  const bucket = 'CAST(((step - 1) - ((step - 1) % ?)) / ? AS INTEGER)';
  const rows = await store.query(
    `SELECT max(step) AS x, avg(d_loss) AS d_loss, avg(g_loss) AS g_loss, avg(loss) AS loss FROM ml_steps WHERE run_id = ? GROUP BY ${bucket} ORDER BY x`,
    [runId, size, size],
  );
  return { points: rows.map((r) => ({ x: Number(r['x']), d_loss: orNull(r['d_loss']), g_loss: orNull(r['g_loss']), loss: orNull(r['loss']) })), bucket: size };
}

/** The series of `losses` (all when undefined) drawn from `points`, named by `name(loss)`; empty ones left out. */
function seriesOf(points: readonly LossPoint[], losses: readonly LossName[], name: (loss: LossName) => string): LineSeries[] {
  return losses
    .map((loss) => ({ name: name(loss), points: points.flatMap((p) => (p[loss] === null || !Number.isFinite(p[loss]) ? [] : [{ x: p.x, y: p[loss]! }])) }))
    .filter((s) => s.points.length > 0);
}

/**
 * The losses of each of `runIds` per epoch or per step, as one SVG: a series per run and loss
 * (named `loss` for one run, `RUN loss` for several, with the run's short name), only `loss` when given. The runs must exist
 * (an `E_ML_RUN` error otherwise).
 */
export async function lossCurvesSvg(store: Store, runIds: readonly string[], scale: CurveScale, loss?: LossName): Promise<string> {
  const registry = new RunRegistry(store);
  const series: LineSeries[] = [];
  let bucket = 1;
  for (const id of runIds) {
    await registry.get(id);
    const { points, bucket: size } = await lossPoints(registry, id, scale);
    bucket = Math.max(bucket, size);
    series.push(...seriesOf(points, loss === undefined ? LOSSES : [loss], (l) => (runIds.length === 1 ? l : `${shortRunName(id)} ${l}`)));
  }
  const what = runIds.length === 1 ? runIds[0]! : `${runIds.length} runs`;
  if (series.length === 0) return placeholderSvg(scale === 'epoch' ? `no epoch of ${what} has finished yet` : `no step of ${what} is recorded yet`);
  return linePlotSvg(series, {
    title: `${loss ?? 'Losses'} of ${what} per ${scale}`,
    xLabel: bucket > 1 ? `step (means of ${bucket} consecutive steps)` : scale,
    yLabel: loss ?? 'loss',
    width: 640,
    height: 300,
  });
}
