/** An image as its file holds it, after decoding: the shape every image function speaks in. */

/** Samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
export type SampleCount = 1 | 2 | 3 | 4;

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** Samples per pixel as the file stores them (a palette PNG counts as RGB, or RGBA with transparency). */
  readonly channels: SampleCount;
  /** Bits per sample: 8, or 16 (PNG only). PNGs of 1, 2 or 4 bits are scaled up to 8. */
  readonly depth: 8 | 16;
  /** Samples interleaved pixel by pixel, rows top to bottom; `Uint16Array` when `depth` is 16. */
  readonly data: Uint8Array | Uint16Array;
  readonly format: 'png' | 'jpeg';
}

/** Whether the image has an alpha channel. */
export function hasAlpha(image: DecodedImage): boolean {
  return image.channels === 2 || image.channels === 4;
}
