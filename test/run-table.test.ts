/**
 * Python DSI's run table: a read with `runTable` records one row in `runtable` (run_id,
 * run_timestamp, user, host, files) and every row it ingests carries that `run_id`, a foreign key
 * the store enforces; reads without it leave `run_id` NULL; a failed read leaves no run row; the
 * table is reserved from update; the CLI's `--run-table` does the same.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Store, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

let dir: string;
let store: Store;
before(async () => {
  dir = tempDir('dsi-run-table-');
  store = await openStore(path.join(dir, 'dsi.db'));
});
after(async () => {
  await store.close();
  removeTempDirs();
});

describe('run table', () => {
  it('records each read in runtable and tags its rows with run_id, a foreign key to it', async () => {
    const a = writeFile(dir, 'a.csv', 'x,y\n1,2\n3,4\n');
    const b = writeFile(dir, 'b.csv', 'x,y\n5,6\n');
    await store.read(a, { table: 'runs' }); // before the run table: run_id NULL
    await store.read(b, { table: 'runs', runTable: true });
    await store.read([a, b], { table: 'more', runTable: true, append: true });
    const runs = await store.getTable('runtable');
    assert.deepEqual(runs.map((r) => [r['run_id'], r['files']]), [[1, JSON.stringify([b])], [2, JSON.stringify([a, b])]]);
    assert.equal(runs[0]!['host'], os.hostname());
    assert.ok(typeof runs[0]!['user'] === 'string' && runs[0]!['user'] !== '');
    assert.ok(!Number.isNaN(Date.parse(String(runs[0]!['run_timestamp']))));
    assert.deepEqual((await store.getTable('runs')).map((r) => r['run_id']), [null, null, 1]);
    assert.deepEqual((await store.getTable('more')).map((r) => r['run_id']), [2, 2, 2]);
    const more = await store.describe('more');
    assert.equal(more.columns[0]!.name, 'run_id', 'a table a run creates has run_id first, as Python DSI');
    assert.deepEqual(more.foreignKeys, [{ column: 'run_id', refTable: 'runtable', refColumn: 'run_id' }]);
    assert.deepEqual((await store.describe('runs')).foreignKeys, [{ column: 'run_id', refTable: 'runtable', refColumn: 'run_id' }]);
    assert.equal((await store.describe('runtable')).columns.find((c) => c.primaryKey)?.name, 'run_id');
  });

  it('leaves no run row and no column behind when the read fails, and refuses updates of runtable', async () => {
    const before = await dumpStore(store);
    const bad = writeFile(dir, 'bad.csv', 'x,y\n1,2\n3\n');
    await rejectsWithCode(store.read(bad, { table: 'runs', runTable: true }), 'E_BAD_INPUT');
    assert.deepEqual(await dumpStore(store), before);
    await rejectsWithCode(store.updateRows([{ table: 'runtable', rowIndex: 1, values: { host: 'x' } }]), 'E_RESERVED');
  });

  it('enforces the key: a run_id with no run row is refused', async () => {
    await rejectsWithCode(store.updateRows([{ table: 'runs', rowIndex: 1, values: { run_id: 99 } }]), 'E_SCHEMA');
  });

  it('dsi read --run-table records the run; a store opened with runTable records every read', async () => {
    const db = path.join(dir, 'cli.db');
    const file = writeFile(dir, 'c.csv', 'x\n7\n');
    const r = runDsi(['--db', db, 'read', '--run-table', file]);
    assert.equal(r.status, 0, r.stderr);
    const q = runDsi(['--db', db, 'query', '--json', 'SELECT c.x, r.files FROM c JOIN runtable r USING (run_id)']);
    assert.deepEqual(JSON.parse(q.stdout), { rows: [{ x: 7, files: JSON.stringify([file]) }], withheld: 0 });
    const always = await openStore(path.join(dir, 'always.db'), { runTable: true });
    try {
      await always.read(file);
      assert.deepEqual((await always.getTable('c')).map((row) => row['run_id']), [1]);
    } finally {
      await always.close();
    }
  });
});
