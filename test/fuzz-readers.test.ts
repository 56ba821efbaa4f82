/**
 * Fuzzing every reader through `store.read` (test/fuzz/reader-inputs.ts makes the inputs:
 * grammar-built, truncated and spoilt fixtures, noise, wrong encodings, oversized). For every
 * case: the read succeeds, or rejects with a StoreError whose code starts `E_`; it ends within
 * the case time limit and without the process's memory growing past the case bound; a refused
 * read leaves the store's tables, rows, schema and data folder exactly as they were. Every
 * reader the library ships has a property (checked), all on one SQLite store per run of the file.
 * Settings (seed, runs, time budget) are in test/fuzz/fuzz-settings.ts; docs/testing.md has the
 * long run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultPlugins, openStore, StoreError } from '../src/index.js';
import type { Store } from '../src/store/store.js';
import { boundedCase, describeError } from './fuzz/bounded-case.js';
import { CASE_MEMORY_BYTES, CASE_MS, fuzzBudget } from './fuzz/fuzz-settings.js';
import { describeCase, READER_CASES, writeCase, type ReaderCase } from './fuzz/reader-inputs.js';
import { digestDifference, storeDigest, type StoreDigest } from './fuzz/store-digest.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

/** The readers' share of the harness's time budget. */
const READERS_SHARE = 0.55;

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test/fixtures');

let dir: string;
let store: Store;
let generation = 0;
/** The digest of the store as the last case left it. */
let current: StoreDigest;
const stray: unknown[] = [];
const onStray = (e: unknown): void => {
  stray.push(e);
};

/** A fresh store holding a CSV, a YAML1, a TOML and a Parquet file's tables (so appends, widening and relations meet real tables). */
async function freshStore(): Promise<void> {
  if (store !== undefined) await store.close();
  const folder = path.join(dir, `store-${generation++}`);
  fs.mkdirSync(folder);
  store = await openStore(path.join(folder, 'dsi.db'));
  await store.read(path.join(FIXTURES, 'wildfiredata.csv'));
  await store.read(path.join(FIXTURES, 'student_test1.yml'), { reader: 'yaml1' });
  await store.read(path.join(FIXTURES, 'example.toml'));
  await store.read(path.join(FIXTURES, 'wildfiredata.pq'), { table: 'wildfire_parquet' }); // loads DuckDB before the clock runs
  current = await storeDigest(store);
}

before(async () => {
  dir = tempDir('dsi-fuzz-readers-');
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  await freshStore();
});

after(async () => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  await store?.close();
  removeTempDirs();
});

let caseNumber = 0;
/**
 * The case running now. Should fast-check stop waiting for a case (one past the time limit), the
 * read goes on and may still write: the next property waits for it and takes the store as it
 * left it.
 */
let inFlight: Promise<void> = Promise.resolve();

/** Wait for an abandoned case to end, and take the store as it is now. */
async function settle(): Promise<void> {
  await inFlight.catch(() => undefined);
  current = await storeDigest(store);
}

/** The property every reader case must hold. */
function readerCaseHolds(c: ReaderCase): Promise<void> {
  inFlight = checkReaderCase(c);
  return inFlight;
}

async function checkReaderCase(c: ReaderCase): Promise<void> {
  const caseDir = path.join(dir, 'inputs', `case-${caseNumber++}`);
  fs.mkdirSync(caseDir, { recursive: true });
  try {
    const input = writeCase(c, caseDir);
    const before = current;
    const outcome = await boundedCase(
      () => store.read(input, { reader: c.reader, ...(c.strict ? { strict: true } : {}), ...(c.table === undefined ? {} : { table: c.table }), ...(c.readerOptions === undefined ? {} : { readerOptions: c.readerOptions }) }),
      CASE_MS,
    );
    const where = `\n${describeCase(c)}`;
    assert.notEqual(outcome.kind, 'hang', `the read did not end within ${CASE_MS} ms${where}`);
    assert.ok(outcome.ms < CASE_MS, `the read took ${Math.round(outcome.ms)} ms${where}`);
    assert.ok(outcome.rssGrowth < CASE_MEMORY_BYTES, `memory grew by ${Math.round(outcome.rssGrowth / 2 ** 20)} MiB during the read${where}`);
    assert.deepEqual(stray.splice(0), [], `an exception escaped the read${where}`);
    if (outcome.kind === 'error') {
      const e = outcome.error;
      assert.ok(e instanceof StoreError, `a refusal must be a StoreError, got ${describeError(e)}${where}`);
      assert.match(e.code, /^E_[A-Z_]+$/, where);
      assert.ok(!e.message.includes('\n'), `the message is one line: ${JSON.stringify(e.message.slice(0, 200))}${where}`);
      const after = await storeDigest(store);
      assert.ok(after.hash === before.hash, `the refused read (${e.code}: ${e.message.slice(0, 200)}) changed the store:\n${digestDifference(before, after)}${where}`);
    } else {
      current = await storeDigest(store);
      // Keep the digests cheap: start again once successes have grown the store.
      if (current.tables > 25 || current.rows > 20_000) await freshStore();
    }
  } finally {
    fs.rmSync(caseDir, { recursive: true, force: true });
  }
}

