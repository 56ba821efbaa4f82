/**
 * A batch of expert verdicts from a CSV file: a header with `prediction_id` and any of
 * `verdict` (accept, reject; also yes/no, 1/0, accepted/rejected), `rating` (1–5), `comment`,
 * `reviewer`. Errors name the file and line; the batch is recorded whole or not at all. The file
 * is read as readers read text (text-decoding.ts): strict UTF-8, a binary file refused as such.
 */
import path from 'node:path';
import Papa from 'papaparse';
import { MlError } from '../../errors.js';
import { readUtf8FileSync } from '../../readers/text-decoding.js';
import type { Store } from '../../store/store.js';
import { recordReviews, type RecordedReview, type ReviewInput, type Verdict } from './record-reviews.js';

const COLUMNS = ['prediction_id', 'verdict', 'rating', 'comment', 'reviewer'] as const;

const VERDICTS: Readonly<Record<string, Verdict>> = {
  accept: 'accept', accepted: 'accept', yes: 'accept', y: 'accept', '1': 'accept', true: 'accept',
  reject: 'reject', rejected: 'reject', no: 'reject', n: 'reject', '0': 'reject', false: 'reject',
};

/** Reads `file` into reviews; every problem names the file and line. */
export function readReviewCsv(file: string): ReviewInput[] {
  const name = path.basename(file);
  const text = readUtf8FileSync(file, 'a CSV of reviews');
  // Step through the rows to know where each starts: errors then name the line even when a quoted
  // comment spans several.
  const body = text.replace(/^\uFEFF/, '');
  const rows: { cells: string[]; line: number }[] = [];
  let offset = 0;
  const lines = lineCounter(body);
  let parseError: string | undefined;
  Papa.parse<string[]>(body, {
    skipEmptyLines: 'greedy',
    step: (result) => {
      const line = lines(offset);
      offset = result.meta.cursor;
      const e = result.errors.find((x) => x.type !== 'Delimiter');
      if (e !== undefined && parseError === undefined) parseError = `${name} line ${line}: ${e.message}`;
      rows.push({ cells: result.data, line });
    },
  });
  if (parseError !== undefined) throw new MlError('E_ML_DATA', parseError);
  if (rows.length === 0) throw new MlError('E_ML_DATA', `${name} is empty; a review file starts with a header (${COLUMNS.join(', ')})`);
  const header = rows[0]!.cells.map((h) => h.trim().toLowerCase());
  if (!header.includes('prediction_id')) throw new MlError('E_ML_DATA', `${name} line ${rows[0]!.line}: the header has no prediction_id column (columns: ${header.join(', ') || 'none'})`);
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) throw new MlError('E_ML_DATA', `${name} line ${rows[0]!.line}: unknown column(s) ${unknown.join(', ')}; a review file has ${COLUMNS.join(', ')}`);
  if (rows.length === 1) throw new MlError('E_ML_DATA', `${name} has no reviews below its header`);

  return rows.slice(1).map(({ cells, line }) => {
    const where = `${name} line ${line}`;
    if (cells.length !== header.length) throw new MlError('E_ML_DATA', `${where}: ${cells.length} fields, the header has ${header.length}`);
    const row = Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
    const verdictText = (row['verdict'] ?? '').trim().toLowerCase();
    const verdict = verdictText === '' ? null : VERDICTS[verdictText];
    if (verdict === undefined) throw new MlError('E_ML_DATA', `${where}: verdict must be accept or reject, got "${row['verdict']}"`);
    const ratingText = (row['rating'] ?? '').trim();
    const rating = ratingText === '' ? null : Number(ratingText);
    if (rating !== null && !Number.isFinite(rating)) throw new MlError('E_ML_DATA', `${where}: rating must be a number, got "${ratingText}"`);
    return {
      prediction_id: (row['prediction_id'] ?? '').trim(),
      verdict,
      rating,
      comment: (row['comment'] ?? '').trim() || null,
      reviewer: (row['reviewer'] ?? '').trim() || null,
      where,
    };
  });
}

/** The 1-based line of the first non-blank character at or after `offset`; offsets must not decrease. */
function lineCounter(text: string): (offset: number) => number {
  let scanned = 0;
  let line = 1;
  return (offset) => {
    let i = offset;
    while (i < text.length && (text[i] === '\n' || text[i] === '\r')) i++;
    for (; scanned < i; scanned++) if (text[scanned] === '\n') line++;
    return line;
  };
}

/** Reads and records a review file; returns what was stored. */
export async function importReviews(store: Store, file: string, options: { reviewer?: string } = {}): Promise<RecordedReview[]> {
  const reviews = readReviewCsv(file);
  return recordReviews(store, reviews, { ...options, source: `import ${path.basename(file)}` });
}
