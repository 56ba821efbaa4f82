/**
 * A Vega-Lite specification to SVG, headless: Vega-Lite compiles it to a Vega specification, and a
 * Vega `View` with the `none` renderer draws it as an SVG string. No canvas and no browser are
 * involved; Vega measures text by an estimate of each character's width, which is close for the
 * sans-serif fonts librsvg then draws with (svg-to-png.ts).
 *
 * Vega and Vega-Lite load on first use: they are large, and most commands draw no plot.
 *
 * @example
 * const svg = await renderVegaLite({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { … } });
 */
import type { TopLevelSpec } from 'vega-lite';

let modules: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/** Settings every plot shares: a white background, so a PNG of it reads on dark viewers too. */
export const PLOT_CONFIG = { background: 'white', font: 'sans-serif', title: { fontSize: 14 }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } } as const;

/** Render `spec` as an SVG document (a string starting with `<svg`). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await (modules ??= Promise.all([import('vega'), import('vega-lite')]));
  // Warnings (for example about a scale that cannot be zero-based) are not the caller's business.
  const quiet = vega.logger(vega.Error);
  const compiled = vegaLite.compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
