/**
 * Worker thread that parses a large CSV file while the main thread inserts, so a 2-core machine
 * uses both cores. The worker also turns numeric columns into numbers, so the main thread only
 * binds them. Columns travel packed (a transferred Float64Array, or one NUL-joined string): one
 * copy instead of a structured clone of every cell. At most two batches wait unacknowledged, so
 * memory stays flat however large the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvSyntaxError, type CsvChunk, chunkColumn, parseCsvColumns } from './csv-parse.js';
import { TextDecodeError, type TextEncoding } from './text-decoding.js';

export interface WorkerInput {
  readonly file: string;
  readonly width: number;
  readonly encoding: TextEncoding;
}

/**
 * A column as it travels. A column whose cells are all plain numbers (or empty) goes as a
 * transferred Float64Array (NaN for empty); `floats` says some cell was written as a float
 * (`1.0`), so the column is FLOAT even if every value is whole. A column of integers some of
 * which have 16 digits or more (beyond 2^53) goes as a BigInt64Array, `missing` marking empty
 * cells. Any other column goes as its cells joined by NUL (one string to copy and split instead
 * of a structured clone of each cell), or as the cells themselves when the chunk holds a NUL.
 */
export type PackedColumn =
  | { readonly numbers: Float64Array; readonly floats: boolean }
  | { readonly integers: BigInt64Array; readonly missing: Uint8Array }
  | string
  | string[];

export type WorkerMessage =
  | { readonly type: 'batch'; readonly columns: PackedColumn[]; readonly rows: number; readonly bytes: number }
  | { readonly type: 'syntax'; readonly record: number; readonly what: string }
  | { readonly type: 'decode'; readonly line: number | undefined; readonly what: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'done' };

export const SEPARATOR = '\u0000';
const MAX_IN_FLIGHT = 2;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** What {@link readNumber} found: an integer of at most 15 digits, a float, not a number, or a longer integer. */
export const Shape = { Integer: 0, Float: 1, NotANumber: 2, LongInteger: 3 } as const;
let shape: number = Shape.NotANumber;

/** The kind of the number {@link readNumber} read last (a value of {@link Shape}). */
export function lastShape(): number {
  return shape;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * The number `text[start, end)` spells, with its kind in `shape`, read from the characters
 * without making a string: the spelling rules of number-text.ts (spaces and tabs around allowed).
 * Exact: integers of at most 15 digits, and decimals of at most 15 significant digits whose
 * power of ten is within ±22 (one correctly rounded IEEE operation, Clinger's fast path); any
 * other number is converted by `Number` from its text. A LongInteger's value is not computed.
 */
export function readNumber(text: string, start: number, end: number): number {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  let i = start;
  let negative = false;
  const c0 = text.charCodeAt(i);
  if (c0 === 45) {
    negative = true;
    i++;
  } else if (c0 === 43) i++;
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let fraction = 0;
  let c = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    digits++;
    if (significant > 0 || c !== 48) {
      significant++;
      mantissa = mantissa * 10 + (c - 48);
    }
  }
  if (i === end) {
    if (digits === 0) {
      shape = Shape.NotANumber;
      return NaN;
    }
    if (digits > 15) {
      shape = Shape.LongInteger;
      return NaN;
    }
    shape = Shape.Integer;
    return negative ? -mantissa : mantissa;
  }
  if (c === 46) {
    for (i++; i < end; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      digits++;
      fraction++;
      if (significant > 0 || c !== 48) {
        significant++;
        mantissa = mantissa * 10 + (c - 48);
      }
    }
  }
  if (digits === 0) {
    shape = Shape.NotANumber;
    return NaN;
  }
  let exponent = 0;
  if (i < end && (c | 32) === 101) {
    i++;
    let expNegative = false;
    const s = text.charCodeAt(i);
    if (s === 43 || s === 45) {
      expNegative = s === 45;
      i++;
    }
    let expDigits = 0;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      expDigits++;
      if (exponent < 100_000) exponent = exponent * 10 + (c - 48);
    }
    if (expDigits === 0) {
      shape = Shape.NotANumber;
      return NaN;
    }
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) {
    shape = Shape.NotANumber;
    return NaN;
  }
  shape = Shape.Float;
  const power = exponent - fraction;
  if (significant > 15 || power < -22 || power > 22) return Number(text.slice(start, end));
  const value = power < 0 ? mantissa / POWERS_OF_TEN[-power]! : mantissa * POWERS_OF_TEN[power]!;
  return negative ? -value : value;
}

/** Column `c` of a chunk as it travels (see {@link PackedColumn}). */
function pack(chunk: CsvChunk, c: number, hasNul: boolean, transfer: ArrayBuffer[]): PackedColumn {
  const { text, rows, width, bounds } = chunk;
  const asText = (): PackedColumn => (hasNul ? chunkColumn(chunk, c) : chunkColumn(chunk, c).join(SEPARATOR));
  const numbers = new Float64Array(rows);
  let floats = false;
  let integers: BigInt64Array | undefined;
  let missing: Uint8Array | undefined;
  for (let r = 0, i = c; r < rows; r++, i += width) {
    const start = bounds[2 * i]!;
    const end = bounds[2 * i + 1]!;
    if (start === end) {
      if (integers) missing![r] = 1;
      else numbers[r] = NaN;
      continue;
    }
    // A quoted cell with an escaped quote is never a number: readNumber refuses its raw `""`.
    const v = readNumber(text, start, end);
    if (shape === Shape.NotANumber) return asText();
    if (shape === Shape.Float) {
      if (integers) return asText();
      floats = true;
      numbers[r] = v;
      continue;
    }
    if (shape === Shape.LongInteger && !integers) {
      // Integers beyond 2^53 stay exact: the column travels as 64-bit integers.
      if (floats) return asText();
      integers = new BigInt64Array(rows);
      missing = new Uint8Array(rows);
      for (let k = 0; k < r; k++) {
        if (Number.isNaN(numbers[k])) missing[k] = 1;
        else integers[k] = BigInt(numbers[k]!);
      }
    }
    if (!integers) numbers[r] = v;
    else if (shape === Shape.Integer) integers[r] = BigInt(v);
    else {
      const n = BigInt(text.slice(start, end).trim());
      if (n < INT64_MIN || n > INT64_MAX) return asText();
      integers[r] = n;
    }
  }
  if (integers) {
    transfer.push(integers.buffer as ArrayBuffer, missing!.buffer as ArrayBuffer);
    return { integers, missing: missing! };
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
    batch(chunk) {
      const transfer: ArrayBuffer[] = [];
      const columns: PackedColumn[] = [];
      const hasNul = chunk.text.includes(SEPARATOR);
      for (let c = 0; c < width; c++) columns.push(pack(chunk, c, hasNul, transfer));
      port.postMessage({ type: 'batch', columns, rows: chunk.rows, bytes } satisfies WorkerMessage, transfer);
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
