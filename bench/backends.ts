/**
 * The backends side by side: the ingest benchmark's generated CSV read into a fresh store on each
 * backend (SQLite `.db`, DuckDB `.duckdb`, whose big files take the bulk path, and PostgreSQL
 * when `--postgres URL` names a server, through COPY), then one `find`, one `search` and
 * `summary` on each, against the pandas + sqlite3 reference ingest of the same file measured in
 * the same run (bench/ingest_reference.py). A last row, "DuckDB alone", is the engine's own
 * `CREATE TABLE AS SELECT * FROM read_csv(…)` with none of the store's guarantees: the floor the
 * bulk path is measured against. Prints rows/s, seconds and ratios to the reference; nothing
 * here is a test.
 *
 *   npm run build
 *   node dist/bench/backends.js [--rows 1000000] [--repeat 1] [--out DIR] [--seed 42] [--python python3] [--postgres URL]
 *
 * Each run is a fresh `node` child (bench/backends-child.ts) or `python3` child, alternating, and
 * the median of `--repeat` runs is reported.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCsv } from './generate-csv.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = path.resolve(here, '..', '..');
const childScript = path.join(here, 'backends-child.js');
const referenceScript = path.join(repoRoot, 'bench', 'ingest_reference.py');
const BACKENDS = [
  { name: 'sqlite', extension: '.db' },
  { name: 'duckdb', extension: '.duckdb' },
] as const;

interface Report {
  rows: number;
  readSeconds: number;
  findSeconds?: number;
  searchSeconds?: number;
  summarySeconds?: number;
  maxRssKiB: number;
}

function option(argv: readonly string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}

function run(command: string, args: readonly string[]): Report {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Report;
}

function removeStore(location: string): void {
  for (const p of [location, `${location}.wal`, `${location}-wal`, `${location}-shm`]) fs.rmSync(p, { force: true });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const argv = process.argv.slice(2);
  const rows = Number(option(argv, '--rows', '1000000'));
  const repeat = Number(option(argv, '--repeat', '1'));
  const out = path.resolve(option(argv, '--out', path.join(repoRoot, 'bench', 'out')));
  const seed = Number(option(argv, '--seed', '42'));
  const python = option(argv, '--python', 'python3');
  const postgres = option(argv, '--postgres', '');
  if (!Number.isSafeInteger(rows) || rows < 1 || !Number.isSafeInteger(repeat) || repeat < 1) {
    console.error('usage: node dist/bench/backends.js [--rows N] [--repeat K] [--out DIR] [--seed S] [--python CMD] [--postgres URL]');
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  const csv = path.join(out, `ingest-${rows}.csv`);
  generateCsv(csv, rows, seed);
  console.log(`backends side by side: ${rows.toLocaleString('en')} rows (${(fs.statSync(csv).size / 1e6).toFixed(1)} MB), ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`);
  const samples = new Map<string, Report[]>();
  for (let k = 0; k < repeat; k++) {
    const refDb = path.join(out, `backends-${rows}-reference.db`);
    removeStore(refDb);
    samples.set('pandas + sqlite3', [...(samples.get('pandas + sqlite3') ?? []), run(python, [referenceScript, csv, refDb])]);
    const targets: { name: string; location: string; args?: string[] }[] = BACKENDS.map((b) => ({ name: b.name, location: path.join(out, `backends-${rows}-${b.name}${b.extension}`) }));
    if (postgres !== '') {
      const url = new URL(postgres);
      url.searchParams.set('schema', `dsi_bench_${process.pid}_${k}`);
      targets.push({ name: 'postgres', location: url.toString() });
    }
    targets.push({ name: 'DuckDB alone (floor)', location: path.join(out, `backends-${rows}-floor.duckdb`), args: ['--duckdb-floor'] });
    for (const t of targets) {
      if (!t.location.startsWith('postgres')) removeStore(t.location);
      const report = run(process.execPath, [childScript, csv, t.location, ...(t.args ?? []), ...(t.location.startsWith('postgres') ? ['--drop-after'] : [])]);
      if (report.rows !== rows) throw new Error(`${t.name} read ${report.rows} rows, expected ${rows}`);
      samples.set(t.name, [...(samples.get(t.name) ?? []), report]);
    }
  }
  const reference = median(samples.get('pandas + sqlite3')!.map((r) => r.readSeconds));
  const cell = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(3)} s`);
  console.log('\n| ingest by | read | rows/s | × reference | find | search | summary | peak RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [who, reports] of samples) {
    const read = median(reports.map((r) => r.readSeconds));
    const med = (f: (r: Report) => number | undefined) => (reports[0] && f(reports[0]) !== undefined ? median(reports.map((r) => f(r)!)) : undefined);
    console.log(
      `| ${who} | ${read.toFixed(2)} s | ${Math.round(rows / read).toLocaleString('en')} | ${(reference / read).toFixed(2)} | ` +
        `${cell(med((r) => r.findSeconds))} | ${cell(med((r) => r.searchSeconds))} | ${cell(med((r) => r.summarySeconds))} | ${Math.round(Math.max(...reports.map((r) => r.maxRssKiB)) / 1024)} MB |`,
    );
  }
}

main();
