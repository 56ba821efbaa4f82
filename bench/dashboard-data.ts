/**
 * Dashboard data benchmark: the gallery and the table view of `dsi serve` over large tables,
 * timed in-process through the application's own routes (`app.request`, no network).
 *
 *   npm run build
 *   node dist/bench/dashboard-data.js [--repeat K] [--json] [--keep] [--out DIR]
 *
 * It builds a fresh store in the output folder (default bench/out/dashboard-data/) with
 *   - `pictures`: 70,000 rows (id, label 0–9, brightness, angle, split, FILE) whose FILE values
 *     point at ten small PNGs beside the store;
 *   - `big`: 1,000,000 rows (id, x, y, category, note), inserted through `store.insertRows` in
 *     batches of 100,000;
 * then times, each as the first request (cold) and the median of K more (warm):
 *   1. the gallery's first page with its facets, over the 70,000-row query `SELECT * FROM pictures`
 *      and over the table (target: under 1 s), and with a filter applied;
 *   2. the gallery's 100th page (120 images a page: rows 11,880–11,999);
 *   3. the table view of `big`: its first, middle and last page (50 rows), a find that matches
 *      1,000 rows, and a middle page sorted by an unindexed column.
 * The REFERENCE, measured in the same run: reading the whole of `big` with `store.getTable`,
 * which is what a view that loads the table would cost; the ratio shows paging does not.
 * Nothing here is a test: it prints figures and whether the target was met, and exits non-zero
 * only when an answer is wrong (a status, a row count).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/bench/median.js';
import { openStore } from '../src/index.js';
import { encodePng } from '../src/images/png-codec.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { Store } from '../src/store/store.js';

const PICTURES = 70_000;
const BIG = 1_000_000;
const BATCH = 100_000;
const GALLERY_PAGE = 120;
const TABLE_PAGE = 50;
const TARGET_FIRST_PAGE_S = 1;

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = path.resolve(here, '..', '..');

interface Options {
  repeat: number;
  json: boolean;
  keep: boolean;
  out: string;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: node dist/bench/dashboard-data.js [--repeat K] [--json] [--keep] [--out DIR]');
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { repeat: { type: 'string', default: '5' }, json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, out: { type: 'string', default: path.join(repoRoot, 'bench', 'out', 'dashboard-data') } },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const repeat = Number(values.repeat);
  if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 99) usage(`--repeat must be a whole number from 1 to 99, got ${values.repeat}`);
  return { repeat, json: values.json!, keep: values.keep!, out: path.resolve(values.out!) };
}

const log = (text: string): void => void process.stderr.write(`${text}\n`);
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

async function buildStore(dir: string): Promise<Store> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  for (let k = 0; k < 10; k++) {
    fs.writeFileSync(path.join(dir, 'images', `${k}.png`), encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784).map((_, i) => ((i * (k + 3)) % 256)) }));
  }
  const store = await openStore(path.join(dir, 'dashboard.db'));
  let t = process.hrtime.bigint();
  const pictures = Array.from({ length: PICTURES }, (_, i) => ({
    id: i,
    label: i % 10,
    brightness: ((i * 7919) % 1000) / 10 + 0.05,
    angle: (i * 37) % 360,
    split: i % 7 === 0 ? 'test' : 'train',
    FILE: `images/${i % 10}.png`,
  }));
  await store.insertRows('pictures', pictures, { newTable: true });
  log(`pictures: ${PICTURES.toLocaleString('en')} rows in ${seconds(t).toFixed(1)} s`);
  t = process.hrtime.bigint();
  for (let from = 0; from < BIG; from += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, BIG - from) }, (_, j) => {
      const i = from + j;
      return { id: i, x: ((i * 2654435761) % 1_000_003) / 1000 + 0.5, y: i % 1000, category: `c${i % 50}`, note: `row ${i}` };
    });
    await store.insertRows('big', rows);
  }
  log(`big: ${BIG.toLocaleString('en')} rows in ${seconds(t).toFixed(1)} s`);
  return store;
}

interface Timing {
  readonly name: string;
  readonly coldSeconds: number;
  readonly warmSeconds: number;
  readonly rows: number;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const store = await buildStore(o.out);
  const app = createDashboardApp({ store, cinema: undefined, reviewer: 'bench', storeArguments: [] }, { loopback: true });
  let wrong = false;

  /** GET each of `urls` in turn; the total time and the rows of the last answer. */
  const fetchAll = async (urls: readonly string[]): Promise<{ seconds: number; rows: number }> => {
    const start = process.hrtime.bigint();
    let rows = 0;
    for (const url of urls) {
      const res = await app.request(url, { headers: { host: '127.0.0.1' } });
      const body = (await res.json()) as { rows?: unknown[]; error?: { message: string } };
      if (res.status !== 200) {
        wrong = true;
        log(`WRONG: ${url} answered ${res.status}: ${body.error?.message ?? ''}`);
      }
      rows = body.rows?.length ?? 0;
    }
    return { seconds: seconds(start), rows };
  };
  const time = async (name: string, urls: readonly string[], expectRows: number): Promise<Timing> => {
    const cold = await fetchAll(urls);
    const warm: number[] = [];
    for (let k = 0; k < o.repeat; k++) warm.push((await fetchAll(urls)).seconds);
    if (cold.rows !== expectRows) {
      wrong = true;
      log(`WRONG: ${name}: ${cold.rows} rows, expected ${expectRows}`);
    }
    log(`${name}: cold ${(cold.seconds * 1000).toFixed(0)} ms, warm ${(median(warm) * 1000).toFixed(0)} ms`);
    return { name, coldSeconds: cold.seconds, warmSeconds: median(warm), rows: cold.rows };
  };

  const query = encodeURIComponent('SELECT * FROM pictures');
  const filter = encodeURIComponent(JSON.stringify({ label: { in: [3] }, brightness: { min: 20, max: 80 } }));
  const page100 = 99 * GALLERY_PAGE;
  const timings: Timing[] = [];
  timings.push(await time('gallery, 70,000-row query: facets + first page', [`/api/gallery/facets?sql=${query}`, `/api/gallery/images?sql=${query}&limit=${GALLERY_PAGE}`], GALLERY_PAGE));
  timings.push(await time('gallery, 70,000-row table: facets + first page', ['/api/gallery/facets?table=pictures', `/api/gallery/images?table=pictures&limit=${GALLERY_PAGE}`], GALLERY_PAGE));
  timings.push(await time('gallery, query, filtered: first page', [`/api/gallery/images?sql=${query}&filter=${filter}&limit=${GALLERY_PAGE}`], GALLERY_PAGE));
  timings.push(await time('gallery, query: 100th page', [`/api/gallery/images?sql=${query}&offset=${page100}&limit=${GALLERY_PAGE}`], GALLERY_PAGE));
  timings.push(await time('gallery, table: 100th page', [`/api/gallery/images?table=pictures&offset=${page100}&limit=${GALLERY_PAGE}`], GALLERY_PAGE));
  timings.push(await time('table view, 1,000,000 rows: first page', [`/api/tables/big?limit=${TABLE_PAGE}`], TABLE_PAGE));
  timings.push(await time('table view: middle page', [`/api/tables/big?offset=${BIG / 2}&limit=${TABLE_PAGE}`], TABLE_PAGE));
  timings.push(await time('table view: last page', [`/api/tables/big?offset=${BIG - TABLE_PAGE}&limit=${TABLE_PAGE}`], TABLE_PAGE));
  timings.push(await time('table view: find y == 5 (1,000 of 1,000,000 rows)', [`/api/tables/big/find?where=${encodeURIComponent('y == 5')}&limit=${TABLE_PAGE}`], TABLE_PAGE));
  timings.push(await time('table view: middle page sorted by x (no index)', [`/api/tables/big?offset=${BIG / 2}&limit=${TABLE_PAGE}&sort=x`], TABLE_PAGE));

  const start = process.hrtime.bigint();
  const whole = await store.getTable('big');
  const referenceSeconds = seconds(start);
  if (whole.length !== BIG) {
    wrong = true;
    log(`WRONG: getTable read ${whole.length} rows, expected ${BIG}`);
  }
  await store.close();
  if (!o.keep) fs.rmSync(o.out, { recursive: true, force: true });

  const firstPage = timings[0]!;
  const result = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    repeat: o.repeat,
    timings,
    reference: { name: `store.getTable of all ${BIG.toLocaleString('en')} rows`, seconds: referenceSeconds },
    ratio: Object.fromEntries(timings.filter((t) => t.name.startsWith('table view')).map((t) => [t.name, referenceSeconds / t.warmSeconds])),
    target: { firstPageUnderOneSecond: firstPage.coldSeconds < TARGET_FIRST_PAGE_S },
  };
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const ms = (s: number): string => `${(s * 1000).toFixed(0).padStart(6)} ms`;
    const lines = [
      `Dashboard data, ${result.machine.cpus} cores (${result.machine.cpu}), Node ${result.machine.node}; cold = first request, warm = median of ${o.repeat}`,
      ...timings.map((t) => {
        const ratio = result.ratio[t.name];
        return `  ${t.name.padEnd(58)} cold ${ms(t.coldSeconds)}  warm ${ms(t.warmSeconds)}${ratio === undefined ? '' : `   ${ratio.toFixed(0)}× faster than the reference`}`;
      }),
      `  reference: ${result.reference.name.padEnd(47)} ${ms(referenceSeconds)}`,
      `  target: the gallery's first images of a 70,000-row query in under ${TARGET_FIRST_PAGE_S} s (cold): ${result.target.firstPageUnderOneSecond ? 'met' : 'MISSED'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (wrong) process.exit(1);
}

void main();
