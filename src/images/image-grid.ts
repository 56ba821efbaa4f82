/**
 * Many small images as one picture: tiles laid out row by row, left to right, as torchvision's
 * `make_grid` lays them out (but with padding only between tiles, not around them). Input is
 * planar 8-bit (N × C × H × W, as `loadImages` and a generator give them); output is PNG bytes,
 * grey for one channel and RGB for three.
 *
 * @example
 * const png = imageGridPng(pixels, { count: 100, channels: 1, height: 28, width: 28 }, { columns: 10 });
 * fs.writeFileSync('samples.png', png); // 10 × 10 tiles: 298 × 298 pixels
 */
import { StoreError } from '../errors.js';
import { encodePng } from './png-codec.js';

export interface ImageGridShape {
  readonly count: number;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

export interface ImageGridOptions {
  /** Tiles per row; a grid of fewer images than this is as wide as its images. */
  readonly columns: number;
  /** Pixels between neighbouring tiles (default 2). */
  readonly padding?: number;
  /** The 0..255 value of the padding and of empty cells, in every channel (default 0: black). */
  readonly background?: number;
}

/** The largest grid side, in pixels (PNG allows more; nothing this module draws needs it). */
const MAX_SIDE = 32768;

function badArgument(what: string, got: unknown): StoreError {
  return new StoreError('E_BAD_ARGUMENT', `imageGridPng: ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badArgument(`${name} must be a whole number from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * Tile the `shape.count` images of `pixels` into one PNG: `min(columns, count)` tiles per row, as
 * many rows as needed; the last row's empty cells stay `background`. Fails with
 * `E_BAD_ARGUMENT` when `pixels` does not hold exactly count · channels · height · width bytes or
 * an option is out of range.
 */
export function imageGridPng(pixels: Uint8Array, shape: ImageGridShape, options: ImageGridOptions): Uint8Array {
  if (!(pixels instanceof Uint8Array)) throw badArgument('pixels must be a Uint8Array', typeof pixels);
  if (typeof shape !== 'object' || shape === null) throw badArgument('shape must be { count, channels, height, width }', shape);
  if (typeof options !== 'object' || options === null) throw badArgument('options must be { columns, padding?, background? }', options);
  const count = wholeNumber('shape.count', shape.count, 1, 2 ** 31);
  const height = wholeNumber('shape.height', shape.height, 1, MAX_SIDE);
  const width = wholeNumber('shape.width', shape.width, 1, MAX_SIDE);
  const channels = shape.channels;
  if (channels !== 1 && channels !== 3) throw badArgument('shape.channels must be 1 or 3', channels);
  const plane = height * width;
  if (pixels.length !== count * channels * plane) {
    throw new StoreError(
      'E_BAD_ARGUMENT',
      `imageGridPng: pixels holds ${pixels.length} bytes, but ${count} images of ${channels} × ${height} × ${width} take ${count * channels * plane}`,
    );
  }
  const columns = Math.min(wholeNumber('options.columns', options.columns, 1, MAX_SIDE), count);
  const padding = options.padding === undefined ? 2 : wholeNumber('options.padding', options.padding, 0, 1024);
  const background = options.background === undefined ? 0 : wholeNumber('options.background', options.background, 0, 255);
  const rows = Math.ceil(count / columns);
  const gridWidth = columns * width + (columns - 1) * padding;
  const gridHeight = rows * height + (rows - 1) * padding;
  if (gridWidth > MAX_SIDE || gridHeight > MAX_SIDE) {
    throw new StoreError('E_BAD_ARGUMENT', `imageGridPng: the grid would be ${gridWidth} × ${gridHeight} pixels; each side can be at most ${MAX_SIDE}`);
  }

  // Interleaved output (PNG's layout): planar channel c of pixel (y, x) goes to (y · W + x) · C + c.
  const out = new Uint8Array(gridWidth * gridHeight * channels).fill(background);
  for (let n = 0; n < count; n++) {
    const top = Math.floor(n / columns) * (height + padding);
    const left = (n % columns) * (width + padding);
    const image = n * channels * plane;
    for (let c = 0; c < channels; c++) {
      const source = image + c * plane;
      for (let y = 0; y < height; y++) {
        let o = ((top + y) * gridWidth + left) * channels + c;
        const row = source + y * width;
        if (channels === 1) out.set(pixels.subarray(row, row + width), o);
        else for (let x = 0; x < width; x++, o += channels) out[o] = pixels[row + x]!;
      }
    }
  }
  return encodePng({ width: gridWidth, height: gridHeight, channels, data: out });
}
