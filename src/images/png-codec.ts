/**
 * PNG through pngjs, synchronously: for small images (MNIST's 28 × 28) it is 10–20× faster than a
 * call into sharp, whose fixed cost per image is close to a millisecond (measured in
 * docs/images.md), and the store decodes tens of thousands of them.
 *
 * pngjs hands every image over as 8-bit RGBA (16-bit RGBA with `skipRescale`); `decodePng` turns
 * that back into the samples the file holds (grey, grey + alpha, RGB, RGBA) at the file's depth.
 *
 * Before pngjs sees a byte, the chunks are walked (a file that ends inside a chunk or before IEND
 * is truncated), the header's size is checked against the pixel limit (pixel-limit.ts), and the
 * image data is inflated once to check it holds every row the header declares: pngjs would fill
 * missing rows with zeros, turning a truncated file into a black image. That check costs one
 * extra inflate, a few microseconds for MNIST's 28 × 28.
 */
import zlib from 'node:zlib';
import pngjs from 'pngjs';
import { StoreError, badInput } from '../errors.js';
import type { DecodedImage, SampleCount } from './decoded-image.js';
import { type DecodeOptions, checkPixelLimit, pixelLimit } from './pixel-limit.js';

const { PNG } = pngjs;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Samples per pixel by PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const SAMPLES_BY_COLOR_TYPE: Readonly<Record<number, SampleCount>> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Samples per pixel in the file's own rows (a palette index is one sample). */
const ROW_SAMPLES_BY_COLOR_TYPE: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's passes: x start, y start, x step, y step. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

/** What a PNG's header declares, read without decoding anything. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

/**
 * Read the header (IHDR) of a PNG and check its size against the pixel limit, without decoding.
 *
 * @example readPngHeader(bytes, 'a.png', { maxPixels: 1e6 }) // { width, height, depth, colorType, interlaced }
 */
export function readPngHeader(bytes: Uint8Array, file: string, options: DecodeOptions = {}): PngHeader {
  if (!isPng(bytes)) throw badInput(file, undefined, 'not a PNG file (its signature is missing)');
  if (bytes.length < 33) throw badInput(file, undefined, 'corrupt PNG: truncated before the end of its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw badInput(file, undefined, 'corrupt PNG: its first chunk is not IHDR');
  const width = view.getUint32(16, false);
  const height = view.getUint32(20, false);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw badInput(file, undefined, `corrupt PNG: its header declares ${width} × ${height} pixels`);
  }
  checkPixelLimit(width, height, file, pixelLimit(options.maxPixels, 'decodePng'));
  return { width, height, depth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}

/** Bytes the inflated image data of `header` holds: every row with its filter byte, per pass when interlaced. */
function inflatedSize(header: PngHeader): number {
  const bits = (ROW_SAMPLES_BY_COLOR_TYPE[header.colorType] ?? 1) * header.depth;
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : (Math.ceil((w * bits) / 8) + 1) * h);
  if (!header.interlaced) return rows(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    total += rows(Math.max(0, Math.ceil((header.width - x0) / dx)), Math.max(0, Math.ceil((header.height - y0) / dy)));
  }
  return total;
}

/**
 * Walk the chunks: each must fit in the file and IEND must be there; the IDAT chunks' data must
 * inflate to every row the header declares.
 */
function checkComplete(bytes: Uint8Array, file: string, header: PngHeader): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) throw badInput(file, undefined, `corrupt PNG: truncated: the file ends after ${bytes.length} bytes, before its IEND chunk`);
    const length = view.getUint32(at, false);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) {
      const name = /^[A-Za-z]{4}$/.test(type) ? type : 'last';
      throw badInput(file, undefined, `corrupt PNG: truncated: the file ends inside its ${name} chunk (${bytes.length - at - 8} of ${length + 4} bytes)`);
    }
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const expected = inflatedSize(header);
  let inflated: number;
  try {
    // A stream cut short gives what it has (Z_SYNC_FLUSH) and is caught by the size check below.
    inflated = zlib.inflateSync(Buffer.concat(idat), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: expected }).length;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return; // more data than needed: ignored, as libpng does
    throw badInput(file, undefined, `corrupt PNG: its image data does not inflate (${(e as Error).message.slice(0, 60)})`);
  }
  if (inflated < expected) {
    throw badInput(file, undefined, `corrupt PNG: its image data inflates to ${inflated} of the ${expected} bytes that ${header.width} × ${header.height} pixels need (truncated or damaged)`);
  }
}

