/**
 * Copying a whole store between backends (`Store#copyTo`, `dsi process`): tables with their
 * declared types, keys and rows in order, big integers, units, relations (foreign keys that stay
 * enforced) and the run registry's `ml_` tables; a target with tables refused unless replacing;
 * all or nothing on the target. SQLite → SQLite always; SQLite → PostgreSQL → SQLite when
 * DSI_TEST_POSTGRES_URL names a server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Store, openStore } from '../src/index.js';
import { POSTGRES_URL, freshPostgresLocation } from './helpers/postgres.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);
const DSI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');

after(removeTempDirs);

/** A store with a bit of everything a copy must carry. */
async function fillSource(store: Store, dir: string): Promise<void> {
  await store.applySchema(fixture('yaml1_schema.json'));
  await store.read([fixture('student_test1.yml'), fixture('student_test2.yml')], { reader: 'yaml1' });
  await store.read(fixture('results.toml'), { reader: 'toml1' });
  await store.read(writeFile(dir, 'runs.csv', 'id,speed,label\n9007199254740993,2.5,a\n2,,"b, ""quoted"""\n3,7,\n'));
  await store.managedTables().transaction(async (tx) => {
    await tx.ensure({ name: 'ml_runs', columns: [{ name: 'run_id', type: 'text' }, { name: 'epochs_done', type: 'integer' }], primaryKey: 'run_id' });
    await tx.insert('ml_runs', [{ run_id: 'r1', epochs_done: 3 }]);
  });
}

/** What must survive a copy: the dump, units, relations, keys and the run registry. */
async function snapshot(store: Store) {
  return {
    dump: await dumpStore(store),
    units: await store.units(),
    relations: [...(await store.relations())],
    keys: await Promise.all((await store.tables()).map(async (t) => {
      const info = await store.describe(t);
      return [t, info.columns.filter((c) => c.primaryKey).map((c) => c.name), info.foreignKeys];
    })),
  };
}

describe('copying a store (process)', () => {
  it('SQLite → SQLite keeps every table, type, key, unit, relation and row in order; the copy enforces its foreign keys', async () => {
    const dir = tempDir();
    const source = await openStore(path.join(dir, 'a.db'));
    const target = await openStore(path.join(dir, 'b.db'));
    try {
      await fillSource(source, dir);
      const result = await source.copyTo(target);
      assert.ok(result.tables.some((t) => t.table === 'ml_runs' && t.rows === 1));
      assert.deepEqual(await snapshot(target), await snapshot(source));
      await rejectsWithCode(target.updateRows([{ table: 'math', rowIndex: 1, values: { b: 999 } }]), 'E_SCHEMA');
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('a target with tables is refused (E_BAD_ARGUMENT, nothing written) unless replace is given', async () => {
    const dir = tempDir();
    const source = await openStore(path.join(dir, 'a.db'));
    const target = await openStore(path.join(dir, 'b.db'));
    try {
      await source.read(writeFile(dir, 'runs.csv', 'id\n1\n2\n'));
      await target.read(writeFile(dir, 'other.csv', 'x\n5\n'));
      const before = await dumpStore(target);
      const e = await rejectsWithCode(source.copyTo(target), 'E_BAD_ARGUMENT');
      assert.match(e.message, /already has tables \(other/);
      assert.deepEqual(await dumpStore(target), before);
      await rejectsWithCode(source.copyTo(source), 'E_BAD_ARGUMENT');
      await source.copyTo(target, { replace: true });
      assert.deepEqual(await dumpStore(target), await dumpStore(source));
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('dsi process --to copies the store and prints what it copied; a second run without --replace exits 2', () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.db');
    const b = path.join(dir, 'b.db');
    execFileSync('node', [DSI, '--db', a, 'read', writeFile(dir, 'runs.csv', 'id,x\n1,2\n')]);
    const out = JSON.parse(execFileSync('node', [DSI, '--db', a, 'process', '--to', b, '--json'], { encoding: 'utf8' })) as { to: string; tables: { table: string; rows: number }[] };
    assert.equal(out.to, b);
    assert.deepEqual(out.tables.find((t) => t.table === 'runs'), { table: 'runs', rows: 1 });
    let status = 0;
    let stderr = '';
    try {
      execFileSync('node', [DSI, '--db', a, 'process', '--to', b], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      ({ status, stderr } = e as { status: number; stderr: string });
    }
    assert.equal(status, 2);
    assert.match(stderr, /already has tables .*give --replace/);
  });

  const skip = POSTGRES_URL === undefined ? 'DSI_TEST_POSTGRES_URL names no PostgreSQL server (scripts/test.sh starts one when PostgreSQL is installed)' : false;

  it('SQLite → PostgreSQL → SQLite gives back the same store; the PostgreSQL copy enforces its foreign keys', { skip }, async () => {
    const dir = tempDir();
    const source = await openStore(path.join(dir, 'a.db'));
    const shared = await openStore(freshPostgresLocation());
    const back = await openStore(path.join(dir, 'back.db'));
    try {
      await fillSource(source, dir);
      await source.copyTo(shared);
      assert.deepEqual((await dumpStore(shared)).list, (await dumpStore(source)).list);
      assert.deepEqual(await shared.getTable('runs'), await source.getTable('runs'));
      await rejectsWithCode(shared.updateRows([{ table: 'math', rowIndex: 1, values: { b: 999 } }]), 'E_SCHEMA');
      await shared.copyTo(back);
      assert.deepEqual(await snapshot(back), await snapshot(source));
    } finally {
      await source.close();
      await shared.close();
      await back.close();
    }
  });

  it('a row the target cannot hold (text in a SQLite INTEGER column) fails the whole copy: the target keeps no table', { skip }, async () => {
    const dir = tempDir();
    const db = path.join(dir, 'mixed.db');
    execFileSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE good (a INTEGER)"); c.execute("INSERT INTO good VALUES (1)"); c.execute("CREATE TABLE mixed (a INTEGER)"); c.executemany("INSERT INTO mixed VALUES (?)", [(1,), ("abc",)]); c.commit()', db]);
    const source = await openStore(db);
    const shared = await openStore(freshPostgresLocation());
    try {
      const e = await rejectsWithCode(source.copyTo(shared), 'E_BAD_INPUT');
      assert.match(e.message, /table "mixed" row 2 cannot be copied/);
      assert.deepEqual(await shared.tables(), []);
    } finally {
      await source.close();
      await shared.close();
    }
  });
});
