/**
 * Cinema databases: a query exported as NAME.cdb (data.csv with parameters first and FILE columns
 * last, paths relative to the .cdb folder, the files copied in) reads back into the same rows;
 * the layout is what pycinema's CinemaDatabaseReader expects (mirrored here step by step, since
 * pycinema is not installable offline); a data.csv pointing at a missing file fails naming
 * data.csv and the line, with the store unchanged.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Papa from 'papaparse';
import { Store, openStore } from '../src/index.js';
import type { Row } from '../src/index.js';
import { filesUnder, writeIdxPair, writeImage } from './helpers/image-fixtures.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

/** data.csv as pycinema reads it: csv rows, empty lines dropped, FILE columns by /FILE/i, db path prefixed. */
function readLikePycinema(database: string): { header: string[]; rows: string[][] } {
  const table = Papa.parse<string[]>(fs.readFileSync(path.join(database, 'data.csv'), 'utf8'), { skipEmptyLines: false }).data.filter((r) => r.length > 0 && !(r.length === 1 && r[0] === ''));
  const header = table[0]!;
  const fileColumns = header.map((h, i) => (/FILE/i.test(h) ? i : -1)).filter((i) => i >= 0);
  const rows = table.slice(1).map((r) => r.map((v, i) => (fileColumns.includes(i) && !/^https?:/.test(v) ? `${database}/${v}` : v)));
  return { header, rows };
}

