/**
 * Where this store behaved differently from Python DSI, it now behaves as Python DSI does, or
 * better on purpose (said so in the test name): SQL-quoted names, quoted numbers in `find`,
 * Python DSI's find errors, `update --from` into text columns, `display` saying what it left out,
 * YAML read flat into a named table, JSON in Python's collection layout, circular foreign keys,
 * and read-only verbs on a store that does not exist. One small store per case; the CLI is run in
 * this process where it fails, and spawned only where its exit status or output is the point.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type StorePlugins, defaultPlugins, openStore } from '../src/index.js';
import { failureOf, runDsi } from './helpers/cli-run.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, withStore, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');

/**
 * Python DSI's `test_sanitize_inputs_sqlite` collection, as a JSON file: a table named `"2"` and
 * a column named `"math"` in their SQL-quoted spellings, and a table and a column named `all`.
 */
const SANITIZE_COLLECTION = JSON.stringify({
  '"2"': { specification: ['!jack'], a: [1], b: [2], c: [45.98], d: [2], e: [34.8], f: [0.0089] },
  all: { specification: ['!sam'], fileLoc: ['/home/sam/lib/data'], G: ['good memories'], all: [9.8], i: [2], m: [99] },
  math: { specification: [null, '!jack1'], a: [null, 2], '"math"': [null, 3], c: [null, 45.98] },
});

describe('SQL-quoted names mean the name inside the quotes, as in Python DSI', () => {
  it('"2" and "math" read from a collection are the table 2 and the column math; find, display, update and get take both spellings', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'collection.json', SANITIZE_COLLECTION));
      assert.deepEqual(await store.tables(), ['2', 'all', 'math']);
      assert.deepEqual((await store.describe('math')).columns.map((c) => c.name), ['specification', 'a', 'math', 'c']);

      for (const condition of ['all > 9', '"all" > 9']) {
        const rows = await store.find(condition);
        assert.deepEqual(rows.map((r) => [r.dsi_table_name, r['G']]), [['all', 'good memories']], condition);
      }
      const math = await store.find('"math" < 9');
      assert.deepEqual(math.map((r) => [r.dsi_table_name, r.dsi_row_index, r['math']]), [['math', 2, 3]]);
      await store.updateRows([{ table: '"math"', rowIndex: 2, values: { '"math"': 4 } }]);
      assert.deepEqual((await store.display('"math"', { columns: ['"specification"', 'math'] })).map((r) => [r['specification'], r['math']]), [[null, null], ['!jack1', 4]]);

      const two = await store.find('b < 9', { table: '"2"' });
      assert.deepEqual(two.map((r) => [r.dsi_table_name, r['b']]), [['2', 2]]);
      await store.updateRows([{ table: '"2"', rowIndex: 1, values: { b: 99 } }]);
      assert.deepEqual((await store.display('"2"')).map((r) => r['b']), [99]);
      assert.deepEqual((await store.display('2')).map((r) => r['b']), [99]);
      assert.equal(await store.rowCount('"all"'), 1);
      // A lone quote inside is no quoted name: it is looked up as written, and not found.
      await rejectsWithCode(store.display('"a"ll"'), 'E_TABLE_MISSING');
    });
  });

  it('the CLI takes the quoted spelling: dsi display \'"2"\' and dsi find \'"math" < 9\'', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'dsi.db');
    const store = await openStore(db);
    await store.read(writeFile(dir, 'collection.json', SANITIZE_COLLECTION));
    await store.close();
    const display = runDsi(['--db', db, 'display', '"2"', '--columns', '"b",c', '--json']);
    assert.equal(display.status, 0, display.stderr);
    assert.deepEqual(JSON.parse(display.stdout), { table: '2', total: 1, rows: [{ b: 2, c: 45.98 }], withheld: 0 });
    const find = runDsi(['--db', db, 'find', '"math" < 9', '--table', '"math"', '--json']);
    assert.equal(find.status, 0, find.stderr);
    assert.deepEqual((JSON.parse(find.stdout) as { rows: { math: number }[] }).rows.map((r) => r.math), [3]);
  });
});

