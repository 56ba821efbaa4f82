/**
 * Ingest benchmark: a generated CSV of N rows × 10 mixed columns into a fresh store, against a
 * plain pandas + sqlite3 ingest of the same file measured in the same run.
 *
 *   npm run build
 *   node dist/bench/ingest.js [--rows 1000000] [--sizes 250000,500000,1000000] [--json] [--keep]
 *                             [--repeat 1] [--out DIR] [--seed 42] [--python python3] [--profile DIR]
 *
 * For each size the file is generated (bench/out/ by default, gitignored), then OUR ingest runs in
 * a fresh `node` child (bench/ingest-child.ts: openStore, store.read, close) and the REFERENCE in
 * a fresh `python3 bench/ingest_reference.py` child. Each child times its own read and reports its
 * peak RSS (Node: process.resourceUsage().maxRSS; Python: getrusage ru_maxrss). Both stores are
 * then counted. Nothing here is a test: it prints figures and the ratio ours / reference, and
 * says whether the spec's targets were met (≥ 300,000 rows/s, peak < 300 MB, flat as the file
 * grows: the largest size's peak ≤ 1.25 × the smallest's).
 *
 * `--rows N` alone measures N/4, N/2 and N; `--sizes` lists the sizes exactly. `--repeat K` runs
 * each child K times (alternating ours and reference) and reports the median rows/s and the
 * highest peak: on a shared 2-core machine single runs vary by ±15 %. `--profile DIR`
 * runs our child under `node --cpu-prof` and leaves the .cpuprofile files in DIR (summarise one
 * with `node dist/bench/profile-summary.js FILE`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generateCsv } from './generate-csv.js';

const TARGET_ROWS_PER_SECOND = 300_000;
const TARGET_PEAK_MB = 300;
const FLAT_FACTOR = 1.25;
/** Quoted by the spec for Python DSI; not measured here. */
const PYTHON_DSI_ROWS_PER_SECOND = 63_000;

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = path.resolve(here, '..', '..');
const childScript = path.join(here, 'ingest-child.js');
const referenceScript = path.join(repoRoot, 'bench', 'ingest_reference.py');

interface Options {
  sizes: number[];
  repeat: number;
  json: boolean;
  keep: boolean;
  out: string;
  seed: number;
  python: string;
  profile: string | undefined;
}

interface ChildReport {
  rows: number;
  readSeconds: number;
  totalSeconds: number;
  /** CPU time of all the child's threads during the read. */
  cpuSeconds?: number;
  rssBeforeKiB: number;
  maxRssKiB: number;
  pandas?: string;
  sqlite?: string;
}

/** `, CPU 3.7 s` when the child reported its CPU time (all threads, during the read). */
function cpuNote(r: ChildReport): string {
  return r.cpuSeconds === undefined ? '' : `, CPU ${r.cpuSeconds.toFixed(2)} s`;
}

interface Measurement {
  /** Median over the repetitions (by rows/s); `peakMB` is the highest peak of any repetition. */
  rowsPerSecond: number;
  seconds: number;
  totalSeconds: number;
  peakMB: number;
  baseMB: number;
  rowsInStore: number;
  /** rows/s of each repetition, in run order. */
  samples: number[];
}

interface SizeResult {
  rows: number;
  fileMB: number;
  generateSeconds: number;
  ours: Measurement;
  reference: Measurement | null;
  ratio: number | null;
  oursMeetsSpeed: boolean;
  oursMeetsMemory: boolean;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    'usage: node dist/bench/ingest.js [--rows N] [--sizes A,B,C] [--json] [--keep] [--repeat K] [--out DIR] [--seed S] [--python CMD] [--profile DIR]',
  );
  process.exit(2);
}

function positiveInt(s: string | undefined, flag: string): number {
  const n = Number(String(s ?? '').replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) usage(`${flag} needs a positive integer, got ${s}`);
  return n;
}

