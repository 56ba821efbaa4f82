/**
 * The coalition game of a model on an image cut into segments (blocks or superpixels): for a
 * coalition S, each background image gives the image that keeps the explained image's pixels in
 * the segments of S and the background's pixels elsewhere; v(S) is the model's mean output over
 * them. Composite images are built in batches and handed to the model together, so a Kernel SHAP
 * explanation over 49 blocks is a few large forward passes.
 *
 * ```ts
 * const game = imageGame({ image, background: meanImage(bg, K, 784), backgroundCount: 1, channels: 1,
 *   height: 28, width: 28, segmentation: blockSegmentation(28, 28), predict: (pixels, n) => probabilities(pixels, n) });
 * ```
 */
import { MlError } from '../../errors.js';
import { averageOverBackground, type CoalitionValues } from './coalition-game.js';
import type { SegmentedImage } from './image-segmentation.js';
import type { MaskedGame } from './tabular-masker.js';

/** The explained image and its segments, the background, the model. */
export interface ImageGameOptions extends SegmentedImage {
  /** `backgroundCount` images laid out as `image`, one after another. */
  readonly background: Uint8Array;
  readonly backgroundCount: number;
  /** The model: `count` images (count × C × H × W uint8) → one output per image. */
  readonly predict: (pixels: Uint8Array, count: number) => Float64Array | ArrayLike<number>;
  /** Images per call of `predict` at most (default 2,000; a coalition's images are never split). */
  readonly batchImages?: number;
}

/** The pixel-wise mean of `count` images of `plane` bytes each, rounded to whole pixel values. */
export function meanImage(images: Uint8Array, count: number, plane: number): Uint8Array {
  if (!Number.isInteger(count) || count < 1 || images.length !== count * plane) {
    throw new MlError('E_ML_ARGUMENT', `meanImage: ${count} images of ${plane} bytes are ${count * plane} bytes, got ${images.length}`);
  }
  const sum = new Float64Array(plane);
  for (let i = 0; i < count; i++) for (let p = 0; p < plane; p++) sum[p]! += images[i * plane + p]!;
  return Uint8Array.from(sum, (s) => Math.round(s / count));
}

/** The game of the file comment. */
export function imageGame(options: ImageGameOptions): MaskedGame {
  const { image, background, backgroundCount: K, channels, height, width, segmentation, predict } = options;
  const plane = height * width;
  const size = channels * plane;
  if (!(image instanceof Uint8Array) || image.length !== size) throw new MlError('E_ML_ARGUMENT', `imageGame: a ${channels} × ${height} × ${width} image is ${size} bytes, got ${image instanceof Uint8Array ? image.length : String(image)}`);
  if (!Number.isInteger(K) || K < 1 || !(background instanceof Uint8Array) || background.length !== K * size) {
    throw new MlError('E_ML_ARGUMENT', `imageGame: ${String(K)} background images of ${size} bytes expected, got ${background instanceof Uint8Array ? background.length : String(background)} bytes`);
  }
  if (segmentation.height !== height || segmentation.width !== width) {
    throw new MlError('E_ML_ARGUMENT', `imageGame: the segmentation is for ${segmentation.width} × ${segmentation.height} images, the image is ${width} × ${height}`);
  }
  if (typeof predict !== 'function') throw new MlError('E_ML_ARGUMENT', `imageGame: predict must be a function, got ${typeof predict}`);
  const batchImages = options.batchImages ?? 2000;
  if (!Number.isInteger(batchImages) || batchImages < 1) throw new MlError('E_ML_ARGUMENT', `imageGame: batchImages must be a whole number ≥ 1, got ${String(options.batchImages)}`);
  const M = segmentation.count;

  // Each segment's byte offsets in a C × H × W image.
  const counts = new Int32Array(M);
  for (let p = 0; p < plane; p++) counts[segmentation.labels[p]!]!++;
  const offsets = Array.from({ length: M }, (_, s) => new Int32Array(counts[s]! * channels));
  const filled = new Int32Array(M);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) {
      const s = segmentation.labels[p]!;
      offsets[s]![filled[s]!++] = c * plane + p;
    }
  }
  const varying = offsets.map((idx) => {
    for (let k = 0; k < K; k++) for (const o of idx) if (background[k * size + o] !== image[o]) return true;
    return false;
  });

  const perCall = Math.max(1, Math.floor(batchImages / K));
  const value: CoalitionValues = (masks, count) => {
    const out = new Float64Array(count);
    for (let start = 0; start < count; start += perCall) {
      const n = Math.min(perCall, count - start);
      const pixels = new Uint8Array(n * K * size);
      for (let c = 0; c < n; c++) {
        const m = (start + c) * M;
        for (let k = 0; k < K; k++) {
          const at = (c * K + k) * size;
          pixels.set(background.subarray(k * size, (k + 1) * size), at);
          for (let s = 0; s < M; s++) {
            if (!masks[m + s]) continue;
            const idx = offsets[s]!;
            for (let i = 0; i < idx.length; i++) pixels[at + idx[i]!] = image[idx[i]!]!;
          }
        }
      }
      const y = predict(pixels, n * K);
      averageOverBackground(y, n, K, out, start, 'images');
    }
    return out;
  };
  return { features: M, value, varying, backgroundSize: K };
}
