/**
 * Parity with Python DSI: the same example inputs give the same tables, columns, rows, units,
 * summary and find results as Python DSI produced (test/fixtures/python_dsi_reference.json).
 * Where this project differs on purpose, the test name says so.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LogicalType, ReadOptions, Store } from '../src/index.js';
import { BACKENDS, assertSameCell, removeTempDirs, valuesOf, withStore, writeFile } from './helpers/store-helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

type RefCell = null | number | string;
interface RefTable {
  columns: string[];
  rows: RefCell[][];
}
interface RefCase {
  tables: Record<string, RefTable>;
  summary?: RefTable;
  [find: `find:${string}`]: RefCell[][];
}
const reference = JSON.parse(fs.readFileSync(fixture('python_dsi_reference.json'), 'utf8')) as Record<string, RefCase>;

/** How each reference case was read in Python DSI, as a read call here. */
const CASES: Record<string, { files: string[]; options: ReadOptions }> = {
  wildfire_csv: { files: ['wildfiredata.csv'], options: { table: 'wildfire' } },
  yosemite_csv: { files: ['yosemite5.csv'], options: { table: 'yosemite' } },
  student_yaml1: { files: ['student_test1.yml', 'student_test2.yml'], options: { reader: 'yaml1' } },
  results_toml1: { files: ['results.toml', 'results1.toml'], options: { reader: 'toml1' } },
  nodes_toml: { files: ['example.toml'], options: {} },
};

/** The logical types of the declared types Python DSI writes (each backend names them its own way). */
const DSI_TYPES: Readonly<Record<string, LogicalType>> = { INTEGER: 'integer', FLOAT: 'float', VARCHAR: 'text' };

const ROW_TOLERANCE = 1e-12;
const STD_TOLERANCE = 1e-9;

async function readCase(store: Store, name: string): Promise<void> {
  const c = CASES[name]!;
  await store.read(c.files.map(fixture), c.options);
}

/** Assert a table of the store holds exactly the reference table (names, order, values). */
async function assertTableMatches(store: Store, table: string, ref: RefTable): Promise<void> {
  const info = await store.describe(table);
  assert.deepEqual(info.columns.map((c) => c.name), ref.columns, `columns of ${table}`);
  // Through getTable and through query: both must give the same rows in the same order.
  const viaGet = await store.getTable(table);
  const viaQuery = await store.query(`SELECT * FROM "${table}"`);
  for (const [how, rows] of [['getTable', viaGet], ['query', viaQuery]] as const) {
    assert.equal(rows.length, ref.rows.length, `${how}: row count of ${table}`);
    rows.forEach((row, r) => {
      assert.deepEqual(Object.keys(row), ref.columns, `${how}: keys of ${table} row ${r + 1}`);
      const values = valuesOf(row, ref.columns);
      ref.rows[r]!.forEach((expected, c) => assertSameCell(values[c], expected, ROW_TOLERANCE, `${how}: ${table} row ${r + 1} column ${ref.columns[c]}`));
    });
  }
}

after(removeTempDirs);

