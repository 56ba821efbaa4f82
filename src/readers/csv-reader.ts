/**
 * CSV (RFC 4180), streamed through csv-parse.ts's tokenizer (papaparse's dialect; papaparse itself
 * reads the header and finds error lines): quoted fields, embedded newlines, CRLF and a BOM
 * are handled; blank lines are skipped; the first record is the header. Cells stay text (empty
 * cells become NULL) and the store infers types. A ragged row or an unbalanced quote fails the
 * read with the file and the line the record starts on; so do a binary file and invalid UTF-8
 * (the reader option `encoding=latin1` reads a Latin-1 file; text-decoding.ts). The read option
 * `strict` refuses what RFC 4180 does not allow beyond that (csv-strict.ts).
 *
 * Files of 8 MiB or more are parsed in a worker thread (csv-parse-worker.ts) while the store
 * converts and inserts on the main thread; `DSI_CSV_WORKER_MIN_BYTES` changes the threshold.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Papa from 'papaparse';
import { badInput } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { CsvSyntaxError, READ_CHUNK_BYTES, chunkColumns, parseCsvColumns } from './csv-parse.js';
import { checkStrictCsv } from './csv-strict.js';
import { SEPARATOR, type WorkerInput, type WorkerMessage } from './csv-parse-worker.js';
import { FloatCell, type RawCell, type Reader, type ReadContext, type ReadResult, type TableSource } from '../store/reader.js';
import { StreamDecoder, TextDecodeError, type TextEncoding, checkOptionNames, textEncoding, textIdentityOptions } from './text-decoding.js';

const DEFAULT_WORKER_MIN_BYTES = 8 << 20;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function workerMinBytes(): number {
  const v = Number(process.env['DSI_CSV_WORKER_MIN_BYTES']);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_WORKER_MIN_BYTES;
}

/**
 * The line on which record `record` (0 = header) starts, found by parsing the file again as a
 * stream (only when something is wrong, so memory stays flat even for a huge file): each blank
 * line counts one line, each record one line plus the line breaks inside its quoted fields.
 */
function lineOfRecord(file: string, record: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
    let index = 0;
    let line = 1;
    let found: number | undefined;
    Papa.parse<string[]>(stream as unknown as File, {
      delimiter: ',',
      skipEmptyLines: false,
      step(results, parser) {
        const row = results.data;
        if (row.length === 1 && row[0] === '') {
          line++; // a blank line, which the reading pass skips
          return;
        }
        if (index === record) {
          found = line;
          parser.abort();
          return;
        }
        const breakChar = results.meta.linebreak === '\r' ? '\r' : '\n';
        let inner = 0;
        for (const field of row) for (let i = field.indexOf(breakChar); i !== -1; i = field.indexOf(breakChar, i + 1)) inner++;
        line += 1 + inner;
        index++;
      },
      complete() {
        stream.destroy();
        resolve(found);
      },
      error() {
        stream.destroy();
        resolve(undefined);
      },
    });
  });
}

/** A syntax error from the parser as `file:line: what`. */
async function located(file: string, e: unknown): Promise<unknown> {
  if (e instanceof CsvSyntaxError) return badInput(file, await lineOfRecord(file, e.record), e.what);
  if (e instanceof TextDecodeError) return badInput(file, e.line, e.what);
  return e;
}

type ColumnConsumer = (columns: RawCell[][], rows: number, kinds?: readonly ('text' | 'typed')[]) => void | Promise<void>;

/** Parse on this thread (small files). */
async function columnsInThread(file: string, width: number, consume: ColumnConsumer, encoding: TextEncoding, onBytes?: (n: number) => void): Promise<void> {
  try {
    await parseCsvColumns(file, width, { batch: (chunk) => consume(chunkColumns(chunk), chunk.rows), ...(onBytes ? { bytes: onBytes } : {}) }, encoding);
  } catch (e) {
    throw await located(file, e);
  }
}

