/**
 * A grid of small images large enough to judge, with a label beside each row: the picture of an
 * epoch (one row per condition value) and the contact sheet of a prediction call (one row per
 * combination). Every image is scaled up by a whole factor with nearest-neighbour sampling (each
 * pixel becomes a `scale` × `scale` block, so nothing is smoothed or invented), cells are
 * separated by a thin gap of background, and labels are drawn in a margin on the left.
 *
 * Text is drawn by librsvg (through sharp) from an SVG of `<text>` elements laid over the grid, in
 * the generic `monospace` family, so it renders wherever fontconfig has any font (Debian's
 * `fonts-dejavu-core` is enough). A monospace font makes the margin's width predictable from the
 * label's length without measuring text.
 *
 * Guarantees: the output is PNG bytes, grey for one channel and RGB for three; its size is a
 * function of the shape and options only (see {@link labelledGridSize}); a grid without labels
 * has no margin. The same input gives the same bytes.
 *
 * @example
 * const png = await labelledGridPng(pixels, { count: 30, channels: 1, height: 28, width: 28 }, {
 *   columns: 10, scale: 4, rows: [{ label: 'label = 0', count: 10 }, { label: 'label = 1', count: 10 }, { label: 'label = 2', count: 10 }],
 * });
 */
import { StoreError } from '../errors.js';
import type { ImageGridShape } from './image-grid.js';

/** A labelled group of consecutive images: `count` of them, in lines of `columns`, the label beside the first line. */
export interface LabelledRow {
  /** Written beside the group's first line; empty or absent for none. */
  readonly label?: string;
  readonly count: number;
}

export interface LabelledGridOptions {
  /** Images per line. */
  readonly columns: number;
  /** Output pixels per image pixel, a whole number from 1 to 64 (default 4). */
  readonly scale?: number;
  /** Output pixels between neighbouring cells (default 2). */
  readonly gap?: number;
  /**
   * The images' grouping into labelled rows, in order; the counts add up to `shape.count`. A group
   * longer than `columns` wraps onto several lines. Absent: the images fill lines of `columns`, unlabelled.
   */
  readonly rows?: readonly LabelledRow[];
  /** The 0..255 value of the gaps, the margin and empty cells, in every channel (default 255: white). */
  readonly background?: number;
  /** Headings over the columns, in order (at most `columns`), in a band above the first line; absent: no band. */
  readonly columnLabels?: readonly string[];
}

/** Where things go in a labelled grid, in output pixels. */
export interface LabelledGridLayout {
  readonly width: number;
  readonly height: number;
  /** Width of the label margin (0 without labels). */
  readonly margin: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly fontSize: number;
  /** Top and left of every image's cell, in input order. */
  readonly cells: readonly { readonly top: number; readonly left: number }[];
  /** Every non-empty label with the top of its group's first line. */
  readonly labels: readonly { readonly text: string; readonly top: number }[];
  /** Height of the band of column headings (0 without them). */
  readonly header: number;
  /** Every column heading with the left edge of its column. */
  readonly headings: readonly { readonly text: string; readonly left: number }[];
}

/** The largest side, in pixels, of a grid this module draws. */
const MAX_SIDE = 32768;
/** Labels longer than this are cut, ending in an ellipsis. */
const MAX_LABEL = 100;
/** Advance of one monospace character per pixel of font size (DejaVu Sans Mono's is 0.602). */
const MONO_ADVANCE = 0.62;