for (const backend of BACKENDS) {
  describe(`Python DSI parity on ${backend}`, () => {
    for (const name of Object.keys(CASES)) {
      const ref = reference[name]!;
      it(`${name}: the same tables as Python DSI (${Object.keys(ref.tables).join(', ')}), with the same columns and rows in order`, async () => {
        await withStore(backend, async ({ store }) => {
          await readCase(store, name);
          assert.deepEqual([...(await store.tables())].sort(), Object.keys(ref.tables).sort());
          for (const [table, refTable] of Object.entries(ref.tables)) await assertTableMatches(store, table, refTable);
        });
      });
    }

    it('wildfire_csv: summary gives the same type, unique count, min, max, mean and population std as Python DSI', async () => {
      const ref = reference['wildfire_csv']!.summary!;
      assert.deepEqual(ref.columns, ['column', 'type', 'unique', 'min', 'max', 'avg', 'std_dev']);
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'wildfire_csv');
        const summary = await store.summary({ table: 'wildfire' });
        assert.deepEqual(summary.map((s) => s.column), ref.rows.map((r) => r[0]));
        summary.forEach((s, i) => {
          const [column, type, unique, min, max, avg, std] = ref.rows[i]!;
          const at = `summary of ${String(column)}`;
          assert.equal(s.table, 'wildfire', at);
          // Python DSI's declared types, in this backend's names for the same logical types.
          assert.equal(s.type, store.typeNames[DSI_TYPES[type as string]!], `${at}: type`);
          assert.equal(s.unique, unique, `${at}: unique`);
          assertSameCell(s.min, min, ROW_TOLERANCE, `${at}: min`);
          assertSameCell(s.max, max, ROW_TOLERANCE, `${at}: max`);
          assertSameCell(s.avg, avg, ROW_TOLERANCE, `${at}: avg`);
          assertSameCell(s.std_dev, std, STD_TOLERANCE, `${at}: std_dev`);
          assert.equal(s.primary_key, false, `${at}: primary_key`);
        });
      });
    });

    const findKeys = Object.keys(reference['wildfire_csv']!).filter((k) => k.startsWith('find:'));
    it('the reference holds three find results for wildfire_csv', () => {
      assert.deepEqual(findKeys, ['find:wind_speed > 5', "find:fuels ~ 'tls'", 'find:burned_area (150000, 190000)']);
    });
    for (const key of findKeys) {
      const condition = key.slice('find:'.length);
      it(`wildfire_csv: find "${condition}" returns Python DSI's rows, each tagged with table "wildfire" and its 1-based row index`, async () => {
        const ref = reference['wildfire_csv']!;
        const table = ref.tables['wildfire']!;
        const expected = ref[key as `find:${string}`]!;
        await withStore(backend, async ({ store }) => {
          await readCase(store, 'wildfire_csv');
          const found = await store.find(condition);
          assert.equal(found.length, expected.length);
          found.forEach((row, i) => {
            const { dsi_table_name: t, dsi_row_index: index, ...rest } = row;
            assert.equal(t, 'wildfire');
            assert.deepEqual(Object.keys(rest), table.columns);
            const values = valuesOf(rest, table.columns);
            expected[i]!.forEach((cell, c) => assertSameCell(values[c], cell, ROW_TOLERANCE, `find row ${i + 1} column ${table.columns[c]}`));
            // dsi_row_index is the 1-based position of this row in the table.
            const position = table.rows.findIndex((r) => r.every((cell, c) => cell === values[c] || (typeof cell === 'number' && Number(values[c]) === cell))) + 1;
            assert.ok(position > 0, `find row ${i + 1} is a row of the table`);
            assert.equal(index, position, `find row ${i + 1}: dsi_row_index`);
          });
          // And the indexes point at those rows: getTable's row (index - 1) is the found row.
          const all = await store.getTable('wildfire');
          for (const row of found) {
            const { dsi_table_name: _t, dsi_row_index: index, ...rest } = row;
            assert.deepEqual(all[index - 1], rest);
          }
        });
      });
    }

    it('wildfire_csv: declared types are those Python DSI writes (INTEGER, FLOAT, VARCHAR; an all-empty column INTEGER)', async () => {
      const ref = reference['wildfire_csv']!.summary!;
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'wildfire_csv');
        const info = await store.describe('wildfire');
        assert.deepEqual(info.columns.map((c) => c.type), ref.rows.map((r) => DSI_TYPES[r[1] as string]));
        assert.deepEqual(info.columns.map((c) => c.declaredType), ref.rows.map((r) => store.typeNames[DSI_TYPES[r[1] as string]!]));
      });
    });

    it('student_yaml1: units go to dsi_units as Python DSI records them, one row per table and column', async () => {
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'student_yaml1');
        const refUnits = reference['student_yaml1']!.tables['dsi_units']!.rows;
        assert.deepEqual(
          (await store.units()).map((u) => [u.table, u.column, u.unit]),
          refUnits,
        );
      });
    });

    it('student_yaml1: `l: 10000.0e-4` (a float whose value is 1) makes address.l FLOAT, as Python DSI declares it; the values are 1 and 11', async () => {
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'student_yaml1');
        const info = await store.describe('address');
        const l = info.columns.find((c) => c.name === 'l')!;
        assert.equal(l.type, 'float');
        assert.equal(l.declaredType, store.typeNames.float);
        // Integer literals stay INTEGER next to it.
        assert.deepEqual(info.columns.filter((c) => ['i', 'j', 'k', 'm'].includes(c.name)).map((c) => c.type), ['integer', 'integer', 'integer', 'integer']);
        const rows = await store.query('SELECT l FROM address');
        assert.deepEqual(rows, [{ l: 1 }, { l: 11 }]);
      });
    });

    it('student_yaml1: float columns written with exponents (f, s) are FLOAT with the exact values', async () => {
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'student_yaml1');
        const math = await store.describe('math');
        assert.equal(math.columns.find((c) => c.name === 'f')!.type, 'float');
        assert.deepEqual(await store.query('SELECT f FROM math'), [{ f: 0.0089 }, { f: 0.0099 }]);
        const physics = await store.describe('physics');
        assert.equal(physics.columns.find((c) => c.name === 's')!.type, 'float');
        assert.deepEqual(await store.query('SELECT s FROM physics'), [{ s: -0.0012 }, { s: -0.0122 }]);
      });
    });

    it('a column mixing integers and floats is FLOAT here (Python DSI makes it VARCHAR)', async () => {
      await withStore(backend, async ({ store, dir }) => {
        const file = writeFile(dir, 'mixed.csv', 'x,y\n1,a\n2.5,b\n3,c\n');
        await store.read(file);
        const info = await store.describe('mixed');
        assert.equal(info.columns[0]!.type, 'float');
        assert.equal(info.columns[0]!.declaredType, store.typeNames.float);
        assert.deepEqual(await store.getTable('mixed', { columns: ['x'] }), [{ x: 1 }, { x: 2.5 }, { x: 3 }]);
        // Numbers, so numeric comparison works.
        assert.deepEqual((await store.find('x > 2')).map((r) => r['x']), [2.5, 3]);
      });
    });

    it('results_toml1: a column seen in only one of the files is NULL in the other file\'s row, as in Python DSI', async () => {
      await withStore(backend, async ({ store }) => {
        await readCase(store, 'results_toml1');
        const rows = await store.getTable('people');
        assert.equal(rows.length, 2);
        assert.equal(rows[0]!['avg_height2'], null);
        assert.equal(rows[1]!['avg_height'], null);
        assert.equal(rows[1]!['avg_height2'], 5.5);
      });
    });
  });
}
