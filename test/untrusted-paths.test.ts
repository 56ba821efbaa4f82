/**
 * A store is shared with a group, so every path built from what it holds is untrusted input: run
 * ids, the registry's FILE values, table and split names, a Cinema database's FILE paths. Each
 * must stay inside its folder (the store's data folder, or the database) after resolving symlinks,
 * or be refused with E_UNSAFE_PATH naming the value; deleting a run never removes anything
 * outside NAME.data/ml/, and a run that others depend on is deleted only with --force.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Store, openStore, loadImages } from '../src/index.js';
import { RunRegistry, loadEmulator, loadRunData, predictEmulator, runLineage, trainEmulator } from '../src/ml/index.js';
import { containedPath, realPathOf } from '../src/contained-path.js';
import { type CraftedPrediction, type CraftedRun, writeCraftedRegistry } from './helpers/crafted-registry.js';
import { filesUnder, writeIdxPair, writeImage } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');

function dsi(db: string, args: readonly string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, '--db', db, ...args], { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A store at `dir/group/shared/s.db` with the registry's tables, whose rows were then written by
 * another program (better-sqlite3 directly), as a shared store may be.
 */
async function craftedStore(runs: readonly CraftedRun[], predictions: readonly CraftedPrediction[] = []): Promise<{ dir: string; db: string; data: string }> {
  const dir = path.join(tempDir('dsi-untrusted-'), 'group', 'shared');
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 's.db');
  const { data } = await writeCraftedRegistry(db, runs, predictions);
  return { dir, db, data };
}

describe('contained paths', () => {
  it('accepts a path inside the root and refuses .., absolute paths, symlinks out and the root itself', () => {
    const root = path.join(tempDir('dsi-contain-'), 'root');
    const outside = path.join(path.dirname(root), 'outside');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(root, 'a', 'out'));
    assert.equal(containedPath(root, 'a/b/new.png', { origin: 'FILE' }), path.join(root, 'a', 'b', 'new.png'));
    for (const bad of ['../outside', '/etc/passwd', 'a/../../outside/x', 'a/out/x.png', 'a/out', '.']) {
      assert.throws(() => containedPath(root, bad, { origin: 'FILE of row 1' }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_UNSAFE_PATH');
        assert.ok(e.message.includes(`FILE of row 1 "${bad}" must stay inside ${root}`), e.message);
        return true;
      });
    }
    assert.equal(containedPath(root, '.', { origin: 'x', allowRoot: true }), root);
    assert.equal(realPathOf(path.join(root, 'a', 'out', 'not', 'there')), path.join(realPathOf(outside), 'not', 'there'));
  });

  it('a data folder that is itself a symlink is the root its paths are checked against', () => {
    const base = tempDir('dsi-contain-');
    fs.mkdirSync(path.join(base, 'disk', 'ml'), { recursive: true });
    fs.symlinkSync(path.join(base, 'disk'), path.join(base, 's.data'));
    assert.equal(containedPath(path.join(base, 's.data'), 's.data/ml/r1', { base, origin: 'run' }), path.join(base, 's.data', 'ml', 'r1'));
  });
});

