/**
 * How an image is cut into the features of an image explanation: every pixel belongs to exactly
 * one segment, and a segment is present or absent as a whole. Blocks of a regular grid (the
 * default, 7 × 7 blocks of 4 × 4 pixels on a 28 × 28 image) or superpixels (superpixels.ts).
 *
 * ```ts
 * const s = blockSegmentation(28, 28, 7);
 * s.count;      // 49
 * s.names[8];   // 'block r2 c2' (rows and columns counted from 1, top left first)
 * s.labels[0];  // 0: pixel (0, 0) is in the first block
 * ```
 */
import { MlError } from '../../errors.js';

export interface ImageSegmentation {
  readonly kind: 'blocks' | 'superpixels';
  readonly height: number;
  readonly width: number;
  /** Segment of each pixel, row-major (height × width), 0 … count − 1. */
  readonly labels: Int32Array;
  readonly count: number;
  /** The feature name of each segment (`block r1 c1`, `superpixel 1`). */
  readonly names: readonly string[];
}

/** An image and its segments: what an image game masks and a heat map tints. */
export interface SegmentedImage {
  /** C × H × W uint8 (the layout `loadImages` gives). */
  readonly image: Uint8Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly segmentation: ImageSegmentation;
}

/** The default grid side: 7 × 7 blocks. */
export const DEFAULT_BLOCKS = 7;

/**
 * A `blocks` × `blocks` grid: pixel row y is in block row ⌊y · blocks / height⌋, likewise for
 * columns (equal blocks when `blocks` divides the size, within a pixel of each other otherwise).
 */
export function blockSegmentation(height: number, width: number, blocks = DEFAULT_BLOCKS): ImageSegmentation {
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    throw new MlError('E_ML_ARGUMENT', `blockSegmentation: the image size must be whole numbers of pixels, got ${String(height)} × ${String(width)}`);
  }
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > Math.min(height, width)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('blocks')} must be a whole number from 1 to ${Math.min(height, width)} (the image is ${width} × ${height} pixels), got ${String(blocks)}`);
  }
  const labels = new Int32Array(height * width);
  for (let y = 0; y < height; y++) {
    const r = Math.floor((y * blocks) / height);
    for (let x = 0; x < width; x++) labels[y * width + x] = r * blocks + Math.floor((x * blocks) / width);
  }
  const names: string[] = [];
  for (let r = 0; r < blocks; r++) for (let c = 0; c < blocks; c++) names.push(`block r${r + 1} c${c + 1}`);
  return Object.freeze({ kind: 'blocks' as const, height, width, labels, count: blocks * blocks, names: Object.freeze(names) });
}
