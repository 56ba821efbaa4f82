/**
 * Permission filtering benchmark: a 70,000-row image query over real files, filtered by the
 * caller's file permissions, against the same query unfiltered.
 *
 *   npm run build
 *   node dist/bench/access.js [--rows N] [--repeat K] [--json] [--keep] [--out DIR]
 *
 * Setup: N (default 70,000) empty files named as the MNIST images are (`mnist/train/00001.png`…)
 * in a fresh folder, every third one made unreadable (mode 000), and a SQLite store beside them
 * with one row per file (`id, label, split, FILE`). Then, K times (median reported):
 *   1. REFERENCE, the same query unfiltered: the store opened with an access that answers "yes"
 *      without asking the kernel, so the query, the rows and the batching cost the same, and only
 *      the permission checks are missing;
 *   2. cold: a fresh store with the default access (`ProcessFileAccess`, `access(2)` per file),
 *      so every file is asked once;
 *   3. warm: the same query again on that store, answered from its per-file cache.
 * As root every file is readable (root bypasses permission checks), so nothing is withheld, but
 * every check is still made: the figure is the cost of the checks. Run it as another user to see
 * a third of the rows withheld.
 *
 * Nothing here is a test: it prints figures, the ratio filtered / unfiltered, and whether the
 * target was met: the filtering (cold minus unfiltered) of a 70,000-row image query in well under
 * a second, read as under half a second. The load average is printed with them: on a shared
 * machine every figure grows with it. It exits non-zero
 * only when a result is wrong (a row count that does not add up).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type FileAccess, openStore } from '../src/index.js';

const TARGET_SECONDS = 1;
const QUERY = "SELECT * FROM mnist WHERE split = 'train' OR split = 'test' ORDER BY id";

interface Figures {
  readonly unfilteredSeconds: number;
  readonly coldSeconds: number;
  readonly warmSeconds: number;
  readonly unfilteredCpu: number;
  readonly coldCpu: number;
  readonly warmCpu: number;
  readonly rows: number;
  readonly returned: number;
  readonly withheld: number;
}

/** Answers "readable" for every path without asking the kernel: the unfiltered reference. */
const everything: FileAccess = { who: 'anyone', canRead: (paths) => Promise.resolve(paths.map(() => true)) };

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Wall-clock and CPU (user + system) seconds of `fn`: on a busy machine the CPU time is the steadier figure. */
async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6, value };
}

/** N empty image files (every third unreadable) and a store describing them. */
async function prepare(folder: string, rows: number): Promise<string> {
  for (const split of ['train', 'test']) fs.mkdirSync(path.join(folder, 'mnist', split), { recursive: true });
  const records = [];
  for (let i = 1; i <= rows; i++) {
    const split = i <= rows * (6 / 7) ? 'train' : 'test';
    const rel = path.join('mnist', split, `${String(i).padStart(5, '0')}.png`);
    const file = path.join(folder, rel);
    fs.writeFileSync(file, '');
    if (i % 3 === 0) fs.chmodSync(file, 0o000);
    records.push({ id: i, label: i % 10, split, FILE: rel });
  }
  const db = path.join(folder, 'access.db');
  const store = await openStore(db);
  try {
    await store.insertRows('mnist', records, { newTable: true });
  } finally {
    await store.close();
  }
  return db;
}

