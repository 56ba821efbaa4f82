/**
 * One measurement of OUR ingest, run by bench/ingest.ts in a fresh process so that its peak
 * memory is its own: open a new store, read the CSV into table `bench`, close. Prints one JSON
 * line on stdout: { rows, readSeconds, totalSeconds, rssBeforeKiB, maxRssKiB }.
 *
 *   node dist/bench/ingest-child.js FILE DB
 *
 * `readSeconds` is the wall time around `store.read` (parse, convert, insert, commit);
 * `totalSeconds` adds opening the store and closing it (closing checkpoints the WAL).
 * `maxRssKiB` is `process.resourceUsage().maxRSS` at the end: the process's peak resident set.
 * `cpuSeconds` is the CPU time of the whole process (all threads) during `store.read`: on a
 * shared machine, where the parsing worker may not get a core of its own, it is the steadier
 * figure.
 */
import { openStore } from '../src/index.js';

async function main(): Promise<void> {
  const [file, db] = process.argv.slice(2);
  if (file === undefined || db === undefined) {
    console.error('usage: node dist/bench/ingest-child.js FILE DB');
    process.exit(2);
  }
  const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
  const t0 = performance.now();
  const store = await openStore(db);
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const results = await store.read([file], { table: 'bench' });
  const cpu = process.cpuUsage(cpu0);
  const t2 = performance.now();
  await store.close();
  const t3 = performance.now();
  const rows = results.reduce((n, r) => n + r.rows, 0);
  const out = {
    rows,
    readSeconds: (t2 - t1) / 1000,
    totalSeconds: (t3 - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssBeforeKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
