/**
 * Generic ways to spoil a valid input: cut it short, flip, insert, delete or repeat bytes, swap
 * its encoding, or replace it with noise. Each arbitrary yields bytes; the format-aware
 * generators in reader-inputs.ts feed them valid fixtures and grammar-built documents.
 */
import fc from 'fast-check';

/** One edit of a byte string; positions are taken modulo its length. */
type Edit =
  | { readonly kind: 'flip'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number; readonly times: number };

/** Bytes that parsers treat specially: quotes, separators, line ends, NUL, BOM pieces, high bytes. */
const SPECIAL_BYTES = [0x00, 0x0a, 0x0d, 0x22, 0x27, 0x2c, 0x3a, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x09, 0x23, 0x26, 0x2d, 0x80, 0xc3, 0xef, 0xbb, 0xbf, 0xff, 0xfe];

const byteArb = fc.oneof(fc.constantFrom(...SPECIAL_BYTES), fc.integer({ min: 0, max: 255 }));

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: byteArb }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(byteArb, { minLength: 1, maxLength: 8 }).map((a) => Uint8Array.from(a)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }), times: fc.integer({ min: 2, max: 50 }) }),
);

function applyEdit(bytes: Buffer, edit: Edit): Buffer {
  const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
  switch (edit.kind) {
    case 'flip': {
      if (bytes.length === 0) return Buffer.from([edit.byte]);
      const out = Buffer.from(bytes);
      out[at] = edit.byte;
      return out;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), edit.bytes, bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
    case 'repeat': {
      const piece = bytes.subarray(at, at + edit.length);
      return Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: edit.times }, () => piece), bytes.subarray(at + edit.length)]);
    }
  }
}

/** `base` with one to eight random edits. */
export function mutated(base: Buffer): fc.Arbitrary<Buffer> {
  return fc.array(editArb, { minLength: 1, maxLength: 8 }).map((edits) => edits.reduce(applyEdit, base));
}

/** A prefix of `base` (possibly empty, never all of it when it has bytes). */
export function truncated(base: Buffer): fc.Arbitrary<Buffer> {
  return fc.nat({ max: Math.max(0, base.length - 1) }).map((n) => base.subarray(0, n));
}

/** Noise: up to 4 KiB of random bytes. */
export const randomBytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));

/**
 * `text` in an encoding a UTF-8 reader does not expect: UTF-16 (either order, with or without a
 * BOM), Latin-1 (with accented letters), or UTF-8 with an invalid sequence spliced in.
 */
export function wrongEncoding(text: string): fc.Arbitrary<Buffer> {
  const accented = text.length > 0 ? text : 'café,naïve\n1,2\n';
  return fc.oneof(
    fc.constant(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(accented, 'utf16le')])),
    fc.constant(Buffer.from(accented, 'utf16le')),
    fc.constant(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(accented, 'utf16le').swap16()])),
    fc.constant(Buffer.from(`${accented}é ü ß`, 'latin1')),
    fc.tuple(fc.nat(), fc.constantFrom([0xc3], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])).map(([at, bad]) => {
      const bytes = Buffer.from(accented, 'utf8');
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      return Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]);
    }),
  );
}

/** Text a parser may stumble on: quotes, separators, control and non-ASCII characters, long runs. */
export const awkwardText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '"',
      "'",
      '""',
      "''",
      ',',
      '\n',
      '\r\n',
      '\t',
      '\0',
      '\uFEFF',
      '\u00a0',
      '\u2028',
      '\uD800',
      'NaN',
      'Infinity',
      '-0',
      '1e999',
      '9007199254740993',
      '-9223372036854775809',
      '0x1F',
      '007',
      '1.50',
      'null',
      'true',
      '__proto__',
      'constructor',
      'rowid',
      'dsi_row_index',
      'FILE',
      'a b',
      'a_b',
      "x'); DROP TABLE wildfiredata; --",
      '${x}',
      '%s%n',
      '../../etc/passwd',
      '😀',
      'é',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'x'.repeat(n)) },
);
