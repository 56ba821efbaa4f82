/**
 * The decompression-bomb guard: an image may declare at most `maxPixels` pixels (width × height),
 * checked from its header before any pixel is decoded, so a small file declaring 20000 × 20000
 * pixels fails at once instead of allocating gigabytes. The default is Pillow's
 * `Image.MAX_IMAGE_PIXELS` (89,478,485: a quarter of a gigabyte of RGBA); `Infinity` turns the
 * guard off for a caller who trusts its images.
 *
 * @example
 * checkPixelLimit(20000, 20000, 'bomb.png', DEFAULT_MAX_PIXELS); // throws E_BAD_INPUT naming the limit
 */
import { StoreError, badInput } from '../errors.js';

/** Pillow's `Image.MAX_IMAGE_PIXELS`. */
export const DEFAULT_MAX_PIXELS = 89_478_485;

/** Options every decoder takes. */
export interface DecodeOptions {
  /** Most pixels (width × height) an image may declare; default {@link DEFAULT_MAX_PIXELS}, `Infinity` for no limit. */
  readonly maxPixels?: number | undefined;
}

/**
 * A checked pixel limit from an option (a number, or its text as a reader option
 * `maxPixels=…` gives it); undefined stays the default.
 */
export function pixelLimit(value: unknown, where: string): number {
  if (value === undefined) return DEFAULT_MAX_PIXELS;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !(n === Infinity || (Number.isSafeInteger(n) && n >= 1))) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${where}: ${o('maxPixels')} must be a whole number of pixels ≥ 1 (or Infinity for no limit), got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Throw E_BAD_INPUT naming the file and the limit when `width × height` is over it. */
export function checkPixelLimit(width: number, height: number, file: string, maxPixels: number = DEFAULT_MAX_PIXELS): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw badInput(
      file,
      undefined,
      `declares ${width} × ${height} = ${pixels.toLocaleString('en-US')} pixels, more than the limit of ${maxPixels.toLocaleString('en-US')} (maxPixels); ` +
        'refused before decoding, as a possible decompression bomb. Raise maxPixels if the image is genuine',
    );
  }
}
