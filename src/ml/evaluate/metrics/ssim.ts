/**
 * Structural similarity (SSIM, Wang, Bovik, Sheikh and Simoncelli 2004) of two images in [0, 1],
 * as scikit-image's `structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1)` computes it:
 *
 *   SSIM = mean over windows of ((2 μx μy + C1)(2 σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2))
 *
 * where μ, σ² and σxy are the Gaussian-weighted local means, variances and covariance (population
 * form: E[x²] − μ², no n/(n−1) factor) over an 11 × 11 window (σ = 1.5, truncated at 3.5σ, the
 * weights normalised to sum 1), C1 = (0.01 · L)², C2 = (0.03 · L)², L = 1 the data range. The mean
 * runs over the valid windows only (those entirely inside the image), which is what scikit-image
 * keeps after cropping its reflect-padded filter by 5 pixels per side. Several channels: the
 * mean of the per-channel values.
 *
 * Guarantees: SSIM(x, x) = 1 exactly; symmetric in x and y; float64 throughout; at most 1.
 * Images smaller than 11 × 11 are refused (no valid window), as scikit-image refuses them.
 *
 * ```ts
 * ssim(truth, prediction, { channels: 1, height: 64, width: 64 }); // 0.93
 * ```
 */
import { MlError } from '../../../errors.js';

/** The window's side: 2 · round(3.5 σ) + 1 with σ = 1.5, scipy's `gaussian_filter` truncation. */
export const SSIM_WINDOW = 11;
const SIGMA = 1.5;
const K1 = 0.01;
const K2 = 0.03;
const C1 = K1 * K1;
const C2 = K2 * K2;

/** The normalised 1-D Gaussian weights of the window (the 2-D window is their outer product). */
export const SSIM_WEIGHTS: Float64Array = (() => {
  const r = (SSIM_WINDOW - 1) / 2;
  const w = new Float64Array(SSIM_WINDOW);
  let sum = 0;
  for (let i = 0; i < SSIM_WINDOW; i++) {
    w[i] = Math.exp(-((i - r) ** 2) / (2 * SIGMA * SIGMA));
    sum += w[i]!;
  }
  for (let i = 0; i < SSIM_WINDOW; i++) w[i]! /= sum;
  return w;
})();

export interface SsimShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/**
 * SSIM of two planar images (`channels × height × width` values in [0, 1], channel after
 * channel, rows top to bottom); see the file comment. `E_ML_ARGUMENT` when the arrays do not
 * hold the shape or the image is smaller than the window.
 */
export function ssim(x: ArrayLike<number>, y: ArrayLike<number>, shape: SsimShape): number {
  const { channels, height, width } = shape;
  const plane = height * width;
  if (!Number.isInteger(channels) || channels < 1 || x.length !== channels * plane || y.length !== channels * plane) {
    throw new MlError('E_ML_ARGUMENT', `ssim: both images must hold ${channels} × ${height} × ${width} values, got ${x.length} and ${y.length}`);
  }
  if (height < SSIM_WINDOW || width < SSIM_WINDOW) {
    throw new MlError('E_ML_ARGUMENT', `ssim: images must be at least ${SSIM_WINDOW} × ${SSIM_WINDOW} pixels (the Gaussian window), got ${width} × ${height}`);
  }
  let sum = 0;
  for (let c = 0; c < channels; c++) sum += ssimPlane(x, y, c * plane, height, width);
  return sum / channels;
}

/** The five local moments of one channel, filtered horizontally then vertically over valid windows only. */
function ssimPlane(x: ArrayLike<number>, y: ArrayLike<number>, offset: number, height: number, width: number): number {
  const w = SSIM_WEIGHTS;
  const n = SSIM_WINDOW;
  const ow = width - n + 1;
  const oh = height - n + 1;
  // Horizontal pass: 5 planes of height × ow.
  const hx = new Float64Array(height * ow);
  const hy = new Float64Array(height * ow);
  const hxx = new Float64Array(height * ow);
  const hyy = new Float64Array(height * ow);
  const hxy = new Float64Array(height * ow);
  for (let r = 0; r < height; r++) {
    const row = offset + r * width;
    for (let c = 0; c < ow; c++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let k = 0; k < n; k++) {
        const a = +x[row + c + k]!;
        const b = +y[row + c + k]!;
        const wk = w[k]!;
        sx += wk * a;
        sy += wk * b;
        sxx += wk * a * a;
        syy += wk * b * b;
        sxy += wk * a * b;
      }
      const i = r * ow + c;
      hx[i] = sx;
      hy[i] = sy;
      hxx[i] = sxx;
      hyy[i] = syy;
      hxy[i] = sxy;
    }
  }
  // Vertical pass and the SSIM map's mean.
  let total = 0;
  for (let r = 0; r < oh; r++) {
    for (let c = 0; c < ow; c++) {
      let mx = 0;
      let my = 0;
      let mxx = 0;
      let myy = 0;
      let mxy = 0;
      for (let k = 0; k < n; k++) {
        const i = (r + k) * ow + c;
        const wk = w[k]!;
        mx += wk * hx[i]!;
        my += wk * hy[i]!;
        mxx += wk * hxx[i]!;
        myy += wk * hyy[i]!;
        mxy += wk * hxy[i]!;
      }
      const vx = mxx - mx * mx;
      const vy = myy - my * my;
      const vxy = mxy - mx * my;
      total += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
  }
  return total / (oh * ow);
}
