/**
 * The store's behaviour, as every backend must show it: the find language, search, read-only
 * query, appends and widening, type inference, big integers, update, relations, the ensemble
 * reader, units, write, close. Runs once per backend in DSI_TEST_BACKENDS (default: every
 * embedded backend); the last block checks, for backends whose store file is a SQLite database
 * (`capabilities.isSqliteFile`), its conventions against Python's sqlite3 module.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Store, openStore, toJson } from '../src/index.js';
import type { Row } from '../src/index.js';
import {
  BACKENDS,
  backendsWhere,
  dumpStore,
  openTempStore,
  rejectsWithCode,
  removeTempDirs,
  tempDir,
  withStore,
  writeFile,
} from './helpers/store-helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);
const STUDENT_FILES = [fixture('student_test1.yml'), fixture('student_test2.yml')];

after(removeTempDirs);

/** `runs`: speed FLOAT with a NULL, label VARCHAR, code VARCHAR holding numeric text. */
const RUNS_CSV = 'id,speed,label,code\n1,2.5,Alpha,5\n2,5,beta,10\n3,7.5,ALPHABET,x5\n4,,gamma,05\n';

const ids = (rows: readonly Row[]) => rows.map((r) => r['id']);

function python(script: string, ...args: string[]): string {
  return execFileSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
}

