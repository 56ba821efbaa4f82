/**
 * The decoded-array cache of `loadImages`, on disk in the store's data folder
 * (`NAME.data/.cache/images/`), so that training does not decode 60,000 PNGs every epoch or run.
 *
 * One entry per key (the resolved file list, the size and the channels asked for, the cache
 * format): `KEY.pixels` holds the N × C × H × W bytes, `KEY.index` a header and, per file, the
 * stamp it had when decoded (size, modification and change times, inode, device) and the SHA-256
 * of its bytes. An entry is valid for a file while its stamp is unchanged. A stamp cannot see a
 * change made within the file system's timestamp granularity of when it was taken (the "racy"
 * case of git's index), so files modified within {@link RACY_WINDOW_MS} of the check are hashed
 * again and compared. Both files are written to temporary names and renamed, so readers never see
 * half an entry; the most recently written {@link KEEP_ENTRIES} entries are kept, as long as their
 * pixels together stay under the byte cap ({@link cacheMaxBytes}; the newest entry always stays).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, writeFileAtomicSync } from '../atomic-write.js';

/** Bump when the pixels a key describes would change (a new conversion, say). */
export const CACHE_FORMAT = 1;
/** Timestamps this close to the check are not trusted (FAT keeps 2 s, ext3 and HFS+ 1 s). */
export const RACY_WINDOW_MS = 2000;
/** Entries kept per store; older ones are removed when a new one is written. */
export const KEEP_ENTRIES = 8;
/** The default cap on the kept entries' pixel bytes: 4 GiB. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

/** The byte cap: `DSI_IMAGE_CACHE_MAX_BYTES` when set to a whole number, else {@link DEFAULT_MAX_BYTES}. */
export function cacheMaxBytes(): number {
  const raw = process.env['DSI_IMAGE_CACHE_MAX_BYTES'];
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_MAX_BYTES;
}

const MAGIC = 'DSIIMGC1';
/** Numbers per file in the index: size, mtimeMs, ctimeMs, ino, dev. */
export const STAMP_FIELDS = 5;
const HASH_BYTES = 32;

export interface CacheHeader {
  readonly format: number;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** `Date.now()` before the files were checked: stamps newer than this minus the window are racy. */
  readonly checkedAtMs: number;
}

export interface CacheIndex {
  readonly header: CacheHeader;
  /** `STAMP_FIELDS` numbers per file. */
  readonly stamps: Float64Array;
  /** 32 bytes of SHA-256 per file. */
  readonly hashes: Uint8Array;
}

/** A file's stamp into `stamps` at file `i`. */
export function putStamp(stamps: Float64Array, i: number, s: fs.Stats): void {
  const o = i * STAMP_FIELDS;
  stamps[o] = s.size;
  stamps[o + 1] = s.mtimeMs;
  stamps[o + 2] = s.ctimeMs;
  stamps[o + 3] = s.ino;
  stamps[o + 4] = s.dev;
}

/** Whether file `i` has the same stamp in `a` and `b`. */
export function sameStamp(a: Float64Array, b: Float64Array, i: number): boolean {
  const o = i * STAMP_FIELDS;
  for (let k = 0; k < STAMP_FIELDS; k++) if (a[o + k] !== b[o + k]) return false;
  return true;
}

/** Whether file `i`'s stamp is too close to `checkedAtMs` to prove it unchanged. */
export function isRacy(stamps: Float64Array, i: number, checkedAtMs: number): boolean {
  const o = i * STAMP_FIELDS;
  const limit = checkedAtMs - RACY_WINDOW_MS;
  return stamps[o + 1]! >= limit || stamps[o + 2]! >= limit;
}

export function sha256(bytes: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(bytes).digest();
}