function badArgument(what: string, got: unknown): StoreError {
  return new StoreError('E_BAD_ARGUMENT', `labelledGridPng: ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badArgument(`${name} must be a whole number from ${min} to ${max}`, value);
  }
  return value;
}

function clipLabel(text: string): string {
  return text.length <= MAX_LABEL ? text : `${text.slice(0, MAX_LABEL - 1)}…`;
}

/**
 * The layout {@link labelledGridPng} draws, without drawing it: sizes, where every cell goes, where
 * every label goes. Fails with `E_BAD_ARGUMENT` like {@link labelledGridPng}.
 */
export function labelledGridSize(shape: ImageGridShape, options: LabelledGridOptions): LabelledGridLayout {
  if (typeof shape !== 'object' || shape === null) throw badArgument('shape must be { count, channels, height, width }', shape);
  if (typeof options !== 'object' || options === null) throw badArgument('options must be { columns, scale?, gap?, rows?, background? }', options);
  const count = wholeNumber('shape.count', shape.count, 1, 2 ** 31);
  const height = wholeNumber('shape.height', shape.height, 1, MAX_SIDE);
  const width = wholeNumber('shape.width', shape.width, 1, MAX_SIDE);
  if (shape.channels !== 1 && shape.channels !== 3) throw badArgument('shape.channels must be 1 or 3', shape.channels);
  const columns = wholeNumber('options.columns', options.columns, 1, MAX_SIDE);
  const scale = options.scale === undefined ? 4 : wholeNumber('options.scale', options.scale, 1, 64);
  const gap = options.gap === undefined ? 2 : wholeNumber('options.gap', options.gap, 0, 1024);
  if (options.background !== undefined) wholeNumber('options.background', options.background, 0, 255);
  const rows: readonly LabelledRow[] = options.rows ?? [{ count }];
  if (!Array.isArray(rows) || rows.length === 0) throw badArgument('options.rows must be a non-empty array of { label?, count }', options.rows);
  let total = 0;
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) throw badArgument(`options.rows[${i}] must be { label?, count }`, r);
    total += wholeNumber(`options.rows[${i}].count`, r.count, 1, 2 ** 31);
    if (r.label !== undefined && typeof r.label !== 'string') throw badArgument(`options.rows[${i}].label must be a string`, r.label);
  });
  if (total !== count) throw new StoreError('E_BAD_ARGUMENT', `labelledGridPng: options.rows hold ${total} images in all, but shape.count is ${count}`);
  const columnLabels = options.columnLabels ?? [];
  if (!Array.isArray(columnLabels) || columnLabels.length > columns || columnLabels.some((l) => typeof l !== 'string')) {
    throw badArgument(`options.columnLabels must be at most ${columns} strings`, options.columnLabels);
  }

  const cellWidth = width * scale;
  const cellHeight = height * scale;
  const texts = rows.map((r) => clipLabel(r.label ?? ''));
  const longest = Math.max(...texts.map((t) => t.length));
  // A size readable beside the cell without dwarfing it: a sixth of the cell, 12 to 28 pixels.
  const fontSize = Math.min(28, Math.max(12, Math.round(cellHeight / 6)));
  const pad = Math.round(fontSize / 2);
  const margin = longest === 0 ? 0 : Math.ceil(longest * fontSize * MONO_ADVANCE) + 2 * pad;
  const wraps = rows.some((r) => r.count > columns);
  // Groups that wrap are told apart by a wider gap between them than between their own lines.
  const groupGap = wraps ? gap * 4 : gap;
  const usedColumns = Math.min(columns, Math.max(...rows.map((r) => r.count)));

  const cells: { top: number; left: number }[] = [];
  const labels: { text: string; top: number }[] = [];
  const header = columnLabels.length === 0 ? 0 : 2 * fontSize;
  const headings = columnLabels.map((text, k) => ({ text: clipLabel(text), left: margin + k * (cellWidth + gap) }));
  let top = header;
  rows.forEach((r, i) => {
    if (i > 0) top += groupGap;
    if (texts[i] !== '') labels.push({ text: texts[i]!, top });
    for (let k = 0; k < r.count; k++) {
      const line = Math.floor(k / columns);
      cells.push({ top: top + line * (cellHeight + gap), left: margin + (k % columns) * (cellWidth + gap) });
    }
    const lines = Math.ceil(r.count / columns);
    top += lines * cellHeight + (lines - 1) * gap;
  });
  const gridWidth = margin + usedColumns * cellWidth + (usedColumns - 1) * gap;
  if (gridWidth > MAX_SIDE || top > MAX_SIDE) {
    throw new StoreError('E_BAD_ARGUMENT', `labelledGridPng: the grid would be ${gridWidth} × ${top} pixels; each side can be at most ${MAX_SIDE}`);
  }
  return { width: gridWidth, height: top, margin, cellWidth, cellHeight, fontSize, cells, labels, header, headings };
}

/** sharp, loaded on first use (it brings libvips' threads). */
let sharpModule: Promise<typeof import('sharp')> | undefined;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The labels as an SVG the size of the grid: dark text on a transparent background. */
function labelSvg(layout: LabelledGridLayout): string {
  const pad = Math.round(layout.fontSize / 2);
  // The baseline sits about a third of the font size below the middle of the first line.
  const texts = layout.labels.map(
    (l) => `<text x="${pad}" y="${Math.round(l.top + layout.cellHeight / 2 + layout.fontSize * 0.35)}">${escapeXml(l.text)}</text>`,
  );
  // Headings centred over their columns, on the band's middle.
  for (const h of layout.headings) {
    texts.push(`<text x="${Math.round(h.left + layout.cellWidth / 2)}" y="${Math.round(layout.header / 2 + layout.fontSize * 0.35)}" text-anchor="middle">${escapeXml(h.text)}</text>`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">` +
    `<g font-family="monospace" font-size="${layout.fontSize}" fill="#111111">${texts.join('')}</g></svg>`
  );
}

