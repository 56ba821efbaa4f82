/**
 * Decode a PNG or JPEG file's bytes, whatever its name says: PNGs through pngjs synchronously
 * (png-codec.ts), JPEGs through sharp (libvips with mozjpeg). A file that is neither, or that does
 * not decode, fails with `E_BAD_INPUT` naming the file.
 *
 * @example
 * const image = await decodeImage(fs.readFileSync('a.jpg'), 'a.jpg'); // { width, height, channels, depth, data }
 */
import { badInput } from '../errors.js';
import type { DecodedImage, SampleCount } from './decoded-image.js';
import { type DecodeOptions, checkPixelLimit, pixelLimit } from './pixel-limit.js';
import { decodePng, isPng } from './png-codec.js';

/** Whether `bytes` start like a JPEG (SOI marker then another marker). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** The image format `bytes` hold, by their first bytes; undefined for anything else. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  return isPng(bytes) ? 'png' : isJpeg(bytes) ? 'jpeg' : undefined;
}

/** sharp, loaded on first use: most work (PNGs) never needs it, and it brings libvips' threads. */
let sharpModule: Promise<typeof import('sharp')> | undefined;
function loadSharp(): Promise<typeof import('sharp')> {
  sharpModule ??= import('sharp');
  return sharpModule;
}

/** A decoder's message on one line (libvips ends each of its lines with a newline). */
const oneLine = (message: string): string => message.replace(/\s+/g, ' ').trim();

/** Decode a JPEG: grey stays one channel, colour (CMYK included) becomes RGB. */
export async function decodeJpeg(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = pixelLimit(options.maxPixels, 'decodeJpeg');
  const { default: sharp } = await loadSharp();
  let input: import('sharp').Sharp;
  let meta: import('sharp').Metadata;
  try {
    // The header only; the limit is ours (checked below), so sharp's own is off.
    input = sharp(bytes, { failOn: 'error', limitInputPixels: false });
    meta = await input.metadata();
  } catch (e) {
    throw badInput(file, undefined, `corrupt JPEG: ${oneLine((e as Error).message).slice(0, 80)}`);
  }
  checkPixelLimit(meta.width ?? 0, meta.height ?? 0, file, maxPixels);
  try {
    const grey = meta.channels === 1 || meta.space === 'b-w';
    const { data, info } = await input.toColourspace(grey ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: info.channels as SampleCount,
      depth: 8,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      format: 'jpeg',
    };
  } catch (e) {
    throw badInput(file, undefined, `corrupt JPEG: ${oneLine((e as Error).message).slice(0, 80)}`);
  }
}

/**
 * Decode PNG or JPEG bytes; `file` names the image in errors; `options.maxPixels` bounds the
 * pixels its header may declare (default Pillow's 89,478,485, `Infinity` for none).
 */
export async function decodeImage(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  if (isPng(bytes)) return decodePng(bytes, file, { maxPixels: pixelLimit(options.maxPixels, 'decodeImage') });
  if (isJpeg(bytes)) return decodeJpeg(bytes, file, options);
  throw badInput(file, undefined, 'not a PNG or JPEG image (its first bytes say neither)');
}
