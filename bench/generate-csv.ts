/**
 * Deterministic CSV generator for the ingest benchmark: N rows × 10 columns of mixed types,
 * written in chunks so the file never sits whole in memory. The same seed and row count always
 * give the same bytes, and a smaller file is a prefix of a larger one made with the same seed.
 *
 * Columns:
 *   id           integer, 1..N
 *   run_id       integer, 18-digit "large ids" (beyond 2^53, within int64)
 *   step         integer, 0..9999
 *   temperature  float, plain decimals (e.g. 291.4172)
 *   rate         float, scientific-looking (0.000123, 1.50e-7, 4.2e-11)
 *   pressure     float, about 5 % empty cells
 *   category     short text from a small set, about 1 % empty
 *   status       short text from a small set
 *   note         free text, some quoted with embedded commas, about 10 % empty
 *   recorded_at  ISO 8601 date-time text (2024-03-05T12:34:56Z)
 *
 * CLI: node dist/bench/generate-csv.js --rows 1000000 --out bench/out/data.csv [--seed 42]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const COLUMNS = [
  'id',
  'run_id',
  'step',
  'temperature',
  'rate',
  'pressure',
  'category',
  'status',
  'note',
  'recorded_at',
] as const;

/** sfc32: a small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // mix the seed in
  return next;
}

const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const STATUSES = ['ok', 'ok', 'ok', 'warn', 'fail', 'retry'];
const WORDS = [
  'sample', 'batch', 'detector', 'calibrated', 'run', 'noise', 'baseline', 'drift', 'peak',
  'shot', 'laser', 'target', 'cold', 'warm', 'restart', 'nominal', 'check', 'flux', 'mesh', 'cell',
];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** One data line (without the newline) for row `i` (0-based). */
function makeLine(i: number, rand: () => number): string {
  const id = i + 1;
  // 18 digits: 100000000..922337202 followed by 9 digits; always below 2^63 - 1.
  const hi = 100_000_000 + Math.floor(rand() * 822_337_203);
  const lo = Math.floor(rand() * 1_000_000_000);
  const runId = `${hi}${String(lo).padStart(9, '0')}`;
  const step = Math.floor(rand() * 10_000);
  const temperature = (250 + rand() * 100).toFixed(4);

  const r = rand();
  const mantissa = 1 + rand() * 8.99;
  let rate: string;
  if (r < 0.4) rate = (mantissa * 1e-4).toPrecision(3); // 0.000123
  else if (r < 0.8) rate = `${mantissa.toFixed(2)}e-${7 + Math.floor(rand() * 6)}`; // 1.50e-7
  else rate = (mantissa * 10 ** -Math.floor(rand() * 12)).toExponential(1); // 4.2e-11, 1.5e+0

  const pressure = rand() < 0.05 ? '' : (90 + rand() * 20).toFixed(3);
  const category = rand() < 0.01 ? '' : CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!;
  const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;

  const n = rand();
  let note: string;
  if (n < 0.1) note = '';
  else {
    const w1 = WORDS[Math.floor(rand() * WORDS.length)]!;
    const w2 = WORDS[Math.floor(rand() * WORDS.length)]!;
    const k = Math.floor(rand() * 1000);
    if (n < 0.35) note = `"${w1} ${k}, ${w2} checked, see log"`; // quoted, embedded commas
    else if (n < 0.4) note = `"${w1} said ""${w2}"", then ${k}"`; // quoted, escaped quotes
    else note = `${w1} ${w2} ${k}`;
  }

  const day = Math.floor(rand() * 3 * 365); // 2022-01-01 + up to three years
  const date = new Date(Date.UTC(2022, 0, 1 + day, Math.floor(rand() * 24), Math.floor(rand() * 60), Math.floor(rand() * 60)));
  const recordedAt = `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}Z`;

  return `${id},${runId},${step},${temperature},${rate},${pressure},${category},${status},${note},${recordedAt}`;
}

/** Write `rows` data rows (plus the header) to `file`; returns the file's size in bytes. */
export function generateCsv(file: string, rows: number, seed = 42): number {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const rand = sfc32(seed);
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    let chunk = `${COLUMNS.join(',')}\n`;
    for (let i = 0; i < rows; i++) {
      chunk += `${makeLine(i, rand)}\n`;
      if (chunk.length >= 1 << 20) {
        bytes += fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) bytes += fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

function main(argv: string[]): void {
  let rows = 1_000_000;
  let out = 'bench/out/data.csv';
  let seed = 42;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--rows' && v !== undefined) (rows = Number(v)), i++;
    else if (a === '--out' && v !== undefined) (out = v), i++;
    else if (a === '--seed' && v !== undefined) (seed = Number(v)), i++;
    else {
      console.error('usage: node dist/bench/generate-csv.js [--rows N] [--out FILE] [--seed S]');
      process.exit(2);
    }
  }
  if (!Number.isInteger(rows) || rows < 0) {
    console.error(`--rows must be a non-negative integer, got ${rows}`);
    process.exit(2);
  }
  const t0 = performance.now();
  const bytes = generateCsv(out, rows, seed);
  const s = (performance.now() - t0) / 1000;
  console.log(`wrote ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB to ${out} in ${s.toFixed(1)} s`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
