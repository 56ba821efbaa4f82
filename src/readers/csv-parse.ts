/**
 * The CSV parsing loop shared by the in-thread path and the parsing worker: an RFC 4180
 * tokenizer over a file stream, the header skipped, each chunk's rows checked (same field count
 * as the header, balanced quotes) and handed over as one {@link CsvChunk} (the chunk's text and
 * the bounds of every cell, so numbers can be read without making a string of each cell).
 * Bytes become text strictly (text-decoding.ts): a binary file or invalid UTF-8 rejects with a
 * TextDecodeError giving the line.
 *
 * The dialect is papaparse's, which reads the header (csv-reader.ts) and finds error lines: the
 * line break is guessed from the first chunk (`\n`, `\r\n` or `\r`), a BOM is dropped, a quote
 * opens a quoted field only as its first character, spaces may follow a closing quote, `""` in a
 * quoted field is a quote, and a line that is one empty field is skipped.
 */
import fs from 'node:fs';
import { StreamDecoder, type TextEncoding } from './text-decoding.js';

/**
 * Bytes read from disk at a time: large enough that parsing, not I/O calls, dominates, and below
 * the ~1 MB above which Node keeps a decoded string outside V8's heap (1 MiB reads left up to a
 * hundred such strings waiting for a full garbage collection, so the peak grew with the file).
 */
export const READ_CHUNK_BYTES = 512 << 10;

/** A syntax problem at record `record` (0 = header); the caller turns it into file:line. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly record: number,
    readonly what: string,
  ) {
    super(what);
  }
}

const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;

/**
 * Complete records of one piece of text. Cell `i` (row-major: `row * width + column`) is
 * `text.slice(bounds[2i], bounds[2i + 1])`, except a quoted cell with `""` in it, whose value is
 * in `escaped`. Valid only during the call it is handed to (the bounds buffer is reused).
 */
export interface CsvChunk {
  readonly text: string;
  readonly rows: number;
  readonly width: number;
  readonly bounds: Int32Array;
  readonly escaped: ReadonlyMap<number, string> | undefined;
}

/** Cell `i` of a chunk as a string (an empty string is an empty cell). */
export function chunkCell(chunk: CsvChunk, i: number): string {
  const start = chunk.bounds[2 * i]!;
  // Only a quoted cell can hold an escaped quote.
  if (chunk.escaped !== undefined && chunk.text.charCodeAt(start - 1) === QUOTE) {
    const unescaped = chunk.escaped.get(i);
    if (unescaped !== undefined) return unescaped;
  }
  return chunk.text.slice(start, chunk.bounds[2 * i + 1]!);
}

/** Column `c` of a chunk as strings. */
export function chunkColumn(chunk: CsvChunk, c: number): string[] {
  const { rows, width } = chunk;
  const column = new Array<string>(rows);
  for (let r = 0, i = c; r < rows; r++, i += width) column[r] = chunkCell(chunk, i);
  return column;
}

/** A chunk's cells as columns of strings (`columns[c][r]`). */
export function chunkColumns(chunk: CsvChunk): string[][] {
  return Array.from({ length: chunk.width }, (_, c) => chunkColumn(chunk, c));
}



/**
 * papaparse's guess: the line break of the first chunk, quoted text left out; undefined while
 * the text (not `final`) shows none outside quotes yet, or ends in a CR that may start a CRLF.
 */
function guessLineBreak(text: string, final: boolean): string | undefined {
  const input = text.slice(0, 1 << 20).replace(/"([^]*?)"/gm, '');
  if (!final && (!/[\r\n]/.test(input) || input.endsWith('\r'))) return undefined;
  const r = input.split('\r');
  const n = input.split('\n');
  if (r.length === 1 || (n.length > 1 && n[0]!.length < r[0]!.length)) return '\n';
  let withN = 0;
  for (const part of r) if (part[0] === '\n') withN++;
  return withN >= r.length / 2 ? '\r\n' : '\r';
}

/**
 * Splits text, fed piece by piece, into records of `width` fields. A record cut by the end of a
 * piece waits for the next one. The first record is the header and is not returned.
 */
