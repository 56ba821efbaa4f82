/**
 * Superpixels of an image by a small SLIC (Achanta et al. 2012) on intensity and position:
 * centres start on a regular grid of about `segments` cells of side S; each pixel joins the centre
 * within 2S (in rows and columns) that minimises (ΔI)² + (Δd / S)² · m² (I the mean of the
 * channels, 0–255; d the distance in pixels; m the compactness), centres move to their pixels'
 * means, ten times over; then every 4-connected piece smaller than a quarter of a cell is merged
 * into the neighbouring segment met before it in scan order, and segments are numbered in the
 * order their first pixel is met. No randomness: the same image gives the same segments.
 *
 * ```ts
 * const s = superpixelSegmentation(pixels, 1, 28, 28, { segments: 49 });
 * s.names[0]; // 'superpixel 1'
 * ```
 */
import { MlError } from '../../errors.js';
import type { ImageSegmentation } from './image-segmentation.js';

export interface SuperpixelOptions {
  /** About how many segments (default 49, as the 7 × 7 blocks). */
  readonly segments?: number;
  /** Weight of closeness against intensity, m above (default 25: higher gives squarer segments). */
  readonly compactness?: number;
  /** Assignment rounds (default 10). */
  readonly iterations?: number;
}

/** Superpixels of a C × H × W uint8 image (see the file comment). */
export function superpixelSegmentation(pixels: Uint8Array, channels: number, height: number, width: number, options: SuperpixelOptions = {}): ImageSegmentation {
  const N = height * width;
  if (!(pixels instanceof Uint8Array) || pixels.length !== channels * N) {
    throw new MlError('E_ML_ARGUMENT', `superpixelSegmentation: a ${channels} × ${height} × ${width} image is ${channels * N} bytes, got ${pixels instanceof Uint8Array ? pixels.length : String(pixels)}`);
  }
  const k = options.segments ?? 49;
  if (!Number.isInteger(k) || k < 1 || k > N) throw new MlError('E_ML_ARGUMENT', `superpixels: segments must be a whole number from 1 to ${N}, got ${String(options.segments)}`);
  const m = options.compactness ?? 25;
  if (!Number.isFinite(m) || m <= 0) throw new MlError('E_ML_ARGUMENT', `superpixels: compactness must be a positive number, got ${String(options.compactness)}`);
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(iterations) || iterations < 1) throw new MlError('E_ML_ARGUMENT', `superpixels: iterations must be a whole number ≥ 1, got ${String(options.iterations)}`);

  const intensity = new Float64Array(N);
  for (let c = 0; c < channels; c++) for (let p = 0; p < N; p++) intensity[p]! += pixels[c * N + p]! / channels;

  // Grid of centres.
  const S = Math.sqrt(N / k);
  const rows = Math.max(1, Math.round(height / S));
  const cols = Math.max(1, Math.round(width / S));
  const centres = rows * cols;
  const cy = new Float64Array(centres);
  const cx = new Float64Array(centres);
  const ci = new Float64Array(centres);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      cy[i] = ((r + 0.5) * height) / rows - 0.5;
      cx[i] = ((c + 0.5) * width) / cols - 0.5;
      ci[i] = intensity[Math.round(cy[i]!) * width + Math.round(cx[i]!)]!;
    }
  }
  const step = Math.max(height / rows, width / cols);
  const window = 2 * step;
  const spatial = (m * m) / (step * step);
  const label = new Int32Array(N);
  const best = new Float64Array(N);
  const sy = new Float64Array(centres);
  const sx = new Float64Array(centres);
  const si = new Float64Array(centres);
  const sn = new Float64Array(centres);
  for (let it = 0; it < iterations; it++) {
    best.fill(Infinity);
    for (let i = 0; i < centres; i++) {
      const y0 = Math.max(0, Math.ceil(cy[i]! - window));
      const y1 = Math.min(height - 1, Math.floor(cy[i]! + window));
      const x0 = Math.max(0, Math.ceil(cx[i]! - window));
      const x1 = Math.min(width - 1, Math.floor(cx[i]! + window));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const p = y * width + x;
          const di = intensity[p]! - ci[i]!;
          const d = di * di + ((y - cy[i]!) ** 2 + (x - cx[i]!) ** 2) * spatial;
          // Ties go to the lower centre index: the scan order decides, never chance.
          if (d < best[p]!) {
            best[p] = d;
            label[p] = i;
          }
        }
      }
    }
    sy.fill(0);
    sx.fill(0);
    si.fill(0);
    sn.fill(0);
    for (let p = 0; p < N; p++) {
      const i = label[p]!;
      sy[i]! += Math.floor(p / width);
      sx[i]! += p % width;
      si[i]! += intensity[p]!;
      sn[i]!++;
    }
    for (let i = 0; i < centres; i++) {
      if (sn[i] === 0) continue;
      cy[i] = sy[i]! / sn[i]!;
      cx[i] = sx[i]! / sn[i]!;
      ci[i] = si[i]! / sn[i]!;
    }
  }
  return connectedSegments(label, height, width, Math.max(1, Math.floor(N / centres / 4)));
}

/**
 * 4-connected pieces of the assignment as segments, pieces under `minSize` pixels merged into the
 * segment of the pixel met just before them in scan order (left, else above), as SLIC's
 * connectivity step does; numbered in scan order.
 */
function connectedSegments(assigned: Int32Array, height: number, width: number, minSize: number): ImageSegmentation {
  const N = height * width;
  const labels = new Int32Array(N).fill(-1);
  const queue = new Int32Array(N);
  let count = 0;
  for (let start = 0; start < N; start++) {
    if (labels[start] !== -1) continue;
    const sx = start % width;
    const adjacent = sx > 0 ? labels[start - 1]! : start >= width ? labels[start - width]! : -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = count;
    while (head < tail) {
      const p = queue[head++]!;
      const y = Math.floor(p / width);
      const x = p % width;
      const next = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of next) {
        if (q < 0 || labels[q] !== -1 || assigned[q] !== assigned[start]) continue;
        labels[q] = count;
        queue[tail++] = q;
      }
    }
    if (tail < minSize && adjacent >= 0) {
      for (let i = 0; i < tail; i++) labels[queue[i]!] = adjacent;
    } else {
      count++;
    }
  }
  const names = Array.from({ length: count }, (_, i) => `superpixel ${i + 1}`);
  return Object.freeze({ kind: 'superpixels' as const, height, width, labels, count, names: Object.freeze(names) });
}
