/**
 * An SVG document as PNG bytes, rasterised by sharp (libvips with librsvg) at twice its size so it
 * stays sharp on high-density screens. Text is drawn with the machine's fonts through fontconfig:
 * Debian's `fonts-dejavu-core` is enough. Shared by the ml plots and the image writers.
 *
 * @example const png = await rasterizeSvg('<svg …>…</svg>');
 */

/** Pixels of the PNG per SVG pixel. */
export const PNG_SCALE = 2;

/** sharp, loaded on first use (it brings libvips' threads). */
let sharpModule: Promise<typeof import('sharp')> | undefined;

/** The SVG as PNG bytes at {@link PNG_SCALE} × its size; rejects with sharp's error when it does not render. */
export async function rasterizeSvg(svg: string): Promise<Buffer> {
  const { default: sharp } = await (sharpModule ??= import('sharp'));
  // librsvg draws an SVG at 72 dpi by default: 144 dpi doubles its size.
  return sharp(Buffer.from(svg, 'utf8'), { density: 72 * PNG_SCALE }).png().toBuffer();
}
