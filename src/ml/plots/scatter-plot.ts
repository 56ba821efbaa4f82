/**
 * Scatter plots: one dot per point, one colour per series, over shared axes (the error of each
 * validation point against its distance to the nearest training point, for the model and for the
 * baseline). Points whose x or y is not finite are left out; a series with none is left out.
 * Series keep the order and colours they are given in.
 *
 * @example
 * const svg = await scatterPlotSvg(
 *   [{ name: 'model', points: [{ x: 0.1, y: 0.002 }] }, { name: 'baseline', points: [{ x: 0.1, y: 0.01 }] }],
 *   { title: 'Error against distance', xLabel: 'distance', yLabel: 'MSE' },
 * );
 * await writePlot(svg, 'error.png');
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LinePlotOptions, LineSeries } from './line-plot.js';
import { isDrawable, optionalInteger, plotArgumentError, requirePlotInput, requireText } from './plot-arguments.js';
import { PLOT_CONFIG, renderVegaLite } from './render-vega-lite.js';

/** A named set of points (the same shape as a line plot's series). */
export type ScatterSeries = LineSeries;
export type ScatterPlotOptions = LinePlotOptions;

/**
 * An SVG document of `series` as dots. Fails with `E_ML_ARGUMENT` when there is no series, no
 * drawable point in any of them, or when two series share a name.
 */
export async function scatterPlotSvg(series: readonly ScatterSeries[], options: ScatterPlotOptions): Promise<string> {
  return renderVegaLite(scatterPlotSpec(series, options, 'scatterPlotSvg'));
}

/** The Vega-Lite specification {@link scatterPlotSvg} draws (for viewers that render Vega-Lite themselves). */
export function scatterPlotSpec(series: readonly ScatterSeries[], options: ScatterPlotOptions, fn = 'scatterPlotSpec'): TopLevelSpec {
  const { title, xLabel } = requirePlotInput(fn, 'series', series, options);
  const yLabel = requireText(fn, 'options.yLabel', options.yLabel);
  const width = optionalInteger(fn, 'options.width', options.width, 480, 50, 8000);
  const height = optionalInteger(fn, 'options.height', options.height, 300, 50, 8000);

  const names: string[] = [];
  const rows: { series: string; x: number; y: number }[] = [];
  series.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) throw plotArgumentError(fn, `series[${i}] must be { name, points }`, s);
    const name = requireText(fn, `series[${i}].name`, s.name);
    if (names.includes(name)) throw plotArgumentError(fn, `series[${i}].name ${JSON.stringify(name)} is already the name of another series`);
    if (!Array.isArray(s.points)) throw plotArgumentError(fn, `series[${i}].points must be an array of { x, y }`, s.points);
    const drawable = s.points.filter((p) => p !== null && typeof p === 'object' && isDrawable(p.x) && isDrawable(p.y));
    if (drawable.length === 0) return;
    names.push(name);
    for (const p of drawable) rows.push({ series: name, x: p.x, y: p.y });
  });
  if (rows.length === 0) throw plotArgumentError(fn, 'no series has a point with finite x and y: there is nothing to plot');

  return {
    title,
    width,
    height,
    config: PLOT_CONFIG,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xLabel, scale: { zero: true } },
      y: { field: 'y', type: 'quantitative', title: yLabel, scale: { zero: true } },
      color: { field: 'series', type: 'nominal', scale: { domain: names }, sort: null, legend: { title: null, labelLimit: 400 } },
      shape: { field: 'series', type: 'nominal', scale: { domain: names }, sort: null, legend: { title: null, labelLimit: 400 } },
    },
  };
}