describe('Cinema database export and import', () => {
  let dir: string;
  let store: Store;

  before(async () => {
    dir = tempDir('dsi-cdb-');
    store = await openStore(path.join(dir, 'dsi.db'));
    await store.read([writeIdxPair(dir, 'train', 6, 4, 4).images, writeIdxPair(dir, 't10k', 3, 4, 4).images], {
      reader: 'idx',
      table: 'digits',
      readerOptions: { labelNames: 'zero,one,two,three,four,five,six,seven,eight,nine' },
    });
  });
  after(() => store.close());

  it('writes NAME.cdb/data.csv with parameters first, FILE last, paths relative to the database, files copied', async () => {
    const out = path.join(dir, 'exports', 'test-digits.cdb');
    fs.mkdirSync(path.dirname(out));
    const { rows } = await store.write(out, { query: "SELECT FILE, id, label, label_name, split FROM digits WHERE split = 'test' ORDER BY id" });
    assert.equal(rows, 3);
    const { header, rows: cinema } = readLikePycinema(out);
    assert.deepEqual(header, ['id', 'label', 'label_name', 'split', 'FILE']);
    assert.equal(cinema.length, 3);
    for (const r of cinema) {
      const file = r[4]!;
      assert.ok(fs.existsSync(file), `${file} exists, as pycinema would open it`);
      const original = (await store.query('SELECT FILE FROM digits WHERE id = ?', [Number(r[0])]))[0]!['FILE'] as string;
      assert.deepEqual(fs.readFileSync(file), fs.readFileSync(path.join(dir, original)), 'the copy has the same bytes');
    }
    assert.ok(!fs.readFileSync(path.join(out, 'data.csv'), 'utf8').includes(dir), 'no absolute paths in data.csv');
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['test-digits.cdb'], 'no temporary folder left beside it');
  });

  it('reads an exported database back into the same rows (FILE now pointing at the copies)', async () => {
    const out = path.join(dir, 'all.cdb');
    await store.write(out, { table: 'digits' });
    await store.read([out], { table: 'back' });
    const original = await store.getTable('digits');
    const back = await store.getTable('back');
    assert.equal(back.length, original.length);
    const originalInfo = await store.describe('digits');
    const backInfo = await store.describe('back');
    assert.deepEqual(
      backInfo.columns.map((c) => [c.name, c.declaredType]).sort(),
      originalInfo.columns.map((c) => [c.name, c.declaredType]).sort(),
      'the same columns with the same types',
    );
    for (let i = 0; i < original.length; i++) {
      const a: Row = original[i]!;
      const b: Row = back[i]!;
      for (const c of Object.keys(a)) if (c !== 'FILE') assert.deepEqual(b[c], a[c], `row ${i + 1} ${c}`);
      assert.ok((b['FILE'] as string).startsWith('all.cdb/'), `${String(b['FILE'])} points into the database`);
      assert.deepEqual(fs.readFileSync(path.join(dir, b['FILE'] as string)), fs.readFileSync(path.join(dir, a['FILE'] as string)));
    }
  });

  it('moves FILE columns after the parameters, replaces an earlier export, links when asked', async () => {
    const folder = path.join(dir, 'pics');
    fs.mkdirSync(folder);
    await writeImage(path.join(folder, 'p.png'), new Uint8Array(4).fill(5), 2, 2, 1);
    fs.writeFileSync(path.join(dir, 'meta.csv'), 'FILE_image,angle,name\npics/p.png,30,first\n,45,none\n');
    await store.read([path.join(dir, 'meta.csv')], { table: 'meta' });
    const out = path.join(dir, 'meta.cdb');
    await store.write(out, { table: 'meta' });
    await store.write(out, { table: 'meta', writerOptions: { files: 'symlink' } });
    const { header, rows } = readLikePycinema(out);
    assert.deepEqual(header, ['angle', 'name', 'FILE_image']);
    assert.deepEqual(rows.map((r) => r.slice(0, 2)), [['30', 'first'], ['45', 'none']]);
    assert.ok(fs.lstatSync(path.join(out, 'pics/p.png')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(out, 'data.csv'), 'utf8').split('\n')[2], '45,none,');
    await rejectsWithCode(store.write(out, { table: 'meta', writerOptions: { files: 'teleport' } }), 'E_BAD_ARGUMENT');
    await rejectsWithCode(store.write(path.join(dir, 'meta.csv'), { table: 'meta', writer: 'cinema' }), 'E_BAD_ARGUMENT');
  });

  it('writes index.html beside data.csv: a viewer that embeds every row as escaped JSON and loads images by relative path', async () => {
    const out = path.join(dir, 'viewer.cdb');
    const hostile = '</script><script>alert(1)</script><!--';
    await store.write(out, { query: `SELECT FILE, id, label, label_name, '${hostile}' AS note FROM digits ORDER BY id` });
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    const scripts = html.match(/<script\b/gi) ?? [];
    assert.equal(scripts.length, 2, 'the data element and the viewer script, nothing a value opened');
    assert.ok(!html.includes(hostile), 'the hostile value is not in the page as it is');
    assert.doesNotMatch(html, /<script[^>]+src=|<link\b|https?:\/\/(?!www\.w3\.org)/i, 'no external script, style or address');
    const json = /<script type="application\/json" id="cinema-data">([^<]*)<\/script>/.exec(html);
    assert.ok(json, 'the rows are embedded in a JSON script element with no < inside');
    const embedded = JSON.parse(json[1]!) as { columns: string[]; fileColumns: string[]; rows: (string | number | null)[][] };
    const { header, rows } = readLikePycinema(out);
    assert.deepEqual(embedded.columns, header);
    assert.deepEqual(embedded.fileColumns, ['FILE']);
    assert.equal(embedded.rows.length, rows.length);
    assert.equal(embedded.rows.length, (await store.getTable('digits')).length, 'every row');
    embedded.rows.forEach((r, i) => {
      assert.deepEqual(r.slice(0, 4).map(String), rows[i]!.slice(0, 4), `row ${i + 1}'s parameters`);
      assert.equal(r[4], path.relative(out, rows[i]![4]!), `row ${i + 1}'s file, relative to the database`);
      assert.ok(fs.existsSync(path.join(out, String(r[4]))));
    });
    assert.equal(embedded.rows[0]![3], hostile, 'the value itself survives the escaping');
  });

  it('keeps a store file named index.html or data.csv apart from the database\'s own', async () => {
    fs.writeFileSync(path.join(dir, 'index.html'), 'not the viewer');
    fs.writeFileSync(path.join(dir, 'own.csv'), 'FILE,v\nindex.html,1\n');
    await store.read([path.join(dir, 'own.csv')], { table: 'own' });
    const out = path.join(dir, 'own.cdb');
    await store.write(out, { table: 'own' });
    assert.match(fs.readFileSync(path.join(out, 'index.html'), 'utf8'), /^<!doctype html>/);
    assert.equal(fs.readFileSync(path.join(out, 'external', '1-index.html'), 'utf8'), 'not the viewer');
  });

  it('refuses to export a row whose file is missing, leaving nothing behind', async () => {
    fs.writeFileSync(path.join(dir, 'ghost.csv'), 'FILE,v\nnowhere/ghost.png,1\n');
    await store.read([path.join(dir, 'ghost.csv')], { table: 'ghost' });
    const e = await rejectsWithCode(store.write(path.join(dir, 'ghost.cdb'), { table: 'ghost' }), 'E_BAD_INPUT');
    assert.match(e.message, /nowhere\/ghost\.png: row 1 names this file in FILE, and it does not exist/);
    assert.ok(!fs.readdirSync(dir).some((n) => n.startsWith('ghost.cdb')), 'no database and no temporary folder');
  });

  it('reading a data.csv that points at a missing file fails naming data.csv and the line; the store is unchanged', async () => {
    const db = path.join(dir, 'broken.cdb');
    fs.mkdirSync(path.join(db, 'img'), { recursive: true });
    await writeImage(path.join(db, 'img', 'a.png'), new Uint8Array(4), 2, 2, 1);
    fs.writeFileSync(path.join(db, 'data.csv'), 'theta,FILE\n0,img/a.png\n\n90,img/missing.png\n');
    const beforeDump = await dumpStore(store);
    const filesBefore = filesUnder(path.join(dir, 'dsi.data'));
    const e = await rejectsWithCode(store.read([db]), 'E_BAD_INPUT');
    assert.ok(e.message.startsWith(`${path.join(db, 'data.csv')}:4: FILE "img/missing.png" points at`), e.message);
    assert.deepEqual(await dumpStore(store), beforeDump);
    assert.deepEqual(filesUnder(path.join(dir, 'dsi.data')), filesBefore);
    const notCinema = path.join(dir, 'empty.cdb');
    fs.mkdirSync(notCinema);
    const e2 = await rejectsWithCode(store.read([notCinema]), 'E_BAD_INPUT');
    assert.match(e2.message, /is not a Cinema database: it has no data\.csv/);
  });
});
