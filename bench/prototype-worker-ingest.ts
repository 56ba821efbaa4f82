/**
 * PROTOTYPE, not the store: how fast a CSV ingest gets when parsing and type conversion run in a
 * worker thread while the main thread only binds and inserts. Backs the worker-thread suggestion
 * in docs/performance.md; it does not widen columns, keep units or relations, or report lines.
 *
 *   node dist/bench/prototype-worker-ingest.js FILE DB
 *
 * The worker parses with papaparse (as src/readers/csv-reader.ts does), infers the types from the
 * first 20,000 rows with the store's own inferTypes, converts with convertText, and hands each
 * batch over COLUMNAR: numbers in a Float64Array (BigInt64Array for integers beyond 2^53), a
 * null map in a Uint8Array (all transferred, not copied) and each text column as one string
 * joined with NUL (a batch whose text holds a NUL sends that column as a plain array instead).
 * Handing over plain row arrays instead costs the main thread more in structured-clone decoding
 * than it saves. At most MAX_IN_FLIGHT batches are queued, so memory
 * stays bounded. Prints one JSON line like bench/ingest-child.ts.
 */
import fs from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import Papa from 'papaparse';
import { convertText, DOES_NOT_FIT, inferTypes } from '../src/store/type-inference.js';
import type { LogicalType } from '../src/store/types.js';

const INFERENCE_ROWS = 20_000;
const MAX_IN_FLIGHT = 3;
const ROWS_PER_STATEMENT = 64;
const SEP = '\u0000';
const WORKER_YOUNG_MB = process.env.WORKER_YOUNG_MB ? Number(process.env.WORKER_YOUNG_MB) : undefined;

type Column =
  | { kind: 'number'; values: Float64Array; big: BigInt64Array | null; nulls: Uint8Array }
  | { kind: 'text'; joined: string; nulls: Uint8Array }
  | { kind: 'cells'; cells: (string | null)[] };

interface Batch {
  rows: number;
  columns: Column[];
}

type ToMain = { type: 'header'; columns: string[]; types: LogicalType[] } | { type: 'batch'; batch: Batch } | { type: 'done' } | { type: 'error'; message: string };

function packBatch(rows: (string | null)[][], types: readonly LogicalType[], transfer: ArrayBuffer[]): Batch {
  const n = rows.length;
  const columns: Column[] = [];
  for (let c = 0; c < types.length; c++) {
    const nulls = new Uint8Array(n);
    if (types[c] === 'text') {
      const parts = new Array<string>(n);
      let hasSep = false;
      for (let r = 0; r < n; r++) {
        const v = rows[r]![c] ?? null;
        if (v === null) (nulls[r] = 1), (parts[r] = '');
        else {
          if (v.includes(SEP)) hasSep = true;
          parts[r] = v;
        }
      }
      if (hasSep) columns.push({ kind: 'cells', cells: rows.map((row) => row[c] ?? null) });
      else {
        columns.push({ kind: 'text', joined: parts.join(SEP), nulls });
        transfer.push(nulls.buffer as ArrayBuffer);
      }
      continue;
    }
    const values = new Float64Array(n);
    let big: BigInt64Array | null = null;
    for (let r = 0; r < n; r++) {
      const v = convertText(rows[r]![c] ?? null, types[c]!);
      if (v === DOES_NOT_FIT) throw new Error(`prototype: column ${c} needs widening (not supported here)`);
      if (v === null) nulls[r] = 1;
      else if (typeof v === 'bigint') {
        (big ??= new BigInt64Array(n))[r] = v;
        nulls[r] = 2;
      } else values[r] = v as number;
    }
    columns.push({ kind: 'number', values, big, nulls });
    transfer.push(values.buffer as ArrayBuffer, nulls.buffer as ArrayBuffer);
    if (big) transfer.push(big.buffer as ArrayBuffer);
  }
  return { rows: n, columns };
}

