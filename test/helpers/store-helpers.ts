/**
 * Shared helpers of the store tests: a store in a fresh temporary folder, a full dump of a store
 * (for "unchanged" checks), an assertion on StoreError codes, and number comparison with a
 * relative tolerance.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store, defaultPlugins, openStore, StoreError } from '../../src/index.js';
import type { BackendCapabilities, Row, StoreErrorCode, TableListing } from '../../src/index.js';
import { POSTGRES_URL, freshPostgresLocation } from './postgres.js';

/**
 * The backends every conformance suite runs on: every registered backend that runs on this
 * machine without a server (sqlite, duckdb), and postgres too when DSI_TEST_POSTGRES_URL names a
 * server; `DSI_TEST_BACKENDS=sqlite,duckdb` narrows (or widens) the set.
 */
const EMBEDDED_BACKENDS = ['sqlite', 'duckdb'].filter((b) => Object.hasOwn(defaultPlugins.backends, b));
export const BACKENDS: readonly string[] = (process.env['DSI_TEST_BACKENDS'] ?? [...EMBEDDED_BACKENDS, ...(POSTGRES_URL === undefined ? [] : ['postgres'])].join(','))
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b !== '');

/** The backends of {@link BACKENDS} whose capabilities satisfy `wanted` (each opened once, as {@link openTempStore} opens it). */
export async function backendsWhere(wanted: (capabilities: BackendCapabilities) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const backend of BACKENDS) {
    const { store } = await openTempStore(backend);
    try {
      if (wanted(store.capabilities)) out.push(backend);
    } finally {
      await store.close();
    }
  }
  return out;
}

/** A fresh temporary folder; removed by {@link removeTempDirs}. */
const made: string[] = [];
export function tempDir(prefix = 'dsi-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every folder {@link tempDir} made (call from `after`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Write `text` to `dir/name` and return the path. */
export function writeFile(dir: string, name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

export interface TempStore {
  readonly store: Store;
  /** The folder the store lives in (write input files here). */
  readonly dir: string;
  /** The store's location (the SQLite file). */
  readonly location: string;
}

/** Open a new store on `backend` in a fresh temporary folder. */
export async function openTempStore(backend: string, name = 'dsi.db'): Promise<TempStore> {
  if (backend === 'postgres') return openTempServerStore(backend);
  const dir = tempDir();
  const location = path.join(dir, name);
  const store = await openStore(location, { backend });
  return { store, dir, location };
}

/**
 * A new store on a database server (PostgreSQL): a fresh schema of the test server, with a fresh
 * temporary folder for input files and the store's data folder (`dir/data`).
 */
async function openTempServerStore(backend: string): Promise<TempStore> {
  const dir = tempDir();
  const location = freshPostgresLocation();
  const store = await openStore(location, { backend, dataFolder: path.join(dir, 'data') });
  return { store, dir, location };
}

/** Run `fn` with a new store on `backend`; the store is closed afterwards whatever happens. */
export async function withStore<T>(backend: string, fn: (t: TempStore) => Promise<T>): Promise<T> {
  const t = await openTempStore(backend);
  try {
    return await fn(t);
  } finally {
    await t.store.close();
  }
}

export interface StoreDump {
  readonly list: TableListing[];
  readonly tables: Record<string, { columns: string[]; types: string[]; rows: Row[] }>;
}

/** Every table of `store` with its columns, declared types and rows in order. */
export async function dumpStore(store: Store): Promise<StoreDump> {
  const list = await store.list();
  const tables: StoreDump['tables'] = {};
  for (const { table } of list) {
    const info = await store.describe(table);
    tables[table] = {
      columns: info.columns.map((c) => c.name),
      types: info.columns.map((c) => c.declaredType),
      rows: await store.getTable(table),
    };
  }
  return { list, tables };
}

/** Await `promise`, assert it rejects with a StoreError of `code`, and return that error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: StoreErrorCode | readonly StoreErrorCode[]): Promise<StoreError> {
  const codes: readonly StoreErrorCode[] = typeof code === 'string' ? [code] : code;
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected a rejection with ${codes.join(' or ')}, but the call succeeded`);
  assert.ok(caught instanceof StoreError, `expected a StoreError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  assert.ok(codes.includes(caught.code), `expected code ${codes.join(' or ')}, got ${caught.code}: ${caught.message}`);
  return caught;
}

/** Whether two numbers agree within a relative tolerance (equal zeros included). */
export function closeTo(actual: number, expected: number, relative: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= relative * Math.max(Math.abs(actual), Math.abs(expected));
}

/**
 * Assert two cells are the same value: numbers (and bigints) within `relative`, everything else
 * strictly equal. Python's 1.0 and our 1 are the same number.
 */
export function assertSameCell(actual: unknown, expected: unknown, relative: number, where: string): void {
  const isNum = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';
  if (isNum(actual) && isNum(expected)) {
    if (typeof actual === 'bigint' || typeof expected === 'bigint') {
      assert.equal(BigInt(actual as number | bigint), BigInt(expected as number | bigint), where);
      return;
    }
    assert.ok(closeTo(actual as number, expected as number, relative), `${where}: ${String(actual)} differs from ${String(expected)} beyond ${relative} relative`);
    return;
  }
  assert.deepEqual(actual, expected, where);
}

/** The values of `row` in `columns` order. */
export function valuesOf(row: Row, columns: readonly string[]): unknown[] {
  return columns.map((c) => row[c]);
}

/** Whether a `git` command is on the PATH (the env reader's git tests need one). */
export const HAS_GIT: boolean = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
