/**
 * SHAP values as bars, the way every front end shows them: the {@link MAX_SHAP_BARS} largest
 * values by magnitude, the rest summed into one bar, so the bars still add up to Σ values =
 * prediction − base value. The title gives the base value and the prediction; the base value is
 * not a bar, because it is usually far larger than any value and would flatten them all.
 *
 * @example
 * const svg = await barPlotSvg(shapBars(values), { title: shapTitle(base, prediction), xLabel: 'feature', yLabel: 'SHAP value' });
 */
import type { Bar } from './bar-plot.js';

/** Bars drawn at most besides the base value; the rest are summed into one. */
export const MAX_SHAP_BARS = 20;

/** The bars of an explanation's `values` (in any order), largest magnitude first. */
export function shapBars(values: readonly { feature: string; value: number }[], max = MAX_SHAP_BARS): Bar[] {
  const sorted = [...values].sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.feature.localeCompare(b.feature));
  const shown = sorted.slice(0, max);
  const rest = sorted.slice(max);
  const bars: Bar[] = shown.map((v) => ({ label: v.feature, value: v.value }));
  if (rest.length > 0) bars.push({ label: `(${rest.length} others)`, value: rest.reduce((a, v) => a + v.value, 0) });
  return bars;
}

/** `SHAP values: BASE (base) + Σ = PREDICTION (prediction)`, to four significant digits. */
export function shapTitle(base: number, prediction: number): string {
  const p = (x: number): string => String(Number(x.toPrecision(4)));
  return `SHAP values: ${p(base)} (base) + Σ = ${p(prediction)} (prediction)`;
}
