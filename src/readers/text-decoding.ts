/**
 * How text readers (CSV, JSON, YAML, TOML), and commands that take other text files
 * ({@link readUtf8FileSync}), turn a file's bytes into text, strictly: a file that
 * looks binary is refused as such (its first 8,000 bytes, git's probe, hold a NUL and either are
 * not UTF-8 or are more than a tenth control characters: a PNG, a gzip or a SQLite file, while a
 * CSV cell holding one NUL stays text), and
 * invalid UTF-8 fails with the file, the line and the byte offset instead of becoming U+FFFD.
 * A file in another encoding is read with the reader option `encoding` (`utf8`, the default, or
 * `latin1`, ISO-8859-1, where every byte is a character).
 *
 * @example
 * const text = await readTextFile('runs.json', textEncoding(context.options, 'json'), 'json');
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { StoreError, badInput } from '../errors.js';
import { fileSystemError } from '../store/file-errors.js';
import type { ContentFacts } from '../store/reader.js';

export type TextEncoding = 'utf8' | 'latin1';

/** Bytes examined for a NUL when deciding whether a file looks binary (git's figure). */
export const BINARY_PROBE_BYTES = 8000;

const ENCODINGS: Readonly<Record<string, TextEncoding>> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
};

/** The checked `encoding` reader option; `utf8` when absent. */
export function textEncoding(options: Readonly<Record<string, unknown>> | undefined, reader: string): TextEncoding {
  const value = options?.['encoding'];
  if (value === undefined) return 'utf8';
  const encoding = typeof value === 'string' ? ENCODINGS[value.trim().toLowerCase()] : undefined;
  if (encoding === undefined) {
    throw new StoreError('E_BAD_ARGUMENT', `${reader} reader: option encoding must be utf8 or latin1, got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return encoding;
}

/**
 * A text reader's options as the identity of a read ({@link Reader.identityOptions}): `encoding`
 * is left out when it is the default (`utf8`, in any spelling) or when the file is pure ASCII
 * (UTF-8 and Latin-1 decode it alike), and otherwise kept as its canonical name (`latin1`). An
 * encoding the reader would refuse is kept as given (the read fails and records nothing).
 *
 * @example textIdentityOptions({ encoding: 'UTF-8' }, { ascii: false }) // {}
 */
export function textIdentityOptions(options: Readonly<Record<string, unknown>> | undefined, content: ContentFacts): Readonly<Record<string, unknown>> {
  const { encoding, ...rest } = options ?? {};
  if (encoding === undefined) return rest;
  const canonical = typeof encoding === 'string' ? ENCODINGS[encoding.trim().toLowerCase()] : undefined;
  if (canonical === undefined) return { ...rest, encoding };
  return canonical === 'utf8' || content.ascii ? rest : { ...rest, encoding: canonical };
}

/** Refuse `options` keys other than `allowed`, naming the reader and what it takes. */
export function checkOptionNames(options: Readonly<Record<string, unknown>> | undefined, reader: string, allowed: readonly string[]): void {
  for (const key of Object.keys(options ?? {})) {
    if (!allowed.includes(key)) {
      throw new StoreError('E_BAD_ARGUMENT', `the ${reader} reader has no option "${key.slice(0, 40)}"; it takes ${allowed.join(', ') || 'none'}`);
    }
  }
}

/** The offset of the first NUL when `head` (a file's first bytes) looks binary, else -1. */
export function binaryAt(head: Uint8Array, encoding: TextEncoding): number {
  const probe = head.subarray(0, BINARY_PROBE_BYTES);
  const nul = probe.indexOf(0);
  if (nul < 0) return -1;
  const invalid = encoding === 'utf8' ? invalidUtf8(probe) : -1;
  if (typeof invalid === 'number' && invalid >= 0) return nul;
  let control = 0;
  for (const b of probe) if ((b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 127) control++;
  return control * 10 > probe.length ? nul : -1;
}

/** What a reader's input is said to be when it is not text. */
function readerInput(reader: string): string {
  return `a file the ${reader} reader can read`;
}

/** "looks binary (…), not EXPECTED": `expected` says what the file should have been. */
function binaryMessage(offset: number, expected: string): string {
  return `looks binary (a NUL byte at byte ${offset} among bytes that are not text), not ${expected}`;
}

/** Throw "looks binary" when `head` (the file's first bytes) looks binary. */
export function refuseBinary(head: Uint8Array, file: string, encoding: TextEncoding, reader: string): void {
  const at = binaryAt(head, encoding);
  if (at >= 0) throw badInput(file, undefined, binaryMessage(at, readerInput(reader)));
}

/**
 * Offset of the first byte of `bytes[from, to)` that starts an invalid UTF-8 sequence, or
 * `{ incomplete }` where a sequence runs past `to` (the caller may have more bytes), or -1.
 */
export function invalidUtf8(bytes: Uint8Array, from = 0, to = bytes.length): number | { incomplete: number } {
  let i = from;
  while (i < to) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < n; k++) {
      if (i + k >= to) return { incomplete: i };
      const c = bytes[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += n;
  }
  return -1;
}

/** 1-based line of byte `offset`: one more than the line feeds before it. */
export function lineAtByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** How a reader's input in another encoding can still be read. */
const LATIN1_HINT = 'if the file is Latin-1, read it with the reader option encoding=latin1';

function invalidUtf8Error(file: string, line: number, offset: number, byte: number, hint = LATIN1_HINT): StoreError {
  return badInput(file, line, `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at byte offset ${offset}); ${hint}`);
}

/** `bytes` as strict UTF-8, or the error naming the file, line and offset of the first bad byte. */
function decodeUtf8(bytes: Uint8Array, file: string, hint?: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // The native decoder says only that something is wrong; find where (this path only).
    const at = invalidUtf8(bytes);
    const offset = typeof at === 'number' ? at : at.incomplete;
    throw invalidUtf8Error(file, lineAtByte(bytes, offset), offset, bytes[offset] ?? 0, hint);
  }
}

/** A whole file as text: binary refused, UTF-8 checked (or Latin-1 when asked); a BOM is kept. */
export function decodeText(bytes: Uint8Array, file: string, encoding: TextEncoding, reader: string): string {
  refuseBinary(bytes, file, encoding, reader);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoding === 'latin1') return buffer.toString('latin1');
  return decodeUtf8(buffer, file);
}

/** Read a whole text file (see {@link decodeText}); a file that cannot be read names itself and the problem in words. */
export async function readTextFile(file: string, encoding: TextEncoding, reader: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw fileSystemError(e, file);
  }
  return decodeText(bytes, file, encoding, reader);
}

/**
 * A UTF-8 text file that a command takes besides a reader's input (edited rows of `find` as JSON, a
 * CSV of reviews or of features), checked as readers check theirs: a file that looks binary is
 * refused as not `expected`, invalid UTF-8 names its line and byte offset, and a file that cannot
 * be read names itself and the problem in words (file-errors.ts). A BOM is kept.
 *
 * @example
 * const text = readUtf8FileSync('rows.json', 'a JSON array of rows'); // "rows.png: looks binary (…), not a JSON array of rows"
 */
export function readUtf8FileSync(file: string, expected: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw fileSystemError(e, file);
  }
  const at = binaryAt(bytes, 'utf8');
  if (at >= 0) throw badInput(file, undefined, binaryMessage(at, expected));
  return decodeUtf8(bytes, file, 'save it as UTF-8 text');
}

/** A text decoding problem in a streamed file, at a 1-based line; the caller adds the file. */
export class TextDecodeError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly what: string,
  ) {
    super(what);
  }
}

/** Whether `chunk` may end inside a UTF-8 sequence (true when unsure). */
function endsInsideSequence(chunk: Buffer): boolean {
  const n = chunk.length;
  for (let k = 1; k <= Math.min(4, n); k++) {
    const b = chunk[n - k]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte
    if (b < 0x80) return false;
    return k < (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2);
  }
  return n > 0;
}

/**
 * Decodes a file chunk by chunk, strictly. The first chunk is checked for a binary look; a chunk
 * with invalid UTF-8 throws a {@link TextDecodeError} whose line is found by reading the file
 * again up to the bad byte (only on that path).
 */
export class StreamDecoder {
  readonly #file: string;
  readonly #encoding: TextEncoding;
  readonly #reader: string;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #offset = 0;
  /** The decoder may hold the start of a sequence the last chunk cut. */
  #pending = false;

  constructor(file: string, encoding: TextEncoding, reader: string) {
    this.#file = file;
    this.#encoding = encoding;
    this.#reader = reader;
  }

  /** Text of the next chunk (a sequence cut by the chunk's end waits for the next one). */
  write(chunk: Buffer): string {
    if (this.#offset === 0) {
      const at = binaryAt(chunk, this.#encoding);
      if (at >= 0) throw new TextDecodeError(undefined, binaryMessage(at, readerInput(this.#reader)));
    }
    this.#offset += chunk.length;
    if (this.#encoding === 'latin1') return chunk.toString('latin1');
    // ASCII is the same in both: a whole ASCII chunk skips the UTF-8 decoder (several times faster).
    if (!this.#pending && isAscii(chunk)) return chunk.toString('latin1');
    try {
      const text = this.#utf8.decode(chunk, { stream: true });
      this.#pending = endsInsideSequence(chunk);
      return text;
    } catch {
      throw this.#locate();
    }
  }

  /** Whatever the last chunk left undecoded: an incomplete sequence at the end is invalid. */
  end(): string {
    if (this.#encoding === 'latin1') return '';
    try {
      return this.#utf8.decode();
    } catch {
      throw this.#locate();
    }
  }

  /** Find the first invalid byte of the file (up to what was read) and its line, 1 MiB at a time. */
  #locate(): TextDecodeError {
    const fd = fs.openSync(this.#file, 'r');
    try {
      const chunk = Buffer.alloc((1 << 20) + 4);
      let carry = 0; // bytes of an incomplete sequence moved to the chunk's start
      let base = 0; // file offset of chunk[0]
      let line = 1;
      for (;;) {
        const read = fs.readSync(fd, chunk, carry, chunk.length - carry, base + carry);
        const length = carry + read;
        const last = base + length >= this.#offset || read === 0;
        const at = invalidUtf8(chunk, 0, length);
        const offset = typeof at === 'number' ? at : last ? at.incomplete : -1;
        if (offset >= 0 || last) {
          const where = offset >= 0 ? offset : length;
          const e = invalidUtf8Error(this.#file, line + lineAtByte(chunk.subarray(0, where), where) - 1, base + where, chunk[where] ?? 0);
          return new TextDecodeError(e.line, e.message.slice(e.message.indexOf(': ') + 2));
        }
        const keep = typeof at === 'number' ? length : at.incomplete;
        line += lineAtByte(chunk.subarray(0, keep), keep) - 1;
        chunk.copy(chunk, 0, keep, length);
        carry = length - keep;
        base += keep;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
