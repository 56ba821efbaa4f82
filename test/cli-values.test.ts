/**
 * Values and names on their way through the command line keep what they hold or are refused by
 * name: `find --json | update --from` keeps integers beyond 2^53 and ±Infinity; a column named
 * `__proto__` is printed like any other, and a result with two columns of one name is refused;
 * files that verbs take besides readers' inputs are decoded as readers decode text; values no
 * cell holds, NUL characters in names and SQL that SQLite refuses are named in the store's words,
 * never with the driver's raw text.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sqliteDialect } from '../src/backends/sqlite/sqlite-dialect.js';
import { jsonText } from '../src/cli/output.js';
import { type Failure } from '../src/cli/program.js';
import { openStore } from '../src/index.js';
import { readFeatureCsv } from '../src/ml/evaluate/metrics/index.js';
import { readReviewCsv } from '../src/ml/index.js';
import { failureOf, runDsi } from './helpers/cli-run.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';


/** The first bytes of a PNG: its signature and the start of its IHDR chunk, NULs included. */
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);

const dsi = (args: readonly string[]) => runDsi(args);

/** `f` is exit `status` with one `dsi: ` line equal to or matching `expected`, free of raw driver or errno text. */
function assertLine(f: Failure, status: number, expected: string | RegExp): void {
  assert.equal(f.status, status, f.line);
  assert.ok(f.line !== undefined, 'a line on stderr');
  if (typeof expected === 'string') assert.equal(f.line, expected);
  else assert.match(f.line, expected);
  assert.doesNotMatch(f.line, /E[A-Z]{3,}: |SQLITE_|SQLite3 can only|parameter values were provided|unrecognized token|supplied SQL string|\uFFFD|\u0089PNG/, 'no raw driver or errno text');
}

let dir: string;
let db: string;
const bigCsv = 'id,big,f,name\n1,9007199254740993,1e999,x\n2,5,-1e999,y\n';

before(async () => {
  dir = tempDir('dsi-cli-values-');
  db = path.join(dir, 'b.db');
  const store = await openStore(db);
  try {
    await store.read(writeFile(dir, 'big.csv', bigCsv));
    await store.read(writeFile(dir, 'proto.json', '[{"__proto__": 5, "a": 1}]'));
  } finally {
    await store.close();
  }
});
after(removeTempDirs);

/** `big` as SQLite holds it: exact text of the integers, the floats as numbers. */
async function bigRows(file = db): Promise<unknown[]> {
  const store = await openStore(file, { readOnly: true });
  try {
    return await store.query('SELECT id, CAST(big AS TEXT) AS big, f, name FROM big ORDER BY rowid');
  } finally {
    await store.close();
  }
}
const BIG_ROWS = [
  { id: 1, big: '9007199254740993', f: Infinity, name: 'x' },
  { id: 2, big: '5', f: -Infinity, name: 'y' },
];

