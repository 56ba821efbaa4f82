/**
 * Readers and writers from a user's module: `dsi --plugin FILE` (repeatable) and `openStore`'s
 * `pluginModules` add a module's exports to the default plugins; a module that is missing, fails
 * to load or exports the wrong shape is refused with one line naming the file. A TypeScript module
 * is bundled with its relative imports on any Node, through a temporary file that is always removed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultPlugins, loadPlugins, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const plugins = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));
const kvModule = path.join(plugins, 'kv-reader.mjs');
const tsFolder = path.join(plugins, 'kv-reader-ts');
const tsModule = path.join(tsFolder, 'index.ts');
/** Temporary bundles left in `folder` (there must be none once a load has finished). */
const leftovers = (folder: string): string[] => fs.readdirSync(folder).filter((f) => f.includes('.dsi-plugin-'));
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
    assert.deepEqual(JSON.parse(q.stdout), { rows: [{ a: 1 }], withheld: 0 });
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

  it('loads a TypeScript module with its relative imports, through the library and dsi --plugin, leaving no temporary file', async () => {
    const loaded = await loadPlugins([tsModule]);
    assert.equal(loaded.readers.at(-1)!.name, 'kvts');
    const store = await openStore(path.join(dir, 'ts.db'), { pluginModules: [tsModule] });
    try {
      await store.read(writeFile(dir, 'site.kvts', 'site=lanl\nnodes=12\n'));
      assert.deepEqual(await store.getTable('kvts'), [{ site: 'lanl', nodes: 12 }]);
      // the inline source map: an error thrown by the imported .ts file is located in it
      const error = await store.read(writeFile(dir, 'bad.kvts', 'site=lanl\nnodes\n')).then(() => undefined, (e: unknown) => e as Error);
      assert.match(error?.stack ?? '', /line 2 has no "="[^]*kv-reader-ts[/\\]parse-pairs\.ts:\d+/);
    } finally {
      await store.close();
    }
    const db = path.join(dir, 'ts-cli.db');
    const r = runDsi(['--db', db, '--plugin', tsModule, 'read', '--table', 'site', writeFile(dir, 'cli.kvts', 'a=1\n')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(runDsi(['--db', db, 'query', '--json', 'SELECT * FROM site']).stdout).rows, [{ a: 1 }]);
    assert.deepEqual(leftovers(tsFolder), []);
  });

  it('keeps a TypeScript module\'s package imports as imports, resolved from its own folder', async () => {
    const folder = path.join(dir, 'with-package');
    fs.mkdirSync(path.join(folder, 'node_modules', 'kv-name'), { recursive: true });
    writeFile(path.join(folder, 'node_modules', 'kv-name'), 'package.json', JSON.stringify({ name: 'kv-name', type: 'module', exports: './index.js' }));
    writeFile(path.join(folder, 'node_modules', 'kv-name'), 'index.js', "export const readerName = 'from-package';\n");
    const module = writeFile(folder, 'plugin.mts', [
      "import { readerName } from 'kv-name';",
      'export const readers = [{ name: readerName as string, description: "d", read: async () => ({ tables: [], units: [] }) }];',
      '',
    ].join('\n'));
    const loaded = await loadPlugins([module]);
    assert.equal(loaded.readers.at(-1)!.name, 'from-package');
    assert.deepEqual(leftovers(folder), []);
  });

  it('refuses a TypeScript module with a syntax error in one line naming the file and line', async () => {
    const broken = writeFile(dir, 'broken.ts', 'import type { Reader } from "dsi-ts";\nexport const readers: Reader[] = [;\n');
    const e = await rejectsWithCode(loadPlugins([broken]), 'E_BAD_INPUT');
    assert.match(e.message, /broken\.ts:2: cannot compile the TypeScript plugin module: Unexpected ";"$/);
    assert.equal(e.message.split('\n').length, 1);
    const r = runDsi(['--db', path.join(dir, 'cli.db'), '--plugin', broken, 'list']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^dsi: .*broken\.ts:2: cannot compile the TypeScript plugin module/);
    assert.deepEqual(leftovers(dir), []);
  });
});
