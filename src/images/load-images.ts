/**
 * Images a store query selects, as one array ready for training: uint8 pixels laid out
 * N × C × H × W (PyTorch's layout), plus the query's other columns. The decoded array is cached
 * beside the store (image-cache.ts) and reused while no file changes, so only the first load of a
 * training set decodes its PNGs.
 *
 * @example
 * const train = await loadImages(store, "SELECT * FROM mnist WHERE split = 'train' ORDER BY id");
 * train.pixels;            // Uint8Array of 60000 · 1 · 28 · 28
 * train.columns['label'];  // [5, 0, 4, …]
 * const big = await loadImages(store, 'SELECT * FROM mnist', { size: 64, channels: 3 });
 */
import fs from 'node:fs';
import path from 'node:path';
import { containedPath } from '../contained-path.js';
import { StoreError, badInput } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import type { Store } from '../store/store.js';
import type { Cell, Row } from '../store/types.js';
import type { DecodedImage } from './decoded-image.js';
import { decodeImage } from './decode-image.js';
import { CACHE_FORMAT, type CacheIndex, ImageCache, STAMP_FIELDS, isRacy, putStamp, sameStamp, sha256 } from './image-cache.js';
import { type TargetChannels, writePlanar } from './planar-pixels.js';
import { type DecodeOptions, pixelLimit } from './pixel-limit.js';
import { decodePng, isPng } from './png-codec.js';
import { resizePlane } from './resample.js';

export interface LoadImagesOptions {
  /** The column holding image paths; default: the query's one column whose name starts with `FILE`. */
  readonly imageColumn?: string;
  /**
   * Resize every image to `size × size`, or `[height, width]` (Pillow's bilinear, as torchvision's
   * `Resize`); default: the images' own size, which must then be the same for all.
   */
  readonly size?: number | readonly [number, number];
  /** 1 grey, 3 RGB, 4 RGBA; default: 1 when the first image is grey, 3 otherwise. */
  readonly channels?: TargetChannels;
  /** Values for the query's `?` placeholders. */
  readonly params?: readonly Cell[];
  /** Keep and reuse the decoded array in the store's data folder (default true). */
  readonly cache?: boolean;
  /**
   * Most pixels an image's header may declare, checked before it is decoded (default Pillow's
   * 89,478,485; `Infinity` for no limit): a larger one fails with E_BAD_INPUT naming it.
   */
  readonly maxPixels?: number;
  /**
   * A folder every image must lie inside, after resolving symlinks (the store's data folder, for
   * files the store wrote itself, such as predictions); a path leading out of it fails with
   * `E_UNSAFE_PATH`. Default: images may be wherever the store's rows say.
   */
  readonly within?: string;
  readonly onProgress?: ProgressCallback;
}

/** How a load used the cache: `hit` (nothing decoded), `refreshed` (changed files decoded again), `miss`, `off`. */
export type CacheOutcome = 'hit' | 'refreshed' | 'miss' | 'off';

export interface LoadedImages {
  /** `count · channels · height · width` bytes: image after image, channel plane after plane, rows top to bottom. */
  readonly pixels: Uint8Array;
  readonly count: number;
  readonly channels: TargetChannels;
  readonly height: number;
  readonly width: number;
  /** The query's other columns, in row order (`columns.label[i]` belongs to image i). */
  readonly columns: Readonly<Record<string, Cell[]>>;
  /** Each image's file, absolute, in row order. */
  readonly files: readonly string[];
  readonly cache: CacheOutcome;
  /** How many images were decoded by this call (0 on a cache hit). */
  readonly decoded: number;
  /**
   * Rows of the query left out because the caller may not read their files (the image and any
   * other `FILE…` value): counted, never loaded. Always set by {@link loadImages}.
   */
  readonly withheld?: number;
}

/** Images decoded between two progress events (and between two yields to the event loop). */
const PROGRESS_EVERY = 1000;

function checkOptions(options: LoadImagesOptions): { size: readonly [number, number] | undefined; channels: TargetChannels | undefined; maxPixels: number } {
  let size: readonly [number, number] | undefined;
  if (options.size !== undefined) {
    size = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 1 && n <= 16384)) {
      throw new StoreError('E_BAD_ARGUMENT', (o) => `loadImages: ${o('size')} must be a whole number of pixels (1–16384) or [height, width], got ${JSON.stringify(options.size)}`);
    }
  }
  const channels = options.channels;
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 4) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `loadImages: ${o('channels')} must be 1, 3 or 4, got ${JSON.stringify(channels)}`);
  }
  if (options.imageColumn !== undefined && (typeof options.imageColumn !== 'string' || options.imageColumn === '')) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `loadImages: ${o('imageColumn')} must be a column name, got ${JSON.stringify(options.imageColumn)}`);
  }
  return { size, channels, maxPixels: pixelLimit(options.maxPixels, 'loadImages') };
}

