/**
 * The loss curves the run pages show, drawn on the server as SVG: one run's losses per epoch
 * (`ml_epochs`) or per step (`ml_steps`), and several runs' curves overlaid in one chart, a series
 * per run and loss. Long step series are thinned to at most {@link MAX_POINTS} points per series
 * (the mean of each run of consecutive steps, placed at its last step), so a run of a million
 * steps draws as fast as one of a thousand. A run with nothing to draw yet gets a placeholder.
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

/** `points` averaged in buckets of consecutive points so that at most `max` remain (each at its bucket's last x). */
export function thin(points: readonly { x: number; y: number }[], max = MAX_POINTS): { x: number; y: number }[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += size) {
    const bucket = points.slice(i, i + size);
    out.push({ x: bucket.at(-1)!.x, y: bucket.reduce((a, p) => a + p.y, 0) / bucket.length });
  }
  return out;
}

async function lossPoints(registry: RunRegistry, runId: string, scale: CurveScale): Promise<LossPoint[]> {
  if (scale === 'epoch') return (await registry.epochs(runId)).map((e) => ({ x: e.epoch, d_loss: e.d_loss, g_loss: e.g_loss, loss: e.loss }));
  return (await registry.steps(runId)).map((s) => ({ x: s.step, d_loss: s.d_loss, g_loss: s.g_loss, loss: s.loss }));
}

/** The series of `losses` (all when undefined) drawn from `points`, named by `name(loss)`; empty ones left out. */
function seriesOf(points: readonly LossPoint[], losses: readonly LossName[], name: (loss: LossName) => string): LineSeries[] {
  return losses
    .map((loss) => ({ name: name(loss), points: thin(points.flatMap((p) => (p[loss] === null || !Number.isFinite(p[loss]) ? [] : [{ x: p.x, y: p[loss]! }]))) }))
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
  for (const id of runIds) {
    await registry.get(id);
    const points = await lossPoints(registry, id, scale);
    series.push(...seriesOf(points, loss === undefined ? LOSSES : [loss], (l) => (runIds.length === 1 ? l : `${shortRunName(id)} ${l}`)));
  }
  const what = runIds.length === 1 ? runIds[0]! : `${runIds.length} runs`;
  if (series.length === 0) return placeholderSvg(scale === 'epoch' ? `no epoch of ${what} has finished yet` : `no step of ${what} is recorded yet`);
  const thinned = scale === 'step' && series.some((s) => s.points.length === MAX_POINTS);
  return linePlotSvg(series, {
    title: `${loss ?? 'Losses'} of ${what} per ${scale}`,
    xLabel: thinned ? 'step (means of consecutive steps)' : scale,
    yLabel: loss ?? 'loss',
    width: 640,
    height: 300,
  });
}
