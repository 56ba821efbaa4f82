/**
 * Features from a CSV file (RFC 4180, through papaparse): a header line naming the features, then
 * one sample per line, one number per column. Blank lines are skipped; a BOM and CRLF are fine.
 * Everything wrong is an E_ML_DATA whose message starts `file:line:` as compilers print it: a row
 * with more or fewer fields than the header, a field that is not a decimal number, NaN or
 * Infinity, fewer than two samples. The file is read as readers read text (text-decoding.ts):
 * strict UTF-8 and a binary file refused, each a StoreError E_BAD_INPUT naming the file; a path
 * that cannot be read is named with the problem in words (E_BAD_ARGUMENT or E_FILE).
 *
 * ```ts
 * const real = readFeatureCsv('real-features.csv'); // FeatureMatrix, rows = samples
 * ```
 */
import Papa from 'papaparse';
import { MlError } from '../../../errors.js';
import { readUtf8FileSync } from '../../../readers/text-decoding.js';
import type { FeatureMatrix } from './feature-matrix.js';

/** A decimal number as written in a CSV: 1, -2.5, .5, 3., 1e-7 (no hex, no NaN, no Infinity). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function dataError(file: string, line: number | undefined, what: string): MlError {
  return new MlError('E_ML_DATA', `${line === undefined ? file : `${file}:${line}`}: ${what}`);
}

/** Reads a feature CSV (blocking; the files are small next to the metrics computed on them). */
export function readFeatureCsv(file: string): FeatureMatrix {
  let text = readUtf8FileSync(file, 'a CSV of features');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let header: string[] | undefined;
  let headerLine = 0;
  let line = 1;
  let rows = 0;
  let lastLine = 0;
  let values = new Float64Array(1024);
  let failure: MlError | undefined;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    skipEmptyLines: false,
    step(results, parser) {
      const row = results.data;
      const at = line;
      const breakChar = results.meta.linebreak === '\r' ? '\r' : '\n';
      let inner = 0;
      for (const field of row) for (let i = field.indexOf(breakChar); i !== -1; i = field.indexOf(breakChar, i + 1)) inner++;
      line += 1 + inner;
      const fail = (what: string): void => {
        failure = dataError(file, at, what);
        parser.abort();
      };
      if (results.errors.length > 0) return fail(`not valid CSV: ${results.errors[0]!.message}`);
      if (row.length === 1 && row[0]!.trim() === '') return; // a blank line
      if (header === undefined) {
        header = row.map((h) => h.trim());
        headerLine = at;
        return;
      }
      const cols = header.length;
      if (row.length !== cols) return fail(`${row.length} field${row.length === 1 ? '' : 's'}, but the header has ${cols} columns (a ragged row)`);
      if ((rows + 1) * cols > values.length) {
        const grown = new Float64Array(Math.max(values.length * 2, (rows + 1) * cols));
        grown.set(values);
        values = grown;
      }
      for (let c = 0; c < cols; c++) {
        const field = row[c]!.trim();
        const name = header[c] === '' ? `column ${c + 1}` : `column ${c + 1} (${header[c]})`;
        if (!DECIMAL.test(field)) {
          const what = /^[+-]?(nan|inf(inity)?)$/i.test(field) ? 'not a finite number' : field === '' ? 'empty' : 'not a number';
          return fail(`${name}: "${field}" is ${what}; features must be finite numbers`);
        }
        const v = Number(field);
        if (!Number.isFinite(v)) return fail(`${name}: "${field}" overflows a float64; features must be finite numbers`);
        values[rows * cols + c] = v;
      }
      rows++;
      lastLine = at;
    },
  });
  if (failure !== undefined) throw failure;
  if (header === undefined) throw dataError(file, undefined, 'empty: a header line and at least 2 samples are needed');
  if (rows < 2) {
    throw dataError(file, rows === 0 ? headerLine : lastLine, `${rows} sample${rows === 1 ? '' : 's'} after the header; at least 2 are needed`);
  }
  const cols = header.length;
  return Object.freeze({ data: values.slice(0, rows * cols), rows, cols });
}
