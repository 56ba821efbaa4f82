/**
 * The region of an image whose mean an explanation of an image-predicting model summarises its
 * output by (`region`: x0, y0, x1, y1 in pixels, inclusive-exclusive, default the whole image),
 * checked against the image's size, and that mean itself.
 *
 * ```ts
 * const r = imageRegion([8, 8, 16, 16], 32);         // the 8 × 8 block from (8, 8)
 * const means = regionMeans(images, count, 1, 32, r); // one number per image
 * ```
 */
import { MlError } from '../../errors.js';

/** x0, y0, x1, y1: columns x0 … x1 − 1 of rows y0 … y1 − 1. */
export type ImageRegion = readonly [number, number, number, number];

/** Checks the shape of a `region` option (four whole numbers, x0 < x1, y0 < y1), before any image size is known. */
export function checkRegionShape(region: unknown): ImageRegion {
  const ok = Array.isArray(region) && region.length === 4 && region.every((v) => Number.isInteger(v) && (v as number) >= 0);
  if (!ok) throw new MlError('E_ML_ARGUMENT', (o) => `${o('region')} must be four whole numbers x0, y0, x1, y1 (pixels, inclusive-exclusive), got ${JSON.stringify(region)}`);
  const [x0, y0, x1, y1] = region as [number, number, number, number];
  if (!(x0 < x1 && y0 < y1)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('region')} ${region.join(',')} is empty: it needs x0 < x1 and y0 < y1`);
  return [x0, y0, x1, y1];
}

/** `region` (or the whole `size × size` image) checked to lie inside the image. */
export function imageRegion(region: ImageRegion | undefined, size: number): ImageRegion {
  if (region === undefined) return [0, 0, size, size];
  const [x0, y0, x1, y1] = checkRegionShape(region);
  if (x1 > size || y1 > size) throw new MlError('E_ML_ARGUMENT', (o) => `${o('region')} ${region.join(',')} reaches outside the ${size} × ${size} images (x1 and y1 are at most ${size})`);
  return [x0, y0, x1, y1];
}

/** Whether `region` is the whole `size × size` image. */
export const isWholeImage = (region: ImageRegion, size: number): boolean => region[0] === 0 && region[1] === 0 && region[2] === size && region[3] === size;

/**
 * The mean of each of `count` planar images (N × channels × size × size) over `region`, every
 * channel, after `scale` (default none: a GAN's tanh output passes (v + 1) / 2).
 */
export function regionMeans(images: Float32Array, count: number, channels: number, size: number, region: ImageRegion, scale: (v: number) => number = (v) => v): Float64Array {
  const [x0, y0, x1, y1] = region;
  const plane = size * size;
  const out = new Float64Array(count);
  const n = channels * (x1 - x0) * (y1 - y0);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) {
      const base = (i * channels + c) * plane;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += images[base + y * size + x]!;
    }
    out[i] = scale(s / n);
  }
  return out;
}
