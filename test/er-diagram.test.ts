/**
 * The ER-diagram writer: every table with its columns and declared types, primary keys marked,
 * each foreign key an arrow between the columns, the catalog tables left out; the `prefix` and
 * `maxColumns` options as Python DSI's; PNG at twice the SVG's size; the DOT source; no table to
 * draw refused naming the prefix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Store, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
let dir: string;
let db: string;
let store: Store;
before(async () => {
  dir = tempDir('dsi-er-');
  db = path.join(dir, 'dsi.db');
  store = await openStore(db);
  // Python DSI's example: math.b → address.i, address.h → physics.n, with units.
  await store.read(path.join(fixtures, 'yaml1_schema.json'), { reader: 'schema' });
  await store.read(['student_test1.yml', 'student_test2.yml'].map((f) => path.join(fixtures, f)), { reader: 'yaml1' });
});
after(async () => {
  await store.close();
  removeTempDirs();
});

describe('er-diagram writer', () => {
  it('writes the DOT source: one box per table with columns, types and PK/FK marks, an arrow per foreign key', async () => {
    const file = path.join(dir, 'er.dot');
    assert.deepEqual(await store.write(file, { writer: 'er-diagram' }), { rows: 3, withheld: 0 });
    const dot = readFileSync(file, 'utf8');
    for (const table of ['math', 'address', 'physics']) assert.match(dot, new RegExp(`<b>${table}</b>`));
    assert.doesNotMatch(dot, /dsi_units|dsi_relations/);
    assert.match(dot, /<b>specification<\/b>  <\/td><td align="left"><font color="#555555">VARCHAR<\/font><\/td><td port="out0" align="left"><font color="#9a3412">PK/);
    assert.equal((dot.match(/ -> /g) ?? []).length, 2);
    assert.match(dot, /t0:out2:e -> t1:in\d+:w/, 'math.b → address.i');
  });

  it('draws an SVG, and a PNG at twice its size', async () => {
    const svgFile = path.join(dir, 'er.svg');
    const pngFile = path.join(dir, 'er.png');
    await store.write(svgFile, { writer: 'er-diagram' });
    await store.write(pngFile, { writer: 'er-diagram' });
    const svg = readFileSync(svgFile, 'utf8');
    assert.match(svg, /<svg width="(\d+)px"/);
    assert.ok(svg.includes('>physics</text>') && svg.includes('>FK</text>'));
    const png = readFileSync(pngFile);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const width = Number(/<svg width="(\d+)px"/.exec(svg)![1]);
    assert.ok(Math.abs(png.readUInt32BE(16) - 2 * width) <= 2, `PNG width ${png.readUInt32BE(16)} for an SVG ${width}px wide`);
  });

  it('draws only the tables the prefix names and at most maxColumns columns each, keys kept', async () => {
    const file = path.join(dir, 'some.dot');
    const { rows } = await store.write(file, { writer: 'er-diagram', writerOptions: { prefix: 'ADD', maxColumns: '2' } });
    assert.equal(rows, 1);
    const dot = readFileSync(file, 'utf8');
    assert.match(dot, /<b>address<\/b>/);
    assert.doesNotMatch(dot, /<b>math<\/b>| -> /);
    assert.match(dot, /… 7 more columns/, 'address has 9 columns, its keys h (FK) and i (PK) shown');
    assert.match(dot, />h {2}</);
    assert.match(dot, /<b>i<\/b>/);
  });

  it('refuses a prefix no table has, a bad maxColumns, a table option, and an extension it does not write', async () => {
    let e = await rejectsWithCode(store.write(path.join(dir, 'x.png'), { writer: 'er-diagram', writerOptions: { prefix: 'zzz' } }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /no table's name starts with prefix "zzz" \(tables: math, address, physics\)/);
    e = await rejectsWithCode(store.write(path.join(dir, 'x.png'), { writer: 'er-diagram', writerOptions: { maxColumns: '0' } }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /maxColumns must be a whole number of at least 1/);
    await rejectsWithCode(store.write(path.join(dir, 'x.png'), { writer: 'er-diagram', table: 'math' }), 'E_BAD_ARGUMENT');
    await rejectsWithCode(store.write(path.join(dir, 'x.jpg'), { writer: 'er-diagram' }), 'E_BAD_ARGUMENT');
  });

  it('dsi write --writer er-diagram --prefix --max-columns, and its errors in flags', () => {
    const out = path.join(dir, 'cli.svg');
    let r = runDsi(['--db', db, 'write', out, '--writer', 'er-diagram', '--prefix', 'ph', '--max-columns', '3']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `drew 1 table in ${out}\n`);
    r = runDsi(['--db', db, 'write', out, '--writer', 'er-diagram', '--max-columns', 'x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-columns must be a whole number/);
  });
});
