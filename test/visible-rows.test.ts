/**
 * Rows withheld by the caller's file permissions, in process, on every backend: a fake
 * `FileAccess` denies chosen files, and every way of reading rows (query, queryFirst, display,
 * getTable, page, find, findPage, search, summary, write, the file index, loadImages, training
 * data) leaves out exactly the rows that reference them and counts them, with the same answer on
 * every backend. The real kernel checks, as other accounts, are in file-permissions.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FileAccess, type Store, openStore } from '../src/index.js';
import { indexFiles } from '../src/files/index-files.js';
import { loadImages } from '../src/images/load-images.js';
import { loadTrainingData } from '../src/ml/data/training-data.js';
import type { ProgressEvent } from '../src/progress.js';
import { pngByHand } from './helpers/image-fixtures.js';
import { freshPostgresLocation } from './helpers/postgres.js';
import { BACKENDS, removeTempDirs, tempDir } from './helpers/store-helpers.js';

/** Reads everything but `denied`; records what it was asked. */
class DenyingAccess implements FileAccess {
  readonly who = 'tester (uid 4242)';
  readonly asked: string[][] = [];
  constructor(readonly denied: Set<string>) {}
  canRead(paths: readonly string[]): Promise<boolean[]> {
    this.asked.push([...paths]);
    return Promise.resolve(paths.map((p) => !this.denied.has(p)));
  }
}

async function openWith(backend: string, dir: string, access: FileAccess): Promise<Store> {
  if (backend === 'postgres') return openStore(freshPostgresLocation(), { backend, dataFolder: path.join(dir, 'data'), access });
  return openStore(path.join(dir, 'dsi.db'), { backend, access });
}

after(removeTempDirs);

for (const backend of BACKENDS) {
  describe(`rows withheld by file permissions (${backend})`, () => {
    let dir: string;
    let store: Store;
    let files: string[];
    let access: DenyingAccess;

    before(async () => {
      dir = tempDir();
      files = [1, 2, 3, 6].map((i) => {
        const f = path.join(dir, `f${i}.txt`);
        fs.writeFileSync(f, `${i}`);
        return f;
      });
      const [f1, f2, f3, f6] = files as [string, string, string, string];
      // gone.txt is not there: a FileAccess answers true for it (file-access.ts), so its row stays.
      access = new DenyingAccess(new Set([f2, f6]));
      store = await openWith(backend, dir, access);
      // 2 and 6 reference denied files; 4 references nothing; 5 a URL; 7 a file that is not there.
      await store.insertRows('pics', [
        { id: 1, label: 'cat', value: 10, FILE: f1 },
        { id: 2, label: 'cat', value: 20, FILE: f2 },
        { id: 3, label: 'cat', value: 30, FILE: f3 },
        { id: 4, label: 'cat', value: 40, FILE: null },
        { id: 5, label: 'cat', value: 50, FILE: 'https://example.org/5.png' },
        { id: 6, label: 'cat', value: 60, FILE: f6 },
        { id: 7, label: 'cat', value: 70, FILE: path.join(dir, 'gone.txt') },
      ], { newTable: true });
    });
    after(() => store.close());

    const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r['id']));

    it('query leaves out rows whose FILE values the caller may not read, and counts them', async () => {
      const rows = await store.query('SELECT * FROM pics ORDER BY id');
      assert.deepEqual(ids(rows), [1, 3, 4, 5, 7]);
      assert.equal(rows.withheld, 2);
      assert.equal(JSON.stringify(rows).includes('withheld'), false, 'the count is not one of the rows');
    });

    it('query judges only the columns of its result: without a FILE column nothing is withheld', async () => {
      const rows = await store.query('SELECT id FROM pics ORDER BY id');
      assert.deepEqual(ids(rows), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(rows.withheld, 0);
    });

    it('asks about each distinct file once per result, in one batch', async () => {
      access.asked.length = 0;
      await store.query('SELECT "FILE" FROM pics UNION ALL SELECT "FILE" FROM pics');
      assert.equal(access.asked.length, 1);
      assert.equal(access.asked[0]!.length, new Set(access.asked[0]).size);
      assert.equal(access.asked[0]!.length, 5);
    });

    it('queryFirst fills its limit with visible rows and counts those withheld before the last one it needed', async () => {
      const { rows, more } = await store.queryFirst('SELECT id, "FILE" FROM pics ORDER BY id', 3);
      assert.deepEqual(ids(rows), [1, 3, 4]);
      assert.equal(more, true);
      assert.equal(rows.withheld, 1);
    });

    it('display and getTable judge every reference column, shown or not', async () => {
      const shown = await store.display('pics', { limit: 2, columns: ['id'] });
      assert.equal(shown.withheld, 2);
      assert.deepEqual(shown, [{ id: 1 }, { id: 3 }]);
      const all = await store.getTable('pics');
      assert.deepEqual(ids(all), [1, 3, 4, 5, 7]);
      assert.equal(all.withheld, 2);
    });

    it('page counts only visible rows in its total and pages through them', async () => {
      const { rows, total } = await store.page('pics', { offset: 1, limit: 2, orderBy: 'value', descending: true });
      assert.deepEqual(ids(rows), [5, 4]);
      assert.equal(total, 5);
      assert.equal(rows.withheld, 2);
      const plain = await store.page('pics', { offset: 3, limit: 10 });
      assert.deepEqual(ids(plain.rows), [5, 7]);
    });

    it('find and findPage leave out matching rows the caller may not see; row indexes stay the table positions', async () => {
      const found = await store.find('value > 15');
      assert.deepEqual(ids(found), [3, 4, 5, 7]);
      assert.deepEqual(found.map((r) => r.dsi_row_index), [3, 4, 5, 7]);
      assert.equal(found.withheld, 2);
      const page = await store.findPage('value > 15', { table: 'pics', offset: 1, limit: 2 });
      assert.deepEqual(ids(page.rows), [4, 5]);
      assert.equal(page.total, 4);
      assert.equal(page.rows.withheld, 2);
      const none = await store.find('value < 15');
      assert.equal(none.withheld, 0);
    });

    it('search leaves out matching rows the caller may not see', async () => {
      const result = await store.search('cat');
      assert.deepEqual(ids(result.rows), [1, 3, 4, 5, 7]);
      assert.equal(result.rows.withheld, 2);
    });

    it('summary summarises only the visible rows', async () => {
      const summary = await store.summary({ table: 'pics' });
      const value = summary.find((c) => c.column === 'value')!;
      // Visible values 10, 30, 40, 50, 70: mean 40, population std dev 20.
      assert.deepEqual([value.unique, Number(value.min), Number(value.max), value.avg], [5, 10, 70, 40]);
      assert.ok(Math.abs(value.std_dev! - 20) < 1e-9, String(value.std_dev));
      assert.equal(summary.find((c) => c.column === 'FILE')!.unique, 4);
      assert.equal(summary.withheld, 2);
    });

    it('write exports only the visible rows and counts the others', async () => {
      const out = path.join(dir, `pics-${backend}.csv`);
      const done = await store.write(out, { table: 'pics' });
      assert.deepEqual(done, { rows: 5, withheld: 2 });
      const text = fs.readFileSync(out, 'utf8');
      assert.equal(text.includes('f2.txt') || text.includes('f6.txt'), false);
      const viaQuery = await store.write(path.join(dir, `q-${backend}.csv`), { query: 'SELECT id, "FILE" FROM pics' });
      assert.deepEqual(viaQuery, { rows: 5, withheld: 2 });
    });

    it("the file index's file_origin counts as a reference", async () => {
      const folder = path.join(dir, 'indexed');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'open.txt'), 'a');
      fs.writeFileSync(path.join(folder, 'closed.txt'), 'b');
      access.denied.add(path.join(folder, 'closed.txt'));
      await indexFiles(store, folder);
      const rows = await store.display('filesystem', { columns: ['file_origin'] });
      assert.deepEqual(rows.map((r) => path.basename(String(r['file_origin']))), ['open.txt']);
      assert.equal(rows.withheld, 1);
      const raw = await store.query('SELECT file_origin FROM filesystem');
      assert.equal(raw.length, 1);
      assert.equal(raw.withheld, 1);
    });
  });
}

