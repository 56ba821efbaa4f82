/**
 * `moveFiles` / `dsi move`: the indexed files go to another folder with their layout, every copy
 * is verified by SHA-256 before anything is removed, the index and every `FILE…` cell switch to
 * the new paths in one transaction, and a failure at any point (a copy that cannot be written, a
 * copy that differs, `kill -9`) leaves every file in at least one place and the store naming it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { type Store, indexFiles, moveFiles, openStore, recoverMove } from '../src/index.js';
import { NAMESPACE_URL, uuid5 } from '../src/files/uuid5.js';
import { runDsi } from './helpers/cli-run.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, withStore } from './helpers/store-helpers.js';

after(removeTempDirs);

const FILES: Readonly<Record<string, string>> = { 'data/a.txt': 'alpha', 'data/sub/b.txt': 'bravo!', 'data/sub/deep/c.txt': 'charlie' };
const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** The three files under `dir/data`, indexed (with checksums when asked), and a user table naming two of them. */
async function prepare(store: Store, dir: string, checksum = true): Promise<void> {
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.chmodSync(path.join(dir, 'data/a.txt'), 0o600);
  await store.insertRows('runs', [
    { run: 1, FILE_out: 'data/a.txt' },
    { run: 2, FILE_out: path.join(dir, 'data/sub/b.txt') },
    { run: 3, FILE_out: 'https://example.org/data/a.txt' },
  ]);
  await indexFiles(store, path.join(dir, 'data'), { checksum });
}

/** The invariant after a failed move: every source as it was, no copy left, the store unchanged, no journal. */
async function assertNothingMoved(store: Store, dir: string, dest: string, before: unknown): Promise<void> {
  for (const [rel, text] of Object.entries(FILES)) assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), text, rel);
  const left = fs.existsSync(dest) ? fs.readdirSync(dest, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dest, f)).isFile()) : [];
  assert.deepEqual(left, []);
  assert.deepEqual(await dumpStore(store), before);
  assert.equal(fs.existsSync(path.join(store.dataFolder!, 'move-journal.json')), false);
}

/** The state after a finished move into `dest`. */
async function assertMoved(store: Store, dir: string, dest: string): Promise<void> {
  for (const [rel, text] of Object.entries(FILES)) {
    assert.equal(fs.existsSync(path.join(dir, rel)), false, `${rel} still at its source`);
    assert.equal(fs.readFileSync(path.join(dest, rel), 'utf8'), text);
  }
  const rows = await store.query('SELECT uuid, file_origin, root, sha256 FROM filesystem ORDER BY file_origin');
  assert.deepEqual(
    rows,
    Object.keys(FILES).sort().map((rel) => ({ uuid: uuid5(NAMESPACE_URL, path.join(dest, rel)), file_origin: path.relative(dir, path.join(dest, rel)), root: path.relative(dir, path.join(dest, 'data')), sha256: sha(FILES[rel]!) })),
  );
  assert.deepEqual((await store.getTable('runs')).map((r) => r['FILE_out']), [
    path.relative(dir, path.join(dest, 'data/a.txt')),
    path.join(dest, 'data/sub/b.txt'),
    'https://example.org/data/a.txt',
  ]);
  assert.equal(fs.existsSync(path.join(store.dataFolder!, 'move-journal.json')), false);
}

