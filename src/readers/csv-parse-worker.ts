/**
 * Worker thread that parses a large CSV file while the main thread inserts, so a 2-core machine
 * uses both cores. The worker also turns numeric columns into numbers, so the main thread only
 * binds them. Columns travel packed (a transferred Float64Array, or one NUL-joined string): one
 * copy instead of a structured clone of every cell. At most two batches wait unacknowledged, so
 * memory stays flat however large the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvSyntaxError, parseCsvColumns } from './csv-parse.js';
import { numberShape } from '../store/number-text.js';
import { TextDecodeError, type TextEncoding } from './text-decoding.js';

export interface WorkerInput {
  readonly file: string;
  readonly width: number;
  readonly encoding: TextEncoding;
}

/**
 * A column as it travels. A column whose cells are all plain numbers (or empty) goes as a
 * transferred Float64Array (NaN for empty); `floats` says some cell was written as a float
 * (`1.0`), so the column is FLOAT even if every value is whole. Any other column goes as its
 * text joined by NUL, or as the cells themselves once the file has shown a NUL.
 */
export type PackedColumn = { readonly numbers: Float64Array; readonly floats: boolean } | string | string[];

export type WorkerMessage =
  | { readonly type: 'batch'; readonly columns: PackedColumn[]; readonly rows: number; readonly bytes: number }
  | { readonly type: 'syntax'; readonly record: number; readonly what: string }
  | { readonly type: 'decode'; readonly line: number | undefined; readonly what: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'done' };

export const SEPARATOR = '\u0000';
const MAX_IN_FLIGHT = 2;

function pack(column: string[], textAsArray: boolean, transfer: ArrayBuffer[]): PackedColumn {
  const n = column.length;
  const numbers = new Float64Array(n);
  let floats = false;
  for (let r = 0; r < n; r++) {
    const s = column[r]!;
    if (s === '') {
      numbers[r] = NaN;
      continue;
    }
    const shape = numberShape(s, 0, s.length);
    // Integers of 16 digits or more may lie beyond 2^53: they go as text, kept exact by the store.
    if (shape === 2 || (shape === 0 && s.length > 15 && !(s.length === 16 && (s[0] === '-' || s[0] === '+')))) {
      return textAsArray ? column : column.join(SEPARATOR);
    }
    if (shape === 1) floats = true;
    numbers[r] = +s;
  }
  transfer.push(numbers.buffer);
  return { numbers, floats };
}

if (parentPort) {
  const port = parentPort;
  const { file, width, encoding } = workerData as WorkerInput;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    inFlight--;
    wake?.();
    wake = undefined;
  });
  let bytes = 0;
  parseCsvColumns(file, width, {
    bytes: (done) => (bytes = done),
    batch(columns, rows, sawNul) {
      const transfer: ArrayBuffer[] = [];
      const packed = columns.map((c) => pack(c, sawNul, transfer));
      port.postMessage({ type: 'batch', columns: packed, rows, bytes } satisfies WorkerMessage, transfer);
      inFlight++;
      if (inFlight >= MAX_IN_FLIGHT) return new Promise<void>((resolve) => (wake = resolve));
      return undefined;
    },
  }, encoding).then(
    () => port.postMessage({ type: 'done' } satisfies WorkerMessage),
    (e: unknown) =>
      port.postMessage(
        (e instanceof CsvSyntaxError
          ? { type: 'syntax', record: e.record, what: e.what }
          : e instanceof TextDecodeError
            ? { type: 'decode', line: e.line, what: e.what }
            : { type: 'failed', message: e instanceof Error ? e.message : String(e) }) satisfies WorkerMessage,
      ),
  );
}
