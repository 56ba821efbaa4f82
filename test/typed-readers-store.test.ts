/** Structured files through the store: the declared types and exact values their numbers get. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BACKENDS, removeTempDirs, withStore, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

for (const backend of BACKENDS) {
  describe(`typed readers into a store on ${backend}`, () => {
    it('JSON: 2.0 makes a FLOAT column, 9007199254740993 stays exact in an INTEGER column', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'runs.json', '[{"id": 9007199254740993, "x": 2.0}, {"id": 1, "x": 3}]'));
        const info = await store.describe('runs');
        assert.deepEqual(info.columns.map((c) => c.declaredType), [store.typeNames.integer, store.typeNames.float]);
        assert.deepEqual(await store.query('SELECT id, x FROM runs'), [
          { id: 9007199254740993n, x: 2 },
          { id: 1, x: 3 },
        ]);
        // How the values are stored, not only how the column is declared: as floats, so 3 / 2 is
        // 1.5 (stored as integers, it would be 1).
        assert.deepEqual(await store.query('SELECT x / 2 AS h FROM runs'), [{ h: 1 }, { h: 1.5 }]);
      });
    });

    it('YAML: an integer beyond 2^53 keeps every digit', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'big.yaml', '- id: 9223372036854775807\n  n: 5\n'));
        assert.deepEqual(await store.query('SELECT id, n FROM big'), [{ id: 9223372036854775807n, n: 5 }]);
      });
    });
  });
}
