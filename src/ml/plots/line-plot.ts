/**
 * Line plots: one line per series over a shared x axis (metrics per epoch, loss curves), drawn by
 * Vega-Lite. Points whose x or y is not finite (NaN, ±Infinity) are left out; a series with a
 * single drawable point gets a dot, as a line through one point draws nothing; a series with none
 * is left out. Series keep the order and colours they are given in.
 *
 * @example
 * const svg = await linePlotSvg(
 *   [{ name: 'accuracy', points: [{ x: 1, y: 0.8 }, { x: 2, y: 0.9 }] }],
 *   { title: 'Validation', xLabel: 'epoch', yLabel: 'accuracy' },
 * );
 * await writePlot(svg, 'accuracy.png');
 */
import type { TopLevelSpec } from 'vega-lite';
import { isDrawable, optionalInteger, plotArgumentError, requirePlotInput, requireText } from './plot-arguments.js';
import { PLOT_CONFIG, renderVegaLite } from './render-vega-lite.js';

export interface LineSeries {
  /** The name in the legend; unique within a plot. */
  name: string;
  points: { x: number; y: number }[];
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Width of the plotting area in pixels (default 480); axes, title and legend come on top. */
  width?: number;
  /** Height of the plotting area in pixels (default 300). */
  height?: number;
}

/**
 * An SVG document of `series` as lines. Fails with `E_ML_ARGUMENT` when there is no series, no
 * drawable point in any of them, or when two series share a name. When every x is a whole number
 * (epochs, steps) the x axis ticks are whole numbers too.
 */
export async function linePlotSvg(series: readonly LineSeries[], options: LinePlotOptions): Promise<string> {
  return renderVegaLite(linePlotSpec(series, options, 'linePlotSvg'));
}

/** The Vega-Lite specification {@link linePlotSvg} draws (for viewers that render Vega-Lite themselves). */
export function linePlotSpec(series: readonly LineSeries[], options: LinePlotOptions, fn = 'linePlotSpec'): TopLevelSpec {
  const { title, xLabel } = requirePlotInput(fn, 'series', series, options);
  const yLabel = requireText(fn, 'options.yLabel', options.yLabel);
  const width = optionalInteger(fn, 'options.width', options.width, 480, 50, 8000);
  const height = optionalInteger(fn, 'options.height', options.height, 300, 50, 8000);

  const names: string[] = [];
  // One data row per point: `alone` marks the only point of its series.
  const rows: { series: string; x: number; y: number; alone: boolean }[] = [];
  series.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) throw plotArgumentError(fn, `series[${i}] must be { name, points }`, s);
    const name = requireText(fn, `series[${i}].name`, s.name);
    if (names.includes(name)) throw plotArgumentError(fn, `series[${i}].name ${JSON.stringify(name)} is already the name of another series`);
    if (!Array.isArray(s.points)) throw plotArgumentError(fn, `series[${i}].points must be an array of { x, y }`, s.points);
    const drawable = s.points.filter((p) => p !== null && typeof p === 'object' && isDrawable(p.x) && isDrawable(p.y));
    if (drawable.length === 0) return;
    names.push(name);
    for (const p of drawable) rows.push({ series: name, x: p.x, y: p.y, alone: drawable.length === 1 });
  });
  if (rows.length === 0) throw plotArgumentError(fn, 'no series has a point with finite x and y: there is nothing to plot');

  const wholeX = rows.every((r) => Number.isInteger(r.x));
  const spec: TopLevelSpec = {
    title,
    width,
    height,
    config: PLOT_CONFIG,
    data: { values: rows },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xLabel, scale: { zero: false }, axis: wholeX ? { tickMinStep: 1, format: 'd' } : {} },
      y: { field: 'y', type: 'quantitative', title: yLabel, scale: { zero: false } },
      // The series' own order: Vega-Lite would sort the names otherwise.
      color: { field: 'series', type: 'nominal', scale: { domain: names }, sort: null, legend: { title: null, symbolType: 'stroke', symbolStrokeWidth: 2 } },
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { order: { field: 'x', type: 'quantitative' } } },
      { transform: [{ filter: 'datum.alone' }], mark: { type: 'point', filled: true, size: 60 } },
    ],
  };
  return spec;
}
