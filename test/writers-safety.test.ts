/**
 * An export never destroys what it exports from: the writers refuse a target that is the store,
 * its -wal/-shm/-journal files, its data folder (or a path inside it), or a file or folder that
 * the written rows reference, compared by real path, with an E_UNSAFE_PATH error naming what would
 * be lost; the target and the store are left exactly as they were. The Cinema writer copies only
 * files inside the store's folder unless allow_outside=true.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openStore } from '../src/index.js';
import { writeImage } from './helpers/image-fixtures.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');

function dsi(db: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, '--db', db, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A store `s.db` with table `t` (two rows) and a Cinema database `runs.cdb` read into table `runs`. */
async function exportable(): Promise<{ dir: string; db: string; cdb: string }> {
  const dir = tempDir('dsi-writers-');
  const db = path.join(dir, 's.db');
  fs.writeFileSync(path.join(dir, 't.csv'), 'a,b\n1,x\n2,y\n');
  const cdb = path.join(dir, 'runs.cdb');
  fs.mkdirSync(path.join(cdb, 'img'), { recursive: true });
  await writeImage(path.join(cdb, 'img', 'a.png'), new Uint8Array(4).fill(3), 2, 2, 1);
  await writeImage(path.join(cdb, 'img', 'b.png'), new Uint8Array(4).fill(7), 2, 2, 1);
  fs.writeFileSync(path.join(cdb, 'data.csv'), 'theta,FILE\n0,img/a.png\n90,img/b.png\n');
  const store = await openStore(db);
  try {
    await store.read(path.join(dir, 't.csv'), { table: 't' });
    await store.read(cdb, { table: 'runs' });
  } finally {
    await store.close();
  }
  return { dir, db, cdb };
}

