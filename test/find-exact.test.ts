/**
 * The find language is exact and strict: integers beyond 2^53 select their own row (in `find`
 * and in `dsi update --where`), quoted values may hold a doubled quote, and malformed terms (an
 * ordering against a bare word, a value starting with an operator, a stray quote) are
 * E_FIND_SYNTAX errors that say where the problem is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/index.js';
import { exactNumber, parseFindCondition } from '../src/store/find-language.js';
import { rejectsWithCode, removeTempDirs, tempDir, withStore, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
/** Two integers that one double cannot tell apart (2^53 + 1 rounds to 2^53). */
const BIG_CSV = 'a,name,t\n9007199254740993,odd,9007199254740993\n9007199254740992,even,9007199254740992\n';

describe('find numbers are exact beyond 2^53', () => {
  it('parses an integer beyond 2^53 (also written 9007199254740993.0 or 9.007199254740993e15) as the exact bigint', () => {
    for (const written of ['9007199254740993', '9007199254740993.0', '9.007199254740993e15', '0009007199254740993']) {
      const c = parseFindCondition(`a = ${written}`);
      assert.equal(c.kind === 'compare' && c.value, 9007199254740993n, written);
    }
    assert.equal(exactNumber('-9007199254740993'), -9007199254740993n);
    assert.equal(exactNumber('42'), 42);
    assert.equal(exactNumber('2.5'), 2.5);
    assert.equal(exactNumber('1e300'), 1e300); // beyond 64-bit integers: a float, as a column's would be
    assert.equal(exactNumber('fast'), undefined);
  });

  it('find "a = 9007199254740993" returns only that row, in INTEGER and in VARCHAR columns', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'big.csv', BIG_CSV));
      assert.deepEqual((await store.find('a = 9007199254740993')).map((r) => r['name']), ['odd']);
      assert.deepEqual((await store.find('a = 9007199254740992')).map((r) => r['name']), ['even']);
      assert.deepEqual((await store.find('a > 9007199254740992')).map((r) => r['name']), ['odd']);
      assert.deepEqual((await store.find('a (9007199254740993, 9007199254740993)')).map((r) => r['name']), ['odd']);
      // A text column holding the same digits compares numerically and exactly too.
      await store.read(writeFile(dir, 'tags.csv', 't,name\n9007199254740993,odd\n9007199254740992,even\nx,word\n'));
      assert.deepEqual((await store.find('t = 9007199254740993', { table: 'tags' })).map((r) => r['name']), ['odd']);
      assert.deepEqual((await store.find('t < 9007199254740993', { table: 'tags' })).map((r) => r['name']), ['even']);
    });
  });

  it('dsi update --where "a = 9007199254740993" edits that row and leaves its neighbour alone', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'store.db');
    const store = await openStore(db);
    await store.read(writeFile(dir, 'big.csv', BIG_CSV));
    await store.close();
    const r = spawnSync(process.execPath, [bin, '--db', db, 'update', 'big', '--where', 'a = 9007199254740993', '--set', 'name=edited'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const after = await openStore(db);
    try {
      assert.deepEqual((await after.getTable('big')).map((row) => [row['a'], row['name']]), [
        [9007199254740993n, 'edited'],
        [9007199254740992n, 'even'],
      ]);
    } finally {
      await after.close();
    }
  });
});

describe('find values are quoted or plain, never half of each', () => {
  it("a doubled quote inside a quoted value is one quote: name = 'it''s' finds it's", async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 'q.csv', 'name,n\nit\'s,1\nits,2\n"say ""hi""",3\n'));
      assert.deepEqual((await store.find("name = 'it''s'")).map((r) => r['n']), [1]);
      assert.deepEqual((await store.find('name = "say ""hi"""')).map((r) => r['n']), [3]);
      assert.deepEqual((await store.find("name ~ ''''")).map((r) => r['n']), [1]);
    });
  });

  const malformed: [string, RegExp][] = [
    ['wind_speed > fast', /character 14: the ordering ">" needs a number or quoted text, and "fast" is neither/],
    ['wind_speed <= slow', /"slow" is neither/],
    ['a > <4)', /character 5: "<4\)" is not a value: it starts with the operator character </],
    ["g !=there's", /character 10: unquoted value "there's" holds a quote/],
    ['g = a)b', /unquoted value "a\)b" holds "\)"/],
    ["g = 'a' or 'b'", /character 9: unexpected "or 'b'" after the quoted value/],
    ["g = 'it's'", /unexpected "s'" after the quoted value/],
    ['a (low, 5)', /a range bound needs a number or quoted text, and "low" is neither/],
    ['a (1, 2) extra', /unexpected "extra" after the range/],
  ];
  for (const [condition, message] of malformed) {
    it(`rejects ${JSON.stringify(condition)} with E_FIND_SYNTAX saying where`, async () => {
      await withStore('sqlite', async ({ store, dir }) => {
        await store.read(writeFile(dir, 't.csv', 'wind_speed,a,g\n5,1,x\n'));
        const e = await rejectsWithCode(store.find(condition), 'E_FIND_SYNTAX');
        assert.match(e.message, message);
        assert.ok(e.message.startsWith(`find "${condition}": `), e.message);
      });
    });
  }

  it('a text ordering with quotes is still allowed: g > \'m\' compares text', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      await store.read(writeFile(dir, 't.csv', 'g\napple\nzebra\n'));
      assert.deepEqual((await store.find("g > 'm'")).map((r) => r['g']), ['zebra']);
    });
  });
});

