/**
 * CSV (RFC 4180) through papaparse, streamed: quoted fields, embedded newlines, CRLF and a BOM
 * are handled; blank lines are skipped; the first record is the header. Cells stay text (empty
 * cells become NULL) and the store infers types. A ragged row or an unbalanced quote fails the
 * read with the file and the line the record starts on.
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { badInput } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import type { RawCell, Reader, ReadContext, ReadResult, TableSource } from './reader.js';

/** Bytes read from disk at a time: large enough that parsing, not I/O calls, dominates. */
const READ_CHUNK_BYTES = 1 << 20;

/** Where each record (0 = header) starts, found by parsing again: only needed for a message. */
async function lineOfRecord(file: string, record: number): Promise<number | undefined> {
  const text = await fs.promises.readFile(file, 'utf8');
  let index = 0;
  let start = 0;
  let found: number | undefined;
  Papa.parse<string[]>(text, {
    skipEmptyLines: true,
    delimiter: ',',
    step(results, parser) {
      if (index === record) {
        found = start;
        parser.abort();
        return;
      }
      start = results.meta.cursor;
      index++;
    },
  });
  if (found === undefined) return undefined;
  let at = found;
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < text.length && (text[at] === '\r' || text[at] === '\n')) at++;
  let line = 1;
  for (let i = bom; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A streamed CSV file as a table source. */
export function csvSource(file: string, table: string, header: readonly string[], onProgress?: ProgressCallback): TableSource {
  const width = header.length;
  const size = fs.statSync(file).size;
  return {
    table,
    columns: header,
    cells: 'text',
    file,
    lineOfRow: (row) => lineOfRecord(file, row + 1),
    forEachBatch(consume) {
      return new Promise<void>((resolve, reject) => {
        const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
        let bytes = 0;
        if (onProgress) {
          stream.on('data', (chunk) => {
            bytes += Buffer.byteLength(chunk as string);
            onProgress({ task: `read ${path.basename(file)}`, done: bytes, total: size, unit: 'bytes' });
          });
        }
        let record = 0; // records seen, header included
        let failure: unknown;
        const fail = (e: unknown, parser: Papa.Parser) => {
          failure ??= e;
          parser.abort();
        };
        const locate = async (rec: number, what: string) => badInput(file, await lineOfRecord(file, rec), what);
        Papa.parse<string[]>(stream as unknown as File, {
          skipEmptyLines: true,
          delimiter: ',',
          chunk(results, parser) {
            if (failure !== undefined) return;
            const rows = results.data;
            const error = results.errors.find((e) => e.code === 'MissingQuotes' || e.code === 'InvalidQuotes');
            if (error) {
              const rec = record + (error.row ?? 0);
              const what = error.code === 'MissingQuotes' ? 'unbalanced quote: a quoted field is never closed' : 'malformed quoted field (text after the closing quote)';
              parser.pause();
              locate(rec, what).then((e) => fail(e, parser), (e) => fail(e, parser)).finally(() => parser.resume());
              return;
            }
            const out: RawCell[][] = [];
            let i = 0;
            if (record === 0) i = 1; // the header, read already
            for (; i < rows.length; i++) {
              const row = rows[i] as RawCell[];
              if (row.length !== width) {
                const rec = record + i;
                parser.pause();
                locate(rec, `expected ${width} fields as in the header, found ${row.length}`)
                  .then((e) => fail(e, parser), (e) => fail(e, parser))
                  .finally(() => parser.resume());
                return;
              }
              out.push(row); // empty cells become NULL when the store converts the row
            }
            record += rows.length;
            if (out.length === 0) return;
            let pending: void | Promise<void>;
            try {
              pending = consume(out);
            } catch (e) {
              fail(e, parser);
              return;
            }
            if (pending) {
              parser.pause();
              pending.then(() => parser.resume(), (e) => {
                fail(e, parser);
                parser.resume();
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
            reject(failure ?? badInput(file, undefined, e.message));
          },
        });
      });
    },
  };
}

/** Read the header record (the first non-blank record) of a CSV file. */
export async function readCsvHeader(file: string): Promise<string[]> {
  const handle = await fs.promises.open(file, 'r');
  try {
    let text = '';
    const buffer = Buffer.alloc(64 * 1024);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      position += bytesRead;
      text += buffer.toString('utf8', 0, bytesRead);
      const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true, delimiter: ',', preview: 2 });
      // The header is complete once a second record starts or the file ends.
      if (parsed.data.length >= 2 || bytesRead === 0) {
        const header = parsed.data[0];
        if (!header || (header.length === 1 && header[0] === '')) throw badInput(file, 1, 'the file is empty: a CSV file needs a header line');
        const quoteError = parsed.errors.find((e) => e.code === 'MissingQuotes' && (e.row ?? 0) === 0);
        if (quoteError) throw badInput(file, 1, 'unbalanced quote in the header');
        return header;
      }
    }
  } finally {
    await handle.close();
  }
}

export const csvReader: Reader = {
  name: 'csv',
  description: 'CSV file (RFC 4180); first line is the header; table named after the file',
  async read(file: string, context: ReadContext): Promise<ReadResult> {
    const header = await readCsvHeader(file);
    const table = context.tableName ?? path.basename(file, path.extname(file));
    return { tables: [csvSource(file, table, header, context.onProgress)], units: [] };
  },
};