/** Every file under `folder` with its bytes, for "left exactly as it was" checks. */
function snapshot(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(folder, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(folder);
  return out;
}

describe('writers never replace the store', () => {
  it('dsi write s.db --writer csv is refused naming the store; the store still opens with its rows', async () => {
    const { db } = await exportable();
    const r = dsi(db, 'write', db, '--writer', 'csv', '--table', 't');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `dsi: cannot write ${db}: replacing it would destroy the store ${db}; write the export elsewhere\n`);
    const store = await openStore(db, { readOnly: true });
    try {
      assert.deepEqual((await store.getTable('t')).map((row) => row['a']), [1, 2]);
    } finally {
      await store.close();
    }
    assert.ok(!fs.readdirSync(path.dirname(db)).some((n) => n.includes('.tmp-')), 'no temporary file left');
  });

  it('the -wal, -shm and -journal files, a symlink to the store, and the folder holding it are refused too', async () => {
    const { dir, db } = await exportable();
    const store = await openStore(db);
    try {
      for (const suffix of ['-wal', '-shm', '-journal']) {
        const e = await rejectsWithCode(store.write(`${db}${suffix}`, { table: 't', writer: 'csv' }), 'E_UNSAFE_PATH');
        assert.match(e.message, new RegExp(`would destroy the store .*s\\.db \\(its ${suffix.slice(1)} file\\)`));
      }
      fs.symlinkSync(db, path.join(dir, 'link.csv'));
      const link = await rejectsWithCode(store.write(path.join(dir, 'link.csv'), { table: 't' }), 'E_UNSAFE_PATH');
      assert.match(link.message, /link\.csv: replacing it would destroy the store/);
      const holder = path.join(tempDir('dsi-writers-holder-'), 'holder.cdb');
      fs.symlinkSync(dir, holder);
      await rejectsWithCode(store.write(holder, { table: 't' }), 'E_UNSAFE_PATH');
      assert.deepEqual((await store.getTable('t')).length, 2);
    } finally {
      await store.close();
    }
  });

  it("the data folder, and any path inside it, are refused: that folder holds the store's own files", async () => {
    const { dir, db } = await exportable();
    const data = path.join(dir, 's.data');
    fs.mkdirSync(path.join(data, 'ml'), { recursive: true });
    fs.writeFileSync(path.join(data, 'ml', 'keep.txt'), 'checkpoint');
    const store = await openStore(db);
    try {
      const e = await rejectsWithCode(store.write(data, { table: 't', writer: 'csv' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /would destroy the store's data folder .*s\.data/);
      const inside = await rejectsWithCode(store.write(path.join(data, 'ml', 'keep.txt'), { table: 't', writer: 'csv' }), 'E_UNSAFE_PATH');
      assert.match(inside.message, /is inside the store's data folder .*s\.data, which holds the store's own files/);
      assert.equal(fs.readFileSync(path.join(data, 'ml', 'keep.txt'), 'utf8'), 'checkpoint');
    } finally {
      await store.close();
    }
  });
});

describe('writers never replace what the rows reference', () => {
  it('dsi write runs.cdb over the database the table was read from is refused; its images stay', async () => {
    const { db, cdb } = await exportable();
    const before = snapshot(cdb);
    const r = dsi(db, 'write', cdb, '--table', 'runs');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: cannot write .*runs\.cdb: replacing it would destroy runs\.cdb\/img\/a\.png, which row 1 of the export references in FILE; write the export elsewhere\n$/);
    assert.deepEqual(snapshot(cdb), before);
    assert.ok(!fs.readdirSync(path.dirname(cdb)).some((n) => n.startsWith('runs.cdb.')), 'no temporary folder left');
  });

  it('a CSV export onto a file a row references is refused; the file keeps its bytes', async () => {
    const { db, cdb } = await exportable();
    const image = path.join(cdb, 'img', 'b.png');
    const bytes = fs.readFileSync(image);
    const store = await openStore(db);
    try {
      const e = await rejectsWithCode(store.write(image, { table: 'runs', writer: 'csv' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /replacing it would destroy runs\.cdb\/img\/b\.png, which row 2 of the export references in FILE/);
      assert.deepEqual(fs.readFileSync(image), bytes);
      const out = path.join(path.dirname(db), 'runs.csv');
      assert.deepEqual(await store.write(out, { table: 'runs' }), { rows: 2, withheld: 0 });
      assert.equal(fs.readFileSync(out, 'utf8'), 'theta,FILE\n0,runs.cdb/img/a.png\n90,runs.cdb/img/b.png\n');
    } finally {
      await store.close();
    }
  });

  it('a CSV export onto a folder is refused with a clear error, not a driver message', async () => {
    const { dir, db } = await exportable();
    fs.mkdirSync(path.join(dir, 'somewhere.csv'));
    const r = dsi(db, 'write', path.join(dir, 'somewhere.csv'), '--table', 't');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `dsi: ${path.join(dir, 'somewhere.csv')}: is a folder, not a file\n`);
  });
});

describe('Cinema exports copy only files inside the store folder', () => {
  it('a FILE value that leaves the store folder (.., absolute, symlink) is refused unless allow_outside=true', async () => {
    const { dir, db } = await exportable();
    const elsewhere = tempDir('dsi-writers-outside-');
    fs.writeFileSync(path.join(elsewhere, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(elsewhere, 'secret.txt'), path.join(dir, 'innocent.png'));
    const store = await openStore(db);
    try {
      const values = [path.relative(dir, path.join(elsewhere, 'secret.txt')), path.join(elsewhere, 'secret.txt'), 'innocent.png'];
      for (const [i, value] of values.entries()) {
        fs.writeFileSync(path.join(dir, 'leak.csv'), `FILE,n\n${value},1\n`);
        await store.read(path.join(dir, 'leak.csv'), { table: `leak${i}` });
        const out = path.join(dir, 'leak.cdb');
        const e = await rejectsWithCode(store.write(out, { table: `leak${i}` }), 'E_UNSAFE_PATH');
        assert.ok(e.message.startsWith(`row 1's FILE "${value}" must stay inside ${dir}`), e.message);
        assert.match(e.message, /allow_outside=true/);
        assert.ok(!fs.readdirSync(dir).some((n) => n.startsWith('leak.cdb')), 'no export and no temporary folder');
      }
      fs.writeFileSync(path.join(dir, 'leak.csv'), `FILE,n\n${path.join(elsewhere, 'secret.txt')},1\n`);
      await store.read(path.join(dir, 'leak.csv'), { table: 'allowed' });
      await rejectsWithCode(store.write(path.join(dir, 'x.cdb'), { table: 'allowed', writerOptions: { allow_outside: 'yes' } }), 'E_BAD_ARGUMENT');
      await store.write(path.join(dir, 'ok.cdb'), { table: 'allowed', writerOptions: { allow_outside: 'true' } });
      assert.equal(fs.readFileSync(path.join(dir, 'ok.cdb', 'external', '1-secret.txt'), 'utf8'), 'secret');
    } finally {
      await store.close();
    }
  });
});
