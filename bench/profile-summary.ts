/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node dist/bench/ingest.js --sizes
 * 1000000 --profile bench/out/prof`): the top functions by self time, and the time split into
 * where it goes in the ingest: CSV parsing (papaparse), our type conversion and ingest loop,
 * SQLite inserts (better-sqlite3 and the SQLite engine under it), garbage collection, other.
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile [--top 25] [--json]
 *
 * A sample is put in a bucket by its innermost frame that belongs to a known module, so native
 * frames (better-sqlite3's `run`, string builtins) count towards whoever called them.
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Bucket = 'CSV parsing (papaparse)' | 'CSV parsing (tokenizer, numbers)' | 'type conversion + ingest loop (src/store)' | 'SQLite inserts (better-sqlite3 + SQLite)' | 'CSV reader glue + stream I/O' | 'garbage collection' | 'idle / program' | 'other';

function bucketOf(frame: CallFrame): Bucket | undefined {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)') return 'idle / program';
  if (url.includes('papaparse')) return 'CSV parsing (papaparse)';
  if (url.includes('/readers/csv-parse') || url.includes('/readers/text-decoding')) return 'CSV parsing (tokenizer, numbers)';
  if (url.includes('better-sqlite3') || url.includes('/backends/sqlite/')) return 'SQLite inserts (better-sqlite3 + SQLite)';
  if (url.includes('/store/ingest') || url.includes('/store/type-inference')) return 'type conversion + ingest loop (src/store)';
  if (url.includes('/readers/csv-reader') || url.startsWith('node:internal/fs') || url.startsWith('node:internal/streams')) return 'CSV reader glue + stream I/O';
  return undefined;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, top = 25) {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const functions = new Map<string, { name: string; where: string; us: number; bucket: Bucket }>();
  const buckets = new Map<Bucket, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    let bucket: Bucket | undefined;
    for (let at: number | undefined = id; at !== undefined && bucket === undefined; at = parent.get(at)) {
      bucket = bucketOf(byId.get(at)!.callFrame);
    }
    bucket ??= 'other';
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const f = node.callFrame;
    const where = `${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    const key = `${f.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: f.functionName || '(anonymous)', where, us: 0, bucket };
    entry.us += us;
    functions.set(key, entry);
  }
  const pct = (us: number) => (100 * us) / total;
  return {
    totalSeconds: total / 1e6,
    buckets: [...buckets.entries()].sort((a, b) => b[1] - a[1]).map(([bucket, us]) => ({ bucket, seconds: us / 1e6, percent: pct(us) })),
    top: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ function: f.name, where: f.where, bucket: f.bucket, seconds: f.us / 1e6, percent: pct(f.us) })),
  };
}

function main(argv: string[]): void {
  const file = argv.find((a) => !a.startsWith('--'));
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25;
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--json]');
    process.exit(2);
  }
  const s = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top);
  if (argv.includes('--json')) {
    console.log(JSON.stringify(s, null, 2));
    return;
  }
  console.log(`profile ${file}: ${s.totalSeconds.toFixed(2)} s sampled\n`);
  console.log('where the time goes (innermost known module of each sample):');
  for (const b of s.buckets) console.log(`  ${b.percent.toFixed(1).padStart(5)} %  ${b.seconds.toFixed(2).padStart(6)} s  ${b.bucket}`);
  console.log(`\ntop ${s.top.length} functions by self time:`);
  for (const f of s.top) {
    console.log(`  ${f.percent.toFixed(1).padStart(5)} %  ${f.seconds.toFixed(2).padStart(6)} s  ${f.function.padEnd(28)} ${f.where}  [${f.bucket}]`);
  }
}

main(process.argv.slice(2));
