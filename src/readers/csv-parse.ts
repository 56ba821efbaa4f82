/**
 * The CSV parsing loop shared by the in-thread path and the parsing worker: papaparse over a
 * file stream, the header skipped, each chunk's rows checked (same field count as the header,
 * balanced quotes) and handed over column by column (`columns[c][r]`, strings as written; an
 * empty string is an empty cell). Bytes become text strictly (text-decoding.ts): a binary file or
 * invalid UTF-8 rejects with a TextDecodeError giving the line.
 */
import fs from 'node:fs';
import { Transform } from 'node:stream';
import Papa from 'papaparse';
import { StreamDecoder, type TextEncoding } from './text-decoding.js';

/** Bytes read from disk at a time: large enough that parsing, not I/O calls, dominates. */
export const READ_CHUNK_BYTES = 1 << 20;

/** A syntax problem at record `record` (0 = header); the caller turns it into file:line. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly record: number,
    readonly what: string,
  ) {
    super(what);
  }
}

export interface CsvBatchHandler {
  /**
   * One chunk's rows as columns; a returned promise pauses parsing until it settles. `sawNul`:
   * the file has shown a NUL character so far (rare; it rules out NUL as a separator).
   */
  batch(columns: string[][], rows: number, sawNul: boolean): void | Promise<void>;
  /** Bytes read so far (for progress). */
  bytes?(done: number): void;
}

/**
 * The file's text as a stream of strings, decoded strictly; a decoding error is emitted as the
 * stream's error. Pausing the returned stream pauses the file.
 */
export function csvTextStream(file: string, encoding: TextEncoding, onBytes?: (done: number) => void): Transform {
  const decoder = new StreamDecoder(file, encoding, 'csv');
  const input = fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  let bytes = 0;
  const text = new Transform({
    readableObjectMode: true, // strings pass through as they are
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes?.(bytes);
      try {
        const s = decoder.write(chunk);
        done(null, s === '' ? undefined : s);
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      try {
        const s = decoder.end();
        done(null, s === '' ? undefined : s);
      } catch (e) {
        done(e as Error);
      }
    },
  });
  input.on('error', (e) => text.destroy(e));
  text.on('close', () => input.destroy());
  return input.pipe(text);
}

/** Parse `file` (whose header has `width` fields) and hand its data rows over in column batches. */
export function parseCsvColumns(file: string, width: number, handler: CsvBatchHandler, encoding: TextEncoding = 'utf8'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = csvTextStream(file, encoding, handler.bytes);
    let sawNul = false;
    stream.on('data', (chunk: string) => {
      if (!sawNul && chunk.includes('\u0000')) sawNul = true;
    });
    let record = 0; // records seen, header included
    let failure: unknown;
    const fail = (e: unknown, parser: Papa.Parser) => {
      failure ??= e;
      parser.abort();
    };
    Papa.parse<string[]>(stream as unknown as File, {
      skipEmptyLines: true,
      delimiter: ',',
      chunk(results, parser) {
        if (failure !== undefined) return;
        const data = results.data;
        const quote = results.errors.find((e) => e.code === 'MissingQuotes' || e.code === 'InvalidQuotes');
        if (quote) {
          const what = quote.code === 'MissingQuotes' ? 'unbalanced quote: a quoted field is never closed' : 'malformed quoted field (text after the closing quote)';
          fail(new CsvSyntaxError(record + (quote.row ?? 0), what), parser);
          return;
        }
        const first = record === 0 ? 1 : 0; // the header was read already
        const rows = data.length - first;
        const columns: string[][] = Array.from({ length: width }, () => new Array<string>(Math.max(0, rows)));
        for (let i = first; i < data.length; i++) {
          const row = data[i]!;
          if (row.length !== width) {
            fail(new CsvSyntaxError(record + i, `expected ${width} fields as in the header, found ${row.length}`), parser);
            return;
          }
          const r = i - first;
          for (let c = 0; c < width; c++) columns[c]![r] = row[c]!;
        }
        record += data.length;
        if (rows <= 0) return;
        let pending: void | Promise<void>;
        try {
          pending = handler.batch(columns, rows, sawNul);
        } catch (e) {
          fail(e, parser);
          return;
        }
        if (pending) {
          // papaparse's pause stops parsing but not the file stream, whose chunks would pile up in
          // its queue: pause both, so memory stays flat while the consumer catches up.
          parser.pause();
          stream.pause();
          const resume = () => {
            stream.resume();
            parser.resume();
          };
          pending.then(resume, (e) => {
            fail(e, parser);
            resume();
          });
        }
      },
      complete() {
        stream.destroy();
        if (failure !== undefined) reject(failure);
        else resolve();
      },
      error(e) {
        stream.destroy();
        reject(failure ?? e);
      },
    });
  });
}
