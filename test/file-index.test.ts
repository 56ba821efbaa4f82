/**
 * The file index (`indexFiles`, `dsi index`): every file under a folder becomes a row of the
 * reserved table `filesystem` with the facts Python DSI's `Sync` records, a second run changes
 * only what changed, and an entry that cannot be read is a row with its reason, never a failure.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FILE_INDEX_TABLE, indexFiles } from '../src/index.js';
import { NAMESPACE_URL, uuid5 } from '../src/files/uuid5.js';
import { runDsi } from './helpers/cli-run.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, withStore } from './helpers/store-helpers.js';

after(removeTempDirs);

/** `dir/rel` with `text` in it, folders made. */
function put(dir: string, rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

describe('file index', () => {
  it('makes the same UUIDv5 as Python (uuid.uuid5(uuid.NAMESPACE_URL, path)), UTF-8 names included', () => {
    assert.equal(uuid5(NAMESPACE_URL, '/data/run1/a.png'), '69fc55bb-388b-5932-8808-7f2041a213db');
    assert.equal(uuid5(NAMESPACE_URL, '/tmp/é ü.txt'), 'e218f662-691d-5224-b597-f40dff74344d');
  });

  it('records path (relative to the store folder), size, ISO times, octal mode, owner and group, uuid and SHA-256', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const a = put(dir, 'data/a.txt', 'alpha');
      put(dir, 'data/sub/b.txt', 'be');
      fs.chmodSync(a, 0o640);
      const r = await indexFiles(store, path.join(dir, 'data'), { checksum: true });
      assert.deepEqual({ ...r, problems: r.problems.length }, { table: 'filesystem', root: 'data', added: 2, changed: 0, unchanged: 0, removed: 0, unreadable: 0, problems: 0 });
      const rows = await store.query(`SELECT * FROM ${FILE_INDEX_TABLE} ORDER BY file_origin`);
      assert.deepEqual(rows.map((x) => [x['file_origin'], x['root'], x['size'], x['sha256'], x['error']]), [
        ['data/a.txt', 'data', 5, sha('alpha'), null],
        ['data/sub/b.txt', 'data', 2, sha('be'), null],
      ]);
      const row = rows[0]!;
      const st = fs.statSync(a);
      assert.equal(row['uuid'], uuid5(NAMESPACE_URL, a));
      assert.equal(row['mode'], '0640');
      assert.equal(row['modified_time'], st.mtime.toISOString());
      assert.equal(row['created_time'], st.ctime.toISOString());
      assert.match(String(row['modified_time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(row['uid'], st.uid);
      assert.equal(row['gid'], st.gid);
      assert.equal(row['user_name'], st.uid === 0 ? 'root' : row['user_name']);
      assert.equal(typeof row['group_name'], 'string');
    });
  });

  it('a second run adds new files, updates and rehashes changed ones, keeps unchanged ones and removes vanished ones', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const data = path.join(dir, 'data');
      put(dir, 'data/keep.txt', 'same');
      put(dir, 'data/grow.txt', 'small');
      put(dir, 'data/gone.txt', 'bye');
      await indexFiles(store, data, { checksum: true });
      const keepBefore = await store.query(`SELECT * FROM filesystem WHERE file_origin = 'data/keep.txt'`);
      put(dir, 'data/grow.txt', 'much larger now');
      fs.rmSync(path.join(data, 'gone.txt'));
      put(dir, 'data/new/n.txt', 'new');
      const r = await indexFiles(store, data, { checksum: true });
      assert.deepEqual([r.added, r.changed, r.unchanged, r.removed, r.unreadable], [1, 1, 1, 1, 0]);
      const rows = await store.query('SELECT file_origin, size, sha256 FROM filesystem ORDER BY file_origin');
      assert.deepEqual(rows, [
        { file_origin: 'data/grow.txt', size: 15, sha256: sha('much larger now') },
        { file_origin: 'data/keep.txt', size: 4, sha256: sha('same') },
        { file_origin: 'data/new/n.txt', size: 3, sha256: sha('new') },
      ]);
      // The unchanged row was not rewritten at all.
      assert.deepEqual(await store.query(`SELECT * FROM filesystem WHERE file_origin = 'data/keep.txt'`), keepBefore);
      // Without checksums a changed file's old checksum is cleared, never left stale.
      put(dir, 'data/grow.txt', 'x');
      const again = await indexFiles(store, data);
      assert.deepEqual([again.added, again.changed, again.unchanged, again.removed], [0, 1, 2, 0]);
      assert.deepEqual(await store.query(`SELECT size, sha256 FROM filesystem WHERE file_origin = 'data/grow.txt'`), [{ size: 1, sha256: null }]);
    });
  });

  it('lists and records unreadable entries (broken link, link out of the folder) without failing, and indexes a link to a file inside', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const data = path.join(dir, 'data');
      put(dir, 'data/real.txt', 'r');
      put(dir, 'elsewhere.txt', 'outside');
      fs.symlinkSync('missing.txt', path.join(data, 'broken'));
      fs.symlinkSync(path.join(dir, 'elsewhere.txt'), path.join(data, 'escape'));
      fs.symlinkSync('real.txt', path.join(data, 'alias'));
      fs.symlinkSync(data, path.join(data, 'loop')); // a link to a folder is never descended (no cycle)
      const r = await indexFiles(store, data);
      assert.deepEqual([r.added, r.unreadable], [2, 2]);
      assert.deepEqual(
        r.problems.map((p) => p.path).sort(),
        ['data/broken', 'data/escape'],
      );
      assert.match(r.problems.find((p) => p.path === 'data/escape')!.error, /outside the indexed folder; not followed/);
      const rows = await store.query('SELECT file_origin, error FROM filesystem ORDER BY file_origin');
      assert.deepEqual(rows, [
        { file_origin: 'data/alias', error: null },
        { file_origin: 'data/broken', error: 'broken symbolic link' },
        { file_origin: 'data/escape', error: r.problems.find((p) => p.path === 'data/escape')!.error },
        { file_origin: 'data/real.txt', error: null },
      ]);
    });
  });

  it("indexing the store's own folder leaves out the store file and its companions", async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      put(dir, 'notes.txt', 'n');
      const r = await indexFiles(store, dir);
      assert.equal(r.root, '.');
      assert.deepEqual(await store.query('SELECT file_origin FROM filesystem'), [{ file_origin: 'notes.txt' }]);
    });
  });

  it('indexes a folder outside the store folder with absolute paths and root', async () => {
    const outside = tempDir('dsi-outside-');
    put(outside, 'x/y.txt', 'y');
    await withStore('sqlite', async ({ store }) => {
      const r = await indexFiles(store, outside);
      assert.equal(r.root, outside);
      assert.deepEqual(await store.query('SELECT file_origin, root FROM filesystem'), [{ file_origin: path.join(outside, 'x/y.txt'), root: outside }]);
    });
  });

  it('refuses a path that is not a folder with one line naming it, leaving the store unchanged; the index is a reserved table', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = put(dir, 'plain.txt', 'p');
      const before = await dumpStore(store);
      assert.match((await rejectsWithCode(indexFiles(store, file), 'E_BAD_ARGUMENT')).message, /plain\.txt is not a folder/);
      assert.match((await rejectsWithCode(indexFiles(store, path.join(dir, 'nope')), 'E_BAD_ARGUMENT')).message, /nope: it does not exist/);
      assert.deepEqual(await dumpStore(store), before);
      await indexFiles(store, dir);
      await rejectsWithCode(store.insertRows('filesystem', [{ file_origin: 'x' }]), 'E_RESERVED');
    });
  });

  it('dsi index DIR --json prints the counts and the unreadable entries', () => {
    const dir = tempDir();
    put(dir, 'd/one.txt', '1');
    fs.symlinkSync('nowhere', path.join(dir, 'd', 'dangling'));
    const db = path.join(dir, 'dsi.db');
    const run = runDsi(['--db', db, 'index', path.join(dir, 'd'), '--checksum', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { added: number; unreadable: number; problems: { path: string; error: string }[] };
    assert.deepEqual([out.added, out.unreadable, out.problems], [1, 1, [{ path: 'd/dangling', error: 'broken symbolic link' }]]);
    const plain = runDsi(['--db', db, 'index', path.join(dir, 'd')]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /filesystem\s+d\s+0\s+0\s+1\s+0\s+1/);
    assert.match(plain.stderr, /unreadable: d\/dangling: broken symbolic link/);
  });
});