describe('find: quoted numbers, apostrophes and malformed terms as in Python DSI', () => {
  it("a quoted number compares as a number against a numeric column: a > '14' finds no row where a = 2, as Python DSI's SQLite does", async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 't.csv', 'a,code\n2,007\n20,7\n30,x7\n'));
      assert.deepEqual((await store.find("a > '14'")).map((r) => r['a']), [20, 30]);
      assert.deepEqual((await store.find("a < '14'")).map((r) => r['a']), [2]);
      assert.deepEqual((await store.find('a > "14"')).map((r) => r['a']), [20, 30]);
      assert.deepEqual((await store.find("a = '2'")).map((r) => r['a']), [2]);
      assert.deepEqual((await store.find("a ('9', '25')")).map((r) => r['a']), [20]);
      assert.deepEqual((await store.find("a ('1', 5)")).map((r) => r['a']), [2]);
      // Against a text column quoted text stays text, as SQLite's affinity keeps it: '007' is not 7.
      assert.deepEqual((await store.find("code = '007'")).map((r) => r['a']), [2]);
      assert.deepEqual((await store.find('code = 7')).map((r) => r['a']), [2, 20]);
    });
  });

  it("'' inside a quoted value is an apostrophe: g = 'there''s' finds there's; quoted operators are text (a > '<4' finds nothing)", async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 't.csv', "a,g\n1,there's\n2,good memories\n"));
      assert.deepEqual((await store.find("g = 'there''s'")).map((r) => r['a']), [1]);
      assert.deepEqual(await store.find("a > '<4'"), []);
      assert.deepEqual((await store.find("g !='>good memories'")).map((r) => r['a']), [1, 2]);
    });
  });

  // Every condition Python DSI's find refuses (its test_find_relation_error), refused here too,
  // with E_FIND_SYNTAX and a message that says where; `"a" > "14"` and `a>"2"` aside: see below.
  const refused = [
    'a',
    "'a' > 1",
    "'a' 1",
    'a 1',
    'a ">1"',
    "a > '<4')",
    'a > <4)',
    'a (1,2))',
    "a (')')",
    'a (,',
    "a (,')')",
    "g !=there's",
    'g (there is, a place)',
    "g ('there is', a place)",
    "g ('there is', 'a place')",
    "g ('there is' 'a place')",
    "g ('there is', 'a place'",
    "g ('there is', 'a place)'",
    "g ('there is', 'a place'))",
    'g (3,4))',
    'g (,4)',
    'a ("hello",6)',
    'a (6, "hello")',
    'a (6, "hello", 6)',
  ];
  it(`refuses the ${refused.length} malformed conditions Python DSI refuses, each with E_FIND_SYNTAX naming the condition and the character`, async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 't.csv', 'a,g\n1,x\n'));
      for (const condition of refused) {
        const e = await rejectsWithCode(store.find(condition), 'E_FIND_SYNTAX');
        assert.ok(e.message.startsWith(`find "${condition}": `), e.message);
      }
      assert.match((await rejectsWithCode(store.find("'a' > 1"), 'E_FIND_SYNTAX')).message, /column name cannot be in single quotes/);
      assert.match((await rejectsWithCode(store.find("g ('there is', 'a place')"), 'E_FIND_SYNTAX')).message, /the lower value must come first/);
    });
  });

  it('a double-quoted value is text (Python DSI refuses it): deliberately lenient, since a condition has one column and its place says which is which', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 't.csv', 'a,g\n2,x\n20,y\n'));
      assert.deepEqual((await store.find('"a" > "14"')).map((r) => r['a']), [20]);
      assert.deepEqual((await store.find('g = "y"')).map((r) => r['a']), [20]);
    });
  });
});

describe('update --from writes a whole number into a text column as --set does', () => {
  it('dsi update --from with {"code": 123} stores "123" in a text column, not "123.0"; the library does the same', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'dsi.db');
    const store = await openStore(db);
    await store.read(writeFile(dir, 'codes.csv', 'code,n\nabc,1\nxyz,2\n'));
    await store.close();
    const edits = writeFile(dir, 'edits.json', JSON.stringify([{ dsi_table_name: 'codes', dsi_row_index: 1, code: 123 }]));
    const r = runDsi(['--db', db, 'update', '--from', edits]);
    assert.equal(r.status, 0, r.stderr);
    const after = await openStore(db);
    try {
      await after.updateRows([{ table: 'codes', rowIndex: 2, values: { code: 4567 } }]);
      const rows = await after.query('SELECT code, typeof(code) AS t FROM codes ORDER BY rowid');
      assert.deepEqual(rows, [{ code: '123', t: 'text' }, { code: '4567', t: 'text' }]);
    } finally {
      await after.close();
    }
  });
});

