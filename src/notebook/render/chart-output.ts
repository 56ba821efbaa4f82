/**
 * A chart as a notebook shows it: its Vega-Lite specification (data inline), the same chart drawn
 * as PNG for viewers that do not render Vega-Lite, and its data as a text table.
 */
import type { TopLevelSpec } from 'vega-lite';
import { PNG_SCALE, renderVegaLite, svgToPng } from '../../ml/index.js';
import { textTable } from '../../text-table.js';
import type { Output } from '../rendering.js';

/** `spec` with its PNG; `rows` is the chart's data as the text output lists it. */
export async function chartOutput(spec: TopLevelSpec, rows: readonly object[], title: string): Promise<Output> {
  const png = await svgToPng(await renderVegaLite(spec), title);
  // A PNG's width and height are the big-endian words at bytes 16 and 20 (its IHDR chunk).
  const pngSize = { width: Math.round(png.readUInt32BE(16) / PNG_SCALE), height: Math.round(png.readUInt32BE(20) / PNG_SCALE) };
  return { text: `${title}\n${textTable(rows)}`, vegaLite: spec, png, pngSize };
}