describe('update --from keeps what find --json printed', () => {
  it('an integer beyond 2^53 and ±Infinity go through find --json | update --from unchanged', async () => {
    const found = dsi(['--db', db, 'find', 'id (1, 2)', '--table', 'big', '--json']);
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, /"big": 9007199254740993,/);
    assert.match(found.stdout, /"f": 1e999,/);
    assert.match(found.stdout, /"f": -1e999,/);
    const edits = writeFile(dir, 'found.json', found.stdout.replace('"name": "x"', '"name": "edited"'));
    const updated = dsi(['--db', db, 'update', '--from', edits]);
    assert.deepEqual([updated.status, updated.stdout, updated.stderr], [0, 'updated 2 row(s)\n', '']);
    assert.deepEqual(await bigRows(), [{ ...BIG_ROWS[0], name: 'edited' }, BIG_ROWS[1]]);
    const back = writeFile(dir, 'back.json', found.stdout);
    assert.equal(dsi(['--db', db, 'update', '--from', back]).status, 0);
    assert.deepEqual(await bigRows(), BIG_ROWS);
  });

  it('refuses an object, an array or a boolean value naming the file, row and column, and changes nothing', async () => {
    const cases: [string, string][] = [
      ['{"x": 1}', 'an object'],
      ['[1, 2]', 'an array'],
      ['[1]', 'an array'],
      ['true', 'the boolean true'],
    ];
    for (const [value, what] of cases) {
      const file = writeFile(dir, 'edit.json', `[{"dsi_table_name": "big", "dsi_row_index": 2, "name": "z"},\n {"dsi_table_name": "big", "dsi_row_index": 1, "id": ${value}}]`);
      assertLine(await failureOf(['--db', db, 'update', '--from', file]), 1, `dsi: ${file}: row 2, column "id": ${what} is not a value a cell holds (a number, text or null)`);
    }
    assert.deepEqual(await bigRows(), BIG_ROWS);
  });

  it('the store refuses a value no cell holds, naming table, row and column, for library callers too', async () => {
    const store = await openStore(db);
    try {
      const e = await rejectsWithCode(store.updateRows([{ table: 'big', rowIndex: 1, values: { id: { x: 1 } as never } }]), 'E_BAD_ARGUMENT');
      assert.equal(e.message, 'update: table "big" row 1, column "id": an object is not a value a cell holds (a number, text or null)');
      const b = await rejectsWithCode(store.updateRows([{ table: 'big', rowIndex: 2, values: { name: false as never } }]), 'E_BAD_ARGUMENT');
      assert.match(b.message, /row 2, column "name": the boolean false is not a value/);
    } finally {
      await store.close();
    }
    assert.deepEqual(await bigRows(), BIG_ROWS);
  });

  it('refuses a column name holding a NUL, with --add-columns too, naming the file', async () => {
    const file = writeFile(dir, 'nul-column.json', '[{"dsi_table_name": "big", "dsi_row_index": 1, "a\\u0000b": 1}]');
    assertLine(await failureOf(['--db', db, 'update', '--from', file, '--add-columns']), 1, `dsi: ${file}: row 1, column "a\\x00b": the name has a NUL character; no column name may hold one`);
    const store = await openStore(db);
    try {
      const e = await rejectsWithCode(store.updateRows([{ table: 'big', rowIndex: 1, values: { 'c\u0000d': 1 } }], { addColumns: true }), 'E_BAD_ARGUMENT');
      assert.match(e.message, /column "c\\x00d": the name has a NUL character/);
      assert.deepEqual((await store.describe('big')).columns.map((c) => c.name), ['id', 'big', 'f', 'name']);
    } finally {
      await store.close();
    }
  });
});

describe('a column named __proto__ is a column like any other', () => {
  it('query --json prints it, and so does the JSON of find and display rows', async () => {
    const query = dsi(['--db', db, 'query', 'SELECT *, 1 AS one FROM proto', '--json']);
    assert.equal(query.stdout, '{\n  "rows": [\n    {\n      "__proto__": 5,\n      "a": 1,\n      "one": 1\n    }\n  ],\n  "withheld": 0\n}\n');
    const store = await openStore(db, { readOnly: true });
    try {
      assert.equal(jsonText(await store.find('a = 1', { table: 'proto' })), '[\n  {\n    "dsi_table_name": "proto",\n    "dsi_row_index": 1,\n    "__proto__": 5,\n    "a": 1\n  }\n]');
      assert.equal(jsonText(await store.display('proto')), '[\n  {\n    "__proto__": 5,\n    "a": 1\n  }\n]');
      assert.equal(jsonText(await store.query('SELECT 1 AS __proto__')), '[\n  {\n    "__proto__": 1\n  }\n]');
    } finally {
      await store.close();
    }
  });

  it('jsonText keeps an own __proto__ key, also next to ±Infinity', () => {
    const row = JSON.parse('{"__proto__": 7, "b": 2}') as Record<string, unknown>;
    row['c'] = -Infinity;
    assert.equal(jsonText([row]), '[\n  {\n    "__proto__": 7,\n    "b": 2,\n    "c": -1e999\n  }\n]');
  });

  it('update --set __proto__=… edits that column; a column named twice is refused', async () => {
    const r = dsi(['--db', db, 'update', 'proto', '--row', '1', '--set', '__proto__=7']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'updated 1 row(s)\n', '']);
    const store = await openStore(db, { readOnly: true });
    try {
      assert.equal(jsonText(await store.query('SELECT * FROM proto')), '[\n  {\n    "__proto__": 7,\n    "a": 1\n  }\n]');
    } finally {
      await store.close();
    }
    assertLine(await failureOf(['--db', db, 'update', 'proto', '--row', '1', '--set', 'a=1', '--set', 'a=2']), 2, 'dsi: --set names the column "a" twice');
  });

  it('--option __proto__=… is an option name like any other (and unknown to the csv reader)', async () => {
    const csv = writeFile(dir, 'opt.csv', 'a\n1\n');
    assertLine(await failureOf(['--db', path.join(dir, 'opt.db'), 'read', csv, '--option', '__proto__=x']), 2, 'dsi: the csv reader has no option "__proto__"; it takes encoding');
  });

  it('ml predict --params toString=… is a parameter, not a name given twice', async () => {
    const f = await failureOf(['--db', path.join(dir, 'none.db'), 'ml', 'predict', '--run', 'r', '--params', 'toString=1', '--params', '__proto__=2']);
    assert.doesNotMatch(f.line ?? '', /given twice/);
    assertLine(f, 2, /none\.db does not exist/);
    assertLine(await failureOf(['--db', path.join(dir, 'none.db'), 'ml', 'predict', '--run', 'r', '--params', 'a=1', '--params', 'a=2']), 2, /--params a is given twice/);
  });
});