/** The "billion laughs" of YAML: nine aliases of nine aliases…, a few hundred bytes expanding to 9^10 strings. */
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');

describe('what the fuzzer found, kept as fixed examples', () => {
  for (const reader of ['yaml', 'yaml1', 'datacard-google']) {
    it(`${reader}: a YAML alias bomb is refused as E_BAD_INPUT naming the file, not a ReferenceError, the store unchanged`, async () => {
      const file = path.join(dir, `bomb-${reader}.yml`);
      fs.writeFileSync(file, `${ALIAS_BOMB}\n`);
      const before = current.hash;
      const e = await rejectsWithCode(store.read(file, { reader }), 'E_BAD_INPUT');
      assert.equal(e.message, `${file}: invalid YAML: its aliases expand past the limit of 100 (refused as a resource exhaustion attack)`);
      assert.equal(e.file, file);
      assert.equal((await storeDigest(store)).hash, before);
    });
  }
});

describe('what the fuzzer found: parsers\' own limits and messages', () => {
  it('datacard-dublin-core: elements nested 5,000 deep are E_BAD_INPUT naming the file, not the XML parser\'s bare Error', async () => {
    const file = path.join(dir, 'deep.xml');
    fs.writeFileSync(file, `<metadata>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</metadata>`);
    const before = current.hash;
    const e = await rejectsWithCode(store.read(file, { reader: 'datacard-dublin-core' }), 'E_BAD_INPUT');
    assert.equal(e.message, `${file}: invalid XML: Maximum nested tags exceeded`);
    assert.equal((await storeDigest(store)).hash, before);
  });

  it('images: a corrupt JPEG is refused with a one-line message (libvips ends its lines with newlines)', async () => {
    const folder = path.join(dir, 'jpeg');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const e = await rejectsWithCode(store.read(folder, { reader: 'images' }), 'E_BAD_INPUT');
    assert.match(e.message, /a\.jpg: corrupt JPEG: /);
    assert.ok(!/\n/.test(e.message), JSON.stringify(e.message));
  });
});

describe('what the fuzzer found: a table wider than the backend allows', () => {
  it('a CSV of 2,500 columns on SQLite (whose limit is 2,000) is refused naming the file, the store unchanged', async () => {
    const file = path.join(dir, 'wide.csv');
    const names = Array.from({ length: 2500 }, (_, i) => `c${i}`);
    fs.writeFileSync(file, `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`);
    const before = current.hash;
    const e = await rejectsWithCode(store.read(file), 'E_SQL');
    assert.match(e.message, /^\/.*wide\.csv: too many columns on wide$/);
    assert.equal(e.file, file);
    assert.equal((await storeDigest(store)).hash, before);
  });
});

describe('fuzzing the readers: typed errors in bounded time and memory, the store unchanged by a refusal', () => {
  it('has a property for every reader the library ships', () => {
    const covered = new Set(READER_CASES.map((r) => r.name.replace(/ \(.*\)$/, '')));
    assert.deepEqual(defaultPlugins.readers.map((r) => r.name).filter((n) => !covered.has(n)), []);
  });

  const totalRuns = READER_CASES.reduce((n, r) => n + r.runs, 0);
  for (const { name, cases, runs } of READER_CASES) {
    it(`${name}: malformed, truncated, oversized and mis-encoded input is read or refused with an E_ code, the store unchanged`, async () => {
      await settle();
      const budget = fuzzBudget<[ReaderCase]>(runs, (READERS_SHARE * runs) / totalRuns);
      await fc.assert(fc.asyncProperty(cases, budget.guard(readerCaseHolds)), budget.parameters);
    });
  }
});
