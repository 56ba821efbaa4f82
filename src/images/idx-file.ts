/**
 * IDX files, the format MNIST and Fashion-MNIST ship in (raw or gzip-compressed; the gzip magic
 * bytes decide, not the name). Big-endian header: a magic number whose third byte is the element
 * type (0x08, unsigned bytes) and fourth the number of dimensions, then one 32-bit size per
 * dimension, then the elements. Images are magic 2051 (0x00000803: count × rows × columns),
 * labels 2049 (0x00000801: count).
 *
 * Every check names the file: a wrong magic number, a truncated header or body, bytes beyond
 * what the header declares, a gzip stream that ends early.
 *
 * Two ways to read. `openIdx` and `idxRecords` stream: the header is checked first, then one
 * counting pass over the (decompressed) body proves it holds exactly the declared bytes, stopping
 * as soon as it holds more, and only then are the elements handed out, a batch at a time, from a
 * second pass. Memory stays at one batch and the stream buffers whatever the file's size, and a
 * file whose body disagrees with its header is refused before the caller has used any of it.
 * `readIdxImages`, `readIdxLabels` and `readIdxBytes` hold the whole content in memory; a gzip
 * stream is still inflated no further than its header declares.
 *
 * @example
 * const idx = await openIdx('train-images-idx3-ubyte.gz', IDX_IMAGES_MAGIC, 'image'); // sizes [60000, 28, 28]
 * for await (const pixels of idxRecords(idx, 28 * 28, 2000)) use(pixels); // 2000 images a time
 * const images = readIdxImages('train-images-idx3-ubyte.gz'); // { count: 60000, height: 28, width: 28, pixels }
 */
import buffer from 'node:buffer';
import fs from 'node:fs';
import stream from 'node:stream';
import zlib from 'node:zlib';
import { StoreError, badInput } from '../errors.js';

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
    throw unreadable(file, e as Error);
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
      throw gzipBeyond(file, layout.sizes, layout.total);
    }
    throw gzipCorrupt(file, e as Error);
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
      throw gzipCorrupt(file, e as Error);
    }
    if (head.length >= want || n >= raw.length) return head;
  }
}

/** The sizes an IDX header declares and the bytes header and body take together. */
function declaredLayout(file: string, head: Uint8Array): { sizes: number[]; total: number } {
  if (head.length < 4) throw tooShort(file, head.length);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = view.getUint32(0, false) & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (head.length < headerBytes) throw headerTruncated(file, dims, headerBytes, head.length);
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { sizes, total: headerBytes + sizes.reduce((a, b) => a * b, 1) };
}

/** The messages of the checks, one wording for the streaming and the in-memory reads. */
const tooShort = (file: string, n: number) => badInput(file, undefined, `${n} bytes is too short for an IDX header (truncated?)`);
const wrongMagic = (file: string, found: number, magic: number, what: string) =>
  badInput(file, undefined, `magic number ${describeMagic(found)}; an IDX ${what} file has ${magic}`);
const headerTruncated = (file: string, dims: number, headerBytes: number, n: number) =>
  badInput(file, undefined, `the header is truncated: ${dims} sizes need ${headerBytes} bytes, the file has ${n}`);
const bodyTruncated = (file: string, sizes: readonly number[], expected: number, held: number) =>
  badInput(file, undefined, `truncated: the header declares ${sizes.join(' × ')} (${expected} bytes of data), the file holds ${held}`);
const bytesBeyond = (file: string, sizes: readonly number[], extra: number) =>
  badInput(file, undefined, `${extra} bytes follow the ${sizes.join(' × ')} the header declares`);
const gzipBeyond = (file: string, sizes: readonly number[], total: number) =>
  badInput(file, undefined, `the gzip stream holds more than the ${total} bytes its header declares (${sizes.join(' × ')}); refused without inflating the rest`);
