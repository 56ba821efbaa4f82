/**
 * Pictures of where a prediction is wrong: the error map (prediction − truth) on a diverging
 * colour map, beside the truth and the prediction, one labelled row per point.
 *
 * - Colours: ColorBrewer's RdBu reversed, interpolated linearly in sRGB through five anchors:
 *   −scale dark blue (prediction too low), 0 near white, +scale dark red (prediction too high).
 *   Differences beyond ±scale take the end colours. Several channels: the mean difference.
 * - The scale is symmetric and fixed for a whole validation ({@link errorScale}): the same
 *   colour means the same error in every map of it, so maps can be compared point by point.
 * - Truth and prediction are shown as they are (grey images as grey), scaled up by a whole
 *   factor with nearest-neighbour sampling (src/images/labelled-grid.ts), so nothing is smoothed.
 *
 * ```ts
 * const scale = errorScale(predictions, truths);
 * const png = await errorMapPng([panel(truth, prediction, shape, scale)], ['a=0.2, b=0.5'], shape);
 * ```
 */
import { labelledGridPng } from '../../images/labelled-grid.js';

/** The images compared: `channels × size × size` values in [0, 1] each. */
export interface PanelShape {
  readonly channels: 1 | 3;
  readonly size: number;
}

/** RdBu reversed: (position in [−1, 1], r, g, b). */
const ANCHORS: readonly (readonly [number, number, number, number])[] = [
  [-1, 5, 48, 97],
  [-0.5, 67, 147, 195],
  [0, 247, 247, 247],
  [0.5, 214, 96, 77],
  [1, 103, 0, 31],
];

/** The colour of `v` ∈ [−1, 1] (clamped) on the diverging map. */
export function divergingColour(v: number): [number, number, number] {
  const x = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  let k = 0;
  while (k < ANCHORS.length - 2 && x > ANCHORS[k + 1]![0]) k++;
  const [x0, r0, g0, b0] = ANCHORS[k]!;
  const [x1, r1, g1, b1] = ANCHORS[k + 1]!;
  const t = (x - x0) / (x1 - x0);
  return [Math.round(r0 + t * (r1 - r0)), Math.round(g0 + t * (g1 - g0)), Math.round(b0 + t * (b1 - b0))];
}

/**
 * The validation's colour scale: the largest |prediction − truth| over all its images, rounded up
 * to 1, 2 or 5 × 10^k (at least 1/255, one grey level; at most 1, the whole range).
 */
export function errorScale(predictions: Float32Array, truths: Float32Array): number {
  let max = 0;
  for (let i = 0; i < predictions.length; i++) max = Math.max(max, Math.abs(predictions[i]! - truths[i]!));
  if (!(max > 1 / 255)) return 1 / 255;
  const decade = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * decade >= max * (1 - 1e-12)) return Math.min(1, m * decade);
  return 1;
}

/** 8-bit value of a pixel in [0, 1]. */
const byte = (v: number): number => Math.max(0, Math.min(255, Math.round(v * 255)));

/**
 * One point's three images as RGB planes, ready for the grid: truth, prediction, error map
 * (3 × 3 × size × size bytes).
 */
export function panel(truth: Float32Array, prediction: Float32Array, shape: PanelShape, scale: number): Uint8Array {
  const { channels, size } = shape;
  const plane = size * size;
  const out = new Uint8Array(3 * 3 * plane);
  for (const [k, image] of [truth, prediction].entries()) {
    for (let c = 0; c < 3; c++) {
      const from = channels === 1 ? 0 : c;
      for (let p = 0; p < plane; p++) out[k * 3 * plane + c * plane + p] = byte(image[from * plane + p]!);
    }
  }
  const error = 2 * 3 * plane;
  for (let p = 0; p < plane; p++) {
    let d = 0;
    for (let c = 0; c < channels; c++) d += prediction[c * plane + p]! - truth[c * plane + p]!;
    const [r, g, b] = divergingColour(d / channels / scale);
    out[error + p] = r;
    out[error + plane + p] = g;
    out[error + 2 * plane + p] = b;
  }
  return out;
}

/** Output pixels per image pixel so a cell is about `target` pixels wide (at least 1). */
export function cellScale(size: number, target: number): number {
  return Math.max(1, Math.min(64, Math.round(target / size)));
}

/**
 * Panels (from {@link panel}) as one PNG: a row of truth, prediction and error map per panel, the
 * row's label beside it, the columns headed truth, model and error (model − truth); cells about
 * `cell` pixels wide.
 */
export async function errorMapPng(panels: readonly Uint8Array[], labels: readonly string[], shape: PanelShape, cell = 192): Promise<Uint8Array> {
  const bytes = new Uint8Array(panels.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of panels) {
    bytes.set(p, offset);
    offset += p.length;
  }
  return labelledGridPng(bytes, { count: 3 * panels.length, channels: 3, height: shape.size, width: shape.size }, {
    columns: 3,
    scale: cellScale(shape.size, cell),
    gap: 4,
    rows: labels.map((label) => ({ label, count: 3 })),
    columnLabels: ['truth', 'model', 'error'],
  });
}