export class CsvTokenizer {
  readonly #width: number;
  #carry = '';
  #newline: string | undefined;
  #bounds = new Int32Array(1 << 16);
  /** Records seen, header included (blank lines are not records). */
  #record = 0;

  constructor(width: number) {
    this.#width = width;
  }

  /** Records seen so far, header included. */
  get records(): number {
    return this.#record;
  }

  /** The complete records of everything fed so far (all of it when `final`); throws CsvSyntaxError. */
  push(piece: string, final: boolean): CsvChunk {
    // Not `carry + piece`: V8 keeps that as a rope, on which each indexOf is many times slower.
    let text = this.#carry === '' ? piece : [this.#carry, piece].join('');
    if (this.#newline === undefined) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#newline = guessLineBreak(text, final);
      if (this.#newline === undefined) return this.#empty(text);
    }
    const nl = this.#newline;
    const nlLen = nl.length;
    const width = this.#width;
    const len = text.length;
    let bounds = this.#bounds;
    let escaped: Map<number, string> | undefined;
    let rows = 0;
    let pos = 0;
    const nl0 = nl.charCodeAt(0);
    let nextNl = text.indexOf(nl, 0);
    let nextComma = text.indexOf(',', 0);
    let nextQuote = text.indexOf('"', 0);
    let complete = 0; // where the last complete record ended
    records: while (pos < len) {
      let fields = 0;
      const base = rows * width;
      if ((base + width) * 2 > bounds.length) {
        const grown = new Int32Array(bounds.length * 2);
        grown.set(bounds);
        bounds = this.#bounds = grown;
      }
      if (nextNl !== -1 && nextNl < pos) nextNl = text.indexOf(nl, pos);
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      let lastEmpty = false;
      if (nextNl !== -1 && (nextQuote === -1 || nextQuote > nextNl)) {
        // The common case, a whole record without quotes: its fields lie between commas.
        const lineEnd = nextNl;
        let start = pos;
        for (;;) {
          if (nextComma !== -1 && nextComma < start) nextComma = text.indexOf(',', start);
          const end = nextComma !== -1 && nextComma < lineEnd ? nextComma : lineEnd;
          if (fields < width) {
            bounds[(base + fields) * 2] = start;
            bounds[(base + fields) * 2 + 1] = end;
          }
          fields++;
          if (end === lineEnd) break;
          start = end + 1;
        }
        lastEmpty = lineEnd === start;
        pos = lineEnd + nlLen;
        nextNl = text.indexOf(nl, pos);
      } else {
        if (nextNl === -1 && nextQuote === -1 && !final) break;
        // A record with a quote, or the last one of the file: field by field.
        for (;;) {
          // One field from `pos`; `ended` says the record ends after it.
          let start: number;
          let end: number;
          let ended = false;
          if (pos < len && text.charCodeAt(pos) === QUOTE) {
            start = pos + 1;
            let q = start;
            let hasEscape = false;
            let after = 0;
            for (;;) {
              q = text.indexOf('"', q);
              if (q === -1) {
                if (!final) break records;
                throw new CsvSyntaxError(this.#record, 'unbalanced quote: a quoted field is never closed');
              }
              if (q + 1 === len && !final) break records;
              if (text.charCodeAt(q + 1) === QUOTE) {
                hasEscape = true;
                q += 2;
                continue;
              }
              after = q + 1;
              while (after < len && text.charCodeAt(after) === SPACE) after++;
              if (after === len) {
                if (!final) break records;
                // papaparse allows spaces after a closing quote only before a comma or line break.
                if (after > q + 1) throw new CsvSyntaxError(this.#record, 'malformed quoted field (text after the closing quote)');
                ended = true;
                break;
              }
              if (text.charCodeAt(after) === COMMA) {
                after++;
                break;
              }
              if (text.startsWith(nl, after)) {
                after += nlLen;
                ended = true;
                break;
              }
              if (nlLen === 2 && after + 1 === len && text.charCodeAt(after) === 13 && !final) break records;
              throw new CsvSyntaxError(this.#record, 'malformed quoted field (text after the closing quote)');
            }
            end = q;
            if (hasEscape && fields < width && this.#record > 0) (escaped ??= new Map()).set(base + fields, text.slice(start, end).replaceAll('""', '"'));
            pos = after;
          } else {
            // Unquoted: up to the next comma or line break (a quote inside is text).
            start = pos;
            let p = pos;
            let c = 0;
            for (;;) {
              if (p === len) {
                if (!final) break records;
                ended = true;
                break;
              }
              c = text.charCodeAt(p);
              if (c <= 44) {
                if (c === COMMA) break;
                if (c === nl0) {
                  if (nlLen === 1 || (p + 1 < len && text.charCodeAt(p + 1) === 10)) {
                    ended = true;
                    break;
                  }
                  // CRLF file: a lone CR is text, unless the piece ends right after it.
                  if (p + 1 === len && !final) break records;
                }
              }
              p++;
            }
            end = p;
            pos = ended ? (p === len ? len : p + nlLen) : p + 1;
          }
          if (fields < width) {
            bounds[(base + fields) * 2] = start;
            bounds[(base + fields) * 2 + 1] = end;
          }
          fields++;
          lastEmpty = end === start;
          if (ended) break;
        }
      }
      complete = pos;
      if (fields === 1 && lastEmpty) continue; // a blank line
      if (this.#record > 0) {
        if (fields !== width) throw new CsvSyntaxError(this.#record, `expected ${width} fields as in the header, found ${fields}`);
        rows++;
      }
      this.#record++;
    }
    this.#carry = final ? '' : text.slice(complete);
    return { text, rows, width, bounds, escaped };
  }

  #empty(text: string): CsvChunk {
    this.#carry = text;
    return { text: '', rows: 0, width: this.#width, bounds: this.#bounds, escaped: undefined };
  }
}

export interface CsvBatchHandler {
  /** One chunk's rows; a returned promise pauses parsing until it settles. */
  batch(chunk: CsvChunk): void | Promise<void>;
  /** Bytes read so far (for progress). */
  bytes?(done: number): void;
}

/**
 * Parse `file` (whose header has `width` fields) and hand its data rows over chunk by chunk.
 *
 * Each read is cut after its last `\n` byte and the rest kept for the next one, so the text
 * handed to the tokenizer nearly always ends with a whole record: joining a cut record's start to
 * the next 1 MiB of text costs V8 a fresh large string each time, which was most of the parsing
 * time. (A cut inside a quoted field, or a file whose lines end in a bare CR, still works: the
 * tokenizer carries the incomplete record.)
 */
export async function parseCsvColumns(file: string, width: number, handler: CsvBatchHandler, encoding: TextEncoding = 'utf8'): Promise<void> {
  const decoder = new StreamDecoder(file, encoding, 'csv');
  const tokenizer = new CsvTokenizer(width);
  const handle = await fs.promises.open(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let kept = 0; // bytes at the buffer's start that the last read left over
    let bytes = 0;
    let first = true;
    const feed = async (text: string, final: boolean) => {
      const chunk = tokenizer.push(text, final);
      if (chunk.rows > 0) await handler.batch(chunk);
    };
    for (;;) {
      if (kept > buffer.length / 2) {
        const grown = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(grown, 0, 0, kept);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      handler.bytes?.(bytes);
      const total = kept + bytesRead;
      let cut = total;
      // The first read is decoded whole: the decoder's check for a binary file looks at it.
      if (!first) {
        const newline = buffer.lastIndexOf(10, total - 1);
        if (newline >= 0) cut = newline + 1;
      }
      first = false;
      const text = decoder.write(buffer.subarray(0, cut));
      buffer.copy(buffer, 0, cut, total);
      kept = total - cut;
      await feed(text, false);
    }
    if (kept > 0) await feed(decoder.write(buffer.subarray(0, kept)), false);
    await feed(decoder.end(), true);
  } finally {
    await handle.close();
  }
}