describe('file move', () => {
  it('moves with the layout kept, mode and times kept, index and FILE cells switched, sources and their emptied folders removed', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await prepare(store, dir, false); // no checksums in the index: the sources are hashed
      const mtime = fs.statSync(path.join(dir, 'data/a.txt')).mtimeMs;
      const dest = path.join(dir, 'archive');
      const r = await moveFiles(store, dest);
      assert.deepEqual(r, { moved: 3, bytes: 18, alreadyThere: 0, skipped: 0, rewritten: 2, notRemoved: [] });
      await assertMoved(store, dir, dest);
      const st = fs.statSync(path.join(dest, 'data/a.txt'));
      assert.equal(st.mode & 0o777, 0o600);
      assert.ok(Math.abs(st.mtimeMs - mtime) < 0.01, `mtime ${st.mtimeMs} vs ${mtime}`);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'data')), []); // emptied folders go, the indexed one stays
      // Again: everything is already there.
      assert.deepEqual(await moveFiles(store, dest), { moved: 0, bytes: 0, alreadyThere: 3, skipped: 0, rewritten: 0, notRemoved: [] });
    });
  });

  for (const [name, hooks] of [
    ['a folder in the way of a target, appearing midway', (dest: string) => ({
      beforeCopy: ({ to }: { to: string }) => {
        if (to.endsWith('sub/b.txt')) fs.mkdirSync(path.join(dest, 'data/sub/b.txt'), { recursive: true });
      },
    })],
    ['a destination that refuses writes midway (permission denied)', () => ({
      beforeCopy: ({ to }: { to: string }) => {
        if (to.endsWith('sub/b.txt')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    })],
  ] as const) {
    it(`${name}: fails naming the file, with every source in place, no copy left and the store unchanged`, async () => {
      await withStore('sqlite', async ({ store, dir }) => {
        await prepare(store, dir);
        const before = await dumpStore(store);
        const dest = path.join(dir, 'archive');
        const e = await rejectsWithCode(moveFiles(store, dest, { hooks: hooks(dest) }), 'E_FILE');
        assert.match(e.message, /data\/sub\/b\.txt.*nothing was moved/);
        if (fs.existsSync(path.join(dest, 'data/sub/b.txt'))) fs.rmdirSync(path.join(dest, 'data/sub/b.txt'));
        await assertNothingMoved(store, dir, dest, before);
      });
    });
  }

  it('a copy whose SHA-256 differs from its source fails the move before anything is removed', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await prepare(store, dir);
      const before = await dumpStore(store);
      const dest = path.join(dir, 'archive');
      const e = await rejectsWithCode(moveFiles(store, dest, { hooks: { afterCopy: ({ copy }) => fs.appendFileSync(copy, 'x') } }), 'E_FILE');
      assert.match(e.message, /does not match it \(SHA-256/);
      await assertNothingMoved(store, dir, dest, before);
    });
  });

  it('refuses before copying anything: an existing target, a file changed since indexing, a file the run registry references, no index', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await rejectsWithCode(moveFiles(store, path.join(dir, 'x')), 'E_TABLE_MISSING');
      await prepare(store, dir);
      const dest = path.join(dir, 'archive');
      fs.mkdirSync(path.join(dest, 'data'), { recursive: true });
      fs.writeFileSync(path.join(dest, 'data/a.txt'), 'someone else');
      assert.match((await rejectsWithCode(moveFiles(store, dest), 'E_BAD_ARGUMENT')).message, /archive\/data\/a\.txt already exists/);
      fs.rmSync(dest, { recursive: true });
      fs.appendFileSync(path.join(dir, 'data/sub/deep/c.txt'), 'more');
      assert.match((await rejectsWithCode(moveFiles(store, dest), 'E_BAD_ARGUMENT')).message, /changed since it was indexed/);
      fs.writeFileSync(path.join(dir, 'data/sub/deep/c.txt'), FILES['data/sub/deep/c.txt']!);
      await store.managedTables().transaction(async (tx) => {
        await tx.ensure({ name: 'ml_runs', columns: [{ name: 'run_id', type: 'text' }, { name: 'FILE_checkpoint', type: 'text' }] });
        await tx.insert('ml_runs', [{ run_id: 'r1', FILE_checkpoint: 'data/sub/b.txt' }]);
      });
      const before = await dumpStore(store);
      assert.match((await rejectsWithCode(moveFiles(store, dest), 'E_BAD_ARGUMENT')).message, /referenced by ml_runs\.FILE_checkpoint/);
      await assertNothingMoved(store, dir, dest, before);
    });
  });

  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/move-killed-child.js');
  for (const when of ['copy', 'commit'] as const) {
    it(`kill -9 during the ${when === 'copy' ? 'copies' : 'removal of the sources'}: every file stays somewhere, and the next move ${when === 'copy' ? 'rolls back, then moves' : 'finishes it'}`, async () => {
      const dir = tempDir();
      const db = path.join(dir, 'dsi.db');
      const dest = path.join(dir, 'archive');
      let store = await openStore(db);
      await prepare(store, dir);
      await store.close();
      const killed = spawnSync(process.execPath, [child, db, dest, when], { encoding: 'utf8' });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      // Each file is at its source or complete at its target (or both).
      for (const [rel, text] of Object.entries(FILES)) {
        const places = [path.join(dir, rel), path.join(dest, rel)].filter((p) => fs.existsSync(p));
        assert.ok(places.length > 0, `${rel} is nowhere`);
        for (const p of places) assert.equal(fs.readFileSync(p, 'utf8'), text);
      }
      store = await openStore(db);
      try {
        const r = await moveFiles(store, dest);
        assert.equal(r.recovered?.outcome, when === 'copy' ? 'rolled back' : 'finished');
        assert.equal(r.moved, when === 'copy' ? 3 : 0);
        await assertMoved(store, dir, dest);
      } finally {
        await store.close();
      }
    });
  }

  it('a move killed after its copies were verified but before the switch is switched by recoverMove', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await prepare(store, dir);
      const dest = path.join(dir, 'archive');
      // What a process killed between the journal's `copied` and the transaction leaves behind.
      const rows = await store.query('SELECT uuid, file_origin, sha256 FROM filesystem');
      const files = rows.map((r) => {
        const from = path.join(dir, String(r['file_origin']));
        const to = path.join(dest, String(r['file_origin']));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(from, to);
        return { uuid: r['uuid'], from, to, root: path.join(dest, 'data'), size: fs.statSync(from).size, sha256: r['sha256'] };
      });
      fs.mkdirSync(store.dataFolder!, { recursive: true });
      fs.writeFileSync(path.join(store.dataFolder!, 'move-journal.json'), JSON.stringify({ format: 1, state: 'copied', dest, files }));
      assert.deepEqual(await recoverMove(store), { outcome: 'finished', files: 3, notRemoved: [] });
      await assertMoved(store, dir, dest);
      assert.equal(await recoverMove(store), undefined);
    });
  });

  it('dsi move --to DEST --json moves and reports', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd/f.txt'), 'f');
    const db = path.join(dir, 'dsi.db');
    assert.equal(runDsi(['--db', db, 'index', path.join(dir, 'd')]).status, 0);
    const run = runDsi(['--db', db, 'move', '--to', path.join(dir, 'out'), '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { moved: 1, bytes: 1, alreadyThere: 0, skipped: 0, rewritten: 0, notRemoved: [] });
    assert.equal(fs.readFileSync(path.join(dir, 'out/d/f.txt'), 'utf8'), 'f');
    const missing = runDsi(['--db', db, 'move']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--to/);
  });
});