for (const backend of BACKENDS) {
  describe(`store on ${backend}`, () => {
    // ── find ──────────────────────────────────────────────────────────────────────────────
    describe('find', () => {
      const cases: [string, number[]][] = [
        ['speed > 5', [3]],
        ['speed < 5', [1]],
        ['speed >= 5', [2, 3]],
        ['speed <= 5', [1, 2]],
        ['speed = 5', [2]],
        ['speed == 5', [2]],
        ['speed != 5', [1, 3]],
        ['label ~ alpha', [1, 3]],
        ['label ~~ ALPHA', [1, 3]],
        ["label ~ 'PHA'", [1, 3]],
        ['label = beta', [2]],
        ['label != beta', [1, 3, 4]],
        ['speed (2.5, 5)', [1, 2]],
        ['speed (2.5, 7.5)', [1, 2, 3]],
        ['speed (2.6, 4.9)', []],
        ['id >= 4', [4]],
        ['speed > -1', [1, 2, 3]],
        ['"speed" >= 7.5', [3]],
        ['speed>5', [3]],
        ['speed = 5.0', [2]],
        ['speed < 1e1', [1, 2, 3]],
        ['label = ALPHA', []],
      ];
      for (const [condition, expected] of cases) {
        it(`"${condition}" matches ids [${expected.join(', ')}] (NULL never matches; ranges include both bounds; ~ and ~~ ignore case)`, async () => {
          await withStore(backend, async ({ store, dir }) => {
            await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
            const found = await store.find(condition);
            assert.deepEqual(ids(found), expected);
            for (const row of found) {
              assert.equal(row.dsi_table_name, 'runs');
              assert.equal(row.dsi_row_index, row['id']); // ids are 1..4 in insertion order
            }
          });
        });
      }

      it('a quoted "5" is text (exact spelling) while an unquoted 5 compares as a number, on a VARCHAR column', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          assert.equal((await store.describe('runs')).columns[3]!.type, 'text');
          assert.deepEqual(ids(await store.find('code = 5')), [1, 4]); // "5" and "05"
          assert.deepEqual(ids(await store.find('code = "5"')), [1]);
          assert.deepEqual(ids(await store.find("code = '05'")), [4]);
        });
      });

      it('a number compares numerically with numeric text in a VARCHAR column ("10" > 6, "x5" is no number)', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          assert.deepEqual(ids(await store.find('code > 6')), [2]);
          assert.deepEqual(ids(await store.find('code < 6')), [1, 4]);
          assert.deepEqual(ids(await store.find('code (5, 10)')), [1, 2, 4]);
        });
      });

      it('a column in several tables gives rows from each, tagged with dsi_table_name; options.table narrows to one', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.read(writeFile(dir, 'other.csv', 'speed,name\n9,a\n1,b\n6,c\n'));
          const all = await store.find('speed > 5');
          assert.deepEqual(all.map((r) => [r.dsi_table_name, r.dsi_row_index, r['speed']]), [
            ['runs', 3, 7.5],
            ['other', 1, 9],
            ['other', 3, 6],
          ]);
          assert.deepEqual(all[1], { dsi_table_name: 'other', dsi_row_index: 1, speed: 9, name: 'a' });
          const narrowed = await store.find('speed > 5', { table: 'other' });
          assert.deepEqual(narrowed.map((r) => [r.dsi_table_name, r['name']]), [['other', 'a'], ['other', 'c']]);
          const runsOnly = await store.find('speed > 5', { table: 'runs' });
          assert.deepEqual(runsOnly.map((r) => r.dsi_table_name), ['runs']);
        });
      });

      const malformed: [string, string][] = [
        ['', 'empty'],
        ['   ', 'blank'],
        ['speed', 'no operator'],
        ['speed 5', 'no operator before the value'],
        ['speed => 5', 'unknown operator =>'],
        ['speed <> 5', 'unknown operator <>'],
        ['speed >', 'missing value'],
        ['speed ==   ', 'missing value after =='],
        ['> 5', 'missing column name'],
        ["label = 'abc", 'unterminated quote in the value'],
        ['label = "abc', 'unterminated double quote in the value'],
        ['"speed > 5', 'unterminated quote in the column name'],
        ['speed (1)', 'range with one value'],
        ['speed (1, 2, 3)', 'range with three values'],
        ['speed (5, 1)', 'range with low > high'],
        ['speed (1, 5', "range missing ')'"],
        ['speed (, 5)', 'range with an empty bound'],
        ["speed (1, 'a')", 'range mixing a number and text'],
      ];
      for (const [condition, what] of malformed) {
        it(`rejects ${JSON.stringify(condition)} (${what}) with E_FIND_SYNTAX`, async () => {
          await withStore(backend, async ({ store, dir }) => {
            await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
            const e = await rejectsWithCode(store.find(condition), 'E_FIND_SYNTAX');
            assert.match(e.message, /find/);
          });
        });
      }

      it('an unknown column rejects with E_COLUMN_MISSING (also when narrowed to a table without it)', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.read(writeFile(dir, 'other.csv', 'name\na\n'));
          const e = await rejectsWithCode(store.find('nope > 1'), 'E_COLUMN_MISSING');
          assert.match(e.message, /nope/);
          await rejectsWithCode(store.find('speed > 1', { table: 'other' }), 'E_COLUMN_MISSING');
          await rejectsWithCode(store.find('speed > 1', { table: 'missing_table' }), 'E_TABLE_MISSING');
        });
      });
    });

    // ── search ────────────────────────────────────────────────────────────────────────────
    describe('search', () => {
      it('finds table names, column names and cells, ignoring case, in the shape {tables, columns, rows}', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.read(writeFile(dir, 'alphas.csv', 'name,alpha_value\nomega,1\nAlphaOne,2\n'));
          const r = await store.search('ALPHA');
          assert.deepEqual(r.tables, ['alphas']);
          assert.deepEqual(r.columns, [{ table: 'alphas', column: 'alpha_value' }]);
          assert.deepEqual(r.rows, [
            { dsi_table_name: 'runs', dsi_row_index: 1, id: 1, speed: 2.5, label: 'Alpha', code: '5' },
            { dsi_table_name: 'runs', dsi_row_index: 3, id: 3, speed: 7.5, label: 'ALPHABET', code: 'x5' },
            { dsi_table_name: 'alphas', dsi_row_index: 2, name: 'AlphaOne', alpha_value: 2 },
          ]);
        });
      });

      it('matches numbers by their text and returns nothing for an absent term', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          const r = await store.search('7.5');
          assert.deepEqual(r.rows.map((x) => [x.dsi_table_name, x['id']]), [['runs', 3]]);
          const none = await store.search('zzz-not-there');
          assert.deepEqual(none, { tables: [], columns: [], rows: [] });
          const byColumn = await store.search('SPEE');
          assert.deepEqual(byColumn.columns, [{ table: 'runs', column: 'speed' }]);
          assert.deepEqual(byColumn.rows, []);
        });
      });
    });

    describe('search wildcards', () => {
      it('treats % and _ in the term as plain characters, not SQL wildcards', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'w.csv', 'name\n50% done\nplain\nsnake_case\n'));
          assert.deepEqual((await store.search('%')).rows.map((r) => r['name']), ['50% done']);
          assert.deepEqual((await store.search('_')).rows.map((r) => r['name']), ['snake_case']);
        });
      });
    });

    // ── query is read-only ────────────────────────────────────────────────────────────────
    describe('query', () => {
      it('runs SELECT with bound parameters', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          assert.deepEqual(await store.query('SELECT id, label FROM runs WHERE speed > ? ORDER BY id', [3]), [
            { id: 2, label: 'beta' },
            { id: 3, label: 'ALPHABET' },
          ]);
        });
      });

      const writes = [
        "INSERT INTO runs (id) VALUES (99)",
        "UPDATE runs SET label = 'x'",
        'DELETE FROM runs',
        'DELETE FROM runs RETURNING id',
        'WITH x AS (SELECT 1) DELETE FROM runs',
        'ALTER TABLE runs ADD COLUMN z INTEGER',
        'ALTER TABLE runs RENAME TO gone',
        'DROP TABLE runs',
        'CREATE TABLE evil (a INTEGER)',
        'CREATE INDEX idx ON runs (id)',
        "ATTACH DATABASE ':memory:' AS other",
        'PRAGMA user_version = 42',
        'PRAGMA journal_mode = DELETE',
        'BEGIN',
        'VACUUM',
      ];
      for (const sql of writes) {
        it(`refuses "${sql}" with E_READ_ONLY and leaves the store unchanged`, async () => {
          await withStore(backend, async ({ store, dir }) => {
            await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
            const before = await dumpStore(store);
            const version = await store.schemaVersion();
            await rejectsWithCode(store.query(sql), 'E_READ_ONLY');
            assert.deepEqual(await dumpStore(store), before);
            assert.equal(await store.schemaVersion(), version);
            // The store still works for reads and writes afterwards.
            assert.equal((await store.query('SELECT count(*) AS n FROM runs'))[0]!['n'], 4);
          });
        });
      }
    });

    // ── appends and widening ──────────────────────────────────────────────────────────────
    describe('appends', () => {
      it('a second CSV with an extra column adds that column; the earlier rows hold NULL there', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'a.csv', 'x,y\n1,2\n'), { table: 't' });
          await store.read(writeFile(dir, 'b.csv', 'x,y,z\n3,4,hello\n'), { table: 't' });
          assert.deepEqual((await store.describe('t')).columns.map((c) => [c.name, c.type]), [
            ['x', 'integer'],
            ['y', 'integer'],
            ['z', 'text'],
          ]);
          assert.deepEqual(await store.getTable('t'), [
            { x: 1, y: 2, z: null },
            { x: 3, y: 4, z: 'hello' },
          ]);
        });
      });

      it('a later file with columns in another order and one missing puts each value in its column', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'a.csv', 'x,y,z\n1,2,3\n'), { table: 't' });
          await store.read(writeFile(dir, 'b.csv', 'z,x\n30,10\n'), { table: 't' });
          assert.deepEqual(await store.getTable('t'), [
            { x: 1, y: 2, z: 3 },
            { x: 10, y: null, z: 30 },
          ]);
        });
      });

      it('a later file bringing floats into an INTEGER column widens it to FLOAT, keeping the old values', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'a.csv', 'v,w\n1,a\n2,b\n'), { table: 't' });
          assert.equal((await store.describe('t')).columns[0]!.type, 'integer');
          await store.read(writeFile(dir, 'b.csv', 'v,w\n2.5,c\n'), { table: 't' });
          const col = (await store.describe('t')).columns[0]!;
          assert.equal(col.type, 'float');
          assert.equal(col.declaredType, store.typeNames.float);
          assert.deepEqual(await store.getTable('t'), [
            { v: 1, w: 'a' },
            { v: 2, w: 'b' },
            { v: 2.5, w: 'c' },
          ]);
        });
      });

      it('a later file bringing text into a numeric column widens it to VARCHAR, keeping the old values as text', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'a.csv', 'i,f\n1,0.5\n-20,2.5\n'), { table: 't' });
          await store.read(writeFile(dir, 'b.csv', 'i,f\nabc,def\n'), { table: 't' });
          const cols = (await store.describe('t')).columns;
          assert.deepEqual(cols.map((c) => c.type), ['text', 'text']);
          assert.deepEqual(cols.map((c) => c.declaredType), [store.typeNames.text, store.typeNames.text]);
          const rows = await store.getTable('t');
          // Integers keep their digits exactly; floats become text that reads back as the same number.
          assert.deepEqual(rows.map((r) => r['i']), ['1', '-20', 'abc']);
          assert.equal(rows[2]!['f'], 'def');
          assert.deepEqual(rows.slice(0, 2).map((r) => typeof r['f'] === 'string' && Number(r['f'])), [0.5, 2.5]);
        });
      });

      it('a CSV integer for its first 25,000 rows and then holding "007x" ends VARCHAR, the early cells keeping their spelling ("007")', async () => {
        await withStore(backend, async ({ store, dir }) => {
          // Rows ~100 bytes wide, so the first 20,000-row inference window and the parser's first
          // chunks hold integers only: the text comes after numbers were stored (full rescan).
          const pad = 'p'.repeat(90);
          const lines = ['code,pad'];
          for (let i = 1; i <= 25_000; i++) lines.push(`${String(i).padStart(3, '0')},${pad}`);
          lines.push(`007x,${pad}`, `42,${pad}`);
          await store.read(writeFile(dir, 'codes.csv', `${lines.join('\n')}\n`), { table: 'codes' });
          const col = (await store.describe('codes')).columns[0]!;
          assert.equal(col.type, 'text');
          assert.deepEqual(await store.list(), [{ table: 'codes', columns: 2, rows: 25_002 }]);
          const first = await store.display('codes', { limit: 10, columns: ['code'] });
          assert.deepEqual(first.map((r) => r['code']), ['001', '002', '003', '004', '005', '006', '007', '008', '009', '010']);
          const tail = (await store.getTable('codes', { columns: ['code'] })).slice(-3).reverse();
          assert.deepEqual(tail.map((r) => r['code']), ['42', '007x', '25000']);
          assert.deepEqual(await store.find("code = '007'"), [{ dsi_table_name: 'codes', dsi_row_index: 7, code: '007', pad }]);
        });
      });

      it('a column empty for its first 25,000 rows that later gets floats ends FLOAT with those floats', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const pad = 'p'.repeat(90);
          const lines = ['n,v,pad'];
          for (let i = 1; i <= 25_000; i++) lines.push(`${i},,${pad}`);
          lines.push(`25001,1.5,${pad}`, `25002,-0.25,${pad}`, `25003,3,${pad}`);
          await store.read(writeFile(dir, 'late.csv', `${lines.join('\n')}\n`), { table: 'late' });
          const col = (await store.describe('late')).columns[1]!;
          assert.equal(col.type, 'float');
          assert.equal(col.declaredType, store.typeNames.float);
          assert.deepEqual(await store.query('SELECT n, v FROM late WHERE v IS NOT NULL ORDER BY n'), [
            { n: 25001, v: 1.5 },
            { n: 25002, v: -0.25 },
            { n: 25003, v: 3 },
          ]);
          assert.equal((await store.query('SELECT count(*) AS c FROM late WHERE v IS NULL'))[0]!['c'], 25_000);
        });
      });
    });

    // ── type inference and CSV shapes ─────────────────────────────────────────────────────
    describe('type inference', () => {
      it('an all-empty column is INTEGER holding NULLs', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 't.csv', 'a,b\n1,\n2,\n'));
          const cols = (await store.describe('t')).columns;
          assert.equal(cols[1]!.type, 'integer');
          assert.equal(cols[1]!.declaredType, store.typeNames.integer);
          assert.deepEqual(await store.getTable('t'), [{ a: 1, b: null }, { a: 2, b: null }]);
        });
      });

      it('integers INTEGER, floats and exponents FLOAT, anything else VARCHAR; numbers may carry spaces', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 't.csv', 'i,f,e,s\n-7,0.5,1e-3,abc\n +42 ,.5,2E2,1 2\n'));
          assert.deepEqual((await store.describe('t')).columns.map((c) => c.type), ['integer', 'float', 'float', 'text']);
          assert.deepEqual(await store.getTable('t'), [
            { i: -7, f: 0.5, e: 0.001, s: 'abc' },
            { i: 42, f: 0.5, e: 200, s: '1 2' },
          ]);
        });
      });

      it('a NaN cell in a float column is NULL', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 't.csv', 'v\n1.5\nNaN\n2.5\nnan\n'));
          assert.equal((await store.describe('t')).columns[0]!.type, 'float');
          assert.deepEqual(await store.getTable('t'), [{ v: 1.5 }, { v: null }, { v: 2.5 }, { v: null }]);
        });
      });

      it('CRLF line ends, a BOM, quoted fields with embedded newlines, commas and quotes, and empty cells (NULL) are read as RFC 4180 says', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const text = '\uFEFFname,note,n\r\n"Smith, J","line1\nline2",1\r\n,,\r\n"say ""hi""",plain,3\r\n';
          await store.read(writeFile(dir, 'people.csv', text));
          assert.deepEqual((await store.describe('people')).columns.map((c) => c.name), ['name', 'note', 'n']);
          assert.deepEqual(await store.getTable('people'), [
            { name: 'Smith, J', note: 'line1\nline2', n: 1 },
            { name: null, note: null, n: null },
            { name: 'say "hi"', note: 'plain', n: 3 },
          ]);
        });
      });

      it('integers beyond 2^53 come back as bigint with every digit, through query and getTable', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'big.csv', 'id,v\n9007199254740993,1\n9223372036854775807,2\n-9223372036854775808,3\n1,4\n'));
          assert.equal((await store.describe('big')).columns[0]!.type, 'integer');
          const expected = [9007199254740993n, 9223372036854775807n, -9223372036854775808n, 1];
          assert.deepEqual((await store.getTable('big')).map((r) => r['id']), expected);
          assert.deepEqual((await store.query('SELECT id FROM big')).map((r) => r['id']), expected);
          assert.deepEqual((await store.find('v = 1')).map((r) => r['id']), [9007199254740993n]);
          assert.deepEqual(await store.query('SELECT v FROM big WHERE id = ?', [9007199254740993n]), [{ v: 1 }]);
          assert.deepEqual(await store.query('SELECT v FROM big WHERE id = ?', [9007199254740992n]), []);
        });
      });

      it('an integer beyond int64 makes the column VARCHAR with its digits kept', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'huge.csv', 'n\n99999999999999999999\n5\n'));
          assert.equal((await store.describe('huge')).columns[0]!.type, 'text');
          assert.deepEqual(await store.getTable('huge'), [{ n: '99999999999999999999' }, { n: '5' }]);
        });
      });

      it('toJson prints big integers as bare digits', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'big.csv', 'id\n9007199254740993\n9223372036854775807\n'));
          const json = toJson(await store.getTable('big'));
          assert.equal(json, '[{"id":9007199254740993},{"id":9223372036854775807}]');
          assert.equal(toJson({ a: [1n, 2.5, null, 'x'] }, 0), '{"a":[1,2.5,null,"x"]}');
        });
      });
    });

    // ── update ────────────────────────────────────────────────────────────────────────────
    describe('update', () => {
      it('updateRows edits exactly the given row and, with backup, returns a backup file holding the old value', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          const before = await store.getTable('runs');
          // A store on a server has no file to copy (capabilities.isSingleFile false): its
          // backup is refused (E_BACKEND, tested in postgres-backend.test.ts), the edit is not.
          const file = store.capabilities.isSingleFile;
          const result = await store.updateRows([{ table: 'runs', rowIndex: 2, values: { label: 'BETA', speed: '6' } }], { backup: file });
          assert.equal(result.rows, 1);
          if (!file) {
            assert.deepEqual((await store.getTable('runs'))[1], { id: 2, speed: 6, label: 'BETA', code: '10' });
            return;
          }
          assert.ok(result.backup !== undefined, 'a backup path');
          assert.ok(fs.existsSync(result.backup!), 'the backup file exists');
          const after = await store.getTable('runs');
          assert.deepEqual(after[1], { id: 2, speed: 6, label: 'BETA', code: '10' });
          assert.deepEqual([after[0], after[2], after[3]], [before[0], before[2], before[3]]);
          const old = await openStore(result.backup!, { backend, readOnly: true });
          try {
            assert.deepEqual(await old.getTable('runs'), before);
          } finally {
            await old.close();
          }
        });
      });

      it('with addColumns, a value for a column the table lacks adds that column (NULL in the other rows)', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.updateRows([{ table: 'runs', rowIndex: 3, values: { note: 'checked' } }], { addColumns: true });
          assert.deepEqual((await store.getTable('runs', { columns: ['id', 'note'] })), [
            { id: 1, note: null },
            { id: 2, note: null },
            { id: 3, note: 'checked' },
            { id: 4, note: null },
          ]);
        });
      });

      it('a float into an INTEGER column widens it to FLOAT', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.updateRows([{ table: 'runs', rowIndex: 1, values: { id: 1.5 } }]);
          assert.equal((await store.describe('runs')).columns[0]!.type, 'float');
          assert.deepEqual((await store.getTable('runs', { columns: ['id'] })).map((r) => r['id']), [1.5, 2, 3, 4]);
        });
      });

      it('text into a FLOAT column widens it to VARCHAR; the other values stay, as text of the same numbers', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.updateRows([{ table: 'runs', rowIndex: 1, values: { speed: 'fast' } }]);
          assert.equal((await store.describe('runs')).columns[1]!.type, 'text');
          const speeds = (await store.getTable('runs', { columns: ['speed'] })).map((r) => r['speed']);
          assert.equal(speeds[0], 'fast');
          assert.equal(speeds[3], null);
          assert.deepEqual(speeds.slice(1, 3).map((v) => typeof v === 'string' && Number(v)), [5, 7.5]);
        });
      });

      it('updating dsi_units rejects with E_RESERVED and changes nothing', async () => {
        await withStore(backend, async ({ store }) => {
          await store.read(fixture('results.toml'), { reader: 'toml1' });
          const before = await dumpStore(store);
          await rejectsWithCode(store.updateRows([{ table: 'dsi_units', rowIndex: 1, values: { unit: 'km' } }]), 'E_RESERVED');
          assert.deepEqual(await dumpStore(store), before);
        });
      });

      it('a row index out of range rejects with E_BAD_ARGUMENT and changes nothing (not even a new column)', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          const before = await dumpStore(store);
          for (const rowIndex of [0, 5, 99, -1, 1.5]) {
            await rejectsWithCode(store.updateRows([{ table: 'runs', rowIndex, values: { label: 'x', brand_new: 1 } }]), 'E_BAD_ARGUMENT');
            assert.deepEqual(await dumpStore(store), before, `after rowIndex ${rowIndex}`);
          }
          // A batch whose second edit is out of range leaves the first undone too.
          await rejectsWithCode(
            store.updateRows([
              { table: 'runs', rowIndex: 1, values: { label: 'changed' } },
              { table: 'runs', rowIndex: 50, values: { label: 'changed' } },
            ]),
            'E_BAD_ARGUMENT',
          );
          assert.deepEqual(await dumpStore(store), before);
        });
      });

      it('replaceTable replaces the rows of a table with those of a file', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.read(writeFile(dir, 'keep.csv', 'k\n1\n'));
          const result = await store.replaceTable('runs', writeFile(dir, 'new.csv', 'id,speed,label,code\n10,1.25,new,a\n11,2,newer,b\n'));
          assert.equal(result.rows, 2);
          assert.deepEqual(await store.getTable('runs'), [
            { id: 10, speed: 1.25, label: 'new', code: 'a' },
            { id: 11, speed: 2, label: 'newer', code: 'b' },
          ]);
          assert.deepEqual(await store.getTable('keep'), [{ k: 1 }]);
          const counts = Object.fromEntries((await store.list()).map((l) => [l.table, [l.columns, l.rows]]));
          assert.deepEqual(counts, { runs: [4, 2], keep: [1, 1] });
        });
      });
    });

    // ── relations (schema) ────────────────────────────────────────────────────────────────
    describe('schema', () => {
      const assertStudentKeys = async (store: Store) => {
        const ddl = await store.schemaDdl();
        assert.match(ddl, /CREATE TABLE "math"[^;]*PRIMARY KEY \("specification"\)/);
        assert.match(ddl, /CREATE TABLE "math"[^;]*FOREIGN KEY \("b"\) REFERENCES "address" \("i"\)/);
        assert.match(ddl, /CREATE TABLE "address"[^;]*PRIMARY KEY \("i"\)/);
        assert.match(ddl, /CREATE TABLE "address"[^;]*FOREIGN KEY \("h"\) REFERENCES "physics" \("n"\)/);
        assert.match(ddl, /CREATE TABLE "physics"[^;]*PRIMARY KEY \("n"\)/);
        assert.deepEqual((await store.describe('math')).foreignKeys, [{ column: 'b', refTable: 'address', refColumn: 'i' }]);
        assert.deepEqual((await store.describe('address')).foreignKeys, [{ column: 'h', refTable: 'physics', refColumn: 'n' }]);
        assert.deepEqual((await store.describe('physics')).columns.filter((c) => c.primaryKey).map((c) => c.name), ['n']);
        assert.deepEqual((await store.getTable('math', { columns: ['specification', 'b'] })), [
          { specification: '!jack', b: 2 },
          { specification: '!jack1', b: 3 },
        ]);
      };

      it('applySchema before reading the YAML1 files creates the tables with PRIMARY KEY and FOREIGN KEY', async () => {
        await withStore(backend, async ({ store }) => {
          await store.applySchema(fixture('yaml1_schema.json'));
          await store.read(STUDENT_FILES, { reader: 'yaml1' });
          await assertStudentKeys(store);
        });
      });

      it('applySchema after reading rebuilds the existing tables with the keys, rows intact', async () => {
        await withStore(backend, async ({ store }) => {
          await store.read(STUDENT_FILES, { reader: 'yaml1' });
          const rows = await store.getTable('address');
          await store.applySchema(fixture('yaml1_schema.json'));
          await assertStudentKeys(store);
          assert.deepEqual(await store.getTable('address'), rows);
        });
      });

      it('a CSV child row referencing a missing parent rejects with E_SCHEMA and leaves the store unchanged', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const schema = writeFile(dir, 'rel.json', JSON.stringify({ parent: { primary_key: 'id' }, child: { foreign_key: { pid: ['parent', 'id'] } } }));
          await store.applySchema(schema);
          await store.read(writeFile(dir, 'parent.csv', 'id,name\n1,a\n2,b\n'));
          await store.read(writeFile(dir, 'child.csv', 'cid,pid\n10,1\n'));
          const before = await dumpStore(store);
          const e = await rejectsWithCode(store.read(writeFile(dir, 'child2.csv', 'cid,pid\n11,2\n12,3\n'), { table: 'child' }), 'E_SCHEMA');
          assert.match(e.message, /foreign key/i);
          assert.deepEqual(await dumpStore(store), before);
          // A child table that does not exist yet is not created either.
          const before2 = await dumpStore(store);
          await rejectsWithCode(store.read(writeFile(dir, 'orphans.csv', 'cid,pid\n1,9\n'), { table: 'child' }), 'E_SCHEMA');
          assert.deepEqual(await dumpStore(store), before2);
        });
      });

      it('foreign keys are enforced for updates too: pointing a child at a missing parent rejects with E_SCHEMA', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.applySchema(writeFile(dir, 'rel.json', JSON.stringify({ parent: { primary_key: 'id' }, child: { foreign_key: { pid: ['parent', 'id'] } } })));
          await store.read(writeFile(dir, 'parent.csv', 'id\n1\n'));
          await store.read(writeFile(dir, 'child.csv', 'cid,pid\n10,1\n'));
          const before = await dumpStore(store);
          await rejectsWithCode(store.updateRows([{ table: 'child', rowIndex: 1, values: { pid: 7 } }]), 'E_SCHEMA');
          assert.deepEqual(await dumpStore(store), before);
        });
      });

      it('a circular schema (yaml1_circular_schema.json) over rows that break it rejects with E_SCHEMA (the broken key; a key of another type where columns are typed; the cycle where the backend cannot hold one), changing nothing', async () => {
        await withStore(backend, async ({ store }) => {
          await store.read(STUDENT_FILES, { reader: 'yaml1' });
          const before = await dumpStore(store);
          const e = await rejectsWithCode(store.applySchema(fixture('yaml1_circular_schema.json')), 'E_SCHEMA');
          assert.match(e.message, store.capabilities.supportsCircularForeignKeys ? /foreign key violated: math row 1: |incompatible types: bigint and text/ : /cycle/);
          assert.deepEqual(await dumpStore(store), before);
          assert.deepEqual(await store.relations(), new Map());
        });
      });

      it('a schema naming a missing column rejects with E_SCHEMA, changing nothing', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(STUDENT_FILES, { reader: 'yaml1' });
          const before = await dumpStore(store);
          const bad = writeFile(dir, 'bad.json', JSON.stringify({ math: { primary_key: 'no_such_column' } }));
          const e = await rejectsWithCode(store.applySchema(bad), 'E_SCHEMA');
          assert.match(e.message, /no_such_column/);
          assert.deepEqual(await dumpStore(store), before);
          const badFk = writeFile(dir, 'bad2.json', JSON.stringify({ math: { foreign_key: { b: ['address', 'nope'] } } }));
          await rejectsWithCode(store.applySchema(badFk), 'E_SCHEMA');
          assert.deepEqual(await dumpStore(store), before);
        });
      });

      it('a duplicate value in a column a schema makes the primary key rejects with E_SCHEMA when applied after reading', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 't.csv', 'id,v\n1,a\n1,b\n'));
          const before = await dumpStore(store);
          await rejectsWithCode(store.applySchema(writeFile(dir, 'rel.json', JSON.stringify({ t: { primary_key: 'id' } }))), 'E_SCHEMA');
          assert.deepEqual(await dumpStore(store), before);
        });
      });
    });

    // ── ensemble ──────────────────────────────────────────────────────────────────────────
    describe('ensemble reader', () => {
      it('adds sim_id 1..N and a simulation table it references; a second file continues the ids', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', 'temp,pressure\n1,2\n3,4\n5,6\n'), { reader: 'ensemble' });
          assert.deepEqual(await store.getTable('runs'), [
            { sim_id: 1, temp: 1, pressure: 2 },
            { sim_id: 2, temp: 3, pressure: 4 },
            { sim_id: 3, temp: 5, pressure: 6 },
          ]);
          assert.deepEqual(await store.getTable('simulation'), [{ sim_id: 1 }, { sim_id: 2 }, { sim_id: 3 }]);
          assert.deepEqual((await store.describe('runs')).foreignKeys, [{ column: 'sim_id', refTable: 'simulation', refColumn: 'sim_id' }]);
          assert.deepEqual((await store.describe('simulation')).columns.map((c) => [c.name, c.primaryKey]), [['sim_id', true]]);
          await store.read(writeFile(dir, 'more.csv', 'temp,pressure\n7,8\n9,10\n'), { reader: 'ensemble', table: 'runs' });
          assert.deepEqual((await store.getTable('runs', { columns: ['sim_id', 'temp'] })).slice(3), [
            { sim_id: 4, temp: 7 },
            { sim_id: 5, temp: 9 },
          ]);
          assert.deepEqual((await store.getTable('simulation')).map((r) => r['sim_id']), [1, 2, 3, 4, 5]);
        });
      });
    });

    // ── units ─────────────────────────────────────────────────────────────────────────────
    describe('units', () => {
      it('a toml1 file giving avg_height "cm" after one gave "m" rejects with E_UNIT_CONFLICT naming the file; dsi_units and rows unchanged', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'm.toml', '[people]\navg_height = {value = 5.5, units = "m"}\n'), { reader: 'toml1' });
          const before = await dumpStore(store);
          const units = await store.units();
          assert.deepEqual(units, [{ table: 'people', column: 'avg_height', unit: 'm' }]);
          const cm = writeFile(dir, 'cm.toml', '[people]\navg_height = {value = 550, units = "cm"}\n');
          const e = await rejectsWithCode(store.read(cm, { reader: 'toml1' }), 'E_UNIT_CONFLICT');
          assert.ok(e.message.includes(cm), `message names ${cm}: ${e.message}`);
          assert.equal(e.file, cm);
          assert.deepEqual(await store.units(), units);
          assert.deepEqual(await dumpStore(store), before);
        });
      });

      it('two files of one read disagreeing on a unit reject with E_UNIT_CONFLICT and nothing lands', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const a = writeFile(dir, 'a.toml', '[people]\nh = {value = 1, units = "m"}\n');
          const b = writeFile(dir, 'b.toml', '[people]\nh = {value = 2, units = "ft"}\n');
          const before = await dumpStore(store);
          const e = await rejectsWithCode(store.read([a, b], { reader: 'toml1' }), 'E_UNIT_CONFLICT');
          assert.ok(e.message.includes(b), e.message);
          assert.deepEqual(await dumpStore(store), before);
        });
      });
    });

    // ── write ─────────────────────────────────────────────────────────────────────────────
    describe('write', () => {
      const DATA = 'id,x,note\n9007199254740993,1.5,"a, ""quoted"" note"\n2,,\n3,-0.125,"two\nlines"\n';

      it('write {table} produces a CSV that reads back equal, NULL as empty cells and bigints exact', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'src.csv', DATA), { table: 't' });
          const out = path.join(dir, 'out.csv');
          const result = await store.write(out, { table: 't' });
          assert.equal(result.rows, 3);
          const text = fs.readFileSync(out, 'utf8');
          assert.ok(text.startsWith('id,x,note\n9007199254740993,1.5,'), text);
          assert.ok(text.includes('\n2,,\n'), `NULLs are empty cells: ${JSON.stringify(text)}`);
          await store.read(out, { table: 'back' });
          assert.deepEqual(await store.getTable('back'), await store.getTable('t'));
          assert.deepEqual((await store.getTable('back')).map((r) => r['id']), [9007199254740993n, 2, 3]);
          assert.deepEqual((await store.describe('back')).columns.map((c) => c.type), (await store.describe('t')).columns.map((c) => c.type));
        });
      });

      it('write {query} exports the query result, which reads back equal', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'src.csv', DATA), { table: 't' });
          const out = path.join(dir, 'q.csv');
          const result = await store.write(out, { query: 'SELECT id, note FROM t WHERE id <> 2' });
          assert.equal(result.rows, 2);
          await store.read(out, { table: 'q' });
          assert.deepEqual(await store.getTable('q'), [
            { id: 9007199254740993n, note: 'a, "quoted" note' },
            { id: 3, note: 'two\nlines' },
          ]);
        });
      });

      it('write refuses a query that writes (E_READ_ONLY) and giving both or neither of table and query (E_BAD_ARGUMENT)', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'src.csv', DATA), { table: 't' });
          const before = await dumpStore(store);
          const out = path.join(dir, 'nope.csv');
          await rejectsWithCode(store.write(out, { query: 'DELETE FROM t RETURNING id' }), 'E_READ_ONLY');
          await rejectsWithCode(store.write(out, {}), 'E_BAD_ARGUMENT');
          await rejectsWithCode(store.write(out, { table: 't', query: 'SELECT 1' }), 'E_BAD_ARGUMENT');
          assert.equal(fs.existsSync(out), false);
          assert.deepEqual(await dumpStore(store), before);
        });
      });
    });

    // ── names, concurrency, read-only stores ──────────────────────────────────────────────
    describe('names and store modes', () => {
      it('table and column names are quoted, never pasted: a name holding quotes and SQL stays a name', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const file = writeFile(dir, 'a.csv', '"x""y",z\n1,2\n');
          await store.read(file);
          await store.read(file, { table: 't"; DROP TABLE a; --' });
          assert.deepEqual(await store.list(), [
            { table: 'a', columns: 2, rows: 1 },
            { table: 't";_DROP_TABLE_a;___', columns: 2, rows: 1 },
          ]);
          assert.deepEqual((await store.find('x"y > 0')).map((r) => r.dsi_table_name), ['a', 't";_DROP_TABLE_a;___']);
        });
      });

      it('spaces and "-" in table and column names become "_" as in Python DSI', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'x.csv', 'wind speed,wind-dir\n1,2\n'), { table: 'my table' });
          assert.deepEqual(await store.getTable('my_table'), [{ wind_speed: 1, wind_dir: 2 }]);
        });
      });

      it('reading into a name the store keeps for itself (dsi_units, any case) is refused with E_BAD_INPUT', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const file = writeFile(dir, 'a.csv', 'x\n1\n');
          for (const table of ['dsi_units', 'DSI_Units', 'ml_models', 'sqlite_master']) {
            await rejectsWithCode(store.read(file, { table }), 'E_BAD_INPUT');
          }
          assert.deepEqual(await store.list(), []);
        });
      });

      it('the same units read again add no second dsi_units row', async () => {
        await withStore(backend, async ({ store }) => {
          await store.read(fixture('results.toml'), { reader: 'toml1' });
          await store.read(fixture('results.toml'), { reader: 'toml1', append: true });
          assert.equal((await store.units()).length, 3);
          assert.equal((await store.getTable('people')).length, 2);
        });
      });

      it('calls issued together run one at a time, in order', async () => {
        await withStore(backend, async ({ store, dir }) => {
          const a = writeFile(dir, 'a.csv', 'x\n1\n');
          const b = writeFile(dir, 'b.csv', 'x\n2\n');
          const [, , list, , rows] = await Promise.all([
            store.read(a, { table: 't' }),
            store.read(b, { table: 't' }),
            store.list(),
            store.find('nope > 1').catch((e: Error) => e),
            store.getTable('t'),
          ]);
          assert.deepEqual(list, [{ table: 't', columns: 1, rows: 2 }]);
          assert.deepEqual(rows, [{ x: 1 }, { x: 2 }]);
        });
      });

      it('a store opened readOnly answers reads and refuses writes without blaming the input file (not E_BAD_INPUT), unchanged', async () => {
        const { dir, location } = await withStore(backend, async (t) => {
          await t.store.read(writeFile(t.dir, 'runs.csv', RUNS_CSV));
          return t;
        });
        const ro = await openStore(location, { backend, readOnly: true });
        try {
          const before = await dumpStore(ro);
          assert.deepEqual(ids(await ro.find('speed > 3')), [2, 3]);
          const good = writeFile(dir, 'more.csv', 'id\n9\n');
          const e = await rejectsWithCode(ro.read(good, { table: 'runs' }), ['E_READ_ONLY', 'E_BACKEND', 'E_SQL']);
          assert.doesNotMatch(e.message, /more\.csv:\d/);
          await rejectsWithCode(ro.updateRows([{ table: 'runs', rowIndex: 1, values: { label: 'x' } }]), ['E_READ_ONLY', 'E_BACKEND', 'E_SQL']);
          assert.deepEqual(await dumpStore(ro), before);
        } finally {
          await ro.close();
        }
      });
    });

    // ── close ─────────────────────────────────────────────────────────────────────────────
    describe('close', () => {
      it('closing twice is harmless and every call after close rejects with E_CLOSED', async () => {
        const { store, dir } = await openTempStore(backend, 'c.db');
        const csv = writeFile(dir, 'runs.csv', RUNS_CSV);
        await store.read(csv);
        await store.close();
        await store.close();
        const calls: [string, () => Promise<unknown>][] = [
          ['read', () => store.read(csv, { table: 'again' })],
          ['query', () => store.query('SELECT 1')],
          ['getTable', () => store.getTable('runs')],
          ['display', () => store.display('runs', { limit: 1 })],
          ['find', () => store.find('speed > 1')],
          ['search', () => store.search('a')],
          ['list', () => store.list()],
          ['tables', () => store.tables()],
          ['describe', () => store.describe('runs')],
          ['summary', () => store.summary()],
          ['units', () => store.units()],
          ['schemaDdl', () => store.schemaDdl()],
          ['relations', () => store.relations()],
          ['schemaVersion', () => store.schemaVersion()],
          ['applySchema', () => store.applySchema(fixture('yaml1_schema.json'))],
          ['updateRows', () => store.updateRows([{ table: 'runs', rowIndex: 1, values: { label: 'x' } }])],
          ['replaceTable', () => store.replaceTable('runs', csv)],
          ['write', () => store.write(path.join(dir, 'w.csv'), { table: 'runs' })],
        ];
        for (const [name, call] of calls) {
          const e = await rejectsWithCode(call(), 'E_CLOSED');
          assert.ok(e.message.length > 0, name);
        }
        assert.equal(fs.existsSync(path.join(dir, 'w.csv')), false);
      });
    });

    // ── list, summary ─────────────────────────────────────────────────────────────────────
    describe('list and summary', () => {
      it('list gives tables in creation order with column and row counts', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          await store.read(writeFile(dir, 'b.csv', 'x\n1\n2\n'));
          assert.deepEqual(await store.list(), [
            { table: 'runs', columns: 4, rows: 4 },
            { table: 'b', columns: 1, rows: 2 },
          ]);
        });
      });

      it('summary: unique count skips NULL, std is the population std, text columns have no min/max/avg', async () => {
        await withStore(backend, async ({ store, dir }) => {
          await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
          const s = await store.summary({ table: 'runs' });
          const speed = s.find((c) => c.column === 'speed')!;
          assert.equal(speed.unique, 3);
          assert.equal(speed.min, 2.5);
          assert.equal(speed.max, 7.5);
          assert.equal(speed.avg, 5);
          assert.ok(Math.abs(speed.std_dev! - Math.sqrt(25 / 6)) < 1e-12, String(speed.std_dev));
          const label = s.find((c) => c.column === 'label')!;
          assert.deepEqual([label.unique, label.min, label.max, label.avg, label.std_dev], [4, null, null, null, null]);
        });
      });
    });
  });
}