describe('run ids from the store', () => {
  for (const runId of ['x/../../..', '..']) {
    it(`dsi ml delete ${JSON.stringify(runId)} is refused and removes nothing, neither rows nor folders`, async () => {
      const { dir, db, data } = await craftedStore([{ run_id: runId }, { run_id: 'good' }]);
      fs.mkdirSync(path.join(data, 'ml', 'good'), { recursive: true });
      fs.writeFileSync(path.join(data, 'ml', 'good', 'keep.txt'), 'keep');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      const r = dsi(db, ['ml', 'delete', runId]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^dsi: the run id ".*" cannot name a folder/);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
      assert.ok(fs.existsSync(db), 'the store is still there');
      assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
      assert.equal(fs.readFileSync(path.join(data, 'ml', 'good', 'keep.txt'), 'utf8'), 'keep');
      const raw = new Database(db, { readonly: true });
      assert.deepEqual(raw.prepare('SELECT run_id FROM ml_runs ORDER BY run_id').all().map((x) => (x as { run_id: string }).run_id).sort(), [runId, 'good'].sort());
      raw.close();
    });
  }

  it('run ids ".", "a/b", "/tmp" and "" are refused by delete, runFolder and absolute paths alike', async () => {
    const { db, data } = await craftedStore([{ run_id: '.' }, { run_id: 'a/b' }, { run_id: '/tmp' }, { run_id: '' }]);
    fs.mkdirSync(path.join(data, 'ml', 'a', 'b'), { recursive: true });
    const store = await openStore(db);
    try {
      const registry = new RunRegistry(store);
      for (const runId of ['.', 'a/b', '/tmp', '']) {
        const e = await rejectsWithCode(registry.delete(runId), 'E_UNSAFE_PATH');
        assert.ok(e.message.startsWith(`the run id ${JSON.stringify(runId)} cannot name a folder`), e.message);
        assert.throws(() => registry.runPath(runId, 'predictions'), /cannot name a folder/);
      }
      assert.equal((await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n'], 4);
      assert.ok(fs.existsSync(path.join(data, 'ml', 'a', 'b')));
    } finally {
      await store.close();
    }
  });

  it('a run folder that is a symlink leading out of the data folder is refused; what it points at survives', async () => {
    const { dir, db, data } = await craftedStore([{ run_id: 'r1' }]);
    const victim = path.join(path.dirname(dir), 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'thesis.tex'), 'years of work');
    fs.mkdirSync(path.join(data, 'ml'), { recursive: true });
    fs.symlinkSync(victim, path.join(data, 'ml', 'r1'));
    const r = dsi(db, ['ml', 'delete', 'r1']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the folder of run r1 ".*" must stay inside .*s\.data, but it leads to .*victim/);
    assert.equal(fs.readFileSync(path.join(victim, 'thesis.tex'), 'utf8'), 'years of work');
    assert.ok(fs.lstatSync(path.join(data, 'ml', 'r1')).isSymbolicLink(), 'the link itself is left alone too');
  });

  it('a new run id must be a plain name', async () => {
    const { db } = await craftedStore([]);
    const store = await openStore(db);
    try {
      const registry = new RunRegistry(store);
      const e = await rejectsWithCode(registry.create({ run_id: '../escape', kind: 'gan', model: 'dcgan', status: 'running' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /the run id "\.\.\/escape" cannot name a folder/);
      assert.equal((await store.query('SELECT count(*) AS n FROM ml_runs'))[0]!['n'], 0);
      assert.equal(registry.runFolder('gan-20260101-000000-abcd').relative, 's.data/ml/gan-20260101-000000-abcd');
    } finally {
      await store.close();
    }
  });
});

describe('FILE values of the registry', () => {
  it("a checkpoint path leading out of the data folder is refused before it is read", async () => {
    const { dir, db } = await craftedStore([{ run_id: 'e1', kind: 'regressor', FILE_checkpoint: '../../outside-checkpoint' }]);
    fs.mkdirSync(path.join(dir, '..', '..', 'outside-checkpoint'));
    const store = await openStore(db);
    try {
      const e = await rejectsWithCode(loadEmulator(store, 'e1'), 'E_UNSAFE_PATH');
      assert.match(e.message, /^ml_runs\.FILE_checkpoint of run e1 "\.\.\/\.\.\/outside-checkpoint" must stay inside .*s\.data/);
    } finally {
      await store.close();
    }
  });

  it("a child run's included prediction whose FILE leads out of the data folder is refused, not trained on", async () => {
    const { dir, db, data } = await craftedStore([{ run_id: 'p' }], [{ prediction_id: 'p-1', run_id: 'p', FILE: '../private/photo.png', accepted: 1 }]);
    fs.mkdirSync(path.join(dir, '..', 'private'));
    await writeImage(path.join(dir, '..', 'private', 'photo.png'), new Uint8Array(16).fill(200), 4, 4, 1);
    fs.mkdirSync(path.join(dir, 'pics'));
    await writeImage(path.join(dir, 'pics', 'a.png'), new Uint8Array(16).fill(9), 4, 4, 1);
    const store = await openStore(db);
    try {
      await store.read(path.join(dir, 'pics'), { reader: 'images', table: 'pics' });
      const params = { image_column: 'FILE', condition_columns: [], conditions: [], size: 28, channels: 1 as const };
      const e = await rejectsWithCode(loadRunData(store, params, 'SELECT FILE FROM pics', ['p-1']), 'E_UNSAFE_PATH');
      assert.match(e.message, /row 1's FILE "\.\.\/private\/photo\.png" must stay inside .*s\.data/);
      const direct = await rejectsWithCode(loadImages(store, 'SELECT FILE FROM ml_predictions', { within: data, cache: false }), 'E_UNSAFE_PATH');
      assert.match(direct.message, /photo\.png/);
      assert.equal((await loadImages(store, 'SELECT FILE FROM pics', { cache: false })).count, 1, 'dataset images are read where the store indexed them');
    } finally {
      await store.close();
    }
  });

  it('dsi ml review refuses a prediction whose FILE leads out of the data folder', async () => {
    const { db } = await craftedStore([{ run_id: 'p' }], [{ prediction_id: 'p-1', run_id: 'p', FILE: '/etc/passwd' }]);
    const r = dsi(db, ['ml', 'review', '--run', 'p', '--images', 'none']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: ml_predictions\.FILE of p-1 "\/etc\/passwd" must stay inside .*s\.data, but it leads to \/etc\/passwd/);
    assert.ok(!r.stdout.includes('/etc/passwd'), 'the path is not shown as a prediction');
  });
});

describe('table and split names', () => {
  it('an IDX read whose table folder is a symlink out of the data folder is refused; nothing is written there', async () => {
    const base = tempDir('dsi-untrusted-');
    const db = path.join(base, 's.db');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    fs.mkdirSync(path.join(base, 's.data'));
    fs.symlinkSync(outside, path.join(base, 's.data', 'digits'));
    const pair = writeIdxPair(base, 'train', 3, 4, 4);
    const store = await openStore(db);
    try {
      const before = await dumpStore(store);
      const e = await rejectsWithCode(store.read(pair.images, { reader: 'idx', table: 'digits' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /a stored file's folder "digits\/train" must stay inside .*s\.data, but it leads to .*outside/);
      assert.deepEqual(await dumpStore(store), before);
      assert.deepEqual(filesUnder(outside), []);
    } finally {
      await store.close();
    }
  });
});

describe('table names', () => {
  it("an emulator's --out-table is never joined into a file path: nothing is written outside its temporary folder", async () => {
    const dir = tempDir('dsi-untrusted-');
    fs.writeFileSync(path.join(dir, 'lin.csv'), `a,y\n${Array.from({ length: 12 }, (_, i) => `${i},${2 * i + 1}`).join('\n')}\n`);
    const store = await openStore(path.join(dir, 's.db'));
    const name = `escape_${crypto.randomBytes(4).toString('hex')}`;
    try {
      await store.read(path.join(dir, 'lin.csv'), { table: 'lin' });
      const run = await trainEmulator(store, { model: 'linear', table: 'lin', target: 'y', features: ['a'], seed: 1 });
      const out = await predictEmulator(store, { run: run.run_id, query: 'SELECT a FROM lin', outTable: `../${name}` });
      assert.equal(out.rows, 12);
      assert.ok(!fs.existsSync(path.join(os.tmpdir(), `${name}.json`)), 'no file beside the temporary folder');
    } finally {
      fs.rmSync(path.join(os.tmpdir(), `${name}.json`), { force: true });
      await store.close();
    }
  });
});

describe('deleting a run that others depend on', () => {
  async function family(): Promise<{ dir: string; db: string; data: string }> {
    const made = await craftedStore(
      [{ run_id: 'parent' }, { run_id: 'child', parent_run_id: 'parent', included_predictions: '["p-1"]' }, { run_id: 'other' }],
      [{ prediction_id: 'p-1', run_id: 'parent', FILE: 's.data/ml/parent/predictions/p-1.png', accepted: 1 }],
    );
    fs.mkdirSync(path.join(made.data, 'ml', 'parent', 'predictions'), { recursive: true });
    await writeImage(path.join(made.data, 'ml', 'parent', 'predictions', 'p-1.png'), new Uint8Array(16), 4, 4, 1);
    return made;
  }

  it('is refused, naming the runs that depend on it; rows and files stay', async () => {
    const { db, data } = await family();
    const r = dsi(db, ['ml', 'delete', 'parent']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: run parent has runs that depend on it: child; delete them first, or give --force/);
    assert.ok(fs.existsSync(path.join(data, 'ml', 'parent', 'predictions', 'p-1.png')));
    const store = await openStore(db, { readOnly: true });
    try {
      assert.deepEqual((await new RunRegistry(store).dependentRuns('parent')).map((d) => d.run_id), ['child']);
      assert.deepEqual((await new RunRegistry(store).dependentRuns('other')).map((d) => d.run_id), []);
      assert.equal((await store.query("SELECT count(*) AS n FROM ml_predictions WHERE run_id = 'parent'"))[0]!['n'], 1);
    } finally {
      await store.close();
    }
    const lib = await openStore(db);
    try {
      await assert.rejects(new RunRegistry(lib).delete('parent'), (e: Error & { code?: string }) => e.code === 'E_ML_RUN' && /depend on it .*: child;/.test(e.message));
    } finally {
      await lib.close();
    }
  });

  it('with --force deletes it; the child keeps its rows and its lineage shows the predictions as deleted', async () => {
    const { db, data } = await family();
    const r = dsi(db, ['ml', 'delete', 'parent', '--force', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dependents: string[]; rows: Record<string, number> };
    assert.deepEqual(out.dependents, ['child']);
    assert.equal(out.rows['ml_predictions'], 1);
    assert.ok(!fs.existsSync(path.join(data, 'ml', 'parent')));
    const store = await openStore(db, { readOnly: true });
    try {
      const lineage = await runLineage(store, 'child');
      assert.deepEqual(lineage.ancestry.map((x) => x.run_id), ['child']);
      assert.deepEqual(lineage.ancestry[0]!.data.included_from, { '(deleted)': 1 });
    } finally {
      await store.close();
    }
  });

  it('a run nobody depends on is deleted without --force, its folder with it', async () => {
    const { db, data } = await family();
    fs.mkdirSync(path.join(data, 'ml', 'other'), { recursive: true });
    const r = dsi(db, ['ml', 'delete', 'other']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^deleted other: .*1 from ml_runs; removed s\.data\/ml\/other$/m);
    assert.ok(!fs.existsSync(path.join(data, 'ml', 'other')));
    assert.ok(fs.existsSync(path.join(data, 'ml', 'parent')));
  });
});

describe('Cinema databases from elsewhere', () => {
  async function cinemaStore(): Promise<{ base: string; store: Store; cdb: string; outsideFile: string }> {
    const base = tempDir('dsi-cinema-untrusted-');
    const cdb = path.join(base, 'runs.cdb');
    fs.mkdirSync(path.join(cdb, 'img'), { recursive: true });
    await writeImage(path.join(cdb, 'img', 'a.png'), new Uint8Array(4).fill(1), 2, 2, 1);
    const outsideFile = path.join(tempDir('dsi-cinema-outside-'), 'secret.txt');
    fs.writeFileSync(outsideFile, 'secret');
    return { base, store: await openStore(path.join(base, 's.db')), cdb, outsideFile };
  }

  for (const kind of ['a path with ..', 'an absolute path', 'a symlink leading out']) {
    it(`a data.csv FILE that is ${kind} fails the read naming data.csv, the line and the value; the store is unchanged`, async () => {
      const { store, cdb, outsideFile } = await cinemaStore();
      try {
        let value: string;
        if (kind === 'a path with ..') value = path.relative(cdb, '/etc/passwd');
        else if (kind === 'an absolute path') value = '/etc/passwd';
        else {
          fs.symlinkSync(outsideFile, path.join(cdb, 'img', 'b.png'));
          value = 'img/b.png';
        }
        fs.writeFileSync(path.join(cdb, 'data.csv'), `theta,FILE\n0,img/a.png\n90,${value}\n`);
        const before = await dumpStore(store);
        const e = await rejectsWithCode(store.read(cdb), 'E_UNSAFE_PATH');
        assert.ok(e.message.startsWith(`${path.join(cdb, 'data.csv')}:3: FILE "${value}" must stay inside ${cdb}`), e.message);
        assert.match(e.message, /allow_outside=true/);
        assert.deepEqual(await dumpStore(store), before);
      } finally {
        await store.close();
      }
    });
  }

  it('option allow_outside=true accepts paths outside the database; an export then refuses to copy them unless allowed too', async () => {
    const { base, store, cdb, outsideFile } = await cinemaStore();
    try {
      fs.writeFileSync(path.join(cdb, 'data.csv'), `theta,FILE\n0,img/a.png\n90,${outsideFile}\n`);
      await rejectsWithCode(store.read(cdb, { readerOptions: { allow_outside: 'maybe' } }), 'E_BAD_ARGUMENT');
      await store.read(cdb, { readerOptions: { allow_outside: 'true' } });
      assert.equal((await store.query('SELECT count(*) AS n FROM runs'))[0]!['n'], 2);
      const out = path.join(base, 'export.cdb');
      const e = await rejectsWithCode(store.write(out, { table: 'runs' }), 'E_UNSAFE_PATH');
      assert.match(e.message, /^row 2's FILE ".*secret\.txt" must stay inside .*; refusing to use it\. Give the cinema writer option allow_outside=true/);
      assert.ok(!fs.existsSync(out) && !fs.readdirSync(base).some((n) => n.startsWith('export.cdb')), 'no export and no temporary folder');
      await store.write(out, { table: 'runs', writerOptions: { allow_outside: 'true' } });
      assert.equal(fs.readFileSync(path.join(out, 'external', '1-secret.txt'), 'utf8'), 'secret');
    } finally {
      await store.close();
    }
  });
});
