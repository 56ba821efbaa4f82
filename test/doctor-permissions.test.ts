/**
 * `dsi doctor` reports a store, data folder or referenced file with unsafe permissions: world-
 * writable (folders without the sticky bit), or world-readable in a folder others may not read;
 * each finding names the path, the problem and the `chmod` that fixes it, and the fix works.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storePermissions } from '../src/cli/commands/doctor.js';
import { auditPermissions } from '../src/files/permission-audit.js';
import { openStore, type Store } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

let dir: string;
let db: string;
let store: Store;
/** A file a user table references, in a folder of its own. */
let shared: string;

before(async () => {
  dir = tempDir();
  fs.chmodSync(dir, 0o755);
  db = path.join(dir, 'dsi.db');
  store = await openStore(db);
  fs.mkdirSync(path.join(dir, 'images'), { mode: 0o750 });
  shared = path.join(dir, 'images', 'a.png');
  fs.writeFileSync(shared, 'png');
  await store.insertRows('runs', [{ run: 1, FILE_image: 'images/a.png' }, { run: 2, FILE_image: 'https://example.org/b.png' }]);
  fs.mkdirSync(path.join(store.dataFolder!, 'plots'), { recursive: true });
  fs.writeFileSync(path.join(store.dataFolder!, 'plots', 'p.png'), 'png');
  safe();
});

after(async () => {
  await store.close();
  removeTempDirs();
});

/** The store's paths as the store itself makes them: 0640 files, 0750 folders. */
function safe(): void {
  for (const f of [db, shared, path.join(store.dataFolder!, 'plots', 'p.png')]) fs.chmodSync(f, 0o640);
  for (const d of [store.dataFolder!, path.join(store.dataFolder!, 'plots'), path.join(dir, 'images')]) fs.chmodSync(d, 0o750);
}

async function findings(): Promise<string[]> {
  return (await auditPermissions(store)).findings.map((f) => `${path.relative(dir, f.path)} ${f.problem} ${f.fix.replace(dir + '/', '')}`);
}

describe('permission audit', () => {
  it('a store made with the store\'s own modes has no finding, and every kind of path was looked at', async () => {
    safe();
    const r = await auditPermissions(store);
    assert.deepEqual(r.findings, []);
    assert.equal(r.capped, false);
    assert.ok(r.checked >= 7, `store folder, store file, data folder, plots, p.png, images, a.png: ${r.checked}`);
  });

  it('world-writable: the store file, a file under the data folder, a referenced file; each with chmod o-w', async () => {
    safe();
    fs.chmodSync(db, 0o646);
    fs.chmodSync(path.join(store.dataFolder!, 'plots', 'p.png'), 0o642);
    fs.chmodSync(shared, 0o642);
    assert.deepEqual((await findings()).sort(), [
      'dsi.data/plots/p.png world-writable chmod o-w dsi.data/plots/p.png',
      'dsi.db world-writable chmod o-w dsi.db',
      'images/a.png world-writable chmod o-w images/a.png',
    ]);
  });

  it('a world-writable folder is found without the sticky bit and accepted with it', async () => {
    safe();
    fs.chmodSync(store.dataFolder!, 0o777);
    assert.deepEqual(await findings(), ['dsi.data world-writable-folder chmod o-w dsi.data']);
    fs.chmodSync(store.dataFolder!, 0o1777);
    assert.deepEqual(await findings(), []);
  });

  it('world-readable in a folder others may not read: the folder\'s privacy is a false promise; chmod o-r fixes it', async () => {
    safe();
    fs.chmodSync(shared, 0o644);
    fs.chmodSync(path.join(store.dataFolder!, 'plots'), 0o755);
    const r = await auditPermissions(store);
    assert.deepEqual((await findings()).sort(), [
      'dsi.data/plots world-readable-in-private-folder chmod o-r dsi.data/plots',
      'images/a.png world-readable-in-private-folder chmod o-r images/a.png',
    ]);
    assert.match(r.findings.find((f) => f.path === shared)!.message, /world-readable in .*images, a folder others may not read: the folder's privacy is a false promise/);
    // In a folder others may read, a world-readable file promises nothing it does not keep.
    fs.chmodSync(path.join(dir, 'images'), 0o755);
    assert.deepEqual((await findings()).filter((f) => f.startsWith('images')), []);
  });

  it('the walk and the sample stop at their limits and say so', async () => {
    safe();
    const r = await auditPermissions(store, { dataEntries: 1, referencedFiles: 1 });
    assert.equal(r.capped, true);
    assert.equal((await auditPermissions(store, { referencedFiles: 1 })).capped, false, 'one referenced path (the URL is not a file) fits a sample of one');
  });
});

describe('dsi doctor', () => {
  it('--json lists the findings under permissions; the text names path, problem and fix; exit 0 as for every warning; the fix clears it', async () => {
    safe();
    fs.chmodSync(db, 0o666);
    const json = runDsi(['--db', db, 'doctor', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { permissions: { store: string; checked: number; capped: boolean; findings: { path: string; problem: string; fix: string }[] } };
    assert.equal(report.permissions.store, db);
    assert.deepEqual(report.permissions.findings.map((f) => [f.path, f.problem, f.fix]), [[db, 'world-writable', `chmod o-w ${db}`]]);

    const text = runDsi(['--db', db, 'doctor']);
    assert.equal(text.status, 0, text.stderr);
    assert.ok(text.stdout.includes(`warning: ${db} is world-writable: anyone may change it; fix: chmod o-w ${db}\n`), text.stdout);
    assert.doesNotMatch(text.stdout, /^ok$/m);
    fs.chmodSync(db, 0o666 & ~0o002); // what `chmod o-w` does
    assert.deepEqual((await storePermissions(db, 'sqlite'))!.findings, []);
  });

  it('with no store at --db (or a server URL), reports none and creates none', async () => {
    const missing = path.join(dir, 'none.db');
    assert.equal(await storePermissions(missing, 'sqlite'), null);
    assert.equal(fs.existsSync(missing), false);
    assert.equal(await storePermissions('postgres://nobody@127.0.0.1:1/x', 'postgres'), null);
  });
});
