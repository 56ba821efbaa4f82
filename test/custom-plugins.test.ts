/**
 * Readers and writers from a user's module: `dsi --plugin FILE` (repeatable) and `openStore`'s
 * `pluginModules` add a module's exports to the default plugins; a module that is missing, fails
 * to load or exports the wrong shape is refused with one line naming the file.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultPlugins, loadPlugins, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const plugins = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));
const kvModule = path.join(plugins, 'kv-reader.mjs');
const dir = tempDir('dsi-custom-plugins-');
after(removeTempDirs);

describe('custom plugin modules', () => {
  it('adds a module\'s reader after the default ones, chosen by its extension', async () => {
    const loaded = await loadPlugins([kvModule]);
    assert.equal(loaded.readers.length, defaultPlugins.readers.length + 1);
    assert.equal(loaded.readers.at(-1)!.name, 'kv');
    const store = await openStore(path.join(dir, 'lib.db'), { pluginModules: [kvModule] });
    try {
      await store.read(writeFile(dir, 'site.kv', 'site=lanl\nnodes=12\n'));
      assert.deepEqual(await store.getTable('kv'), [{ site: 'lanl', nodes: 12 }]);
    } finally {
      await store.close();
    }
  });

  it('dsi --plugin FILE read uses the module\'s reader', () => {
    const db = path.join(dir, 'cli.db');
    const r = runDsi(['--db', db, '--plugin', kvModule, 'read', '--reader', 'kv', '--table', 'site', writeFile(dir, 'other.txt', 'a=1\n')]);
    assert.equal(r.status, 0, r.stderr);
    const q = runDsi(['--db', db, 'query', '--json', 'SELECT * FROM site']);
    assert.deepEqual(JSON.parse(q.stdout), [{ a: 1 }]);
  });

  it('refuses a missing module, one that does not load, and one of the wrong shape, naming the file', async () => {
    await rejectsWithCode(loadPlugins([path.join(dir, 'absent.mjs')]), 'E_BAD_ARGUMENT');
    const broken = writeFile(dir, 'broken.mjs', 'export const readers = [;\n');
    let e = await rejectsWithCode(loadPlugins([broken]), 'E_BAD_INPUT');
    assert.match(e.message, /broken\.mjs: cannot load the plugin module: /);
    e = await rejectsWithCode(loadPlugins([path.join(plugins, 'bad-shape.mjs')]), 'E_BAD_INPUT');
    assert.match(e.message, /bad-shape\.mjs: readers\[0\] \("broken"\) has no read\(\) function/);
    e = await rejectsWithCode(loadPlugins([writeFile(dir, 'empty.mjs', 'export const x = 1;\n')]), 'E_BAD_INPUT');
    assert.match(e.message, /empty\.mjs: the plugin module exports no readers, writers or backends/);
    const r = runDsi(['--db', path.join(dir, 'cli.db'), '--plugin', broken, 'list']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dsi: .*broken\.mjs: cannot load the plugin module/);
  });
});
