/**
 * Decoded images to the layout training wants: 8-bit samples, channel planes one after another
 * (C × H × W, as PyTorch's tensors lay them out), with a chosen number of channels. Conversions
 * follow Pillow, which the Python GAN tool used to read its images:
 *
 * - 16-bit → 8-bit: round(v / 257) (65535 → 255).
 * - colour → grey: ITU-R 601-2 luma, L = R·299/1000 + G·587/1000 + B·114/1000, in Pillow's fixed
 *   point (`convert('L')`).
 * - grey → RGB: the grey value in all three; a missing alpha is 255 (opaque).
 * - alpha is dropped when the target has none (Pillow's `convert('RGB')` and `convert('L')`).
 */
import type { DecodedImage } from './decoded-image.js';

/** Channels a training array can have: grey, RGB, RGBA. */
export type TargetChannels = 1 | 3 | 4;

/** Pillow's luma in 16-bit fixed point (ImagingConvert's L24). */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/**
 * Write `image` as `channels` planes of 8-bit samples into `out` from `offset`
 * (`channels · height · width` bytes).
 */
export function writePlanar(image: DecodedImage, channels: TargetChannels, out: Uint8Array, offset: number): void {
  const { width, height, channels: n, data } = image;
  const plane = width * height;
  const to8 = image.depth === 16 ? (v: number) => ((v * 255 + 32767) / 65535) | 0 : (v: number) => v;
  const colour = n >= 3;
  const alphaAt = n === 2 ? 1 : n === 4 ? 3 : -1;
  if (channels === 1 && n === 1 && image.depth === 8) {
    out.set(data as Uint8Array, offset);
    return;
  }
  for (let p = 0, i = 0; p < plane; p++, i += n) {
    const r = to8(data[i]!);
    const g = colour ? to8(data[i + 1]!) : r;
    const b = colour ? to8(data[i + 2]!) : r;
    if (channels === 1) {
      out[offset + p] = colour ? luma(r, g, b) : r;
      continue;
    }
    out[offset + p] = r;
    out[offset + plane + p] = g;
    out[offset + 2 * plane + p] = b;
    if (channels === 4) out[offset + 3 * plane + p] = alphaAt < 0 ? 255 : to8(data[i + alphaAt]!);
  }
}
