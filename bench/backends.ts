/**
 * Every backend side by side: the same generated CSV ingested into a new store on each, then the
 * same find, search and summary, each query timed as the median of several runs; the ingest is
 * also compared with a plain pandas + sqlite3 ingest of the same file measured in the same run
 * (bench/ingest_reference.py), so the ratio holds whatever the machine.
 *
 *   node dist/bench/backends.js [--rows 200000] [--repeat 3] [--backends sqlite,duckdb,postgres]
 *                               [--postgres URL] [--python CMD] [--out DIR] [--json]
 *
 * PostgreSQL: `--postgres URL` (or DSI_TEST_POSTGRES_URL) names a server; without one a
 * throw-away server is started with scripts/postgres-test-server.sh and stopped afterwards, and
 * the backend is left out (saying why) where PostgreSQL is not installed. Each backend runs in
 * this process, one after the other; nothing here fails because a machine is slow.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultPlugins, openStore } from '../src/index.js';
import type { SearchResult, Store } from '../src/index.js';
import { generateCsv } from './generate-csv.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The queries every backend answers, with what each exercises. */
const QUERIES: readonly { readonly name: string; readonly run: (s: Store) => Promise<number> }[] = [
  { name: 'find temperature > 300', run: async (s) => (await s.find('temperature > 300')).length },
  { name: 'find category ~ ph', run: async (s) => (await s.find('category ~ ph')).length },
  { name: 'find step (100, 200)', run: async (s) => (await s.find('step (100, 200)')).length },
  { name: 'search "retry"', run: async (s) => searchCount(await s.search('retry')) },
  { name: 'summary', run: async (s) => (await s.summary({ table: 'bench' })).length },
];

interface BackendResult {
  readonly backend: string;
  readonly ingestSeconds: number;
  readonly rowsPerSecond: number;
  readonly ratioToPandas: number | undefined;
  readonly queries: Record<string, { seconds: number; rows: number }>;
}

