/**
 * One backend's run for bench/backends.ts, in a fresh process: open a new store at DB (the
 * backend as its location implies: `.db` SQLite, `.duckdb` DuckDB), read the CSV into table
 * `bench`, then time one `find`, one `search` and `summary` of the table, and close. Prints one
 * JSON line: { rows, readSeconds, findSeconds, found, searchSeconds, searched, summarySeconds, maxRssKiB }.
 * DB may be a PostgreSQL URL (`postgres://…?schema=S`).
 *
 * With `--duckdb-floor`, DuckDB alone instead: `CREATE TABLE … AS SELECT * FROM read_csv(FILE)`
 * into a new DuckDB file at DB, its own sniffer choosing the types, no store and none of the
 * store's guarantees (its types, its NULLs, no record of the read): the engine's own speed on
 * this machine, which the store's bulk path can approach but not pass. Prints { rows, readSeconds, maxRssKiB }.
 *
 * With `--drop-after` (a PostgreSQL store), the store's schema is dropped once measured.
 *
 *   node dist/bench/backends-child.js FILE DB [--duckdb-floor | --drop-after]
 */
import { openStore } from '../src/index.js';

async function duckdbFloor(file: string, db: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE bench AS SELECT * FROM read_csv('${file.replaceAll("'", "''")}')`);
  const count = await connection.runAndReadAll('SELECT count(*) FROM bench');
  connection.closeSync();
  instance.closeSync();
  const readSeconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ rows: Number(count.getRows()[0]![0]), readSeconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

async function main(): Promise<void> {
  const [file, db, mode] = process.argv.slice(2);
  if (file === undefined || db === undefined) {
    console.error('usage: node dist/bench/backends-child.js FILE DB');
    process.exit(2);
  }
  if (mode === '--duckdb-floor') return duckdbFloor(file, db);
  const store = await openStore(db);
  try {
    const [results, readSeconds] = await timed(() => store.read([file], { table: 'bench' }));
    const [found, findSeconds] = await timed(() => store.find('step = 1234'));
    const [searched, searchSeconds] = await timed(() => store.search('laser said'));
    const [, summarySeconds] = await timed(() => store.summary({ table: 'bench' }));
    process.stdout.write(
      `${JSON.stringify({
        rows: results.reduce((n, r) => n + r.rows, 0),
        readSeconds,
        findSeconds,
        found: found.length,
        searchSeconds,
        searched: searched.rows.length,
        summarySeconds,
        maxRssKiB: process.resourceUsage().maxRSS,
      })}\n`,
    );
  } finally {
    await store.close();
    if (mode === '--drop-after') await dropSchema(db);
  }
}

/** Drops the schema of the PostgreSQL store at `location` (the benchmark's own, made by this run). */
async function dropSchema(location: string): Promise<void> {
  const { default: pg } = await import('pg');
  const url = new URL(location);
  const schema = url.searchParams.get('schema');
  if (schema === null || !/^dsi_bench_\d+_\d+$/.test(schema)) return;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