function parseArgs(argv: string[]): Options {
  let rows: number | undefined;
  let sizes: number[] | undefined;
  const o: Options = {
    sizes: [],
    repeat: 1,
    json: false,
    keep: false,
    out: path.join(repoRoot, 'bench', 'out'),
    seed: 42,
    python: process.env.PYTHON ?? 'python3',
    profile: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--rows':
        rows = positiveInt(value(), '--rows');
        break;
      case '--sizes':
        sizes = value().split(',').map((s) => positiveInt(s.trim(), '--sizes'));
        break;
      case '--repeat':
        o.repeat = positiveInt(value(), '--repeat');
        break;
      case '--json':
        o.json = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--out':
        o.out = path.resolve(value());
        break;
      case '--seed':
        o.seed = positiveInt(value(), '--seed');
        break;
      case '--python':
        o.python = value();
        break;
      case '--profile':
        o.profile = path.resolve(value());
        break;
      case '--help':
      case '-h':
        usage();
      default:
        usage(`unknown argument ${a}`);
    }
  }
  if (sizes) o.sizes = sizes;
  else {
    const n = rows ?? 1_000_000;
    o.sizes = [Math.round(n / 4), Math.round(n / 2), n].filter((s) => s > 0);
  }
  o.sizes = [...new Set(o.sizes)].sort((a, b) => a - b);
  return o;
}

function removeDb(db: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(db + suffix, { force: true });
}

function lastJsonLine(stdout: string): ChildReport {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as ChildReport;
}

function runChild(what: string, command: string, args: string[]): ChildReport {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  try {
    return lastJsonLine(r.stdout);
  } catch {
    throw new Error(`${what}: no JSON report on stdout:\n${r.stdout}\n${r.stderr}`);
  }
}

function countRows(db: string): number {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return Number((d.prepare('SELECT count(*) AS n FROM bench').get() as { n: number }).n);
  } finally {
    d.close();
  }
}