describe('a result with two columns of one name is refused', () => {
  it('query (table and --json) and write --query name the column; differently cased names are two columns', async () => {
    const line = 'dsi: query: the result has more than one column named "a"; name them apart with AS (SELECT a.x AS a_x, b.x AS b_x …)';
    assertLine(await failureOf(['--db', db, 'query', 'SELECT 1 AS a, 2 AS a', '--json']), 1, line);
    assertLine(await failureOf(['--db', db, 'query', 'SELECT 1 AS a, 2 AS a']), 1, line);
    assertLine(await failureOf(['--db', db, 'write', path.join(dir, 'dup.csv'), '--query', 'SELECT * FROM big x JOIN big y ON x.id = y.id']), 1, /more than one column named "id"/);
    const store = await openStore(db, { readOnly: true });
    try {
      await rejectsWithCode(store.query('SELECT 1 AS a, 2 AS a'), 'E_SQL');
      assert.deepEqual(await store.query('SELECT 1 AS a, 2 AS A'), [{ a: 1, A: 2 }]);
    } finally {
      await store.close();
    }
  });
});

describe('files verbs take are read as readers read text', () => {
  it('a missing path, a folder, a binary file and invalid UTF-8 are named in words by ml metrics', async () => {
    const png = writeFile(dir, 'picture.png', PNG_BYTES);
    const latin = writeFile(dir, 'latin.csv', Buffer.from('a,b\n1,2\n3,\xff4\n', 'latin1'));
    const missing = path.join(dir, 'nofile.csv');
    assertLine(await failureOf(['ml', 'metrics', '--real', missing, '--generated', missing]), 2, `dsi: ${missing}: no such file or folder`);
    assertLine(await failureOf(['ml', 'metrics', '--real', dir, '--generated', dir]), 2, `dsi: ${dir}: is a folder, not a file`);
    assertLine(await failureOf(['ml', 'metrics', '--real', png, '--generated', png]), 1, `dsi: ${png}: looks binary (a NUL byte at byte 8 among bytes that are not text), not a CSV of features`);
    assertLine(await failureOf(['ml', 'metrics', '--logits', latin]), 1, `dsi: ${latin}:3: invalid UTF-8 (byte 0xff at byte offset 10); save it as UTF-8 text`);
    assert.throws(() => readFeatureCsv(latin), { code: 'E_BAD_INPUT', message: /latin\.csv:3: invalid UTF-8/ });
  });

  it('ml review --import and update --from say the same', async () => {
    const png = writeFile(dir, 'picture.png', PNG_BYTES);
    const latin = writeFile(dir, 'latin.json', Buffer.from('[{"dsi_table_name": "big",\n "dsi_row_index": 1, "name": "\xe9"}]', 'latin1'));
    const missing = path.join(dir, 'nofile.csv');
    assertLine(await failureOf(['--db', db, 'ml', 'review', '--import', missing]), 2, `dsi: ${missing}: no such file or folder`);
    assertLine(await failureOf(['--db', db, 'ml', 'review', '--import', png]), 1, `dsi: ${png}: looks binary (a NUL byte at byte 8 among bytes that are not text), not a CSV of reviews`);
    assert.throws(() => readReviewCsv(dir), { code: 'E_BAD_ARGUMENT', message: `${dir}: is a folder, not a file` });
    assertLine(await failureOf(['--db', db, 'update', '--from', missing]), 2, `dsi: ${missing}: no such file or folder`);
    assertLine(await failureOf(['--db', db, 'update', '--from', png]), 1, `dsi: ${png}: looks binary (a NUL byte at byte 8 among bytes that are not text), not rows as \`dsi find --json\` prints them (\`{"rows": [...]}\`, or the array alone)`);
    assertLine(await failureOf(['--db', db, 'update', '--from', latin]), 1, `dsi: ${latin}:2: invalid UTF-8 (byte 0xe9 at byte offset 57); save it as UTF-8 text`);
    assert.deepEqual(await bigRows(), BIG_ROWS);
  });
});