// ── SQLite store-file conventions (Python DSI compatibility) ──────────────────────────────
const SQLITE_FILE_BACKENDS = await backendsWhere((c) => c.isSqliteFile);
for (const backend of SQLITE_FILE_BACKENDS) describe(`SQLite store files (${backend})`, () => {
  it('a store we write has the declared types Python DSI writes, dsi_units(table_name, column_name, unit), WAL mode and no world access', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'dsi.db');
    const store = await openStore(db, { backend });
    await store.read(fixture('wildfiredata.csv'), { table: 'wildfire' });
    await store.read(fixture('results.toml'), { reader: 'toml1' });
    await store.close();
    const out = python(
      `import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(json.dumps({
  "types": [[r[1], r[2]] for r in c.execute("PRAGMA table_info(wildfire)")],
  "units": [r[1] for r in c.execute("PRAGMA table_info(dsi_units)")],
  "unit_rows": c.execute("SELECT table_name, column_name, unit FROM dsi_units").fetchall(),
  "journal": c.execute("PRAGMA journal_mode").fetchone()[0],
  "rows": c.execute("SELECT count(*), sum(burned_area) FROM wildfire").fetchone(),
}))`,
      db,
    );
    const got = JSON.parse(out) as { types: [string, string][]; units: string[]; unit_rows: string[][]; journal: string; rows: number[] };
    assert.deepEqual(got.types, [
      ['wind_speed', 'INTEGER'],
      ['wdir', 'INTEGER'],
      ['smois', 'FLOAT'],
      ['fuels', 'VARCHAR'],
      ['ignition', 'VARCHAR'],
      ['safe_unsafe_ignition_pattern', 'VARCHAR'],
      ['safe_unsafe_fire_behavior', 'VARCHAR'],
      ['does_fire_meet_objectives', 'VARCHAR'],
      ['rationale_if_unsafe', 'INTEGER'],
      ['burned_area', 'INTEGER'],
      ['FILE', 'VARCHAR'],
    ]);
    assert.deepEqual(got.units, ['table_name', 'column_name', 'unit']);
    assert.deepEqual(got.unit_rows, [['people', 'avg_height', 'm'], ['people', 'median_speed', 's'], ['people', 'std_gravity', 'm/s/s']]);
    assert.equal(got.journal, 'wal');
    assert.deepEqual(got.rows, [4, 122388 + 169302 + 187542 + 181583]);
    assert.equal(fs.statSync(db).mode & 0o007, 0, `mode ${(fs.statSync(db).mode & 0o777).toString(8)}`);
  });

  it('the backup file of updateRows has no world access either', async () => {
    await withStore(backend, async ({ store, dir }) => {
      await store.read(writeFile(dir, 'runs.csv', RUNS_CSV));
      const { backup } = await store.updateRows([{ table: 'runs', rowIndex: 1, values: { label: 'x' } }], { backup: true });
      assert.equal(fs.statSync(backup!).mode & 0o007, 0);
    });
  });

  it('a store built by Python sqlite3 the way Python DSI writes it opens here: list, summary, find and units work', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'pydsi.db');
    python(
      `import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('CREATE TABLE "t" (a INTEGER, b FLOAT, c VARCHAR)')
c.executemany('INSERT INTO "t" VALUES (?, ?, ?)', [(1, 0.5, 'x'), (2, 1.5, 'y'), (3, None, 'z')])
c.execute('CREATE TABLE dsi_units (table_name TEXT, column_name TEXT, unit TEXT)')
c.execute("INSERT INTO dsi_units VALUES ('t', 'b', 'm')")
c.commit()
c.close()`,
      db,
    );
    const store = await openStore(db, { backend });
    try {
      assert.deepEqual(await store.list(), [
        { table: 't', columns: 3, rows: 3 },
        { table: 'dsi_units', columns: 3, rows: 1 },
      ]);
      assert.deepEqual((await store.describe('t')).columns.map((c) => [c.name, c.declaredType, c.type]), [
        ['a', 'INTEGER', 'integer'],
        ['b', 'FLOAT', 'float'],
        ['c', 'VARCHAR', 'text'],
      ]);
      const summary = await store.summary({ table: 't' });
      assert.deepEqual(summary.map((s) => [s.column, s.type, s.unique, s.min, s.max, s.avg]), [
        ['a', 'INTEGER', 3, 1, 3, 2],
        ['b', 'FLOAT', 2, 0.5, 1.5, 1],
        ['c', 'VARCHAR', 3, null, null, null],
      ]);
      assert.deepEqual(await store.find('b > 1'), [{ dsi_table_name: 't', dsi_row_index: 2, a: 2, b: 1.5, c: 'y' }]);
      assert.deepEqual(await store.units(), [{ table: 't', column: 'b', unit: 'm' }]);
      // And we can append to it.
      await store.read(writeFile(dir, 'more.csv', 'a,b,c\n4,2.5,w\n'), { table: 't' });
      assert.equal((await store.list())[0]!.rows, 4);
    } finally {
      await store.close();
    }
  });
});