function sqliteVersion(): string {
  const d = new Database(':memory:');
  try {
    return (d.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    d.close();
  }
}

const kibToMB = (kib: number): number => (kib * 1024) / 1e6;

/** The median repetition (by time) with the highest peak over all repetitions. */
function measurement(reports: readonly ChildReport[], rowsInStore: number): Measurement {
  const byTime = [...reports].sort((a, b) => a.readSeconds - b.readSeconds);
  const median = byTime[Math.floor((byTime.length - 1) / 2)]!;
  return {
    rowsPerSecond: median.rows / median.readSeconds,
    seconds: median.readSeconds,
    totalSeconds: median.totalSeconds,
    peakMB: kibToMB(Math.max(...reports.map((r) => r.maxRssKiB))),
    baseMB: kibToMB(median.rssBeforeKiB),
    rowsInStore,
    samples: reports.map((r) => r.rows / r.readSeconds),
  };
}

/** Whether pandas imports, and its version; the reason otherwise. */
function probePandas(python: string): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(python, ['-c', 'import pandas, sys; sys.stdout.write(pandas.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${python} not found (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: (r.stderr.trim().split('\n').pop() ?? 'import pandas failed').trim() };
  return { ok: true, version: r.stdout.trim() };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmt1 = (n: number): string => n.toFixed(1);

function printTable(results: readonly SizeResult[]): void {
  const head = ['rows', 'file MB', 'ours rows/s', 'ours peak MB', 'ref rows/s', 'ref peak MB', 'ratio', 'ours ≥300k & <300MB'];
  const body = results.map((r) => [
    fmtInt(r.rows),
    fmt1(r.fileMB),
    fmtInt(r.ours.rowsPerSecond),
    fmt1(r.ours.peakMB),
    r.reference ? fmtInt(r.reference.rowsPerSecond) : 'n/a',
    r.reference ? fmt1(r.reference.peakMB) : 'n/a',
    r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x`,
    `${r.oursMeetsSpeed ? 'yes' : 'NO'} & ${r.oursMeetsMemory ? 'yes' : 'NO'}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(childScript)) usage(`${childScript} is missing: run npm run build first`);
  fs.mkdirSync(o.out, { recursive: true });
  if (o.profile) fs.mkdirSync(o.profile, { recursive: true });
  const log = (s: string) => {
    if (!o.json) console.log(s);
    else console.error(s);
  };

  const pandas = probePandas(o.python);
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1e9),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    sqliteOurs: sqliteVersion(),
    python: o.python,
    pandas: pandas.ok ? pandas.version : null,
    sqliteReference: null as string | null,
  };
  log(`ingest benchmark: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, node ${machine.node}, SQLite ${machine.sqliteOurs}`);
  if (!pandas.ok) {
    log(`reference skipped: pandas is not importable with ${o.python} (${pandas.reason}).`);
    log('  install it with: python3 -m pip install pandas   (then run this again for the ratio)');
  }

  const results: SizeResult[] = [];
  let failed = false;
  for (const rows of o.sizes) {
    const csv = path.join(o.out, `ingest-${rows}.csv`);
    const oursDb = path.join(o.out, `ingest-${rows}-ours.db`);
    const refDb = path.join(o.out, `ingest-${rows}-reference.db`);
    try {
      log(`\n${fmtInt(rows)} rows: generating ${path.relative(process.cwd(), csv) || csv} ...`);
      const g0 = performance.now();
      const bytes = generateCsv(csv, rows, o.seed);
      const generateSeconds = (performance.now() - g0) / 1000;

      // Ours and the reference alternate, so a slow spell of the machine hits both alike.
      const oursReports: ChildReport[] = [];
      const refReports: ChildReport[] = [];
      for (let k = 1; k <= o.repeat; k++) {
        const tag = o.repeat > 1 ? ` [${k}/${o.repeat}]` : '';
        removeDb(oursDb);
        const profName = `ingest-${rows}${o.repeat > 1 ? `-${k}` : ''}.cpuprofile`;
        const nodeArgs = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profile}`, `--cpu-prof-name=${profName}`] : [];
        const r = runChild('our ingest', process.execPath, [...nodeArgs, childScript, csv, oursDb]);
        oursReports.push(r);
        log(`  ours${tag}: ${fmtInt(r.rows / r.readSeconds)} rows/s (${r.readSeconds.toFixed(2)} s${cpuNote(r)}), peak ${fmt1(kibToMB(r.maxRssKiB))} MB`);
        if (pandas.ok) {
          removeDb(refDb);
          const p = runChild('reference ingest', o.python, [referenceScript, csv, refDb]);
          machine.sqliteReference = p.sqlite ?? null;
          refReports.push(p);
          log(`  reference${tag}: ${fmtInt(p.rows / p.readSeconds)} rows/s (${p.readSeconds.toFixed(2)} s${cpuNote(p)}), peak ${fmt1(kibToMB(p.maxRssKiB))} MB`);
        }
      }
      const ours = measurement(oursReports, countRows(oursDb));
      const reference = pandas.ok ? measurement(refReports, countRows(refDb)) : null;

      for (const [who, m] of [['ours', ours], ['reference', reference]] as const) {
        if (m && m.rowsInStore !== rows) {
          failed = true;
          log(`  ERROR: ${who} store holds ${m.rowsInStore} rows, expected ${rows}`);
        }
      }
      results.push({
        rows,
        fileMB: bytes / 1e6,
        generateSeconds,
        ours,
        reference,
        ratio: reference ? ours.rowsPerSecond / reference.rowsPerSecond : null,
        oursMeetsSpeed: ours.rowsPerSecond >= TARGET_ROWS_PER_SECOND,
        oursMeetsMemory: ours.peakMB < TARGET_PEAK_MB,
      });
    } finally {
      if (!o.keep) for (const f of [csv, oursDb, refDb]) removeDb(f);
    }
  }

  const smallest = results[0];
  const largest = results[results.length - 1];
  const flatFactor = smallest && largest && results.length > 1 ? largest.ours.peakMB / smallest.ours.peakMB : null;
  const verdict = {
    rows: largest?.rows ?? null,
    oursRowsPerSecond: largest?.ours.rowsPerSecond ?? null,
    oursPeakMB: largest?.ours.peakMB ?? null,
    ratio: largest?.ratio ?? null,
    meetsSpeed: largest?.oursMeetsSpeed ?? false,
    meetsMemory: largest?.oursMeetsMemory ?? false,
    /** Largest size's peak over the smallest's; null with one size. */
    peakGrowth: flatFactor,
    flat: flatFactor === null ? null : flatFactor <= FLAT_FACTOR,
    rowsVerified: !failed,
  };

  if (o.json) {
    const report = {
      benchmark: 'ingest',
      command: `node ${path.relative(repoRoot, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim(),
      machine,
      targets: {
        rowsPerSecond: TARGET_ROWS_PER_SECOND,
        peakMB: TARGET_PEAK_MB,
        flatFactor: FLAT_FACTOR,
        pythonDsiRowsPerSecondQuoted: PYTHON_DSI_ROWS_PER_SECOND,
      },
      repeat: o.repeat,
      notes: {
        rowsPerSecond: 'rows / wall seconds around store.read (ours) or read_csv + to_sql + commit (reference); median of the repetitions',
        peakMB: 'child process peak RSS (maxRSS / ru_maxrss) in 10^6 bytes, highest of the repetitions; includes the runtime (baseMB before the read)',
      },
      reference: pandas.ok ? 'pandas.read_csv + DataFrame.to_sql(sqlite3)' : null,
      referenceUnavailable: pandas.ok ? null : `${pandas.reason}; install with: python3 -m pip install pandas`,
      sizes: results,
      verdict,
    };
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log('');
    if (o.repeat > 1) console.log(`rows/s: median of ${o.repeat} runs each; peak MB: highest of them`);
    if (machine.pandas) console.log(`reference: pandas ${machine.pandas} read_csv + to_sql over sqlite3 (SQLite ${machine.sqliteReference ?? '?'})`);
    printTable(results);
    console.log('');
    if (largest) {
      console.log(
        `at ${fmtInt(largest.rows)} rows ours: ${fmtInt(largest.ours.rowsPerSecond)} rows/s ` +
          `(target ≥ ${fmtInt(TARGET_ROWS_PER_SECOND)}: ${largest.oursMeetsSpeed ? 'met' : 'NOT met'}), ` +
          `peak ${fmt1(largest.ours.peakMB)} MB (target < ${TARGET_PEAK_MB} MB: ${largest.oursMeetsMemory ? 'met' : 'NOT met'})`,
      );
      if (largest.ratio !== null) {
        console.log(`ratio ours / reference at ${fmtInt(largest.rows)} rows: ${largest.ratio.toFixed(2)}x (rows/s), memory ${(largest.ours.peakMB / largest.reference!.peakMB).toFixed(2)}x`);
      } else {
        console.log('ratio: n/a (no reference: python3 -m pip install pandas)');
      }
      console.log(`(the spec quotes Python DSI at ${fmtInt(PYTHON_DSI_ROWS_PER_SECOND)} rows/s; that figure is not measured here)`);
    }
    if (flatFactor !== null && smallest && largest) {
      console.log(
        `peak memory ${fmtInt(smallest.rows)} → ${fmtInt(largest.rows)} rows: ${fmt1(smallest.ours.peakMB)} → ${fmt1(largest.ours.peakMB)} MB ` +
          `(×${flatFactor.toFixed(2)}; flat means ≤ ×${FLAT_FACTOR}: ${verdict.flat ? 'flat' : 'NOT flat'})`,
      );
    } else {
      console.log('peak memory flatness: n/a (needs two or more sizes)');
    }
    if (o.profile) console.log(`CPU profiles of our ingest in ${o.profile} (node dist/bench/profile-summary.js FILE)`);
    if (failed) console.log('ERROR: a store did not hold the expected number of rows');
  }
  process.exitCode = failed ? 1 : 0;
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