/** The image column among `names`: the one asked for, or the only `FILE…` column. */
function imageColumnOf(names: readonly string[], asked: string | undefined): string {
  if (asked !== undefined) {
    const found = names.find((n) => n.toLowerCase() === asked.toLowerCase());
    if (!found) throw new StoreError('E_COLUMN_MISSING', `loadImages: the query has no column "${asked}"; its columns: ${names.join(', ')}`);
    return found;
  }
  const files = names.filter((n) => /^file/i.test(n));
  if (files.length === 1) return files[0]!;
  throw new StoreError(
    'E_BAD_ARGUMENT',
    (o) =>
      files.length === 0
        ? `loadImages: the query has no FILE column; name the image column with ${o('imageColumn')} (columns: ${names.join(', ')})`
        : `loadImages: the query has several FILE columns (${files.join(', ')}); choose one with ${o('imageColumn')}`,
  );
}

/**
 * Absolute paths of stored `FILE` values under `root`. The values the store writes are plain
 * relative paths, which are joined as they are: `path.resolve` on 60,000 of them costs about
 * 0.1 s of a warm load. Anything else (absolute, `.`/`..` segments, backslashes) is resolved.
 */
function pathResolver(root: string): (value: string) => string {
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  const plain = (v: string) => path.sep === '/' && v[0] !== '/' && v[0] !== '.' && !v.includes('./') && !v.includes('//') && !v.includes('\\') && !v.endsWith('.');
  return (v) => (plain(v) ? prefix + v : path.resolve(root, v));
}

/** Row `i`'s image path, absolute. */
function resolveFile(row: Row, column: string, i: number, resolve: (value: string) => string): string {
  const v = row[column];
  if (typeof v !== 'string' || v === '') {
    throw new StoreError('E_BAD_INPUT', `loadImages: row ${i + 1} of the query has no image path in ${column} (got ${v === null ? 'NULL' : JSON.stringify(String(v))})`);
  }
  return resolve(v);
}

/** Stat every file; a missing or unreadable one fails naming it and its row. */
function stampAll(files: readonly string[], column: string): Float64Array {
  const stamps = new Float64Array(files.length * STAMP_FIELDS);
  for (let i = 0; i < files.length; i++) {
    let s: fs.Stats;
    try {
      s = fs.statSync(files[i]!);
    } catch (e) {
      throw missing(files[i]!, i, column, e);
    }
    putStamp(stamps, i, s);
  }
  return stamps;
}

