/**
 * Reading the same file into the same table twice: the store records what it read (content
 * hash, reader, options) in its own table `dsi_ingested`, refuses a repeat with E_ALREADY_READ
 * unless asked to append, and leaves the store unchanged when it refuses. The command line says
 * how many rows a read added and how many the table holds now.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store } from '../src/index.js';
import { pngByHand, ramp, writeIdxPair } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, withStore, writeFile } from './helpers/store-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/dsi.js');

after(removeTempDirs);

const RUNS = 'id,speed\n1,2.5\n2,5\n';

async function ledger(store: Store): Promise<{ table_name: unknown; rows: unknown; reader: unknown }[]> {
  return (await store.query('SELECT table_name, rows, reader FROM dsi_ingested ORDER BY rowid')) as { table_name: unknown; rows: unknown; reader: unknown }[];
}

describe('reading a file into a table it was read into before', () => {
  it('is refused with E_ALREADY_READ naming file, table and rows, and leaves the store unchanged', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'runs.csv', RUNS);
      await store.read(file);
      const before = await dumpStore(store);
      const e = await rejectsWithCode(store.read(file), 'E_ALREADY_READ');
      assert.match(e.message, /runs\.csv was already read into table "runs" \(2 rows on \d{4}-\d\d-\d\dT/);
      assert.equal(e.file, file);
      assert.deepEqual(await dumpStore(store), before);
      assert.deepEqual(await ledger(store), [{ table_name: 'runs', rows: 2, reader: 'csv' }]);
    });
  });

  it('appends the rows again when asked (append), and records that read too', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'runs.csv', RUNS);
      await store.read(file);
      assert.deepEqual(await store.read(file, { append: true }), [{ table: 'runs', rows: 2 }]);
      assert.deepEqual((await store.getTable('runs')).map((r) => r['id']), [1, 2, 1, 2]);
      assert.equal((await ledger(store)).length, 2);
    });
  });

  it('reads a changed file at the same path (a new file), and the same file into another table', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'runs.csv', RUNS);
      await store.read(file);
      fs.appendFileSync(file, '3,7.5\n');
      assert.deepEqual(await store.read(file), [{ table: 'runs', rows: 3 }]);
      assert.deepEqual(await store.read(file, { table: 'copy' }), [{ table: 'copy', rows: 3 }]);
      assert.deepEqual((await store.list()).map((l) => [l.table, l.rows]), [['runs', 5], ['copy', 3]]);
    });
  });

  it('refuses the same content under another name, and the same file twice in one call (nothing read)', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'runs.csv', RUNS);
      await store.read(file);
      const copy = writeFile(dir, 'runs-copy.csv', RUNS);
      const e = await rejectsWithCode(store.read(copy, { table: 'runs' }), 'E_ALREADY_READ');
      assert.match(e.message, /, as .*runs\.csv\)/, 'names the file read before');
      const other = writeFile(dir, 'other.csv', 'x\n1\n');
      await rejectsWithCode(store.read([other, other]), 'E_ALREADY_READ');
      assert.deepEqual(await store.tables(), ['runs']);
      assert.deepEqual(await ledger(store), [{ table_name: 'runs', rows: 2, reader: 'csv' }]);
    });
  });

  it('counts the same file read with other reader options, or by another reader, as another read', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const pair = writeIdxPair(dir, 'train', 2, 3, 3);
      await store.read(pair.images, { reader: 'idx', table: 'set', readerOptions: { split: 'a' } });
      await rejectsWithCode(store.read(pair.images, { reader: 'idx', table: 'set', readerOptions: { split: 'a' } }), 'E_ALREADY_READ');
      await store.read(pair.images, { reader: 'idx', table: 'set', readerOptions: { split: 'b' } });
      assert.deepEqual((await store.query('SELECT split FROM "set" ORDER BY id')).map((r) => r['split']), ['a', 'a', 'b', 'b']);
      const doc = writeFile(dir, 'doc.json', '{"a": 1}');
      await store.read(doc, { reader: 'json', table: 't' });
      await store.read(doc, { reader: 'yaml', table: 't' });
      assert.equal((await store.getTable('t')).length, 2);
    });
  });

  it('keeps its record out of list, tables, find, search and summary, and refuses edits of it', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'runs.csv', RUNS));
      assert.deepEqual(await store.tables(), ['runs']);
      assert.deepEqual(await store.list(), [{ table: 'runs', columns: 2, rows: 2 }]);
      assert.deepEqual((await store.search('csv')).rows, [], 'the recorded reader name "csv" is not found');
      assert.deepEqual((await store.find('rows > 0').catch((e: Error) => e.message)), 'find "rows > 0": no table has a column named "rows"');
      assert.deepEqual([...new Set((await store.summary()).map((s) => s.table))], ['runs']);
      await rejectsWithCode(store.updateRows([{ table: 'dsi_ingested', rowIndex: 1, values: { rows: 0 } }]), 'E_RESERVED');
    });
  });

  it('after replaceTable, the replacing file counts as read into the table and the old ones no longer do', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const first = writeFile(dir, 'runs.csv', RUNS);
      await store.read(first);
      const replacement = writeFile(dir, 'new.csv', 'id,speed\n9,1\n');
      await store.replaceTable('runs', replacement);
      await rejectsWithCode(store.read(replacement, { table: 'runs' }), 'E_ALREADY_READ');
      assert.deepEqual(await store.read(first), [{ table: 'runs', rows: 2 }]);
      assert.deepEqual((await store.getTable('runs')).map((r) => r['id']), [9, 1, 2]);
    });
  });

  it('a read that fails leaves no record, so the file can be read once it is fixed', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const good = writeFile(dir, 'good.csv', 'x\n1\n');
      const bad = writeFile(dir, 'bad.csv', 'a,b\n1,2\n3\n');
      await rejectsWithCode(store.read([good, bad]), 'E_BAD_INPUT');
      assert.deepEqual(await store.tables(), []);
      assert.deepEqual(await store.read(good), [{ table: 'good', rows: 1 }]);
    });
  });
});

describe('reading a folder into a table it was read into before', () => {
  /** A folder of two grey PNGs with a side-car params.csv, as the images reader takes it. */
  function imageFolder(dir: string): string {
    const folder = path.join(dir, 'shots');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.png'), pngByHand(ramp(4, 8), 2, 2, 1, 8));
    fs.writeFileSync(path.join(folder, 'b.png'), pngByHand(ramp(4, 8).reverse(), 2, 2, 1, 8));
    fs.writeFileSync(path.join(folder, 'params.csv'), 'name,sim\na.png,1\nb.png,2\n');
    return folder;
  }

  it('refuses an image folder whose files are all the same, and leaves the store unchanged', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const folder = imageFolder(dir);
      assert.deepEqual(await store.read(folder, { reader: 'images', table: 'shots' }), [{ table: 'shots', rows: 2 }]);
      const before = await dumpStore(store);
      const e = await rejectsWithCode(store.read(folder, { reader: 'images', table: 'shots' }), 'E_ALREADY_READ');
      assert.match(e.message, /shots was already read into table "shots" \(2 rows on /);
      assert.deepEqual(await dumpStore(store), before);
      assert.deepEqual(await store.read(folder, { reader: 'images', table: 'shots', append: true }), [{ table: 'shots', rows: 2 }]);
    });
  });

  it('reads the folder again once a file is added, changed or renamed (a new folder)', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const folder = imageFolder(dir);
      await store.read(folder, { reader: 'images', table: 'shots' });
      fs.writeFileSync(path.join(folder, 'c.png'), pngByHand(ramp(4, 8), 2, 2, 1, 8));
      fs.appendFileSync(path.join(folder, 'params.csv'), 'c.png,3\n');
      assert.deepEqual(await store.read(folder, { reader: 'images', table: 'shots' }), [{ table: 'shots', rows: 3 }]);
      fs.renameSync(path.join(folder, 'c.png'), path.join(folder, 'd.png'));
      fs.writeFileSync(path.join(folder, 'params.csv'), 'name,sim\na.png,1\nb.png,2\nd.png,3\n');
      assert.deepEqual(await store.read(folder, { reader: 'images', table: 'shots' }), [{ table: 'shots', rows: 3 }]);
      await rejectsWithCode(store.read(folder, { reader: 'images', table: 'shots' }), 'E_ALREADY_READ');
    });
  });

  it('never refuses the env reader: each read is a new snapshot of the machine', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(dir, { reader: 'env' });
      await store.read(dir, { reader: 'env' });
      assert.equal((await store.getTable('env')).length, 2);
    });
  });
});

describe('dsi read of a file read before', () => {
  const dsi = (db: string, ...args: string[]) => spawnSync(process.execPath, [bin, '--db', db, ...args], { encoding: 'utf8' });

  it('exits 1 with one line saying so and how to append; --append adds the rows and says the new total', () => {
    const dir = tempDir();
    const db = path.join(dir, 'store.db');
    const file = writeFile(dir, 'runs.csv', RUNS);
    const first = dsi(db, 'read', file, '--json');
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [{ table: 'runs', rows: 2, total: 2 }]);
    assert.equal(first.stderr, '');

    const again = dsi(db, 'read', file);
    assert.equal(again.status, 1);
    assert.equal(again.stdout, '');
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /^dsi: .*runs\.csv was already read into table "runs" \(2 rows .*; give --append to add them anyway\n$/);

    const appended = dsi(db, 'read', file, '--append', '--json');
    assert.equal(appended.status, 0, appended.stderr);
    assert.deepEqual(JSON.parse(appended.stdout), [{ table: 'runs', rows: 2, total: 4 }]);
    assert.equal(appended.stderr, 'runs: 2 rows added to the 2 it held; 4 now\n');
  });
});