async function once(db: string): Promise<Figures> {
  const reference = await openStore(db, { readOnly: true, access: everything });
  let unfiltered;
  try {
    await reference.query('SELECT count(*) AS n FROM mnist'); // open and warm the page cache alike
    unfiltered = await timed(() => reference.query(QUERY));
  } finally {
    await reference.close();
  }
  const store = await openStore(db, { readOnly: true });
  try {
    await store.query('SELECT count(*) AS n FROM mnist');
    const cold = await timed(() => store.query(QUERY));
    const warm = await timed(() => store.query(QUERY));
    const withheld = cold.value.withheld ?? 0;
    if (cold.value.length + withheld !== unfiltered.value.length || warm.value.length !== cold.value.length) {
      throw new Error(`rows do not add up: ${unfiltered.value.length} unfiltered, ${cold.value.length} returned + ${withheld} withheld, ${warm.value.length} warm`);
    }
    return {
      unfilteredSeconds: unfiltered.seconds,
      coldSeconds: cold.seconds,
      warmSeconds: warm.seconds,
      unfilteredCpu: unfiltered.cpuSeconds,
      coldCpu: cold.cpuSeconds,
      warmCpu: warm.cpuSeconds,
      rows: unfiltered.value.length,
      returned: cold.value.length,
      withheld,
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '70000' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const rows = Number(values.rows);
  const repeat = Number(values.repeat);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--rows must be a whole number ≥ 1, got ${values.rows}`);
  if (!Number.isSafeInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number ≥ 1, got ${values.repeat}`);
  const folder = values.out === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-bench-access-')) : path.resolve(values.out);
  fs.mkdirSync(folder, { recursive: true });
  try {
    process.stderr.write(`making ${rows} files and a store in ${folder}…\n`);
    const db = await prepare(folder, rows);
    const runs: Figures[] = [];
    for (let k = 0; k < repeat; k++) runs.push(await once(db));
    const result = {
      rows: runs[0]!.rows,
      returned: runs[0]!.returned,
      withheld: runs[0]!.withheld,
      unfilteredSeconds: median(runs.map((r) => r.unfilteredSeconds)),
      coldSeconds: median(runs.map((r) => r.coldSeconds)),
      warmSeconds: median(runs.map((r) => r.warmSeconds)),
      unfilteredCpu: median(runs.map((r) => r.unfilteredCpu)),
      coldCpu: median(runs.map((r) => r.coldCpu)),
      warmCpu: median(runs.map((r) => r.warmCpu)),
      user: os.userInfo().username,
      repeat,
    };
    const overhead = {
      cold: result.coldSeconds - result.unfilteredSeconds,
      warm: result.warmSeconds - result.unfilteredSeconds,
      coldCpu: result.coldCpu - result.unfilteredCpu,
      warmCpu: result.warmCpu - result.unfilteredCpu,
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...result, loadAverage: os.loadavg(), ratioCold: result.coldSeconds / result.unfilteredSeconds, ratioWarm: result.warmSeconds / result.unfilteredSeconds, target: TARGET_SECONDS })}\n`);
      return;
    }
    const s = (x: number) => `${x.toFixed(3)} s`;
    process.stdout.write(
      [
        `query of ${result.rows} image rows as ${result.user} (median of ${repeat}): ${result.returned} returned, ${result.withheld} withheld`,
        `                               wall               CPU (user + system)`,
        `  unfiltered (reference):      ${s(result.unfilteredSeconds)}            ${s(result.unfilteredCpu)}`,
        `  filtered, cold (access(2)):  ${s(result.coldSeconds)} ×${(result.coldSeconds / result.unfilteredSeconds).toFixed(2)}    ${s(result.coldCpu)} ×${(result.coldCpu / result.unfilteredCpu).toFixed(2)}  (filtering: +${s(overhead.coldCpu)} CPU)`,
        `  filtered, warm (cached):     ${s(result.warmSeconds)} ×${(result.warmSeconds / result.unfilteredSeconds).toFixed(2)}    ${s(result.warmCpu)} ×${(result.warmCpu / result.unfilteredCpu).toFixed(2)}  (filtering: +${s(overhead.warmCpu)} CPU)`,
        `target: filtering a ${result.rows}-row query in well under ${TARGET_SECONDS} s (under half, cold, CPU): ${overhead.coldCpu < TARGET_SECONDS / 2 ? 'met' : 'NOT met'}`,
        `load average while measuring: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} on ${os.availableParallelism()} cores`,
        '',
      ].join('\n'),
    );
  } finally {
    if (!values.keep && values.out === undefined) fs.rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/access: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
