/**
 * The `table-plot` writer (Python DSI's `Table_Plot`): the numeric columns of one table (or of a
 * query's result) as lines against the row index, or against the column the `x` option names.
 * Units recorded in `dsi_units` label the axes and legend (`speed (m/s)`). Drawn by Vega-Lite
 * (src/plots/render-vega-lite.ts) as `.svg`, or `.png` at twice its size.
 *
 * A column is numeric when every value it holds is a number (NULLs are gaps in its line) and it
 * holds one at least; `x` may be numeric (a quantitative axis) or text (one tick per value, in the
 * rows' order). A table without a numeric column to plot is refused naming its columns; so is an
 * export of more than {@link MAX_POINTS} points, which would make a drawing nobody can read and
 * an SVG of hundreds of megabytes: select fewer rows with a query.
 *
 * @example dsi write wind.png --writer table-plot --table wildfire --x wind_direction
 */
import type { TopLevelSpec } from 'vega-lite';
import { StoreError } from '../errors.js';
import { PLOT_CONFIG, renderVegaLite } from '../plots/render-vega-lite.js';
import type { UnitRow } from '../store/catalog.js';
import type { Cell, Row } from '../store/types.js';
import type { WriteContext, Writer } from '../store/writer.js';
import { guardOutput, imageFormat, writeDrawing } from './image-output.js';
import { checkWriterOptions } from './writer-options.js';

const NAME = 'table-plot';
/** The most points (rows × numeric columns) one plot draws. */
export const MAX_POINTS = 200_000;

const isNumber = (v: Cell): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

/** `column (unit)`, or the column alone when it has no unit. */
function labelled(column: string, units: ReadonlyMap<string, string>): string {
  const unit = units.get(column.toLowerCase());
  return unit === undefined ? column : `${column} (${unit})`;
}

/**
 * The Vega-Lite specification of the plot of `rows` (`columns` in order; `title` above it),
 * `units` by lowercase column name, against the column `x` or the 1-based row index.
 */
export function tablePlotSpec(title: string, columns: readonly string[], rows: readonly Row[], units: ReadonlyMap<string, string>, x?: string): TopLevelSpec {
  const xColumn = x === undefined ? undefined : columns.find((c) => c.toLowerCase() === x.toLowerCase());
  if (x !== undefined && xColumn === undefined) {
    throw new StoreError('E_COLUMN_MISSING', (o) => `the ${NAME} writer's ${o('x')} names "${x}", which ${title} does not have (columns: ${columns.join(', ')})`);
  }
  const numeric = columns.filter((c) => c !== xColumn && rows.some((r) => r[c] !== null) && rows.every((r) => r[c] === null || isNumber(r[c]!)));
  if (numeric.length === 0) {
    throw new StoreError('E_BAD_ARGUMENT', `the ${NAME} writer plots numeric columns; ${title} has none${xColumn === undefined ? '' : ` besides ${xColumn}`} (columns: ${columns.join(', ') || 'none'}; ${rows.length} row${rows.length === 1 ? '' : 's'})`);
  }
  if (rows.length * numeric.length > MAX_POINTS) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `the ${NAME} writer draws at most ${MAX_POINTS.toLocaleString('en')} points; ${title} has ${rows.length} rows × ${numeric.length} numeric columns: give a ${o('query')} that selects fewer`);
  }
  const xNumeric = xColumn === undefined || rows.every((r) => r[xColumn] === null || isNumber(r[xColumn]!));
  const names = numeric.map((c) => labelled(c, units));
  const values: { x: number | string | null; series: string; value: number }[] = [];
  rows.forEach((r, i) => {
    const xv = xColumn === undefined ? i + 1 : r[xColumn]!;
    numeric.forEach((c, k) => {
      const v = r[c];
      if (v === null || v === undefined) return;
      values.push({ x: typeof xv === 'bigint' ? Number(xv) : xv, series: names[k]!, value: Number(v) });
    });
  });
  const xTitle = xColumn === undefined ? 'row' : labelled(xColumn, units);
  const xEncoding = xNumeric
    ? { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false }, ...(xColumn === undefined ? { axis: { tickMinStep: 1, format: 'd' } } : {}) }
    : { field: 'x', type: 'ordinal', title: xTitle, sort: null };
  const mark = { type: 'line', point: rows.length <= 60, strokeWidth: 2 } as const;
  // One panel per column, each with its own y axis titled with its unit: columns of different
  // magnitudes (an area in hectares beside a moisture fraction) stay readable, as they would not
  // on one shared axis.
  const panel = (name: string, index: number, height: number) => ({
    width: 560,
    height,
    transform: [{ filter: { field: 'series', equal: name } }],
    encoding: {
      x: index === names.length - 1 ? xEncoding : { ...xEncoding, title: null },
      y: { field: 'value', type: 'quantitative', title: name, scale: { zero: false } },
      color: { value: PANEL_COLOURS[index % PANEL_COLOURS.length]! },
    },
    mark,
  });
  if (names.length === 1) return { title, config: PLOT_CONFIG, data: { values }, ...panel(names[0]!, 0, 320) } as TopLevelSpec;
  const height = Math.max(90, Math.round(320 / names.length));
  return { title, config: PLOT_CONFIG, data: { values }, spacing: 12, vconcat: names.map((n, i) => panel(n, i, height)) } as TopLevelSpec;
}

/** Tableau's first colours, as the ML plots use: one per panel. */
const PANEL_COLOURS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'] as const;

export const tablePlotWriter: Writer = {
  name: NAME,
  extensions: [],
  description: "a table's numeric columns against the row index or a column, one panel each, units on the axes (.png, .svg)",
  options: { x: 'COLUMN (default: the row index)' },
  async write(file: string, columns: readonly string[], batches: AsyncIterable<Row[]>, context?: WriteContext) {
    checkWriterOptions(tablePlotWriter, context?.options);
    const x = context?.options?.['x'];
    if (x !== undefined && (typeof x !== 'string' || x === '')) throw new StoreError('E_BAD_ARGUMENT', (o) => `the ${NAME} writer's ${o('x')} must be a column name`);
    const format = imageFormat(file, NAME, ['png', 'svg'] as const);
    const guard = guardOutput(file, context);
    const rows: Row[] = [];
    for await (const batch of batches) {
      rows.push(...batch);
      if (rows.length > MAX_POINTS) break; // enough to refuse: no need to read the rest
    }
    const table = context?.table;
    const units = new Map<string, string>();
    if (table !== undefined && context?.units !== undefined) {
      for (const u of (await context.units()) as readonly UnitRow[]) if (u.table.toLowerCase() === table.toLowerCase()) units.set(u.column.toLowerCase(), u.unit);
    }
    const spec = tablePlotSpec(table === undefined ? 'the query' : `table "${table}"`, columns, rows, units, x as string | undefined);
    // The title is the table's name alone; messages say "table …".
    const svg = await renderVegaLite({ ...spec, title: table ?? 'query' } as TopLevelSpec);
    await writeDrawing(file, guard, format, svg, NAME);
    return { rows: rows.length };
  },
};
