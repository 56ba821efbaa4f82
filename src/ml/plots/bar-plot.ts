/**
 * Bar charts: one bar per label (a metric per condition, per class, per run), in the order given,
 * with an optional error bar of ± `error` around each value. Bars whose value is not finite are
 * left out; an `error` that is missing or not finite draws no error bar.
 *
 * @example
 * const svg = await barPlotSvg(
 *   [{ label: 'T=300', value: 0.12, error: 0.01 }, { label: 'T=400', value: 0.18, error: 0.02 }],
 *   { title: 'FID by temperature', xLabel: 'condition', yLabel: 'FID' },
 * );
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LinePlotOptions } from './line-plot.js';
import { isDrawable, plotArgumentError, requirePlotInput, requireText } from './plot-arguments.js';
import { PLOT_CONFIG, renderVegaLite } from './render-vega-lite.js';

export interface Bar {
  /** The bar's label on the x axis; unique within a chart. */
  label: string;
  value: number;
  /** Half the length of the error bar (a standard deviation, a standard error); at least 0. */
  error?: number;
}

export type BarPlotOptions = Pick<LinePlotOptions, 'title' | 'xLabel' | 'yLabel'>;

/** Width of one bar's band in pixels. */
const BAND = 40;

/**
 * An SVG document of `bars`. Fails with `E_ML_ARGUMENT` when there is no bar with a finite value,
 * when two bars share a label, or when an error is negative.
 */
export async function barPlotSvg(bars: readonly Bar[], options: BarPlotOptions): Promise<string> {
  return renderVegaLite(barPlotSpec(bars, options, 'barPlotSvg'));
}

/** The Vega-Lite specification {@link barPlotSvg} draws (for viewers that render Vega-Lite themselves). */
export function barPlotSpec(bars: readonly Bar[], options: BarPlotOptions, fn = 'barPlotSpec'): TopLevelSpec {
  const { title, xLabel } = requirePlotInput(fn, 'bars', bars, options);
  const yLabel = requireText(fn, 'options.yLabel', options.yLabel);

  const seen = new Set<string>();
  const rows: { label: string; value: number; error: number | null }[] = [];
  bars.forEach((b, i) => {
    if (typeof b !== 'object' || b === null) throw plotArgumentError(fn, `bars[${i}] must be { label, value, error? }`, b);
    const label = requireText(fn, `bars[${i}].label`, b.label);
    if (seen.has(label)) throw plotArgumentError(fn, `bars[${i}].label ${JSON.stringify(label)} is already the label of another bar`);
    seen.add(label);
    if (b.error !== undefined && typeof b.error !== 'number') throw plotArgumentError(fn, `bars[${i}].error must be a number`, b.error);
    if (typeof b.error === 'number' && b.error < 0) throw plotArgumentError(fn, `bars[${i}].error must be at least 0 (it is half the error bar)`, b.error);
    if (!isDrawable(b.value)) return;
    rows.push({ label, value: b.value, error: isDrawable(b.error) ? b.error : null });
  });
  if (rows.length === 0) throw plotArgumentError(fn, `none of the ${bars.length} bars has a finite value: there is nothing to plot`);

  const labels = rows.map((r) => r.label);
  // Short labels read upright; longer ones slant so that neighbours do not overlap.
  const labelAngle = labels.every((l) => l.length <= 5) ? 0 : -45;
  const x = { field: 'label', type: 'nominal', title: xLabel, scale: { domain: labels }, sort: null, axis: { labelAngle } } as const;
  const spec: TopLevelSpec = {
    title,
    width: Math.max(200, BAND * rows.length),
    height: 300,
    config: PLOT_CONFIG,
    data: { values: rows },
    layer: [
      { mark: { type: 'bar' }, encoding: { x, y: { field: 'value', type: 'quantitative', title: yLabel } } },
      {
        transform: [{ filter: 'isValid(datum.error)' }, { calculate: 'datum.value - datum.error', as: 'low' }, { calculate: 'datum.value + datum.error', as: 'high' }],
        mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
    ],
  };
  return spec;
}