/** Write `data` to `file` atomically (src/atomic-write.ts), so no reader sees it half written. */
function writeAtomically(file: string, parts: readonly Uint8Array[]): void {
  writeFileAtomicSync(file, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
}

export interface ImageCacheOptions {
  /** Cap on the kept entries' pixel bytes (default {@link cacheMaxBytes}). */
  readonly maxBytes?: number;
}

export class ImageCache {
  readonly #folder: string;
  readonly #maxBytes: number;

  constructor(folder: string, options: ImageCacheOptions = {}) {
    this.#folder = folder;
    this.#maxBytes = options.maxBytes ?? cacheMaxBytes();
  }

  /** The key of a load: what it reads and how it converts. */
  static key(files: readonly string[], spec: { size: string; channels: string }): string {
    const h = crypto.createHash('sha256');
    h.update(`dsi image cache ${CACHE_FORMAT}\0size=${spec.size}\0channels=${spec.channels}\0`);
    for (const f of files) h.update(`${f}\0`);
    return h.digest('hex').slice(0, 40);
  }

  #paths(key: string): { index: string; pixels: string } {
    return { index: path.join(this.#folder, `${key}.index`), pixels: path.join(this.#folder, `${key}.pixels`) };
  }

  /** The index of `key`, or undefined when absent, unreadable or not for `count` files. */
  readIndex(key: string, count: number): CacheIndex | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.#paths(key).index);
    } catch {
      return undefined;
    }
    try {
      if (bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
      const headerLength = bytes.readUInt32LE(8);
      const header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as CacheHeader;
      if (header.format !== CACHE_FORMAT || header.count !== count) return undefined;
      let offset = 12 + headerLength;
      offset += (8 - (offset % 8)) % 8;
      const stampBytes = count * STAMP_FIELDS * 8;
      if (bytes.length !== offset + stampBytes + count * HASH_BYTES) return undefined;
      const stamps = new Float64Array(count * STAMP_FIELDS);
      new Uint8Array(stamps.buffer).set(bytes.subarray(offset, offset + stampBytes));
      const hashes = new Uint8Array(bytes.subarray(offset + stampBytes));
      return { header, stamps, hashes };
    } catch {
      return undefined;
    }
  }

  /** The pixels of `key`, or undefined when absent or not `length` bytes. */
  readPixels(key: string, length: number): Uint8Array | undefined {
    const file = this.#paths(key).pixels;
    try {
      if (fs.statSync(file).size !== length) return undefined;
      const out = new Uint8Array(length);
      const fd = fs.openSync(file, 'r');
      try {
        let done = 0;
        while (done < length) {
          const n = fs.readSync(fd, out, done, length - done, done);
          if (n === 0) return undefined;
          done += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    } catch {
      return undefined;
    }
  }

  /** Write the index of `key` (the pixels too when given), then drop the oldest entries. */
  write(key: string, index: CacheIndex, pixels?: Uint8Array): void {
    makeFolderSync(this.#folder);
    const paths = this.#paths(key);
    if (pixels) writeAtomically(paths.pixels, [pixels]);
    const header = Buffer.from(JSON.stringify(index.header), 'utf8');
    const lead = Buffer.alloc(12);
    lead.write(MAGIC, 0, 'latin1');
    lead.writeUInt32LE(header.length, 8);
    const pad = Buffer.alloc((8 - ((12 + header.length) % 8)) % 8);
    writeAtomically(paths.index, [lead, header, pad, new Uint8Array(index.stamps.buffer, index.stamps.byteOffset, index.stamps.byteLength), index.hashes]);
    if (pixels) this.#prune(key);
  }

  /**
   * Keep the newest entries while there are at most KEEP_ENTRIES and their pixels fit in the byte
   * cap; `keep` (the entry just written) always stays.
   */
  #prune(keep: string): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.#folder).filter((n) => n.endsWith('.index'));
    } catch {
      return;
    }
    const entries = names
      .map((n) => {
        const key = n.slice(0, -'.index'.length);
        let mtime = 0;
        let bytes = 0;
        try {
          mtime = fs.statSync(path.join(this.#folder, n)).mtimeMs;
          bytes = fs.statSync(this.#paths(key).pixels).size;
        } catch {
          /* removed meanwhile, or an index without pixels */
        }
        return { key, mtime, bytes };
      })
      .sort((a, b) => (a.key === keep ? -1 : b.key === keep ? 1 : b.mtime - a.mtime));
    let kept = 0;
    let total = 0;
    for (const e of entries) {
      if (e.key === keep || (kept < KEEP_ENTRIES && total + e.bytes <= this.#maxBytes)) {
        kept++;
        total += e.bytes;
        continue;
      }
      const p = this.#paths(e.key);
      fs.rmSync(p.index, { force: true });
      fs.rmSync(p.pixels, { force: true });
    }
  }
}
