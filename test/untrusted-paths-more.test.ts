/**
 * What the store's files must survive: an export written over a Cinema database that any table
 * (not only the rows written) points into is refused, naming that table and column; table and
 * split names never share a data folder nor take one the store keeps for itself; deleting a run
 * counts the runs whose training query selected its predictions; and every prediction call, and
 * every delete, sweeps what killed prediction calls left in any run's folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Store, openStore } from '../src/index.js';
import { RunRegistry, predictGan, trainGan } from '../src/ml/index.js';
import { THIS_HOST } from '../src/atomic-write.js';
import { folderForName } from '../src/store/data-folder-names.js';
import { type CraftedRun, writeCraftedRegistry } from './helpers/crafted-registry.js';
import { filesUnder, writeIdxPair, writeImage } from './helpers/image-fixtures.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');

function dsi(db: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, '--db', db, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bytes of every file under `dir`, by relative path. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

/** A process id that no longer exists (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' });
  return r.pid!;
}

describe('writing over files that any table of the store points at', () => {
  /** A store with a Cinema database out.cdb read back as table `cin`, and a table `pics` of other images. */
  async function cinemaStore(): Promise<{ dir: string; db: string; store: Store; cdb: string }> {
    const dir = tempDir('dsi-more-cdb-');
    fs.mkdirSync(path.join(dir, 'img'));
    await writeImage(path.join(dir, 'img', 'a.png'), new Uint8Array(4).fill(10), 2, 2, 1);
    await writeImage(path.join(dir, 'img', 'b.png'), new Uint8Array(4).fill(20), 2, 2, 1);
    fs.writeFileSync(path.join(dir, 'pics.csv'), 'theta,FILE\n0,img/a.png\n1,img/b.png\n');
    fs.writeFileSync(path.join(dir, 'plain.csv'), 'x,y\n1,2\n');
    const db = path.join(dir, 's.db');
    const store = await openStore(db);
    await store.read(path.join(dir, 'pics.csv'), { table: 'pics' });
    await store.read(path.join(dir, 'plain.csv'), { table: 'plain' });
    const cdb = path.join(dir, 'out.cdb');
    await store.write(cdb, { table: 'pics' });
    await store.read(cdb, { reader: 'cinema', table: 'cin' });
    return { dir, db, store, cdb };
  }

  it("a Cinema export of another table over the database a table was read from is refused, naming that table and column; the database stays", async () => {
    const { store, cdb } = await cinemaStore();
    try {
      const before = contents(cdb);
      assert.ok(Object.keys(before).includes('img/a.png'));
      const e = await rejectsWithCode(store.write(cdb, { table: 'pics', writer: 'cinema' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /^cannot write .*out\.cdb: replacing it would destroy out\.cdb\/img\/a\.png, which table "cin" of the store references in FILE; write the export elsewhere$/);
      const plain = await rejectsWithCode(store.write(cdb, { table: 'plain', writer: 'cinema' }), 'E_UNSAFE_PATH');
      assert.match(plain.message, /table "cin" of the store references in FILE/);
      assert.deepEqual(contents(cdb), before, 'every file of the database is as it was');
      assert.ok(!fs.readdirSync(path.dirname(cdb)).some((n) => n.includes('.dsi-tmp-')), 'no temporary left');
    } finally {
      await store.close();
    }
  });

  it('a CSV export over a file another table references is refused; a new name and an unreferenced target are written', async () => {
    const { dir, store, cdb } = await cinemaStore();
    try {
      const image = path.join(cdb, 'img', 'b.png');
      const bytes = fs.readFileSync(image);
      const e = await rejectsWithCode(store.write(image, { table: 'plain', writer: 'csv' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /would destroy out\.cdb\/img\/b\.png, which table "cin" of the store references in FILE/);
      assert.deepEqual(fs.readFileSync(image), bytes);
      const fresh = path.join(dir, 'fresh.cdb');
      await store.write(fresh, { table: 'plain', writer: 'cinema' });
      await store.write(fresh, { table: 'plain', writer: 'cinema' });
      assert.equal(fs.readFileSync(path.join(fresh, 'data.csv'), 'utf8'), 'x,y\n1,2\n');
    } finally {
      await store.close();
    }
  });

  it('a FILE value that reaches the target through a symlinked folder or ../ counts too (any case of the column name)', async () => {
    const dir = tempDir('dsi-more-link-');
    const target = path.join(dir, 'target.cdb');
    fs.mkdirSync(path.join(target, 'img'), { recursive: true });
    fs.writeFileSync(path.join(target, 'img', 'a.png'), 'image');
    fs.writeFileSync(path.join(target, 'data.csv'), 'FILE\nimg/a.png\n');
    fs.symlinkSync(target, path.join(dir, 'alias'));
    fs.writeFileSync(path.join(dir, 'viaLink.csv'), 'n,file_path\n1,alias/img/a.png\n');
    const target2 = path.join(dir, 'target2.cdb');
    fs.mkdirSync(path.join(target2, 'img'), { recursive: true });
    fs.writeFileSync(path.join(target2, 'img', 'a.png'), 'image');
    fs.writeFileSync(path.join(target2, 'data.csv'), 'FILE\nimg/a.png\n');
    fs.writeFileSync(path.join(dir, 'viaDots.csv'), 'n,FILE\n1,sub/../target2.cdb/img/a.png\n');
    fs.writeFileSync(path.join(dir, 'plain.csv'), 'x\n1\n');
    const store = await openStore(path.join(dir, 's.db'));
    try {
      await store.read(path.join(dir, 'plain.csv'), { table: 'plain' });
      await store.read(path.join(dir, 'viaLink.csv'), { table: 'vialink' });
      const e = await rejectsWithCode(store.write(target, { table: 'plain', writer: 'cinema' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /alias\/img\/a\.png, which table "vialink" of the store references in file_path/);
      await store.read(path.join(dir, 'viaDots.csv'), { table: 'viadots' });
      const dots = await rejectsWithCode(store.write(target2, { table: 'plain', writer: 'cinema' }), 'E_UNSAFE_PATH');
      assert.match(dots.message, /sub\/\.\.\/target2\.cdb\/img\/a\.png, which table "viadots"/);
      assert.equal(fs.readFileSync(path.join(target, 'img', 'a.png'), 'utf8'), 'image');
      assert.equal(fs.readFileSync(path.join(target2, 'img', 'a.png'), 'utf8'), 'image');
    } finally {
      await store.close();
    }
  });
});

describe('data folders of table and split names', () => {
  it('a name that is a plain folder name keeps it; any other name, and every reserved one, gets a hashed folder of its own', () => {
    assert.equal(folderForName('mnist'), 'mnist');
    assert.equal(folderForName('fashion_mnist'), 'fashion_mnist');
    assert.equal(folderForName('train'), 'train');
    const names = ['a/b', 'a_b', 'a b', 'A_B', '.', '..', '', '.cache', '.staging', 'ml', 'ML', '.hidden'];
    const folders = names.map(folderForName);
    assert.equal(new Set(folders).size, names.length, `all different: ${folders.join(' ')}`);
    for (const [i, f] of folders.entries()) {
      if (names[i] === 'a_b') continue;
      assert.match(f, /^[a-z0-9_-]+\.[0-9a-f]{10}$/, `${JSON.stringify(names[i])} → ${f}`);
    }
    assert.equal(folderForName('a/b'), folderForName('a/b'), 'the same name always gets the same folder');
  });

  it("tables a/b and a_b get different folders: reading the second leaves the first one's PNGs as they were", async () => {
    const dir = tempDir('dsi-more-idx-');
    const first = writeIdxPair(path.join(dir), 'train', 3, 4, 4);
    fs.mkdirSync(path.join(dir, 'two'));
    const second = writeIdxPair(path.join(dir, 'two'), 'train', 3, 4, 4);
    // A different image set for the second table.
    fs.writeFileSync(second.images, Buffer.concat([fs.readFileSync(second.images).subarray(0, 16), Buffer.alloc(48, 255)]));
    const db = path.join(dir, 's.db');
    const store = await openStore(db);
    try {
      await store.read(first.images, { reader: 'idx', table: 'a/b', readerOptions: { labels: first.labels } });
      const files = (await store.query('SELECT FILE FROM "a/b" ORDER BY id')).map((r) => String(r['FILE']));
      const before = files.map((f) => fs.readFileSync(path.join(dir, f)).toString('base64'));
      await store.read(second.images, { reader: 'idx', table: 'a_b', readerOptions: { labels: second.labels } });
      const others = (await store.query('SELECT FILE FROM a_b ORDER BY id')).map((r) => String(r['FILE']));
      assert.deepEqual(others, ['s.data/a_b/train/000001.png', 's.data/a_b/train/000002.png', 's.data/a_b/train/000003.png']);
      assert.ok(files.every((f) => !others.includes(f)), `${files.join(' ')} vs ${others.join(' ')}`);
      assert.deepEqual(files.map((f) => fs.readFileSync(path.join(dir, f)).toString('base64')), before, "a/b's images are unchanged");
    } finally {
      await store.close();
    }
  });

  it('splits . and .. get different folders; tables .cache and ml stay out of the cache and the run registry', async () => {
    const dir = tempDir('dsi-more-reserved-');
    const pair = writeIdxPair(dir, 'train', 2, 4, 4);
    const store = await openStore(path.join(dir, 's.db'));
    try {
      await store.read(pair.images, { reader: 'idx', table: 'digits', readerOptions: { split: '.' } });
      await store.read(pair.images, { reader: 'idx', table: 'digits', readerOptions: { split: '..' } });
      const folders = (await store.query('SELECT FILE FROM digits ORDER BY id')).map((r) => path.posix.dirname(String(r['FILE'])));
      assert.equal(new Set(folders).size, 2, folders.join(' '));
      await store.read(pair.images, { reader: 'idx', table: '.cache' });
      await store.read(pair.images, { reader: 'idx', table: 'ml' });
      for (const t of ['.cache', 'ml']) {
        const file = String((await store.query(`SELECT FILE FROM "${t}" LIMIT 1`))[0]!['FILE']);
        const top = file.split('/')[1]!;
        assert.ok(!['.cache', 'ml', '.staging'].includes(top) && !top.startsWith('.'), `${t} → ${file}`);
      }
      assert.ok(!fs.existsSync(path.join(dir, 's.data', 'ml')) && !fs.existsSync(path.join(dir, 's.data', '.cache')));
    } finally {
      await store.close();
    }
  });
});

describe('runs whose training query selected another run’s predictions', () => {

  /** A store whose run R has one prediction on disk, and other runs with the given training queries. */
  async function queryStore(runs: readonly CraftedRun[]): Promise<{ db: string; data: string }> {
    const dir = tempDir('dsi-more-deps-');
    const db = path.join(dir, 's.db');
    const { data } = await writeCraftedRegistry(db, [{ run_id: 'R', data_query: 'SELECT FILE FROM pics' }, ...runs], [
      { prediction_id: 'p-1', run_id: 'R', FILE: 's.data/ml/R/predictions/c1/000000.png' },
      { prediction_id: 'p-2', run_id: 'S', FILE: 's.data/ml/S/predictions/c1/000000.png' },
    ]);
    fs.mkdirSync(path.join(data, 'ml', 'R', 'predictions', 'c1'), { recursive: true });
    fs.writeFileSync(path.join(data, 'ml', 'R', 'predictions', 'c1', '000000.png'), 'png');
    return { db, data };
  }

  it('a run trained with --query over ml_predictions of R depends on R; delete is refused without --force and keeps the files', async () => {
    const { db, data } = await queryStore([
      { run_id: 'q', data_query: "SELECT FILE FROM ml_predictions WHERE run_id = 'R'" },
      { run_id: 'other', data_query: "SELECT FILE FROM ml_predictions WHERE run_id = 'S'" },
      { run_id: 'gone', data_query: 'SELECT FILE FROM dropped_table' },
    ]);
    const store = await openStore(db);
    try {
      const registry = new RunRegistry(store);
      assert.deepEqual((await registry.dependentRuns('R')).map((d) => d.run_id), ['q']);
      assert.deepEqual((await registry.dependentRuns('other')).map((d) => d.run_id), []);
      await assert.rejects(registry.delete('R'), (x: Error & { code?: string }) => x.code === 'E_ML_RUN' && /depend on it .*: q;/.test(x.message));
    } finally {
      await store.close();
    }
    const r = dsi(db, ['ml', 'delete', 'R']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: run R has runs that depend on it: q; delete them first, or give --force/);
    assert.ok(fs.existsSync(path.join(data, 'ml', 'R', 'predictions', 'c1', '000000.png')));
    const forced = dsi(db, ['ml', 'delete', 'R', '--force', '--json']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual((JSON.parse(forced.stdout) as { dependents: string[] }).dependents, ['q']);
    assert.ok(!fs.existsSync(path.join(data, 'ml', 'R')));
  });

  it('a training query that fails now and reads ml_predictions counts as a dependent, with a note; one that does not is skipped', async () => {
    const { db } = await queryStore([
      { run_id: 'broken', data_query: 'SELECT p.FILE FROM ml_predictions p JOIN dropped_table d ON d.id = p.prediction_id' },
      { run_id: 'gone', data_query: 'SELECT FILE FROM dropped_table' },
    ]);
    const store = await openStore(db);
    try {
      const found = await new RunRegistry(store).dependentRuns('R');
      assert.deepEqual(found.map((d) => d.run_id), ['broken']);
      assert.match(found[0]!.note ?? '', /^its training query reads ml_predictions and fails now \(.*dropped_table.*\), so it may have trained on this run's predictions$/);
    } finally {
      await store.close();
    }
    const r = dsi(db, ['ml', 'delete', 'R']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: run R has runs that depend on it: broken \(its training query reads ml_predictions and fails now/);
  });
});

describe('staging left by killed prediction calls, in any run', () => {
  /** A dead process's staging folder and a live one's, in run `runId`'s predictions folder. */
  function leaveStaging(data: string, runId: string): { folder: string; dead: string; live: string } {
    const folder = path.join(data, 'ml', runId, 'predictions');
    fs.mkdirSync(folder, { recursive: true });
    const dead = `.0badf00d.dsi-tmp-${THIS_HOST}-${deadPid()}-00000001`;
    const live = `.0badcafe.dsi-tmp-${THIS_HOST}-${process.ppid}-00000002`;
    for (const name of [dead, live]) {
      fs.mkdirSync(path.join(folder, name));
      fs.writeFileSync(path.join(folder, name, '000000.png'), 'partial');
    }
    return { folder, dead, live };
  }

  let m: MnistStore;
  let gan: string;
  before(async () => {
    m = await makeMnistStore(tempDir('dsi-more-predict-'), 4);
    gan = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
  });
  after(async () => {
    await m.store.close();
  });

  it("a prediction of one run removes a killed call's staging in another run's folder and keeps a live one's", async () => {
    const { folder, dead, live } = leaveStaging(path.join(m.dir, 'dsi.data'), 'gan-other');
    await predictGan(m.store, { run: gan, count: 1, seed: 1 });
    const left = fs.readdirSync(folder);
    assert.ok(!left.includes(dead), "the dead call's staging is gone");
    assert.ok(left.includes(live), "the live call's staging stays");
  });

  it('an --export-cinema over a database another table points into is refused, and its images stay', async () => {
    const cdb = path.join(m.dir, 'digits.cdb');
    await m.store.write(cdb, { table: 'digits' });
    await m.store.read(cdb, { reader: 'cinema', table: 'exported' });
    const before = contents(cdb);
    const e = await rejectsWithCode(predictGan(m.store, { run: gan, count: 1, seed: 2, exportCinema: cdb }), 'E_UNSAFE_PATH');
    assert.match(e.message, /which table "exported" of the store references in FILE/);
    assert.deepEqual(contents(cdb), before);
  });

  it("dsi ml delete sweeps every run's predictions folder, refused or not", async () => {
    const dir = tempDir('dsi-more-delete-');
    const db = path.join(dir, 's.db');
    const store = await openStore(db);
    const registry = new RunRegistry(store);
    await registry.create({ run_id: 'a', kind: 'gan', model: 'dcgan', status: 'finished' });
    await registry.create({ run_id: 'b', kind: 'gan', model: 'dcgan', status: 'finished', parent_run_id: 'a' });
    await store.close();
    const data = path.join(dir, 's.data');
    const first = leaveStaging(data, 'b');
    const refused = dsi(db, ['ml', 'delete', 'a']);
    assert.equal(refused.status, 1, refused.stderr);
    assert.ok(!fs.readdirSync(first.folder).includes(first.dead), 'swept by the refused delete');
    assert.ok(fs.readdirSync(first.folder).includes(first.live));
    const second = leaveStaging(data, 'a');
    const lib = await openStore(db);
    try {
      await new RunRegistry(lib).delete('b');
    } finally {
      await lib.close();
    }
    assert.ok(!fs.readdirSync(second.folder).includes(second.dead), "swept by deleting another run");
    assert.ok(fs.readdirSync(second.folder).includes(second.live));
  });
});
