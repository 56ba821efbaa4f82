/**
 * The store assembled from plugins: the core opens with the plugins it is given and no others,
 * a caller's reader or backend plugs in without touching the core, and the core asks a backend
 * what it can do (capabilities, its own table names, typed errors), never which one it is.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Store, defaultPlugins, openStore } from '../src/index.js';
import type { Backend, Reader, StorePlugins } from '../src/index.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

/** A reader of `.kv` files: one `key=value` pair a line, one row. */
const kvReader: Reader = {
  name: 'kv',
  description: 'key=value lines, one row',
  extensions: ['.kv'],
  async read(file, context) {
    const { readFileSync } = await import('node:fs');
    const pairs = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('='));
    return {
      tables: [{
        table: context.tableName ?? path.basename(file, '.kv'),
        columns: pairs.map((p) => p[0]!),
        cells: 'text',
        file,
        async forEachBatch(consume) {
          await consume([pairs.map((p) => p[1]!)]);
        },
        async lineOfRow() {
          return undefined;
        },
      }],
      units: [],
    };
  },
};

/** The default SQLite backend, reporting other capabilities (its methods run on the real one). */
function withCapabilities(capabilities: Backend['capabilities']): StorePlugins['backends'][string] {
  return async (location, options) => {
    const real = await defaultPlugins.backends['sqlite']!(location, options);
    return new Proxy(real, {
      get(target, key) {
        if (key === 'capabilities') return capabilities;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
}

describe('a store assembled from plugins', () => {
  it('openStore uses the default plugins; Store.open without plugins is refused with E_BAD_ARGUMENT', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'a.db'));
    await store.read(writeFile(dir, 'r.csv', 'a\n1\n'));
    assert.deepEqual(await store.getTable('r'), [{ a: 1 }]);
    await store.close();
    const e = await rejectsWithCode(Store.open(path.join(dir, 'b.db'), {} as never), 'E_BAD_ARGUMENT');
    assert.match(e.message, /give the plugins/);
  });

  it('a caller\'s reader plugs in by name and by extension; a store without it does not know it', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'site.kv', 'x=1.5\nname=ridge\n');
    const plugins: StorePlugins = { ...defaultPlugins, readers: [...defaultPlugins.readers, kvReader] };
    const store = await openStore(path.join(dir, 'a.db'), { plugins });
    await store.read(file);
    await store.read(file, { reader: 'kv', table: 'again' });
    assert.deepEqual(await store.getTable('site'), [{ x: 1.5, name: 'ridge' }]);
    assert.deepEqual(await store.getTable('again'), [{ x: 1.5, name: 'ridge' }]);
    await store.close();

    const plain = await openStore(path.join(dir, 'b.db'));
    try {
      assert.match((await rejectsWithCode(plain.read(file), 'E_BAD_ARGUMENT')).message, /cannot tell the reader from "site.kv"/);
      assert.match((await rejectsWithCode(plain.read(file, { reader: 'kv' }), 'E_BAD_ARGUMENT')).message, /unknown reader "kv"/);
    } finally {
      await plain.close();
    }
  });

  it('a backend is chosen by the name the plugins give it; an unknown name is refused with E_BACKEND, listing the known', async () => {
    const dir = tempDir();
    const plugins: StorePlugins = { ...defaultPlugins, backends: { ...defaultPlugins.backends, embedded: defaultPlugins.backends['sqlite']! } };
    const store = await openStore(path.join(dir, 'a.db'), { plugins, backend: 'embedded' });
    await store.insertRows('t', [{ a: 1 }]);
    assert.deepEqual(await store.getTable('t'), [{ a: 1 }]);
    await store.close();
    const e = await rejectsWithCode(openStore(path.join(dir, 'b.db'), { backend: 'nosuchdb' }), 'E_BACKEND');
    assert.match(e.message, new RegExp(`unknown backend "nosuchdb"; available: ${Object.keys(defaultPlugins.backends).join(', ')}$`));
  });

  it('a backend that cannot roll back table changes opens read-only only (its capability is asked, not its name)', async () => {
    const dir = tempDir();
    const location = path.join(dir, 'a.db');
    await (await openStore(location)).close();
    const plugins: StorePlugins = { ...defaultPlugins, backends: { weak: withCapabilities({ supportsTransactionalDdl: false, isSingleFile: true, supportsCircularForeignKeys: true, supportsSavepoints: true, isSqliteFile: true }) } };
    const e = await rejectsWithCode(openStore(location, { plugins, backend: 'weak' }), 'E_BACKEND');
    assert.match(e.message, /cannot roll back table changes/);
    const readOnly = await openStore(location, { plugins, backend: 'weak', readOnly: true });
    assert.deepEqual(await readOnly.tables(), []);
    await readOnly.close();
  });

  it('relations that make a key of a column with duplicates are refused with E_SCHEMA, from the backend\'s E_UNIQUE', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'a.db'));
    try {
      await store.insertRows('p', [{ id: 1 }, { id: 1 }]);
      const e = await rejectsWithCode(store.applySchema(new Map([['p', { primaryKey: 'id', foreignKeys: [] }]])), 'E_SCHEMA');
      assert.match(e.message, /table "p" has duplicate values in a column the relations make a key/);
      assert.equal((await store.describe('p')).columns[0]!.primaryKey, false);
    } finally {
      await store.close();
    }
  });
});
