/**
 * The Parquet reader and writer: Python DSI's wildfiredata.pq reads to the rows of its
 * wildfiredata.csv; a table written to Parquet and read back keeps its rows, types and order;
 * a nested column is refused naming file and column, the store unchanged. One store per case, on
 * each backend of BACKENDS (both go through an in-memory DuckDB, whatever the store's backend).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { BACKENDS, dumpStore, rejectsWithCode, removeTempDirs, withStore } from './helpers/store-helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');

after(removeTempDirs);

/** Run one DuckDB statement in memory (to make Parquet inputs a test needs). */
async function duckdb(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

for (const backend of BACKENDS) {
  describe(`parquet on ${backend}`, () => {
    it('wildfiredata.pq (Python DSI\'s Parquet case) reads to the same rows and types as wildfiredata.csv', async () => {
      await withStore(backend, async ({ store }) => {
        await store.read(path.join(FIXTURES, 'wildfiredata.pq'), { table: 'from_parquet' });
        await store.read(path.join(FIXTURES, 'wildfiredata.csv'), { table: 'from_csv' });
        const pq = await store.describe('from_parquet');
        const csv = await store.describe('from_csv');
        assert.deepEqual(pq.columns.map((c) => [c.name, c.type]), csv.columns.map((c) => [c.name, c.type]));
        const rows = await store.getTable('from_parquet');
        assert.equal(rows.length, 4);
        assert.deepEqual(rows, await store.getTable('from_csv'));
        assert.equal(rows[0]!['burned_area'], 122388);
      });
    });

    it('a table written to Parquet reads back with its rows, types and order (whole floats stay floats, big integers exact, NULLs kept)', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.insertRows('t', [
          { id: 3, big: 9007199254740993n, x: 2.5, label: 'c', empty: null },
          { id: 1, big: 1, x: 2, label: null, empty: null },
          { id: 2, big: -7, x: null, label: 'a,"b"', empty: null },
        ]);
        const file = path.join(dir, 'out.parquet');
        assert.deepEqual(await store.write(file, { table: 't' }), { rows: 3, withheld: 0 });
        await store.read(file, { table: 'back' });
        const types = (t: string) => store.describe(t).then((i) => i.columns.map((c) => [c.name, c.type]));
        assert.deepEqual(await types('back'), await types('t'));
        assert.deepEqual(await store.getTable('back'), await store.getTable('t'));
        // A query's rows, written with the writer named.
        assert.deepEqual(await store.write(path.join(dir, 'q.out'), { writer: 'parquet', query: 'SELECT id * 2 AS twice FROM t ORDER BY id' }), { rows: 3, withheld: 0 });
        await store.read(path.join(dir, 'q.out'), { reader: 'parquet', table: 'q' });
        assert.deepEqual(await store.getTable('q'), [{ twice: 2 }, { twice: 4 }, { twice: 6 }]);
      });
    });

    it('a Parquet file with a nested column is refused naming the file and the column, and the store is unchanged', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.insertRows('keep', [{ a: 1 }]);
        const before = await dumpStore(store);
        const file = path.join(dir, 'nested.parquet');
        await duckdb(`COPY (SELECT 1 AS id, [1, 2] AS tags) TO '${file}' (FORMAT parquet)`);
        const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
        assert.match(e.message, /nested\.parquet: column "tags" has the Parquet type INTEGER\[\], which no table cell holds/);
        const notParquet = path.join(dir, 'fake.pq');
        await duckdb(`COPY (SELECT 1 AS a) TO '${notParquet}' (FORMAT csv)`);
        assert.match((await rejectsWithCode(store.read(notParquet), 'E_BAD_INPUT')).message, /fake\.pq: not a Parquet file/);
        assert.deepEqual(await dumpStore(store), before);
      });
    });
  });
}
