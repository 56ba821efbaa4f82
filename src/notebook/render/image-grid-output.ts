/**
 * Images as a grid, each with its parameters underneath: the decoded pixels of a `loadImages`
 * result, or the files of a query's `FILE` column. Each image is embedded as a PNG thumbnail (at
 * most {@link THUMBNAIL} pixels on its longer side; small ones such as MNIST's 28 × 28 are drawn
 * larger, pixelated), so the notebook keeps them when saved and shared.
 */
import path from 'node:path';
import { escapeHtml } from '../../html-escape.js';
import type { LoadedImages } from '../../images/load-images.js';
import { tableCell } from '../../text-table.js';
import type { Output } from '../rendering.js';

/** Longest side of an embedded thumbnail, in pixels. */
const THUMBNAIL = 160;
/** Images at most this size are shown 3× larger than they are. */
const SMALL = 64;
/** Characters of one parameter's value in a caption. */
const CAPTION_VALUE = 24;

/** One image to show: its PNG bytes (or why there are none) and its parameters. */
export interface GridImage {
  readonly png?: Buffer;
  readonly width: number;
  readonly height: number;
  readonly problem?: string;
  readonly label: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

let sharpModule: Promise<typeof import('sharp')> | undefined;
const sharp = async () => (await (sharpModule ??= import('sharp'))).default;

/** A thumbnail of raw pixels (`channels` planes of `height` × `width`, as loadImages gives them). */
async function thumbnailOfPixels(pixels: Uint8Array, channels: number, height: number, width: number): Promise<{ png: Buffer; width: number; height: number }> {
  // loadImages stores planes (CHW); sharp wants interleaved pixels (HWC).
  const interleaved = Buffer.alloc(pixels.length);
  const plane = height * width;
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) interleaved[i * channels + c] = pixels[c * plane + i]!;
  const image = (await sharp())(interleaved, { raw: { width, height, channels: channels as 1 | 3 | 4 } });
  const resized = Math.max(width, height) > THUMBNAIL ? image.resize({ width: THUMBNAIL, height: THUMBNAIL, fit: 'inside' }) : image;
  const { data, info } = await resized.png().toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

/** A thumbnail of an image file; `problem` says why there is none (missing, not an image). */
async function thumbnailOfFile(file: string): Promise<{ png?: Buffer; width: number; height: number; problem?: string }> {
  try {
    const { data, info } = await (await sharp())(file, { limitInputPixels: 89_478_485 })
      .resize({ width: THUMBNAIL, height: THUMBNAIL, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { width: 0, height: 0, problem: code === 'ENOENT' || /missing|no such file/i.test(String((e as Error).message)) ? 'file missing' : 'not an image' };
  }
}

/** The images of a `loadImages` result, the first `max` of them, with their columns as parameters. */
export async function imagesOfLoaded(images: LoadedImages, max: number): Promise<GridImage[]> {
  const size = images.channels * images.height * images.width;
  const out: GridImage[] = [];
  for (let i = 0; i < Math.min(images.count, max); i++) {
    const thumb = await thumbnailOfPixels(images.pixels.subarray(i * size, (i + 1) * size), images.channels, images.height, images.width);
    const parameters = Object.fromEntries(Object.entries(images.columns).map(([k, v]) => [k, v[i]]));
    out.push({ ...thumb, label: path.basename(images.files[i] ?? `image ${i + 1}`), parameters });
  }
  return out;
}

/** The images of rows' `column` (file paths; relative ones from `root`), with the rows' other columns as parameters. */
export async function imagesOfRows(rows: readonly Record<string, unknown>[], column: string, root: string, max: number): Promise<GridImage[]> {
  const out: GridImage[] = [];
  for (const row of rows.slice(0, max)) {
    const value = row[column];
    const parameters = Object.fromEntries(Object.entries(row).filter(([k]) => !/^file/i.test(k)));
    if (typeof value !== 'string' || value === '') {
      out.push({ width: 0, height: 0, problem: 'no file', label: '', parameters });
      continue;
    }
    out.push({ ...(await thumbnailOfFile(path.resolve(root, value))), label: path.basename(value), parameters });
  }
  return out;
}

function captionValue(v: unknown): string {
  const s = tableCell(typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string | number | null));
  return s.length > CAPTION_VALUE ? `${s.slice(0, CAPTION_VALUE - 1)}…` : s;
}

/** The grid as HTML (thumbnails with captions) and as text (one line per image). */
export function imageGridOutput(images: readonly GridImage[], total: number, title?: string): Output {
  const head = `${total.toLocaleString('en-US')} image${total === 1 ? '' : 's'}${images.length < total ? `, the first ${images.length} shown` : ''}`;
  const text = [title, head, ...images.map((im) => `${im.label}${im.problem ? ` (${im.problem})` : ` ${im.width}×${im.height}`}  ${Object.entries(im.parameters).map(([k, v]) => `${k}=${captionValue(v)}`).join(' ')}`)]
    .filter((s) => s !== undefined)
    .join('\n');
  const figures = images.map((im) => {
    const scale = Math.max(im.width, im.height) <= SMALL ? 3 : 1;
    const picture = im.png
      ? `<img src="data:image/png;base64,${im.png.toString('base64')}" width="${im.width * scale}" height="${im.height * scale}" style="image-rendering:pixelated" alt="${escapeHtml(im.label)}">`
      : `<div style="width:84px;height:84px;display:flex;align-items:center;justify-content:center;background:#eee;color:#a00;font-size:11px">${escapeHtml(im.problem ?? '')}</div>`;
    const caption = Object.entries(im.parameters)
      .map(([k, v]) => `<div><span style="color:#666">${escapeHtml(k)}</span> ${escapeHtml(captionValue(v))}</div>`)
      .join('');
    return `<figure style="margin:0;font-size:11px;line-height:1.25;max-width:${Math.max(100, THUMBNAIL)}px" title="${escapeHtml(im.label)}">${picture}<figcaption>${caption}</figcaption></figure>`;
  });
  const html = `<div class="dsi-images">${title ? `<div><b>${escapeHtml(title)}</b></div>` : ''}<div style="font-size:12px;color:#555">${escapeHtml(head)}</div><div style="display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start">${figures.join('')}</div></div>`;
  return { text, html };
}