const gzipCorrupt = (file: string, e: Error) => badInput(file, undefined, `the gzip stream is truncated or corrupt (${e.message.slice(0, 80)})`);
const unreadable = (file: string, e: Error) => badInput(file, undefined, `cannot read the IDX file: ${e.message}`);

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return `${magic} (an IDX image file)`;
  if (magic === IDX_LABELS_MAGIC) return `${magic} (an IDX label file)`;
  return `${magic} (0x${magic.toString(16).padStart(8, '0')}, not an IDX image or label file)`;
}

/** Check the magic number and the sizes; returns the sizes and the elements. */
function parse(file: string, bytes: Uint8Array, magic: number, what: string): { sizes: number[]; body: Uint8Array } {
  if (bytes.length < 4) throw tooShort(file, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw wrongMagic(file, found, magic, what);
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) throw headerTruncated(file, dims, headerBytes, bytes.length);
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = sizes.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(headerBytes);
  if (body.length < expected) throw bodyTruncated(file, sizes, expected, body.length);
  if (body.length > expected) throw bytesBeyond(file, sizes, body.length - expected);
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

/** An IDX file whose header was checked and whose body holds exactly the bytes the header declares. */
export interface IdxFile {
  readonly file: string;
  readonly magic: number;
  /** The sizes the header declares, count first (`[60000, 28, 28]`). */
  readonly sizes: readonly number[];
  /** Bytes of the header, before the first element. */
  readonly headerBytes: number;
  /** Bytes of the elements: the product of the sizes. */
  readonly bodyBytes: number;
  /** Whether the file is gzip-compressed. */
  readonly gzip: boolean;
}

/** Bytes read from the file, and inflated, per step of a pass. */
const CHUNK = 64 * 1024;

/** Up to `length` bytes of the raw file at `position`, and the file's size. */
async function readRawAt(file: string, length: number, position: number): Promise<{ bytes: Buffer; size: number }> {
  try {
    const handle = await fs.promises.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const bytes = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      const { bytesRead } = bytes.length === 0 ? { bytesRead: 0 } : await handle.read(bytes, 0, bytes.length, position);
      return { bytes: bytes.subarray(0, bytesRead), size };
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw unreadable(file, e as Error);
  }
}

/**
 * The file's content, decompressed when `gzip`, from byte `rawStart` of the file on, a chunk
 * at a time: only what the caller has asked for is read and inflated, and stopping early (a
 * `break`, a throw) closes the file. Errors name the file.
 */
async function* contentChunks(file: string, gzip: boolean, rawStart = 0): AsyncGenerator<Uint8Array> {
  const source = fs.createReadStream(file, { start: rawStart, highWaterMark: CHUNK });
  let sourceError: Error | undefined;
  source.once('error', (e) => {
    sourceError = e;
  });
  const chunks: AsyncIterable<Buffer> = gzip ? stream.pipeline(source, zlib.createGunzip({ chunkSize: CHUNK }), () => {}) : source;
  try {
    for await (const chunk of chunks) yield chunk;
  } catch (e) {
    if (sourceError !== undefined || !gzip) throw unreadable(file, sourceError ?? (e as Error));
    throw gzipCorrupt(file, e as Error);
  } finally {
    source.destroy();
  }
}

/**
 * Check an IDX file without holding its content: the magic number (`magic`; `what` names the
 * kind in messages, `image` or `label`), the header, and that the body holds exactly the bytes
 * the header declares. A raw file's size comes from the file system; a gzip stream is inflated
 * once to count its bytes, in constant memory, and the count stops as soon as it passes the
 * declared size, so a small file that would inflate to gigabytes costs only the declared bytes
 * of inflating and never their memory. Nothing of the body is handed out: use `idxRecords`.
 */
export async function openIdx(file: string, magic: number, what: string): Promise<IdxFile> {
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  const start = await readRawAt(file, headerBytes, 0);
  const gzip = isGzip(start.bytes);
  let head = start.bytes;
  let held = start.size;
  if (gzip) {
    // One pass over the inflated stream: the header from its first bytes, then a count.
    const first: Uint8Array[] = [];
    let firstBytes = 0;
    let total = Infinity;
    let sizes: number[] | undefined;
    held = 0;
    for await (const chunk of contentChunks(file, true)) {
      held += chunk.length;
      if (sizes === undefined) {
        first.push(chunk);
        firstBytes += chunk.length;
        if (firstBytes >= 4) {
          const found = Buffer.concat(first).readUInt32BE(0);
          if (found !== magic) throw wrongMagic(file, found, magic, what);
        }
        if (firstBytes >= headerBytes) {
          head = Buffer.concat(first).subarray(0, headerBytes);
          first.length = 0;
          sizes = Array.from({ length: dims }, (_, i) => head.readUInt32BE(4 + 4 * i));
          total = headerBytes + sizes.reduce((a, b) => a * b, 1);
        }
      }
      if (held > total) throw gzipBeyond(file, sizes!, total);
    }
    if (sizes === undefined) head = Buffer.concat(first);
  }
  if (head.length < 4) throw tooShort(file, head.length);
  const found = head.readUInt32BE(0);
  if (found !== magic) throw wrongMagic(file, found, magic, what);
  if (head.length < headerBytes) throw headerTruncated(file, dims, headerBytes, held);
  const sizes = Array.from({ length: dims }, (_, i) => head.readUInt32BE(4 + 4 * i));
  const bodyBytes = sizes.reduce((a, b) => a * b, 1);
  if (held - headerBytes < bodyBytes) throw bodyTruncated(file, sizes, bodyBytes, held - headerBytes);
  if (held - headerBytes > bodyBytes) throw bytesBeyond(file, sizes, held - headerBytes - bodyBytes);
  return { file, magic, sizes, headerBytes, bodyBytes, gzip };
}

/**
 * The elements of a checked IDX file (`openIdx`), `perBatch` records of `recordBytes` bytes at a
 * time (an image is `rows · columns` bytes, a label 1), the last batch holding what is left.
 * Each batch is a view of one buffer that the next batch overwrites: use it, or copy it, before
 * asking for the next. A file that changed since it was checked (a body longer or shorter than
 * declared) fails, naming the file.
 */
export async function* idxRecords(idx: IdxFile, recordBytes: number, perBatch: number): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(recordBytes) || recordBytes < 1 || idx.bodyBytes % recordBytes !== 0) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `idxRecords: ${o('recordBytes')} must be a positive whole number dividing the ${idx.bodyBytes} bytes of ${idx.file}, got ${recordBytes}`);
  }
  if (!Number.isSafeInteger(perBatch) || perBatch < 1) throw new StoreError('E_BAD_ARGUMENT', (o) => `idxRecords: ${o('perBatch')} must be a positive whole number, got ${perBatch}`);
  const changed = () => badInput(idx.file, undefined, `the file changed while it was read: its body no longer holds the ${idx.bodyBytes} bytes its header declares`);
  const batch = Buffer.allocUnsafe(Math.min(idx.bodyBytes, recordBytes * perBatch));
  let skip = idx.gzip ? idx.headerBytes : 0; // a raw file is read from its first element on
  let seen = 0;
  let filled = 0;
  for await (const whole of contentChunks(idx.file, idx.gzip, idx.gzip ? 0 : idx.headerBytes)) {
    let chunk = whole;
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      chunk = chunk.subarray(n);
      skip -= n;
    }
    if (seen + chunk.length > idx.bodyBytes) throw changed();
    seen += chunk.length;
    while (chunk.length > 0) {
      const n = Math.min(batch.length - filled, chunk.length);
      batch.set(chunk.subarray(0, n), filled);
      filled += n;
      chunk = chunk.subarray(n);
      if (filled === batch.length) {
        yield batch.subarray(0, filled);
        filled = 0;
      }
    }
  }
  if (seen < idx.bodyBytes) throw changed();
  if (filled > 0) yield batch.subarray(0, filled);
}
