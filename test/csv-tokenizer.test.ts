/**
 * The CSV tokenizer and the worker's number reading against their references: random CSV text
 * (quotes, escaped quotes, embedded line breaks, blank lines, spaces after closing quotes, LF,
 * CRLF and CR files), cut into pieces at random places, gives the records papaparse gives the
 * whole text; numbers read from the characters equal `Number` of their text, bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Papa from 'papaparse';
import { CsvSyntaxError, CsvTokenizer, chunkColumns } from '../src/readers/csv-parse.js';
import { Shape, lastShape, readNumber } from '../src/readers/csv-parse-worker.js';

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function field(next: () => number, newline: string): string {
  const k = next();
  if (k < 0.3) return String(Math.floor(next() * 1000));
  if (k < 0.4) return '';
  if (k < 0.5) return `"a${newline}b"`;
  if (k < 0.6) return `"say ""hi"", ok"`;
  if (k < 0.65) return `"x"  `;
  // A stray quote can sway papaparse's guess of a CR or CRLF line break (made from the first
  // piece here, from the whole text in the reference): only LF files get one.
  if (k < 0.7) return newline === '\n' ? `ab"c` : 'abc';
  if (k < 0.75) return '""';
  if (k < 0.8) return ' 1.5e-3 ';
  return `w${Math.floor(next() * 100)}`;
}

function csvText(next: () => number, newline: string, width: number, rows: number): string {
  const lines: string[] = [];
  for (let r = 0; r <= rows; r++) {
    if (r > 0 && next() < 0.05) lines.push('');
    lines.push(Array.from({ length: width }, () => field(next, newline)).join(','));
  }
  return (next() < 0.5 ? '\uFEFF' : '') + lines.join(newline) + (next() < 0.5 ? newline : '');
}

/** Every data row the tokenizer gives for `text` fed in pieces cut at `cuts`. */
function tokenize(text: string, width: number, cuts: number[]): string[][] {
  const tokenizer = new CsvTokenizer(width);
  const rows: string[][] = [];
  const take = (piece: string, final: boolean) => {
    const chunk = tokenizer.push(piece, final);
    const columns = chunkColumns(chunk);
    for (let r = 0; r < chunk.rows; r++) rows.push(columns.map((c) => c[r]!));
  };
  let at = 0;
  for (const cut of cuts) {
    take(text.slice(at, cut), false);
    at = cut;
  }
  take(text.slice(at), true);
  return rows;
}

describe('CSV tokenizer', () => {
  it('gives papaparse\'s records for random files cut into random pieces (LF, CRLF, CR)', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const newline = ['\n', '\r\n', '\r'][round % 3]!;
      const width = 1 + Math.floor(next() * 4);
      const text = csvText(next, newline, width, Math.floor(next() * 12));
      const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: ',', skipEmptyLines: true });
      const cuts = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * text.length)).sort((a, b) => a - b);
      const what = `round ${round}: ${JSON.stringify(text)} cut at ${cuts}`;
      if (parsed.errors.length > 0) assert.throws(() => tokenize(text, width, cuts), CsvSyntaxError, what);
      else assert.deepEqual(tokenize(text, width, cuts), parsed.data.slice(1), what);
    }
  });

  it('names the record of a ragged row, an unclosed quote and text after a closing quote', () => {
    const record = (text: string) => {
      try {
        tokenize(text, 2, [3]);
      } catch (e) {
        assert.ok(e instanceof CsvSyntaxError);
        return [e.record, e.what];
      }
      return undefined;
    };
    assert.deepEqual(record('a,b\n1,2\n\n3\n'), [2, 'expected 2 fields as in the header, found 1']);
    assert.deepEqual(record('a,b\n1,2\n3,"open\n5,6\n'), [2, 'unbalanced quote: a quoted field is never closed']);
    assert.deepEqual(record('a,b\r\n1,2\r\n3,"x"y\r\n'), [2, 'malformed quoted field (text after the closing quote)']);
  });
});

describe('numbers read from the characters', () => {
  it('equal Number of the text, bit for bit, and have the spelling rules of the store', () => {
    const next = random(11);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
    const same = (a: number, b: number) => Object.is(a, b);
    for (let i = 0; i < 20_000; i++) {
      const sign = ['', '-', '+'][Math.floor(next() * 3)]!;
      const whole = digits(Math.floor(next() * 18));
      const fraction = next() < 0.7 ? `.${digits(Math.floor(next() * 18))}` : '';
      const exponent = next() < 0.3 ? `e${['', '-', '+'][Math.floor(next() * 3)]}${digits(1 + Math.floor(next() * 3))}` : '';
      const text = `${sign}${whole}${fraction}${exponent}`;
      const padded = next() < 0.1 ? ` ${text}\t` : text;
      const v = readNumber(padded, 0, padded.length);
      const hasDigits = /\d/.test(whole + fraction);
      if (!hasDigits) {
        assert.equal(lastShape(), Shape.NotANumber, text);
        continue;
      }
      if (fraction === '' && exponent === '') {
        if (whole.length > 15) assert.equal(lastShape(), Shape.LongInteger, text);
        else assert.ok(lastShape() === Shape.Integer && same(v, Number(text)), text);
        continue;
      }
      assert.equal(lastShape(), Shape.Float, text);
      assert.ok(same(v, Number(text)), `${text}: ${v} ≠ ${Number(text)}`);
    }
    for (const text of ['', ' ', 'NaN', '1e', '.', '-', '1.2.3', '0x10', '1e+', 'Infinity', '1 2']) {
      readNumber(text, 0, text.length);
      assert.equal(lastShape(), Shape.NotANumber, text);
    }
  });
});
