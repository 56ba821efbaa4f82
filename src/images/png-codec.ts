/**
 * PNG through pngjs, synchronously: for small images (MNIST's 28 × 28) it is 10–20× faster than a
 * call into sharp, whose fixed cost per image is close to a millisecond (measured in
 * docs/images.md), and the store decodes tens of thousands of them.
 *
 * pngjs hands every image over as 8-bit RGBA (16-bit RGBA with `skipRescale`); `decodePng` turns
 * that back into the samples the file holds (grey, grey + alpha, RGB, RGBA) at the file's depth.
 */
import pngjs from 'pngjs';
import { badInput } from '../errors.js';
import type { DecodedImage, SampleCount } from './decoded-image.js';

const { PNG } = pngjs;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Samples per pixel by PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const SAMPLES_BY_COLOR_TYPE: Readonly<Record<number, SampleCount>> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/**
 * Decode a PNG (any colour type, 1–16 bits, interlaced or not). `file` names it in errors: a
 * corrupt or truncated PNG fails with `E_BAD_INPUT` and the decoder's reason.
 *
 * @example
 * const { width, height, channels, depth, data } = decodePng(fs.readFileSync('a.png'), 'a.png');
 */
export function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  if (!isPng(bytes)) throw badInput(file, undefined, 'not a PNG file (its signature is missing)');
  if (bytes.length < 33) throw badInput(file, undefined, 'corrupt PNG: truncated before the end of its header');
  const depthInFile = bytes[24]!;
  const colorType = bytes[25]!;
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
    throw new RangeError(`encodePng: ${data.length} bytes for ${width} × ${height} × ${channels} samples`);
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