/** Everything a search found: tables, columns and rows. */
function searchCount(r: SearchResult): number {
  return r.tables.length + r.columns.length + r.rows.length;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** pandas + sqlite3 on the same file: seconds of read_csv + to_sql + commit, or why not. */
function pandasSeconds(python: string, file: string, db: string): number | string {
  fs.rmSync(db, { force: true });
  const r = spawnSync(python, [path.join(root, 'bench/ingest_reference.py'), file, db], { encoding: 'utf8' });
  fs.rmSync(db, { force: true });
  if (r.status !== 0) return `pandas reference unavailable (${(r.stderr || `exit ${r.status}`).trim().split('\n').pop()})`;
  const line = r.stdout.trim().split('\n').pop()!;
  return (JSON.parse(line) as { readSeconds: number }).readSeconds;
}

/** A PostgreSQL URL to use, and how to stop the server when this run started it. */
function postgresServer(given: string | undefined): { url: string; stop: () => void } | string {
  if (given !== undefined) return { url: given, stop: () => {} };
  const script = path.join(root, 'scripts/postgres-test-server.sh');
  const r = spawnSync('bash', [script, 'start'], { encoding: 'utf8' });
  if (r.status === 3) return 'PostgreSQL is not installed';
  if (r.status !== 0) return `the PostgreSQL server did not start: ${r.stderr.trim().split('\n').pop()}`;
  const url = r.stdout.trim();
  return { url, stop: () => execFileSync('bash', [script, 'stop', url], { stdio: 'ignore' }) };
}

/** Where a fresh store for `backend` lives. */
function location(backend: string, dir: string, postgresUrl: string | undefined): string {
  if (backend === 'postgres') {
    const url = new URL(postgresUrl!);
    url.searchParams.set('schema', `bench_${process.pid}_${Date.now()}`);
    return url.toString();
  }
  const file = path.join(dir, backend === 'duckdb' ? 'bench.duckdb' : `bench-${backend}.db`);
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.wal`]) fs.rmSync(f, { force: true });
  fs.rmSync(file.replace(/\.(db|duckdb)$/, '.data'), { recursive: true, force: true });
  return file;
}

/** Drop the schema a PostgreSQL store at `where` lives in (a given server keeps nothing of the run). */
async function dropSchema(where: string): Promise<void> {
  const url = new URL(where);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function measure(backend: string, where: string, file: string, repeat: number, pandas: number | undefined, rows: number): Promise<BackendResult> {
  const dataFolder = backend === 'postgres' ? fs.mkdtempSync(path.join(path.dirname(file), 'pg-data-')) : undefined;
  const store = await openStore(where, { backend, ...(dataFolder === undefined ? {} : { dataFolder }) });
  try {
    const t0 = performance.now();
    const [read] = await store.read([file], { table: 'bench' });
    const ingestSeconds = (performance.now() - t0) / 1000;
    if (read?.rows !== rows) throw new Error(`${backend}: the store holds ${read?.rows} rows, not ${rows}`);
    const queries: BackendResult['queries'] = {};
    for (const q of QUERIES) {
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        found = await q.run(store);
        times.push((performance.now() - t) / 1000);
      }
      queries[q.name] = { seconds: median(times), rows: found };
    }
    return { backend, ingestSeconds, rowsPerSecond: rows / ingestSeconds, ratioToPandas: pandas === undefined ? undefined : pandas / ingestSeconds, queries };
  } finally {
    await store.close();
    if (dataFolder !== undefined) {
      fs.rmSync(dataFolder, { recursive: true, force: true });
      await dropSchema(where);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '200000' },
      repeat: { type: 'string', default: '3' },
      backends: { type: 'string' },
      postgres: { type: 'string' },
      python: { type: 'string' },
      out: { type: 'string', default: path.join(root, 'bench/out') },
      json: { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(repeat) || repeat < 1) throw new Error('--rows and --repeat must be positive integers');
  const wanted = (values.backends ?? Object.keys(defaultPlugins.backends).join(',')).split(',').map((b) => b.trim()).filter((b) => b !== '');
  const python = values.python ?? process.env['PYTHON'] ?? (fs.existsSync(path.join(root, '.venv/bin/python')) ? path.join(root, '.venv/bin/python') : 'python3');
  fs.mkdirSync(values.out, { recursive: true });
  const file = path.join(values.out, `backends-${rows}.csv`);
  if (!fs.existsSync(file)) generateCsv(file, rows);
  const log = (s: string) => process.stderr.write(`${s}\n`);

  log(`bench/backends: ${rows.toLocaleString('en')} rows × 10 columns (${(fs.statSync(file).size / 1e6).toFixed(1)} MB), queries median of ${repeat}`);
  const pandas = pandasSeconds(python, file, path.join(values.out, 'backends-pandas.db'));
  if (typeof pandas === 'string') log(pandas);
  else log(`pandas + sqlite3: ${pandas.toFixed(2)} s (${Math.round(rows / pandas).toLocaleString('en')} rows/s)`);

  let server: { url: string; stop: () => void } | undefined;
  const results: BackendResult[] = [];
  const skipped: Record<string, string> = {};
  try {
    for (const backend of wanted) {
      if (backend === 'postgres' && server === undefined) {
        const s = postgresServer(values.postgres ?? process.env['DSI_TEST_POSTGRES_URL']);
        if (typeof s === 'string') {
          skipped[backend] = s;
          log(`postgres: left out: ${s}`);
          continue;
        }
        server = s;
      }
      log(`${backend}: ingesting…`);
      const r = await measure(backend, location(backend, values.out, server?.url), file, repeat, typeof pandas === 'number' ? pandas : undefined, rows);
      results.push(r);
      log(`${backend}: ${r.ingestSeconds.toFixed(2)} s, ${Math.round(r.rowsPerSecond).toLocaleString('en')} rows/s${r.ratioToPandas === undefined ? '' : `, ${r.ratioToPandas.toFixed(2)}× pandas`}`);
    }
  } finally {
    server?.stop();
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ rows, repeat, pandasSeconds: typeof pandas === 'number' ? pandas : null, results, skipped })}\n`);
    return;
  }
  const names = ['ingest (s)', 'rows/s', '× pandas', ...QUERIES.map((q) => q.name)];
  const cells = results.map((r) => [
    r.ingestSeconds.toFixed(2),
    Math.round(r.rowsPerSecond).toLocaleString('en'),
    r.ratioToPandas === undefined ? '–' : r.ratioToPandas.toFixed(2),
    ...QUERIES.map((q) => `${r.queries[q.name]!.seconds.toFixed(3)} s (${r.queries[q.name]!.rows.toLocaleString('en')})`),
  ]);
  const width = Math.max(...names.map((n) => n.length));
  const colWidth = results.map((r, i) => Math.max(r.backend.length, ...cells[i]!.map((c) => c.length)));
  console.log(`${''.padEnd(width)}  ${results.map((r, i) => r.backend.padStart(colWidth[i]!)).join('  ')}`);
  names.forEach((n, k) => console.log(`${n.padEnd(width)}  ${cells.map((c, i) => c[k]!.padStart(colWidth[i]!)).join('  ')}`));
  console.log('(query cells: median seconds, and rows found or summary lines)');
}

main().catch((e: unknown) => {
  console.error(`bench/backends: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
