/**
 * Histograms: the count of values in each of `bins` equal-width bins spanning the values' range
 * (as numpy's and matplotlib's `hist(values, bins)`; default 10 like theirs), binned by
 * Vega-Lite's `bin` transform. The maximum falls in the last bin. Values that are not finite are
 * left out; empty bins draw no bar.
 *
 * @example
 * const svg = await histogramSvg(scores, { title: 'Discriminator scores', xLabel: 'D(x)', bins: 20 });
 */
import type { TopLevelSpec } from 'vega-lite';
import { optionalInteger, plotArgumentError, requirePlotInput } from './plot-arguments.js';
import { PLOT_CONFIG, renderVegaLite } from './render-vega-lite.js';

export interface HistogramOptions {
  title: string;
  xLabel: string;
  /** Number of equal-width bins (default 10). */
  bins?: number;
}

/**
 * An SVG document of the histogram of `values` (a plain or typed array). Fails with
 * `E_ML_ARGUMENT` when `values` is empty or holds no finite value.
 */
export async function histogramSvg(values: readonly number[] | Float32Array | Float64Array, options: HistogramOptions): Promise<string> {
  const fn = 'histogramSvg';
  const { title, xLabel } = requirePlotInput(fn, 'values', values, options);
  const bins = optionalInteger(fn, 'options.bins', options.bins, 10, 1, 1000);

  const rows: { v: number }[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    rows.push({ v });
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (rows.length === 0) throw plotArgumentError(fn, `none of the ${values.length} values is finite: there is nothing to plot`);
  // All values equal: one unit-wide range around them, so the bins have a width.
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  // Vega counts the bins as ceil(span / step): widen the step by a hair so that rounding in
  // span / bins cannot make one more.
  const step = ((max - min) / bins) * (1 + 1e-9);
  const spec: TopLevelSpec = {
    title,
    width: 480,
    height: 300,
    config: PLOT_CONFIG,
    data: { values: rows },
    mark: { type: 'bar', binSpacing: 1 },
    encoding: {
      x: { field: 'v', type: 'quantitative', title: xLabel, bin: { extent: [min, max], step, nice: false } },
      y: { aggregate: 'count', type: 'quantitative', title: 'count' },
    },
  };
  return renderVegaLite(spec);
}
