/**
 * The ingest's stages timed one at a time on one CSV file, to see what bounds the whole:
 *
 *   parse    stream the file through papaparse as src/readers/csv-reader.ts does ('' → null),
 *            keeping nothing (the rows are then read again, untimed, for the next stages)
 *   convert  the store's convertText on every cell, types from inferColumnType on the first 20,000 rows
 *   insert   the converted rows into a fresh WAL SQLite file with 64-row multi-VALUES statements
 *            (as src/backends/sqlite/sqlite-backend.ts does), one transaction, COMMIT included
 *   engine   INSERT INTO copy SELECT * FROM bench in the same file: SQLite's own cost for the same
 *            rows with no JavaScript binding, COMMIT included
 *
 *   node --max-old-space-size=8000 dist/bench/ingest-parts.js FILE [DB]
 *
 * All rows are held in memory between stages (about 1.5 GB for 1,000,000 rows), so this is for
 * timing only; its memory says nothing about the store's, and the big live heap makes the later
 * stages' GC dearer than in the real ingest (insert varies more here). Prints one JSON line per stage.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import Papa from 'papaparse';
import { convertText, DOES_NOT_FIT, inferColumnType } from '../src/store/type-inference.js';
import type { Cell, LogicalType } from '../src/store/types.js';

const ROWS_PER_STATEMENT = 64;

/** Stream `file` through papaparse; `keep` holds the rows for the later stages. */
function parse(file: string, keep: boolean): Promise<{ header: string[]; rows: number; batches: (string | null)[][][] }> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const batches: (string | null)[][][] = [];
    let header: string[] | undefined;
    let count = 0;
    Papa.parse<string[]>(stream as unknown as File, {
      skipEmptyLines: true,
      delimiter: ',',
      chunk(results) {
        const rows = results.data as (string | null)[][];
        let start = 0;
        if (!header) {
          header = rows[0] as string[];
          start = 1;
        }
        const out: (string | null)[][] = [];
        for (let i = start; i < rows.length; i++) {
          const row = rows[i]!;
          for (let c = 0; c < row.length; c++) if (row[c] === '') row[c] = null;
          out.push(row);
        }
        count += out.length;
        if (keep) batches.push(out);
      },
      complete: () => resolve({ header: header ?? [], rows: count, batches }),
      error: reject,
    });
  });
}

function report(stage: string, rows: number, seconds: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ stage, rows, seconds: Number(seconds.toFixed(3)), rowsPerSecond: Math.round(rows / seconds), ...extra }));
}

async function main(): Promise<void> {
  const [file, dbPath = 'bench/out/ingest-parts.db'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --max-old-space-size=8000 dist/bench/ingest-parts.js FILE [DB]');
    process.exit(2);
  }
  // Timed without keeping the rows: holding them all would make the time mostly GC.
  let t0 = performance.now();
  const streamed = await parse(file, false);
  report('parse', streamed.rows, (performance.now() - t0) / 1000);
  const { header, rows, batches } = await parse(file, true);

  const width = header.length;
  const sample: (string | null)[][] = [];
  for (const b of batches) {
    if (sample.length >= 20_000) break;
    sample.push(...b.slice(0, 20_000 - sample.length));
  }
  const types: LogicalType[] = Array.from({ length: width }, (_, c) => inferColumnType(sample.map((row) => row[c] ?? null), 'text') ?? 'integer');
  t0 = performance.now();
  const converted: Cell[][][] = batches.map((batch) =>
    batch.map((raw) => {
      const row = new Array<Cell>(width);
      for (let c = 0; c < width; c++) {
        const v = convertText(raw[c] ?? null, types[c]!);
        if (v === DOES_NOT_FIT) throw new Error(`column ${header[c]} needs widening; ingest-parts keeps the first 20,000 rows' types`);
        row[c] = v;
      }
      return row;
    }),
  );
  report('convert', rows, (performance.now() - t0) / 1000, { types });

  for (const s of ['', '-wal', '-shm']) fs.rmSync(dbPath + s, { force: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.defaultSafeIntegers(true);
  const names = { integer: 'INTEGER', float: 'FLOAT', text: 'VARCHAR' } as const;
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const columns = header.map((h, i) => `${q(h)} ${names[types[i]!]}`).join(', ');
  db.exec(`CREATE TABLE bench (${columns}); CREATE TABLE copy (${columns})`);
  const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  const many = db.prepare(`INSERT INTO bench VALUES ${Array.from({ length: ROWS_PER_STATEMENT }, () => tuple).join(', ')}`);
  const one = db.prepare(`INSERT INTO bench VALUES ${tuple}`);
  const params = new Array<Cell>(ROWS_PER_STATEMENT * width);
  t0 = performance.now();
  db.exec('BEGIN IMMEDIATE');
  for (const batch of converted) {
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= batch.length; i += ROWS_PER_STATEMENT) {
      let k = 0;
      for (let r = i; r < i + ROWS_PER_STATEMENT; r++) {
        const row = batch[r]!;
        for (let c = 0; c < width; c++) params[k++] = row[c] ?? null;
      }
      many.run(params);
    }
    for (; i < batch.length; i++) one.run(batch[i]!);
  }
  const tCommit = performance.now();
  db.exec('COMMIT');
  const t1 = performance.now();
  report('insert', rows, (t1 - t0) / 1000, { commitSeconds: Number(((t1 - tCommit) / 1000).toFixed(3)) });

  t0 = performance.now();
  // The WHERE clause turns off SQLite's transfer optimisation, which would copy records undecoded.
  db.exec('BEGIN IMMEDIATE; INSERT INTO copy SELECT * FROM bench WHERE rowid IS NOT NULL; COMMIT');
  report('engine', rows, (performance.now() - t0) / 1000);
  db.close();
  for (const s of ['', '-wal', '-shm']) fs.rmSync(dbPath + s, { force: true });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