/**
 * Decode a PNG (any colour type, 1–16 bits, interlaced or not). `file` names it in errors: a
 * corrupt or truncated PNG fails with `E_BAD_INPUT` and the reason, and one declaring more than
 * `options.maxPixels` pixels (default: Pillow's 89,478,485) fails before decoding.
 *
 * @example
 * const { width, height, channels, depth, data } = decodePng(fs.readFileSync('a.png'), 'a.png');
 */
export function decodePng(bytes: Uint8Array, file: string, options: DecodeOptions = {}): DecodedImage {
  const header = readPngHeader(bytes, file, options);
  checkComplete(bytes, file, header);
  const depthInFile = header.depth;
  const colorType = header.colorType;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    // 16-bit samples stay 16-bit; 1, 2 and 4-bit ones are scaled to 8.
    png = PNG.sync.read(buffer, { skipRescale: depthInFile === 16 });
  } catch (e) {
    throw badInput(file, undefined, `corrupt PNG: ${(e as Error).message}`);
  }
  const { width, height } = png;
  const rgba = png.data as unknown as Uint8Array | Uint16Array;
  const base = SAMPLES_BY_COLOR_TYPE[colorType];
  if (base === undefined) throw badInput(file, undefined, `corrupt PNG: colour type ${colorType}`);
  // A tRNS chunk gives grey, RGB and palette images transparency: keep it as an alpha channel.
  const channels: SampleCount = png.alpha && (base === 1 || base === 3) ? ((base + 1) as SampleCount) : base;
  const depth = depthInFile === 16 ? 16 : 8;
  const pixels = width * height;
  if (rgba.length !== pixels * 4) throw badInput(file, undefined, `corrupt PNG: ${rgba.length} samples for ${width} × ${height} pixels`);
  const data = depth === 16 ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  if (channels === 4) data.set(rgba);
  else {
    for (let p = 0, o = 0, i = 0; p < pixels; p++, i += 4) {
      if (channels === 1) data[o++] = rgba[i]!;
      else if (channels === 2) {
        data[o++] = rgba[i]!;
        data[o++] = rgba[i + 3]!;
      } else {
        data[o++] = rgba[i]!;
        data[o++] = rgba[i + 1]!;
        data[o++] = rgba[i + 2]!;
      }
    }
  }
  return { width, height, channels, depth, data, format: 'png' };
}

/** PNG colour types by samples per pixel. */
const COLOR_TYPE_BY_SAMPLES: Readonly<Record<SampleCount, 0 | 2 | 4 | 6>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

export interface EncodePngOptions {
  /**
   * Row filter: `none` is fastest and smallest for images that are mostly flat (MNIST's PNGs are
   * 20 % smaller than with adaptive filtering); `adaptive` (pngjs's default) suits photographs.
   */
  readonly filter?: 'none' | 'adaptive';
}

/**
 * Encode 8-bit interleaved samples as a PNG of the same colour type.
 *
 * @example
 * fs.writeFileSync('digit.png', encodePng({ width: 28, height: 28, channels: 1, data: pixels }));
 */
export function encodePng(
  image: { readonly width: number; readonly height: number; readonly channels: SampleCount; readonly data: Uint8Array },
  options: EncodePngOptions = {},
): Buffer {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new StoreError('E_BAD_ARGUMENT', `encodePng: ${data.length} bytes for ${width} × ${height} × ${channels} samples`);
  }
  const colorType = COLOR_TYPE_BY_SAMPLES[channels];
  // pngjs's packer reads only width, height and data: a plain object avoids building its stream.
  const png = { width, height, data: Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  return PNG.sync.write(png as unknown as InstanceType<typeof PNG>, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: channels === 2 || channels === 4,
    ...(options.filter === 'adaptive' ? {} : { filterType: 0 }),
  });
}