/**
 * Draw the `shape.count` planar images of `pixels` (N × C × H × W, uint8) as one PNG: each scaled
 * by `scale`, in lines of `columns`, grouped into `rows` with their labels in a left margin.
 * Fails with `E_BAD_ARGUMENT` when `pixels` does not hold exactly count · channels · height ·
 * width bytes, an option is out of range, the rows' counts do not add up to the count, or a side
 * would pass 32768 pixels.
 */
export async function labelledGridPng(pixels: Uint8Array, shape: ImageGridShape, options: LabelledGridOptions): Promise<Uint8Array> {
  if (!(pixels instanceof Uint8Array)) throw badArgument('pixels must be a Uint8Array', typeof pixels);
  const layout = labelledGridSize(shape, options);
  const { count, channels, height, width } = shape;
  const plane = height * width;
  if (pixels.length !== count * channels * plane) {
    throw new StoreError(
      'E_BAD_ARGUMENT',
      `labelledGridPng: pixels holds ${pixels.length} bytes, but ${count} images of ${channels} × ${height} × ${width} take ${count * channels * plane}`,
    );
  }
  const scale = layout.cellWidth / width;
  const out = Buffer.alloc(layout.width * layout.height * channels, options.background ?? 255);
  // Interleaved output: planar channel c of image pixel (y, x) fills the block at (top + y·s, left + x·s).
  const line = new Uint8Array(layout.cellWidth * channels);
  for (let n = 0; n < count; n++) {
    const { top, left } = layout.cells[n]!;
    const image = n * channels * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const v = pixels[image + c * plane + y * width + x]!;
          for (let d = 0; d < scale; d++) line[(x * scale + d) * channels + c] = v;
        }
      }
      for (let d = 0; d < scale; d++) out.set(line, ((top + y * scale + d) * layout.width + left) * channels);
    }
  }

  const { default: sharp } = await (sharpModule ??= import('sharp'));
  let image = sharp(out, { raw: { width: layout.width, height: layout.height, channels } });
  if (layout.labels.length > 0 || layout.headings.length > 0) image = image.composite([{ input: Buffer.from(labelSvg(layout), 'utf8'), top: 0, left: 0 }]);
  image = channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
  return new Uint8Array(await image.removeAlpha().png().toBuffer());
}

/**
 * A row label from name–value pairs: `label = 3`, `temperature = 0.25, material = steel`. Numbers
 * are written with at most 4 significant digits (0.333333 → 0.3333, 12345.6 → 12346); whole
 * numbers as they are.
 *
 * @example assignmentLabel([['label', 3]]) // 'label = 3'
 */
export function assignmentLabel(pairs: readonly (readonly [string, unknown])[]): string {
  return pairs.map(([name, value]) => `${name} = ${formatValue(value)}`).join(', ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return Math.abs(value) >= 1e4 ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
  }
  return value === null ? 'null' : String(value);
}