describe('findPage: one page of a condition and its count', () => {
  it('returns the rows find returns, a page at a time with their row indexes, and how many match in all', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const lines = ['i,even,name'];
      for (let i = 1; i <= 250; i++) lines.push(`${i},${i % 2 === 0 ? 1 : 0},row ${i}`);
      await store.read(writeFile(dir, 'rows.csv', `${lines.join('\n')}\n`), { table: 'rows' });
      const all = await store.find('even = 1', { table: 'rows' });
      assert.equal(all.length, 125);
      const pages = [];
      for (let offset = 0; offset < 125; offset += 40) {
        const page = await store.findPage('even = 1', { table: 'rows', offset, limit: 40 });
        assert.equal(page.total, 125);
        pages.push(...page.rows);
      }
      assert.deepEqual(pages, all);
      assert.deepEqual((await store.findPage('even = 1', { table: 'rows', offset: 10, limit: 2 })).rows.map((r) => [r.dsi_row_index, r['name']]), [[22, 'row 22'], [24, 'row 24']]);
      assert.deepEqual(await store.findPage("name ~ 'nothing'", { table: 'rows', limit: 5 }), { rows: [], total: 0 });
      await rejectsWithCode(store.findPage('even = 1', { table: 'rows', limit: 0 }), 'E_BAD_ARGUMENT');
      await rejectsWithCode(store.findPage('even = 1', { table: 'rows', offset: -1, limit: 5 }), 'E_BAD_ARGUMENT');
      await rejectsWithCode(store.findPage('even =', { table: 'rows', limit: 5 }), 'E_FIND_SYNTAX');
      await rejectsWithCode(store.findPage('colour = 1', { table: 'rows', limit: 5 }), 'E_COLUMN_MISSING');
      await rejectsWithCode(store.findPage('even = 1', { table: 'nope', limit: 5 }), 'E_TABLE_MISSING');
    });
  });
});

describe('page: one page of a table, sorted or in insertion order', () => {
  it('pages equal the whole table sorted by the column, ties in insertion order, ascending and descending', async () => {
    await withStore('sqlite', async ({ store, dir }) => {
      const lines = ['i,group,x'];
      for (let i = 1; i <= 97; i++) lines.push(`${i},${i % 5},${i % 3 === 0 ? '' : (i * 7) % 11}`);
      await store.read(writeFile(dir, 'p.csv', `${lines.join('\n')}\n`), { table: 'p' });
      const all = await store.getTable('p');
      for (const [column, descending] of [['group', false], ['group', true], ['x', false], ['x', true]] as const) {
        const expected = all
          .map((r, position) => ({ r, position }))
          .sort((a, b) => {
            const [u, v] = [a.r[column] as number | null, b.r[column] as number | null];
            // SQLite puts NULL first ascending and last descending.
            const byValue = u === v ? 0 : u === null ? -1 : v === null ? 1 : u < v ? -1 : 1;
            return (descending ? -byValue : byValue) || a.position - b.position;
          })
          .map((e) => e.r['i']);
        const got = [];
        for (let offset = 0; offset < 97; offset += 20) {
          const page = await store.page('p', { offset, limit: 20, orderBy: column, descending });
          assert.equal(page.total, 97);
          got.push(...page.rows.map((r) => r['i']));
        }
        assert.deepEqual(got, expected, `${column} ${descending ? 'descending' : 'ascending'}`);
      }
      assert.deepEqual((await store.page('p', { offset: 95, limit: 10 })).rows.map((r) => r['i']), [96, 97]);
      await rejectsWithCode(store.page('p', { limit: 5, orderBy: 'nope' }), 'E_COLUMN_MISSING');
      await rejectsWithCode(store.page('p', { limit: 10_001 }), 'E_BAD_ARGUMENT');
    });
  });
});