describe('display says how many rows it left out', () => {
  it('display -n 1 of a 3-row table prints "showing 1 of 3 rows"; --json gives {table, total, rows}', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'dsi.db');
    const store = await openStore(db);
    await store.read(writeFile(dir, 'runs.csv', 'id\n1\n2\n3\n'));
    await store.close();
    const text = runDsi(['--db', db, 'display', 'runs', '-n', '1']);
    assert.equal(text.stdout, 'id\n───\n1\nshowing 1 of 3 rows; -n 3 shows them all\n');
    const json = runDsi(['--db', db, 'display', 'runs', '-n', '1', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), { table: 'runs', total: 3, rows: [{ id: 1 }], withheld: 0 });
  });
});

describe('yaml: Python DSI\'s flat layout with a table name', () => {
  const NESTED = 'run:\n  id: 1\n  params:\n    lr: 0.5\n    tags: [a, b]\nname: first\n---\nrun:\n  id: 2\nname: second\n';

  it('with a table, each document is one row of that table, nested keys joined with _ as Python DSI joins them', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'runs.yml', NESTED), { table: 'runs' });
      assert.deepEqual(await store.tables(), ['runs']);
      assert.deepEqual(await store.getTable('runs'), [
        { run_id: 1, run_params_lr: 0.5, run_params_tags: '["a","b"]', name: 'first' },
        { run_id: 2, run_params_lr: null, run_params_tags: null, name: 'second' },
      ]);
    });
  });

  it('without a table (or with layout=tables) nested maps still make tables of their own; a wrong layout is E_BAD_ARGUMENT', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const file = writeFile(dir, 'runs.yml', NESTED);
      await store.read(file);
      assert.deepEqual(await store.tables(), ['runs', 'run']);
      await store.read(file, { table: 'other', readerOptions: { layout: 'tables' }, append: true });
      assert.deepEqual(await store.tables(), ['runs', 'run', 'other']);
      const flat = await store.read(file, { table: 'flat', readerOptions: { layout: 'flat' } });
      assert.deepEqual(flat.map((r) => r.table), ['flat']);
      const e = await rejectsWithCode(store.read(file, { table: 'x', readerOptions: { layout: 'nested' } }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /layout must be "tables" or "flat", got "nested"/);
    });
  });
});

describe('json: Python DSI\'s collection layout {table: {column: [values]}}', () => {
  it('reads each table as columns, one row per index, not one row of JSON arrays', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'c.json', JSON.stringify({ physics: { n: [9.8, 91.8], o: ['gravity', 'gravity'], p: [23, 233] }, meta: { version: [3] } })));
      assert.deepEqual(await store.getTable('physics'), [
        { n: 9.8, o: 'gravity', p: 23 },
        { n: 91.8, o: 'gravity', p: 233 },
      ]);
      assert.deepEqual(await store.getTable('meta'), [{ version: 3 }]);
    });
  });

  it('columns of different lengths are E_BAD_INPUT naming the file, the table and the lengths; the store is unchanged', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'ok.csv', 'x\n1\n'));
      const before = await dumpStore(store);
      const file = writeFile(dir, 'ragged.json', JSON.stringify({ physics: { n: [1, 2, 3], o: ['a', 'b'] } }));
      const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
      assert.match(e.message, /ragged\.json:1: table "physics" is given as columns of different lengths \("n" has 3 values, "o" 2\)/);
      assert.deepEqual(await dumpStore(store), before);
    });
  });
});

