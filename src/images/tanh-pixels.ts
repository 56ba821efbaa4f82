/**
 * A generator's output to pixels: a `tanh` output layer gives values in [-1, 1], which map
 * linearly onto 0..255 as round((v + 1) · 127.5) (so -1 → 0, 0 → 128, 1 → 255), clamped to 0..255;
 * NaN becomes 0. The inverse of the [-1, 1] scaling the training images get.
 *
 * @example
 * const pixels = tanhToUint8(gan.generate(z).cpu().toArray() as Float32Array);
 */
import { StoreError } from '../errors.js';

/** `values` in [-1, 1] as 8-bit samples, element for element (the layout is kept). */
export function tanhToUint8(values: Float32Array): Uint8Array {
  if (!(values instanceof Float32Array)) {
    throw new StoreError('E_BAD_ARGUMENT', `tanhToUint8: values must be a Float32Array, got ${values === null ? 'null' : typeof values === 'object' ? (values as object).constructor?.name ?? 'object' : typeof values}`);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = (values[i]! + 1) * 127.5;
    // Math.round rounds halves up (127.5 → 128); NaN fails both comparisons and stays 0.
    out[i] = s >= 255 ? 255 : s > 0 ? Math.round(s) : 0;
  }
  return out;
}
