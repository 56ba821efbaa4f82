/**
 * Small synthetic inputs for the image tests: IDX files (raw or gzip, with deliberate faults),
 * PNG and JPEG files written by sharp (an encoder independent of the pngjs decoder under test),
 * and a listing of every file under a folder (for "no stray files" checks).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

/** A deterministic image stack: pixel (n, y, x) = (n·31 + y·7 + x·3) mod 256. */
export function syntheticPixels(count: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(count * height * width);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[(n * height + y) * width + x] = (n * 31 + y * 7 + x * 3) % 256;
  }
  return out;
}

/** IDX header + body bytes; `magic` and `sizes` may lie on purpose. */
export function idxBytes(magic: number, sizes: readonly number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * sizes.length);
  header.writeUInt32BE(magic, 0);
  sizes.forEach((s, i) => header.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

export interface IdxPair {
  readonly images: string;
  readonly labels: string;
  readonly pixels: Uint8Array;
  readonly labelValues: Uint8Array;
}

/** Write `PREFIX-images-idx3-ubyte` and `PREFIX-labels-idx1-ubyte` (gzip when asked) into `dir`. */
export function writeIdxPair(dir: string, prefix: string, count: number, height: number, width: number, options: { gzip?: boolean } = {}): IdxPair {
  const pixels = syntheticPixels(count, height, width);
  const labelValues = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const gz = (b: Buffer) => (options.gzip ? zlib.gzipSync(b) : b);
  const suffix = options.gzip ? '.gz' : '';
  const images = path.join(dir, `${prefix}-images-idx3-ubyte${suffix}`);
  const labels = path.join(dir, `${prefix}-labels-idx1-ubyte${suffix}`);
  fs.writeFileSync(images, gz(idxBytes(2051, [count, height, width], pixels)));
  fs.writeFileSync(labels, gz(idxBytes(2049, [count], labelValues)));
  return { images, labels, pixels, labelValues };
}

/** Every file (not folder) under `dir`, relative, sorted; [] when `dir` does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

export type RawDepth = 8 | 16;

/**
 * A PNG written by hand (signature, IHDR, one IDAT of unfiltered rows, IEND): used for 16-bit
 * images, which sharp's raw input cannot take, so the decoder is checked against an encoder of
 * our own rather than its own library.
 */
export function pngByHand(samples: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4, depth: RawDepth): Buffer {
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const bytesPerSample = depth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = Buffer.alloc(height * (1 + rowBytes));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + rowBytes);
    raw[row] = 0; // filter: none
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i]!;
      if (depth === 16) raw.writeUInt16BE(v, row + 1 + 2 * i);
      else raw[row + 1 + i] = v;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Write an image from interleaved samples: 8-bit PNGs and JPEGs (grey or RGB) through sharp,
 * 16-bit PNGs by hand ({@link pngByHand}). Returns the file's path.
 */
export async function writeImage(
  file: string,
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  depth: RawDepth = 8,
): Promise<string> {
  if (depth === 16) {
    fs.writeFileSync(file, pngByHand(samples, width, height, channels, 16));
    return file;
  }
  let pipeline = sharp(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), { raw: { width, height, channels } });
  if (channels <= 2) pipeline = pipeline.toColourspace('b-w');
  await (/\.jpe?g$/i.test(file) ? pipeline.jpeg({ quality: 100 }) : pipeline.png()).toFile(file);
  return file;
}

/** `count` interleaved samples following a simple ramp, 8 or 16-bit. */
export function ramp(count: number, depth: RawDepth): Uint8Array | Uint16Array {
  if (depth === 16) return Uint16Array.from({ length: count }, (_, i) => (i * 4099) % 65536);
  return Uint8Array.from({ length: count }, (_, i) => (i * 37) % 256);
}