/** The sqlite backend, reporting that it cannot hold circular foreign keys. */
function withoutCircularKeys(): StorePlugins {
  const sqlite = defaultPlugins.backends['sqlite']!;
  return {
    ...defaultPlugins,
    backends: {
      acyclic: async (location, options) => {
        const real = await sqlite(location, options);
        const capabilities = { ...real.capabilities, supportsCircularForeignKeys: false };
        return new Proxy(real, {
          get(target, key) {
            if (key === 'capabilities') return capabilities;
            const value: unknown = Reflect.get(target, key, target);
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
    },
  };
}

describe('circular foreign keys: accepted where the backend holds them, refused with the reason where not', () => {
  const PAIR = { a: { primary_key: 'id', foreign_key: { b_id: ['b', 'id'] } }, b: { primary_key: 'id', foreign_key: { a_id: ['a', 'id'] } } };

  it('SQLite accepts yaml1_circular_schema.json and a circular pair, and enforces both keys of the pair', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      assert.equal(store.capabilities.supportsCircularForeignKeys, true);
      await store.applySchema(path.join(FIXTURES, 'yaml1_circular_schema.json'));
      assert.deepEqual([...(await store.relations()).keys()], ['math', 'address', 'physics']);

      await store.applySchema(writeFile(dir, 'pair.json', JSON.stringify(PAIR)));
      await store.read(writeFile(dir, 'pair-rows.json', JSON.stringify({ a: { id: [1, 2], b_id: [10, 20] }, b: { id: [10, 20], a_id: [2, 1] } })));
      assert.deepEqual((await store.describe('a')).foreignKeys, [{ column: 'b_id', refTable: 'b', refColumn: 'id' }]);
      assert.deepEqual((await store.describe('b')).foreignKeys, [{ column: 'a_id', refTable: 'a', refColumn: 'id' }]);
      const before = await dumpStore(store);
      const toA = await rejectsWithCode(store.insertRows('b', [{ id: 30, a_id: 9 }]), 'E_SCHEMA');
      assert.match(toA.message, /foreign key violated: b row 3: a_id has no matching a\.id/);
      const toB = await rejectsWithCode(store.updateRows([{ table: 'a', rowIndex: 1, values: { b_id: 99 } }]), 'E_SCHEMA');
      assert.match(toB.message, /foreign key violated: a row 1: b_id has no matching b\.id/);
      assert.deepEqual(await dumpStore(store), before);
    });
  });

  it('a backend without supportsCircularForeignKeys refuses the circular schema with E_SCHEMA saying why, recording nothing', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'dsi.db'), { plugins: withoutCircularKeys(), backend: 'acyclic' });
    try {
      const e = await rejectsWithCode(store.applySchema(path.join(FIXTURES, 'yaml1_circular_schema.json')), 'E_SCHEMA');
      assert.match(e.message, /yaml1_circular_schema\.json: the foreign keys form a cycle \(math → address → math\), and this backend cannot hold circular foreign keys/);
      assert.deepEqual(await store.relations(), new Map());
      // Relations without a cycle are still fine there.
      await store.applySchema(path.join(FIXTURES, 'yaml1_schema.json'));
      assert.equal((await store.relations()).size, 3);
    } finally {
      await store.close();
    }
  });
});

describe('read-only verbs on a store that does not exist', () => {
  const verbs: readonly (readonly string[])[] = [
    ['list'],
    ['find', 'a > 1'],
    ['query', 'SELECT 1'],
    ['display', 't'],
    ['summary'],
    ['search', 'x'],
    ['schema'],
    ['write', 'out.csv', '--table', 't'],
  ];
  it(`each of ${verbs.map((v) => v[0]).join(', ')} says the store does not exist, naming it, exit 2, and creates no file`, async () => {
    const dir = tempDir();
    const db = path.join(dir, 'missing.db');
    for (const verb of verbs) {
      const args = verb.map((a) => (a === 'out.csv' ? path.join(dir, a) : a));
      const f = await failureOf(['--db', db, ...args]);
      assert.equal(f.status, 2, verb[0]);
      assert.equal(f.line, `dsi: the store ${db} does not exist; \`dsi --db ${db} read FILE\` creates it`, verb[0]);
    }
    const spawned = runDsi(['--db', db, 'list']);
    assert.equal(spawned.status, 2);
    assert.equal(spawned.stdout, '');
    assert.match(spawned.stderr, /^dsi: the store .*missing\.db does not exist; `dsi --db .* read FILE` creates it\n$/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