function worker(file: string): void {
  const port = parentPort!;
  let inFlight = 0;
  let resume: (() => void) | undefined;
  port.on('message', () => {
    inFlight--;
    if (resume && inFlight < MAX_IN_FLIGHT) {
      const r = resume;
      resume = undefined;
      r();
    }
  });
  let header: string[] | undefined;
  let types: LogicalType[] | undefined;
  let pending: (string | null)[][] = [];
  const send = (rows: (string | null)[][], parser: Papa.Parser | undefined) => {
    const transfer: ArrayBuffer[] = [];
    const batch = packBatch(rows, types!, transfer);
    port.postMessage({ type: 'batch', batch } satisfies ToMain, transfer);
    inFlight++;
    if (parser && inFlight >= MAX_IN_FLIGHT) {
      parser.pause();
      resume = () => parser.resume();
    }
  };
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  Papa.parse<string[]>(stream as unknown as File, {
    skipEmptyLines: true,
    delimiter: ',',
    chunk(results, parser) {
      const data = results.data as (string | null)[][];
      let start = 0;
      if (!header) {
        header = data[0] as string[];
        start = 1;
      }
      const rows = start === 0 ? data : data.slice(start);
      for (const row of rows) for (let c = 0; c < row.length; c++) if (row[c] === '') row[c] = null;
      if (!types) {
        pending.push(...rows);
        if (pending.length < INFERENCE_ROWS) return;
        types = inferTypes(pending, header.length, 'text').map((t) => t ?? 'integer');
        port.postMessage({ type: 'header', columns: header, types } satisfies ToMain);
        const first = pending;
        pending = [];
        send(first, parser);
        return;
      }
      send(rows, parser);
    },
    complete() {
      if (!types && header) {
        types = inferTypes(pending, header.length, 'text').map((t) => t ?? 'integer');
        port.postMessage({ type: 'header', columns: header, types } satisfies ToMain);
        if (pending.length > 0) send(pending, undefined);
      }
      port.postMessage({ type: 'done' } satisfies ToMain);
    },
    error(e) {
      port.postMessage({ type: 'error', message: e.message } satisfies ToMain);
    },
  });
}

function main(): void {
  const [file, dbPath] = process.argv.slice(2);
  if (!file || !dbPath) {
    console.error('usage: node dist/bench/prototype-worker-ingest.js FILE DB');
    process.exit(2);
  }
  for (const s of ['', '-wal', '-shm']) fs.rmSync(dbPath + s, { force: true });
  const t0 = performance.now();
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.defaultSafeIntegers(true);
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  let width = 0;
  let many: Database.Statement | undefined;
  let one: Database.Statement | undefined;
  let params: unknown[] = [];
  let rowParams: unknown[] = [];
  let rowsDone = 0;
  db.exec('BEGIN IMMEDIATE');
  // WORKER_YOUNG_MB=8 caps the worker's young generation: lower peak RSS, more scavenges.
  const w = new Worker(new URL(import.meta.url), {
    workerData: { file },
    ...(WORKER_YOUNG_MB === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } }),
  });
  w.on('error', (e) => {
    console.error(e);
    process.exit(1);
  });
  w.on('message', (msg: ToMain) => {
    switch (msg.type) {
      case 'header': {
        width = msg.columns.length;
        const names = { integer: 'INTEGER', float: 'FLOAT', text: 'VARCHAR' } as const;
        db.exec(`CREATE TABLE bench (${msg.columns.map((c, i) => `${q(c)} ${names[msg.types[i]!]}`).join(', ')})`);
        const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
        many = db.prepare(`INSERT INTO bench VALUES ${Array.from({ length: ROWS_PER_STATEMENT }, () => tuple).join(', ')}`);
        one = db.prepare(`INSERT INTO bench VALUES ${tuple}`);
        params = new Array<unknown>(ROWS_PER_STATEMENT * width);
        rowParams = new Array<unknown>(width);
        break;
      }
      case 'batch': {
        const { rows, columns } = msg.batch;
        const texts = columns.map((c) => (c.kind === 'text' ? c.joined.split(SEP) : null));
        const cell = (c: number, r: number): unknown => {
          const col = columns[c]!;
          if (col.kind === 'cells') return col.cells[r];
          const flag = col.nulls[r];
          if (flag === 1) return null;
          if (col.kind === 'text') return texts[c]![r];
          return flag === 2 ? col.big![r] : col.values[r];
        };
        let r = 0;
        for (; r + ROWS_PER_STATEMENT <= rows; r += ROWS_PER_STATEMENT) {
          let k = 0;
          for (let j = r; j < r + ROWS_PER_STATEMENT; j++) for (let c = 0; c < width; c++) params[k++] = cell(c, j);
          many!.run(params);
        }
        for (; r < rows; r++) {
          for (let c = 0; c < width; c++) rowParams[c] = cell(c, r);
          one!.run(rowParams);
        }
        rowsDone += rows;
        w.postMessage('ack');
        break;
      }
      case 'done': {
        db.exec('COMMIT');
        const t1 = performance.now();
        db.close();
        void w.terminate();
        process.stdout.write(
          `${JSON.stringify({ rows: rowsDone, readSeconds: (t1 - t0) / 1000, totalSeconds: (performance.now() - t0) / 1000, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
        );
        break;
      }
      case 'error':
        console.error(msg.message);
        process.exit(1);
    }
  });
}

if (isMainThread) main();
else worker((workerData as { file: string }).file);
