/**
 * The table-plot writer: a table's numeric columns against the row index or the `x` column,
 * one panel per column with its unit from dsi_units on its axis, SVG or PNG at twice the SVG's size; a table
 * with no numeric column and an unknown `x` are refused naming them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Store, openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';
import { tablePlotSpec } from '../src/writers/table-plot-writer.js';
import { rejectsWithCode, removeTempDirs, tempDir } from './helpers/store-helpers.js';

let dir: string;
let db: string;
let store: Store;
before(async () => {
  dir = tempDir('dsi-table-plot-');
  db = path.join(dir, 'dsi.db');
  store = await openStore(db);
  await store.insertRows('wind', [
    { t: 0, speed: 3.5, gust: 5, site: 'a' },
    { t: 10, speed: 4.25, gust: null, site: 'b' },
    { t: 20, speed: 2, gust: 7, site: 'c' },
  ], { units: { speed: 'm/s', gust: 'm/s', t: 's' } });
  await store.insertRows('names', [{ who: 'x' }, { who: 'y' }]);
});
after(async () => {
  await store.close();
  removeTempDirs();
});

describe('table-plot writer', () => {
  it('plots every numeric column against the row index, one panel each with its unit on its y axis, NULLs as gaps', () => {
    const rows = [{ t: 0, speed: 3.5, gust: 5, site: 'a' }, { t: 10, speed: 4.25, gust: null, site: 'b' }];
    const spec = tablePlotSpec('wind', ['t', 'speed', 'gust', 'site'], rows, new Map([['speed', 'm/s'], ['gust', 'm/s']])) as unknown as {
      data: { values: unknown[] };
      vconcat: { encoding: { x: { title: string | null }; y: { title: string } }; transform: { filter: { equal: string } }[] }[];
    };
    assert.deepEqual(spec.vconcat.map((p) => p.encoding.y.title), ['t', 'speed (m/s)', 'gust (m/s)']);
    assert.deepEqual(spec.vconcat.map((p) => p.transform[0]!.filter.equal), ['t', 'speed (m/s)', 'gust (m/s)']);
    assert.deepEqual(spec.vconcat.map((p) => p.encoding.x.title), [null, null, 'row'], 'the x axis is titled under the last panel');
    assert.equal(spec.data.values.length, 5, 'the NULL gust is no point');
  });

  it('plots against the x column with its unit on the axis, and one column with its unit on the y axis', () => {
    const rows = [{ t: 0, speed: 3.5 }, { t: 10, speed: 4 }];
    const units = new Map([['speed', 'm/s'], ['t', 's']]);
    const spec = tablePlotSpec('wind', ['t', 'speed'], rows, units, 'T') as unknown as { encoding: { x: { title: string; type: string }; y: { title: string } } };
    assert.equal(spec.encoding.x.title, 't (s)');
    assert.equal(spec.encoding.x.type, 'quantitative');
    assert.equal(spec.encoding.y.title, 'speed (m/s)');
  });

  it('writes an SVG whose axes carry the units, and a PNG at twice its size', async () => {
    const svgFile = path.join(dir, 'wind.svg');
    assert.deepEqual(await store.write(svgFile, { writer: 'table-plot', table: 'wind', writerOptions: { x: 't' } }), { rows: 3, withheld: 0 });
    const svg = readFileSync(svgFile, 'utf8');
    assert.ok(svg.includes('t (s)') && svg.includes('gust (m/s)') && svg.includes('speed (m/s)'));
    const pngFile = path.join(dir, 'wind.png');
    await store.write(pngFile, { writer: 'table-plot', table: 'wind', writerOptions: { x: 't' } });
    const png = readFileSync(pngFile);
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    assert.equal(png.readUInt32BE(16), 2 * width);
  });

  it('refuses a table without a numeric column, and an x column the table lacks', async () => {
    let e = await rejectsWithCode(store.write(path.join(dir, 'n.png'), { writer: 'table-plot', table: 'names' }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /plots numeric columns; table "names" has none \(columns: who; 2 rows\)/);
    e = await rejectsWithCode(store.write(path.join(dir, 'n.png'), { writer: 'table-plot', table: 'wind', writerOptions: { x: 'time' } }), 'E_COLUMN_MISSING');
    assert.match(e.message, /x names "time", which table "wind" does not have/);
  });

  it('dsi write --writer table-plot --x names the flag in its errors', () => {
    const out = path.join(dir, 'cli.png');
    let r = runDsi(['--db', db, 'write', out, '--writer', 'table-plot', '--table', 'wind', '--x', 't']);
    assert.equal(r.status, 0, r.stderr);
    r = runDsi(['--db', db, 'write', out, '--writer', 'table-plot', '--table', 'wind', '--x', 'nope']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dsi: the table-plot writer's --x names "nope"/);
  });
});
