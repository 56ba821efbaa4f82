/**
 * The heat map of an image explanation: the explained image in grey (its contrast halved, so the
 * colours stay saturated on white and black alike), each segment tinted red when its SHAP value is
 * positive (it raised the output) and blue when negative, the tint's opacity proportional to
 * |value| / max |value| (at most 80 %, so the image shows through), segment
 * borders drawn faintly, and everything scaled up by whole pixels (default 10×) so a 28 × 28
 * image is viewable.
 *
 * ```ts
 * const png = heatmapPng({ image, channels: 1, height: 28, width: 28, segmentation, values });
 * fs.writeFileSync('heatmap.png', png);
 * ```
 */
import { MlError } from '../../errors.js';
import { encodePng } from '../../images/png-codec.js';
import type { SegmentedImage } from './image-segmentation.js';

export interface HeatmapInput extends SegmentedImage {
  /** One SHAP value per segment. */
  readonly values: ArrayLike<number>;
  /** Output pixels per image pixel, each way (default 10). */
  readonly scale?: number;
}

const POSITIVE = [215, 38, 38] as const;
const NEGATIVE = [30, 90, 230] as const;
const MAX_ALPHA = 0.8;

/** The heat map as RGB pixels (height · scale × width · scale × 3, row-major). */
export function heatmapImage(input: HeatmapInput): { width: number; height: number; channels: 3; data: Uint8Array } {
  const { image, channels, height, width, segmentation, values } = input;
  const scale = input.scale ?? 10;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new MlError('E_ML_ARGUMENT', `heatmap: scale must be a whole number from 1 to 64, got ${String(input.scale)}`);
  const plane = height * width;
  if (image.length !== channels * plane || segmentation.height !== height || segmentation.width !== width || values.length !== segmentation.count) {
    throw new MlError('E_ML_ARGUMENT', `heatmap: a ${channels} × ${height} × ${width} image with ${segmentation.count} segment values expected`);
  }
  let top = 0;
  for (let i = 0; i < values.length; i++) top = Math.max(top, Math.abs(values[i]!));
  const W = width * scale;
  const H = height * scale;
  const data = new Uint8Array(W * H * 3);
  const labels = segmentation.labels;
  for (let Y = 0; Y < H; Y++) {
    const y = Math.floor(Y / scale);
    for (let X = 0; X < W; X++) {
      const x = Math.floor(X / scale);
      const p = y * width + x;
      let grey = 0;
      for (let c = 0; c < channels; c++) grey += image[c * plane + p]!;
      grey = 40 + (0.45 * grey) / channels;
      const s = labels[p]!;
      const v = values[s]!;
      const alpha = top === 0 ? 0 : (MAX_ALPHA * Math.abs(v)) / top;
      const tint = v >= 0 ? POSITIVE : NEGATIVE;
      // A border where the next image pixel to the right or below is in another segment.
      const border =
        (X % scale === scale - 1 && x + 1 < width && labels[p + 1] !== s) || (Y % scale === scale - 1 && y + 1 < height && labels[p + width] !== s);
      const o = (Y * W + X) * 3;
      for (let c = 0; c < 3; c++) {
        let out = (1 - alpha) * grey + alpha * tint[c]!;
        if (border) out = 0.7 * out + 0.3 * 128;
        data[o + c] = Math.round(out);
      }
    }
  }
  return { width: W, height: H, channels: 3, data };
}

/** The heat map encoded as a PNG file's bytes. */
export function heatmapPng(input: HeatmapInput): Buffer {
  return encodePng(heatmapImage(input));
}
