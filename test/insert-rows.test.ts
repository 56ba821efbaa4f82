/**
 * `store.insertRows`: rows from a program take the path a file's rows take (type inference,
 * widening, units, all-or-nothing) and never reach a table the store keeps for itself.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FloatCell } from '../src/index.js';
import { BACKENDS, dumpStore, rejectsWithCode, removeTempDirs, withStore, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

for (const backend of BACKENDS) {
  describe(`insertRows on ${backend}`, () => {
    it('creates a table with the types read infers: integers, floats (FloatCell for whole ones), text, NULL', async () => {
      await withStore(backend, async ({ store }) => {
        const done = await store.insertRows('runs', [
          { id: 1, x: new FloatCell(2), name: 'a', note: null },
          { id: 2, x: 2.5, name: '7' },
        ]);
        assert.deepEqual(done, { table: 'runs', rows: 2 });
        const info = await store.describe('runs');
        assert.deepEqual(info.columns.map((c) => [c.name, c.type]), [['id', 'integer'], ['x', 'float'], ['name', 'text'], ['note', 'integer']]);
        assert.deepEqual(info.columns.map((c) => c.declaredType), [store.typeNames.integer, store.typeNames.float, store.typeNames.text, store.typeNames.integer]);
        assert.deepEqual(await store.getTable('runs'), [
          { id: 1, x: 2, name: 'a', note: null },
          { id: 2, x: 2.5, name: '7', note: null },
        ]);
      });
    });

    it('appends, adding new columns and widening an integer column that gets floats, as a repeated read does', async () => {
      await withStore(backend, async ({ store }) => {
        await store.insertRows('t', [{ a: 1 }]);
        await store.insertRows('t', [{ a: 1.5, b: 'x' }]);
        const info = await store.describe('t');
        assert.deepEqual(info.columns.map((c) => [c.name, c.type]), [['a', 'float'], ['b', 'text']]);
        assert.deepEqual(await store.getTable('t'), [{ a: 1, b: null }, { a: 1.5, b: 'x' }]);
      });
    });

    it('keeps the order `columns` gives, sanitises names as read does, and records units', async () => {
      await withStore(backend, async ({ store }) => {
        await store.insertRows('my table', [{ 'wind speed': 3, id: 1 }], { columns: ['id', 'wind speed'], units: { 'wind speed': 'm/s' } });
        assert.deepEqual(await store.getTable('my_table'), [{ id: 1, wind_speed: 3 }]);
        assert.deepEqual(await store.units(), [{ table: 'my_table', column: 'wind_speed', unit: 'm/s' }]);
        await rejectsWithCode(store.insertRows('my_table', [{ id: 2, wind_speed: 4 }], { units: { wind_speed: 'km/h' } }), 'E_UNIT_CONFLICT');
        assert.equal(await store.rowCount('my_table'), 1);
      });
    });

    it('refuses the tables the store keeps for itself (dsi_*, ml_*, any case, the database\'s own) with E_RESERVED', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'u.csv', 'a\n1\n'));
        const before = await dumpStore(store);
        for (const table of ['dsi_units', 'ML_runs', 'ml_new', 'runtable', 'x_datacard', 'sqlite_stat1']) {
          const e = await rejectsWithCode(store.insertRows(table, [{ a: 1 }]), 'E_RESERVED');
          assert.match(e.message, /keeps for itself/);
        }
        assert.deepEqual(await dumpStore(store), before);
      });
    });

    it('with newTable, refuses an existing table before writing anything', async () => {
      await withStore(backend, async ({ store }) => {
        await store.insertRows('t', [{ a: 1 }]);
        const e = await rejectsWithCode(store.insertRows('T', [{ a: 2 }], { newTable: true }), 'E_BAD_ARGUMENT');
        assert.match(e.message, /table "t" already exists/);
        assert.deepEqual(await store.getTable('t'), [{ a: 1 }]);
      });
    });

    it('refuses values no cell holds and rows that are not objects, naming row and column, before touching the store', async () => {
      await withStore(backend, async ({ store }) => {
        let e = await rejectsWithCode(store.insertRows('t', [{ a: 1 }, { a: { nested: true } as never }]), 'E_BAD_ARGUMENT');
        assert.match(e.message, /row 2, column "a": an object is not a value a cell holds/);
        e = await rejectsWithCode(store.insertRows('t', [[1, 2] as never]), 'E_BAD_ARGUMENT');
        assert.match(e.message, /row 1 must be an object/);
        e = await rejectsWithCode(store.insertRows('t', [{ a: 1, b: 2 }], { columns: ['a'] }), 'E_BAD_ARGUMENT');
        assert.match(e.message, /column "b" that columns does not list/);
        e = await rejectsWithCode(store.insertRows('t', []), 'E_BAD_ARGUMENT');
        assert.match(e.message, /no columns/);
        assert.deepEqual(await store.tables(), []);
      });
    });

    it('is all or nothing: a row the table\'s primary key refuses leaves the table as it was', async () => {
      await withStore(backend, async ({ store }) => {
        await store.applySchema(new Map([['k', { primaryKey: 'id', foreignKeys: [] }]]));
        await store.insertRows('k', [{ id: 1, v: 'a' }]);
        const e = await rejectsWithCode(store.insertRows('k', [{ id: 2, v: 'b' }, { id: 1, v: 'c' }]), 'E_BAD_INPUT');
        assert.match(e.message, /data row 2/);
        assert.deepEqual(await store.getTable('k'), [{ id: 1, v: 'a' }]);
      });
    });
  });
}
