import { type DecodedImage, hasAlpha } from './decoded-image.js';

/**
 * The mean of an image's colour (or grey) samples as a fraction of full scale, 0 (black) to 1
 * (white), so 8 and 16-bit images compare; alpha is left out.
 */
export function meanIntensity(image: DecodedImage): number {
  const { data, channels } = image;
  const colour = hasAlpha(image) ? channels - 1 : channels;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += channels) {
    for (let c = 0; c < colour; c++) sum += data[i + c]!;
    n += colour;
  }
  return n === 0 ? 0 : sum / n / (image.depth === 16 ? 65535 : 255);
}