describe('loadImages and training data leave out images the caller may not read', () => {
  it('counts the withheld rows and reports them once to the training run', async () => {
    const dir = tempDir();
    const grey = new Uint8Array(28 * 28).fill(7);
    const names = ['a.png', 'b.png', 'c.png'];
    for (const n of names) fs.writeFileSync(path.join(dir, n), pngByHand(grey, 28, 28, 1, 8));
    const access = new DenyingAccess(new Set([path.join(dir, 'b.png')]));
    const store = await openStore(path.join(dir, 'dsi.db'), { access });
    try {
      await store.insertRows('digits', names.map((n, i) => ({ FILE: n, label: i })), { newTable: true });
      const images = await loadImages(store, 'SELECT FILE, label FROM digits', { cache: false });
      assert.equal(images.count, 2);
      assert.equal(images.withheld, 1);
      assert.deepEqual(images.files.map((f) => path.basename(f)), ['a.png', 'c.png']);
      // An image column not named FILE… is judged by loadImages itself.
      const renamed = await loadImages(store, 'SELECT FILE AS picture, label FROM digits', { imageColumn: 'picture', cache: false });
      assert.deepEqual([renamed.count, renamed.withheld], [2, 1]);
      const events: ProgressEvent[] = [];
      const data = await loadTrainingData(store, { table: 'digits', onProgress: (e) => events.push(e) });
      assert.equal(data.images.count, 2);
      assert.equal(data.withheld, 1);
      const notes = events.filter((e) => e.task.includes('withheld'));
      assert.equal(notes.length, 1);
      assert.match(notes[0]!.task, /1 row withheld: their files are not readable by tester \(uid 4242\)/);
    } finally {
      await store.close();
    }
  });

  it('a store opened with an access that is not a FileAccess is refused', async () => {
    const dir = tempDir();
    await assert.rejects(openStore(path.join(dir, 'x.db'), { access: {} as FileAccess }), { code: 'E_BAD_ARGUMENT', message: /access must be a FileAccess/ });
    assert.equal(fs.existsSync(path.join(dir, 'x.db')), false);
  });
});