/** Parse in a worker thread; batches are consumed here one at a time, in order. */
function columnsInWorker(file: string, width: number, consume: ColumnConsumer, encoding: TextEncoding, onBytes?: (n: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./csv-parse-worker.js', import.meta.url), {
      workerData: { file, width, encoding } satisfies WorkerInput,
      // The worker is a file: flags for `node -e` (--input-type) would make it fail to start. A
      // profile's file name would make the worker's profile overwrite the main thread's.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval' && !a.startsWith('--cpu-prof-name')),
    });
    let queue: Promise<void> = Promise.resolve();
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error === undefined) resolve();
      else reject(error);
    };
    worker.on('message', (m: WorkerMessage) => {
      queue = queue.then(async () => {
        if (settled) return;
        switch (m.type) {
          case 'batch': {
            onBytes?.(m.bytes);
            const kinds: ('text' | 'typed')[] = [];
            const columns = m.columns.map((c): RawCell[] => {
              if (typeof c === 'string' || Array.isArray(c)) {
                kinds.push('text');
                return typeof c === 'string' ? c.split(SEPARATOR) : c;
              }
              kinds.push('typed');
              if ('integers' in c) {
                const out = new Array<RawCell>(c.integers.length);
                for (let r = 0; r < out.length; r++) {
                  const v = c.integers[r]!;
                  out[r] = c.missing[r] === 1 ? null : v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
                }
                return out;
              }
              const out = new Array<RawCell>(c.numbers.length);
              for (let r = 0; r < out.length; r++) {
                const v = c.numbers[r]!;
                // A whole number written as a float (`2.0`) keeps its column FLOAT.
                out[r] = v !== v ? null : c.floats && Number.isInteger(v) ? new FloatCell(v) : v;
              }
              return out;
            });
            await consume(columns, m.rows, kinds);
            worker.postMessage('ack');
            return;
          }
          case 'syntax':
            finish(await located(file, new CsvSyntaxError(m.record, m.what)));
            return;
          case 'decode':
            finish(badInput(file, m.line, m.what));
            return;
          case 'failed':
            finish(badInput(file, undefined, m.message));
            return;
          case 'done':
            finish();
        }
      }).catch((e: unknown) => finish(e));
    });
    worker.on('error', (e) => finish(e));
    worker.on('exit', (code) => {
      if (!settled) queue.then(() => finish(new Error(`the CSV parsing worker stopped (exit code ${code})`)));
    });
  });
}

/** A streamed CSV file as a table source; `encoding` as the reader option gives it (default UTF-8). */
export function csvSource(file: string, table: string, header: readonly string[], onProgress?: ProgressCallback, encoding: TextEncoding = 'utf8'): TableSource {
  const width = header.length;
  const size = fs.statSync(file).size;
  const onBytes = onProgress ? (n: number) => onProgress({ task: `read ${path.basename(file)}`, done: n, total: size, unit: 'bytes' }) : undefined;
  const forEachColumnBatch = (consume: ColumnConsumer) =>
    size >= workerMinBytes() ? columnsInWorker(file, width, consume, encoding, onBytes) : columnsInThread(file, width, consume, encoding, onBytes);
  return {
    table,
    columns: header,
    cells: 'text',
    file,
    lineOfRow: (row) => lineOfRecord(file, row + 1),
    ...(encoding === 'utf8' ? { delimitedText: { delimiter: ',' } } : {}),
    forEachColumnBatch,
    forEachBatch(consume) {
      // Rows are always parsed here, as text: the store asks for them when it needs the file's
      // own spelling of every cell.
      return columnsInThread(file, width, (columns, rows) => {
        const out: RawCell[][] = new Array<RawCell[]>(rows);
        for (let r = 0; r < rows; r++) out[r] = columns.map((col) => col[r] ?? null);
        return consume(out);
      }, encoding, onBytes);
    },
  };
}

/** Read the header record (the first non-blank record) of a CSV file, decoded as `encoding`. */
export async function readCsvHeader(file: string, encoding: TextEncoding = 'utf8'): Promise<string[]> {
  const handle = await fs.promises.open(file, 'r');
  const decoder = new StreamDecoder(file, encoding, 'csv');
  try {
    let text = '';
    const buffer = Buffer.alloc(64 * 1024);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      position += bytesRead;
      try {
        text += bytesRead === 0 ? decoder.end() : decoder.write(buffer.subarray(0, bytesRead));
      } catch (e) {
        if (e instanceof TextDecodeError) throw badInput(file, e.line, e.what);
        throw e;
      }
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
  extensions: ['.csv'],
  description: 'CSV file (RFC 4180); first line is the header; table named after the file',
  identityOptions: textIdentityOptions,
  async read(file: string, context: ReadContext): Promise<ReadResult> {
    checkOptionNames(context.options, 'csv', ['encoding']);
    const encoding = textEncoding(context.options, 'csv');
    // Strict mode checks the whole file first (csv-strict.ts); the read itself is the same.
    if (context.strict === true) await checkStrictCsv(file, encoding);
    const header = await readCsvHeader(file, encoding);
    const table = context.tableName ?? path.basename(file, path.extname(file));
    return { tables: [csvSource(file, table, header, context.onProgress, encoding)], units: [] };
  },
};
