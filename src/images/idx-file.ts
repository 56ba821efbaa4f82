/**
 * IDX files, the format MNIST and Fashion-MNIST ship in (raw or gzip-compressed; the gzip magic
 * bytes decide, not the name). Big-endian header: a magic number whose third byte is the element
 * type (0x08, unsigned bytes) and fourth the number of dimensions, then one 32-bit size per
 * dimension, then the elements. Images are magic 2051 (0x00000803: count × rows × columns),
 * labels 2049 (0x00000801: count).
 *
 * Every check names the file: a wrong magic number, a truncated header or body, bytes beyond
 * what the header declares, a gzip stream that ends early. A gzip stream is inflated no further
 * than its header declares (readIdxBytes), so a decompression bomb costs no more memory than an
 * honest file of the declared size.
 *
 * @example
 * const images = readIdxImages('train-images-idx3-ubyte.gz'); // { count: 60000, height: 28, width: 28, pixels }
 */
import buffer from 'node:buffer';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { badInput } from '../errors.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  readonly file: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** Row-major pixels 0…255, image after image: `count · height · width` bytes. */
  readonly pixels: Uint8Array;
}

export interface IdxLabels {
  readonly file: string;
  readonly count: number;
  readonly labels: Uint8Array;
}

/** Whether `bytes` start like a gzip stream. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The file's bytes, decompressed when it is gzip. A gzip file is never inflated beyond what its
 * IDX header declares: the header is read from the first few hundred compressed bytes, and the
 * rest is inflated with the declared size as the most it may give, so a small file that expands
 * to gigabytes (a decompression bomb, or a header that declares less than the stream holds) is
 * refused after at most the declared bytes, and a stream holding less than declared is truncated.
 */
export function readIdxBytes(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw badInput(file, undefined, `cannot read the IDX file: ${(e as Error).message}`);
  }
  if (!isGzip(raw)) return raw;
  const layout = declaredLayout(file, gunzipPrefix(file, raw));
  if (layout.total > buffer.constants.MAX_LENGTH) {
    throw badInput(file, undefined, `the header declares ${layout.sizes.join(' × ')} (${layout.total} bytes), more than one buffer can hold`);
  }
  let bytes: Buffer;
  try {
    bytes = zlib.gunzipSync(raw, { maxOutputLength: Math.max(1, layout.total) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw badInput(
        file,
        undefined,
        `the gzip stream holds more than the ${layout.total} bytes its header declares (${layout.sizes.join(' × ')}); refused without inflating the rest`,
      );
    }
    throw badInput(file, undefined, `the gzip stream is truncated or corrupt (${(e as Error).message.slice(0, 80)})`);
  }
  return bytes;
}

/** Inflate only the start of a gzip stream: enough for the largest IDX header (4 + 4 · 255 bytes). */
function gunzipPrefix(file: string, raw: Buffer): Buffer {
  const want = 4 + 4 * 255;
  for (let n = 64; ; n *= 2) {
    let head: Buffer;
    try {
      // Z_SYNC_FLUSH: a cut-off stream gives what it has instead of failing.
      head = zlib.gunzipSync(raw.subarray(0, Math.min(n, raw.length)), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 24 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Error('unreachable: a prefix inflates to more than 16 MiB');
      throw badInput(file, undefined, `the gzip stream is truncated or corrupt (${(e as Error).message.slice(0, 80)})`);
    }
    if (head.length >= want || n >= raw.length) return head;
  }
}

/** The sizes an IDX header declares and the bytes header and body take together. */
function declaredLayout(file: string, head: Uint8Array): { sizes: number[]; total: number } {
  if (head.length < 4) throw badInput(file, undefined, `${head.length} bytes is too short for an IDX header (truncated?)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = view.getUint32(0, false) & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (head.length < headerBytes) {
    throw badInput(file, undefined, `the header is truncated: ${dims} sizes need ${headerBytes} bytes, the file has ${head.length}`);
  }
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { sizes, total: headerBytes + sizes.reduce((a, b) => a * b, 1) };
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return `${magic} (an IDX image file)`;
  if (magic === IDX_LABELS_MAGIC) return `${magic} (an IDX label file)`;
  return `${magic} (0x${magic.toString(16).padStart(8, '0')}, not an IDX image or label file)`;
}

/** Check the magic number and the sizes; returns the sizes and the elements. */
function parse(file: string, bytes: Uint8Array, magic: number, what: string): { sizes: number[]; body: Uint8Array } {
  if (bytes.length < 4) throw badInput(file, undefined, `${bytes.length} bytes is too short for an IDX header (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw badInput(file, undefined, `magic number ${describeMagic(found)}; an IDX ${what} file has ${magic}`);
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) {
    throw badInput(file, undefined, `the header is truncated: ${dims} sizes need ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = sizes.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(headerBytes);
  if (body.length < expected) {
    throw badInput(file, undefined, `truncated: the header declares ${sizes.join(' × ')} (${expected} bytes of data), the file holds ${body.length}`);
  }
  if (body.length > expected) {
    throw badInput(file, undefined, `${body.length - expected} bytes follow the ${sizes.join(' × ')} the header declares`);
  }
  return { sizes, body };
}

/** Read an IDX image file (magic 2051); raw or gzip. */
export function readIdxImages(file: string): IdxImages {
  const { sizes, body } = parse(file, readIdxBytes(file), IDX_IMAGES_MAGIC, 'image');
  const [count, height, width] = sizes as [number, number, number];
  if (count > 0 && (height === 0 || width === 0)) throw badInput(file, undefined, `images of ${height} × ${width} pixels have no pixels`);
  return { file, count, height, width, pixels: body };
}

/** Read an IDX label file (magic 2049); raw or gzip. */
export function readIdxLabels(file: string): IdxLabels {
  const { sizes, body } = parse(file, readIdxBytes(file), IDX_LABELS_MAGIC, 'label');
  return { file, count: sizes[0]!, labels: body };
}