describe('names with a NUL and SQL that SQLite refuses are named in the store\'s words', () => {
  it('a NUL in a table name from a nested key is refused naming the file, for JSON, YAML and TOML', async () => {
    const store = await openStore(path.join(dir, 'nul.db'));
    try {
      for (const [name, text] of [
        ['n.json', '{"t\\u0000x": {"a": 1}}'],
        ['n.yaml', '"t\\0x":\n  a: 1\n'],
        ['n.toml', '["t\\u0000x"]\na = 1\n'],
      ] as const) {
        const file = writeFile(dir, name, text);
        const e = await rejectsWithCode(store.read(file), 'E_BAD_INPUT');
        assert.equal(e.message, `${file}: the table name "t\\x00x" has a NUL character; no table name may hold one`);
      }
      assert.deepEqual(await store.tables(), []);
    } finally {
      await store.close();
    }
  });

  it('the SQLite dialect refuses to quote a name holding a NUL', () => {
    assert.throws(() => sqliteDialect.quote('a\u0000b'), { code: 'E_BAD_ARGUMENT', message: 'the name "a\\x00b" has a NUL character; no table or column name may hold one' });
    assert.equal(sqliteDialect.quote('a"b'), '"a""b"');
  });

  it('query names several statements, a refused function, a value too big, a missing table and a missing parameter', async () => {
    const cases: [string, string][] = [
      ['SELECT 1; SELECT 2', 'dsi: query: give one SQL statement; this text holds more than one (end it at the first ";")'],
      ["SELECT load_extension('x')", 'dsi: query: SQL error: not authorized (a function that loads extensions or reaches outside the store is refused)'],
      ['SELECT zeroblob(1000000000)', 'dsi: query: a value the statement makes is larger than SQLite allows (string or blob too big)'],
      ['SELECT * FROM x', 'dsi: query: SQL error: no such table: x'],
      ['SELECT ?', 'dsi: query: the SQL has a parameter (?, :name, @name or $name) that no value was given for'],
    ];
    for (const [sql, line] of cases) assertLine(await failureOf(['--db', db, 'query', sql]), 1, line);
  });
});

describe('update chooses rows one way; --db names a file', () => {
  it('refuses --where with --row, and an empty --db or demo --out', async () => {
    assertLine(await failureOf(['--db', db, 'update', 'big', '--where', 'id = 1', '--row', '2', '--set', 'name=q']), 2, 'dsi: update: give --row or --where to choose the rows, not both');
    assertLine(await failureOf(['--db', '', 'list']), 2, 'dsi: --db must name a store file');
    // From a scratch folder: a demo that went ahead would clear `.data` where it runs.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assertLine(await failureOf(['demo', '--out', '']), 2, 'dsi: demo: --out must name a store file');
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(await bigRows(), BIG_ROWS);
  });
});