function missing(file: string, i: number, column: string, e: unknown): StoreError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${(e as Error).message})`;
  return badInput(file, undefined, `the image of row ${i + 1} of the query (${column}) ${why}`);
}

function readBytes(file: string, i: number, column: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw missing(file, i, column, e);
  }
}

/** How each image becomes its slot of the output. */
export interface Target {
  height: number;
  width: number;
  channels: TargetChannels;
  /** Whether images of another size are resized (true when `size` was given). */
  readonly resize: boolean;
}

/** Decode bytes; PNGs synchronously (the fast path), anything else through sharp. */
export function decode(bytes: Uint8Array, file: string, options: DecodeOptions = {}): DecodedImage | Promise<DecodedImage> {
  return isPng(bytes) ? decodePng(bytes, file, options) : decodeImage(bytes, file, options);
}

/** Convert (and resize) `image` into slot `i` of `pixels`; also for callers reading a few files themselves. */
export function place(image: DecodedImage, target: Target, pixels: Uint8Array, i: number, file: string, first: string): void {
  const { height, width, channels } = target;
  const slot = i * channels * height * width;
  if (image.height === height && image.width === width) {
    writePlanar(image, channels, pixels, slot);
    return;
  }
  if (!target.resize) {
    throw badInput(
      file,
      undefined,
      `is ${image.width} × ${image.height} pixels but ${path.basename(first)} is ${width} × ${height}; give loadImages a size to resize them all`,
    );
  }
  const plane = image.width * image.height;
  const native = new Uint8Array(channels * plane);
  writePlanar(image, channels, native, 0);
  for (let c = 0; c < channels; c++) resizePlane(native, c * plane, image.width, image.height, pixels, slot + c * height * width, width, height);
}

/**
 * Load the images `query` selects (read-only SQL over `store`) as N × C × H × W uint8 pixels plus
 * the query's other columns. Paths in the image column are relative to the store's folder (or
 * absolute). A missing, unreadable or corrupt image fails with `E_BAD_INPUT` naming it.
 */
export async function loadImages(store: Store, query: string, options: LoadImagesOptions = {}): Promise<LoadedImages> {
  const { size, channels: askedChannels, maxPixels } = checkOptions(options);
  const limit: DecodeOptions = { maxPixels };
  const queried = await store.query(query, options.params ?? []);
  const names = queried[0] ? Object.keys(queried[0]) : [];
  let withheld = queried.withheld ?? 0;
  const empty = (): LoadedImages => {
    const [height, width] = size ?? [0, 0];
    return { pixels: new Uint8Array(0), count: 0, channels: askedChannels ?? 1, height, width, columns: {}, files: [], cache: 'off', decoded: 0, withheld };
  };
  if (queried.length === 0) return empty();
  const column = imageColumnOf(names, options.imageColumn);
  // The image column is judged too, whatever its name (answers are cached: a FILE column's
  // files were asked by the query already).
  const rows = await store.visibleRows(queried, [column]);
  withheld += rows.withheld ?? 0;
  if (rows.length === 0) return empty();
  const resolve = pathResolver(store.fileRoot);
  const files = rows.map((r, i) => resolveFile(r, column, i, resolve));
  if (options.within !== undefined) rows.forEach((r, i) => containedPath(options.within!, String(r[column]), { base: store.fileRoot, origin: `loadImages: row ${i + 1}'s ${column}` }));
  const columns: Record<string, Cell[]> = {};
  for (const name of names) if (name !== column) columns[name] = rows.map((r) => r[name] ?? null);
  const count = files.length;

  const folder = options.cache === false || store.dataFolder === undefined ? undefined : containedPath(store.dataFolder, path.join('.cache', 'images'), { origin: 'the image cache folder' });
  const cache = folder === undefined ? undefined : new ImageCache(folder);
  const key = ImageCache.key(files, { size: size ? size.join('x') : 'native', channels: String(askedChannels ?? 'auto') });
  const checkedAtMs = Date.now();
  const stamps = stampAll(files, column);
  const hashes = new Uint8Array(count * 32);
  const result = (pixels: Uint8Array, t: { channels: TargetChannels; height: number; width: number }, outcome: CacheOutcome, decoded: number): LoadedImages => ({
    pixels,
    count,
    channels: t.channels,
    height: t.height,
    width: t.width,
    columns,
    files,
    cache: outcome,
    decoded,
    withheld,
  });
  const report = (done: number) => options.onProgress?.({ task: 'decode images', done, total: count, unit: 'images' });

  // Warm: reuse the cached array, decoding again only the files whose stamp or bytes changed.
  const index = cache?.readIndex(key, count);
  if (cache && index) {
    const h = index.header;
    const pixels = cache.readPixels(key, count * h.channels * h.height * h.width);
    if (pixels) {
      const stale: number[] = [];
      let racy = false;
      for (let i = 0; i < count; i++) {
        if (!sameStamp(stamps, index.stamps, i)) stale.push(i);
        else if (isRacy(index.stamps, i, h.checkedAtMs)) {
          racy = true;
          const digest = sha256(readBytes(files[i]!, i, column));
          if (!digest.equals(index.hashes.subarray(i * 32, i * 32 + 32))) stale.push(i);
        }
      }
      const target: Target = { height: h.height, width: h.width, channels: h.channels as TargetChannels, resize: size !== undefined };
      hashes.set(index.hashes);
      for (let k = 0; k < stale.length; k++) {
        const i = stale[k]!;
        const bytes = readBytes(files[i]!, i, column);
        hashes.set(sha256(bytes), i * 32);
        place(await decode(bytes, files[i]!, limit), target, pixels, i, files[i]!, files[0]!);
        if ((k + 1) % PROGRESS_EVERY === 0) report(k + 1);
      }
      // Rewrite the index when files changed, or when racy files were proven unchanged (they are
      // not racy against a newer check time, so later loads need not hash them again).
      if (stale.length > 0 || racy) {
        const fresh: CacheIndex = { header: { ...h, checkedAtMs }, stamps, hashes };
        tryWrite(() => cache.write(key, fresh, stale.length > 0 ? pixels : undefined));
      }
      return result(pixels, target, stale.length > 0 ? 'refreshed' : 'hit', stale.length);
    }
  }

  // Cold: decode everything. The first image fixes the size and channels nobody asked for.
  const firstBytes = readBytes(files[0]!, 0, column);
  const first = await decode(firstBytes, files[0]!, limit);
  const target: Target = {
    height: size ? size[0] : first.height,
    width: size ? size[1] : first.width,
    channels: askedChannels ?? (first.channels <= 2 ? 1 : 3),
    resize: size !== undefined,
  };
  const pixels = new Uint8Array(count * target.channels * target.height * target.width);
  for (let i = 0; i < count; i++) {
    const bytes = i === 0 ? firstBytes : readBytes(files[i]!, i, column);
    hashes.set(sha256(bytes), i * 32);
    const image = i === 0 ? first : await decode(bytes, files[i]!, limit);
    place(image, target, pixels, i, files[i]!, files[0]!);
    if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === count) {
      report(i + 1);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (cache) {
    const header = { format: CACHE_FORMAT, count, channels: target.channels, height: target.height, width: target.width, checkedAtMs };
    tryWrite(() => cache.write(key, { header, stamps, hashes }, pixels));
  }
  return result(pixels, target, cache ? 'miss' : 'off', count);
}

/** The cache is an optimisation: a data folder we cannot write (a read-only store) only costs speed. */
function tryWrite(fn: () => void): void {
  try {
    fn();
  } catch {
    /* not cached this time */
  }
}
