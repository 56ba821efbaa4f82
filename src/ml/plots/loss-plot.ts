/**
 * The loss curves of a training run, per epoch: `d_loss` and `g_loss` for a GAN, `loss` for a
 * model trained on a single loss. A curve with no finite value (for example `loss` in a GAN run)
 * is left out.
 *
 * @example
 * const svg = await lossPlotSvg(await registry.epochs(runId), `Losses of ${runId}`);
 * await writePlot(svg, path.join(folder, 'loss.svg'));
 * await writePlot(svg, path.join(folder, 'loss.png'));
 */
import { type LineSeries, linePlotSvg } from './line-plot.js';
import { plotArgumentError, requireNonEmpty } from './plot-arguments.js';

/** One epoch's losses, as the run registry's `ml_epochs` rows hold them (null: not recorded). */
export interface EpochLosses {
  epoch: number;
  d_loss: number | null;
  g_loss: number | null;
  loss?: number | null;
}

/** The curves, in legend order. */
const CURVES = ['d_loss', 'g_loss', 'loss'] as const;

/**
 * An SVG document of the losses of `epochs` against the epoch number. Fails with `E_ML_ARGUMENT`
 * when `epochs` is empty or holds no finite loss.
 */
export async function lossPlotSvg(epochs: readonly EpochLosses[], title: string): Promise<string> {
  const fn = 'lossPlotSvg';
  requireNonEmpty(fn, 'epochs', epochs);
  const series: LineSeries[] = CURVES.map((name) => ({
    name,
    points: epochs.map((e) => ({ x: e.epoch, y: e[name] ?? Number.NaN })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  })).filter((s) => s.points.length > 0);
  if (series.length === 0) throw plotArgumentError(fn, `none of the ${epochs.length} epochs has a finite d_loss, g_loss or loss: there is nothing to plot`);
  return linePlotSvg(series, { title, xLabel: 'epoch', yLabel: 'loss' });
}
