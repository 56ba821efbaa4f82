/**
 * What the DuckDB backend adds beyond the conformance suite (which runs on it too): the backend
 * chosen by name, by the `.duckdb` extension and by the CLI; its store file and data folder; the
 * bulk CSV path giving exactly the rows and types of the row path (and of SQLite); bad input on
 * the bulk path refused with file and line, the store unchanged; read-only refusals; big integers;
 * a consistent backup. Skipped, with the reason, where DSI_TEST_BACKENDS leaves DuckDB out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { backendForLocation, openStore } from '../src/index.js';
import { DuckdbBackend } from '../src/backends/duckdb/duckdb-backend.js';
import type { Backend } from '../src/store/backend.js';
import { bulkIngest } from '../src/store/bulk-ingest.js';
import type { TableSource } from '../src/store/reader.js';
import type { Cell } from '../src/store/types.js';
import { runDsi } from './helpers/cli-run.js';
import { BACKENDS, dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

after(removeTempDirs);

/** Tricky cells: spaces around numbers, 007, NaN, quoted commas and line breaks, CRLF, a blank line, big integers. */
const TRICKY_CSV =
  'id,x,code,z,note,big,huge,empty\r\n' +
  '1, 2.5 ,007,NaN,"a,b",9007199254740993,99999999999999999999,\r\n' +
  '2,3,8,1.5,"q\nr",-5,1,\r\n' +
  '\r\n' +
  '3,nan,+9,, ,1,2,\r\n';

/** Run `fn` with the bulk path taken for files of any size. */
async function withBulkPath<T>(fn: () => Promise<T>): Promise<T> {
  const before = process.env['DSI_BULK_MIN_BYTES'];
  process.env['DSI_BULK_MIN_BYTES'] = '0';
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env['DSI_BULK_MIN_BYTES'];
    else process.env['DSI_BULK_MIN_BYTES'] = before;
  }
}

describe('choosing a backend by location', () => {
  it('a .duckdb file is DuckDB, a postgres:// or postgresql:// URL is postgres, anything else SQLite', () => {
    assert.equal(backendForLocation('runs.duckdb'), 'duckdb');
    assert.equal(backendForLocation('/a/b/RUNS.DUCKDB'), 'duckdb');
    assert.equal(backendForLocation('postgres://u@h/db'), 'postgres');
    assert.equal(backendForLocation('postgresql://h:5432/db'), 'postgres');
    assert.equal(backendForLocation('runs.db'), 'sqlite');
    assert.equal(backendForLocation('runs.duckdb.bak'), 'sqlite');
  });
});

describe('DuckDB backend', { skip: BACKENDS.includes('duckdb') ? false : 'DSI_TEST_BACKENDS leaves duckdb out' }, () => {
  it('openStore("NAME.duckdb") opens a DuckDB store: its capabilities, its file, its data folder NAME.data beside it', async () => {
    const dir = tempDir();
    const location = path.join(dir, 'runs.duckdb');
    const store = await openStore(location);
    try {
      assert.deepEqual(store.capabilities, {
        supportsTransactionalDdl: true,
        isSingleFile: true,
        supportsCircularForeignKeys: true,
        supportsSavepoints: false,
        isSqliteFile: false,
      });
      assert.deepEqual(store.typeNames, { integer: 'BIGINT', float: 'DOUBLE', text: 'VARCHAR' });
      assert.equal(store.dataFolder, path.join(dir, 'runs.data'));
      await store.insertRows('t', [{ a: 1 }]);
    } finally {
      await store.close();
    }
    assert.equal(fs.readFileSync(location).subarray(8, 12).toString('latin1'), 'DUCK');
    assert.equal(fs.statSync(location).mode & 0o007, 0);
    // A name chosen explicitly wins over the extension.
    const e = await rejectsWithCode(openStore(location, { backend: 'sqlite' }), ['E_BACKEND', 'E_SQL']);
    assert.match(e.message, /runs\.duckdb/);
  });

  it('the CLI chooses DuckDB by the extension and by --backend duckdb', () => {
    const dir = tempDir();
    const csv = writeFile(dir, 'runs.csv', 'id,speed\n1,2.5\n2,7\n');
    const byExtension = path.join(dir, 'a.duckdb');
    assert.equal(runDsi(['--db', byExtension, 'read', csv]).status, 0);
    const found = runDsi(['--db', byExtension, 'query', 'SELECT typeof(speed) AS t FROM runs LIMIT 1']);
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, /DOUBLE/); // DuckDB's typeof, which SQLite does not spell so
    const byName = path.join(dir, 'b.store');
    assert.equal(runDsi(['--db', byName, '--backend', 'duckdb', 'read', csv]).status, 0);
    assert.equal(fs.readFileSync(byName).subarray(8, 12).toString('latin1'), 'DUCK');
  });

  it('the bulk CSV path leaves exactly the rows and types of the row path, which match SQLite, appends included', async () => {
    const dir = tempDir();
    const csv = writeFile(dir, 'tricky.csv', TRICKY_CSV);
    const more = writeFile(dir, 'more.csv', 'id,x,code,extra\n4,x,5,1.5\n');
    const dumps = [];
    for (const [name, bulk] of [['row.duckdb', false], ['bulk.duckdb', true], ['row.db', false]] as const) {
      const store = await openStore(path.join(dir, name));
      const read = async () => {
        await store.read(csv, { table: 't' });
        await store.read(csv, { table: 't', append: true });
        await store.read(more, { table: 't' }); // x widens to text, extra is added
      };
      try {
        await (bulk ? withBulkPath(read) : read());
        const dump = await dumpStore(store);
        dumps.push({ list: dump.list, rows: dump.tables['t']!.rows, types: (await store.describe('t')).columns.map((c) => [c.name, c.type]) });
      } finally {
        await store.close();
      }
    }
    assert.deepEqual(dumps[1], dumps[0]);
    assert.deepEqual(dumps[2], dumps[0]);
    const rows = dumps[0]!.rows;
    assert.equal(rows.length, 7);
    assert.deepEqual(rows[0], { id: 1, x: '2.5', code: 7, z: null, note: 'a,b', big: 9007199254740993n, huge: '99999999999999999999', empty: null, extra: null });
    assert.deepEqual(rows[6], { id: 4, x: 'x', code: 5, z: null, note: null, big: null, huge: null, empty: null, extra: 1.5 });
  });

  it('a ragged CSV on the bulk path is refused with the file and line, in the row path\'s words, and the store is unchanged', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'r.duckdb'));
    try {
      await store.read(writeFile(dir, 'good.csv', 'a,b\n1,2\n'), { table: 't' });
      const before = await dumpStore(store);
      const bad = writeFile(dir, 'bad.csv', 'a,b\n3,4\n5\n');
      const e = await withBulkPath(() => rejectsWithCode(store.read(bad, { table: 't' }), 'E_BAD_INPUT'));
      assert.match(e.message, /bad\.csv:3: expected 2 fields as in the header, found 1/);
      assert.deepEqual(await dumpStore(store), before);
      // The store still takes writes after the refused one.
      await store.read(writeFile(dir, 'next.csv', 'a,b\n9,9\n'), { table: 't' });
      assert.equal(await store.rowCount('t'), 2);
    } finally {
      await store.close();
    }
  });

  it('an input the bulk path refuses is read again by the row path: exact lines across quoted line breaks, duplicate keys by line', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'lines.duckdb'));
    try {
      // The record with too many fields is on line 5: the quoted field of line 2 holds a line break.
      const ragged = writeFile(dir, 'ragged.csv', 'a,b\n1,"x\ny"\n2,z\n3,w,extra\n');
      const e1 = await withBulkPath(() => rejectsWithCode(store.read(ragged, { table: 'r' }), 'E_BAD_INPUT'));
      assert.match(e1.message, /ragged\.csv:5\b/);
      await store.applySchema(writeFile(dir, 'rel.json', JSON.stringify({ k: { primary_key: 'id' } })));
      const dup = writeFile(dir, 'dup.csv', 'id,v\n1,a\n2,b\n1,c\n');
      const e2 = await withBulkPath(() => rejectsWithCode(store.read(dup, { table: 'k' }), 'E_BAD_INPUT'));
      assert.match(e2.message, /dup\.csv:4\b/);
      assert.deepEqual((await store.tables()).filter((t) => !t.startsWith('dsi_')), []);
    } finally {
      await store.close();
    }
  });

  it('the bulk path refuses a file that changes between its two scans, and the store is unchanged', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'grow.csv', 'a,b\n1,2\n3,4\n');
    const backend = await DuckdbBackend.open(path.join(dir, 'g.duckdb'));
    try {
      // The first scan (the type query) is followed by a writer appending a row.
      const appending: Backend = new Proxy(backend, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (prop === 'select') {
            return async (sql: string, params?: readonly Cell[]) => {
              const rows = await target.select(sql, params);
              fs.appendFileSync(file, '5,6\n');
              return rows;
            };
          }
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const source = { table: 'g', file, columns: ['a', 'b'], cells: 'text', delimitedText: { delimiter: ',' } } as unknown as TableSource;
      await backend.begin();
      const e = await rejectsWithCode(bulkIngest(appending, backend.delimitedTextLoader, source, 'g', ['a', 'b'], new Map()), 'E_FILE');
      assert.match(e.message, /grow\.csv changed while it was being read/);
      await backend.rollback();
      assert.equal(await backend.describeTable('g'), undefined);
    } finally {
      await backend.close();
    }
  });

  it('query refuses statements that write, as SQLite does (E_READ_ONLY), and reads its own types', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'q.duckdb'));
    try {
      await store.insertRows('t', [{ a: 1 }]);
      for (const sql of ['INSERT INTO t VALUES (2)', 'CREATE TABLE u (x INTEGER)', "ATTACH ':memory:' AS m", 'SET threads = 1', 'CHECKPOINT', "COPY t TO '/tmp/x.csv'", 'BEGIN']) {
        await rejectsWithCode(store.query(sql), 'E_READ_ONLY');
      }
      assert.deepEqual(await store.query('SELECT a, 2.5 AS f, true AS b, NULL AS n FROM t'), [{ a: 1, f: 2.5, b: 1, n: null }]);
      await rejectsWithCode(store.query('SELECT 1 AS a, 2 AS a'), 'E_SQL');
      assert.equal(await store.rowCount('t'), 1);
    } finally {
      await store.close();
    }
  });

  it('integers beyond 2^53 round-trip as bigint, in cells, parameters and find', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'big.duckdb'));
    try {
      await store.insertRows('t', [{ id: 9007199254740993n }, { id: -9223372036854775808n }, { id: 1 }]);
      assert.deepEqual((await store.getTable('t')).map((r) => r['id']), [9007199254740993n, -9223372036854775808n, 1]);
      assert.deepEqual(await store.query('SELECT id FROM t WHERE id = ?', [9007199254740993n]), [{ id: 9007199254740993n }]);
      assert.deepEqual((await store.find('id > 9007199254740992')).map((r) => r['id']), [9007199254740993n]);
    } finally {
      await store.close();
    }
  });

  it('an update with backup copies the whole store, consistently, to a DuckDB file that opens with the old rows', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'u.duckdb'));
    let backup: string | undefined;
    try {
      await store.read(writeFile(dir, 'runs.csv', 'id,label\n1,a\n2,b\n'));
      ({ backup } = await store.updateRows([{ table: 'runs', rowIndex: 2, values: { label: 'B' } }], { backup: true }));
    } finally {
      await store.close();
    }
    assert.ok(backup !== undefined && backup.endsWith('.duckdb'), backup);
    const copy = await openStore(backup, { readOnly: true });
    try {
      assert.deepEqual(await copy.getTable('runs'), [{ id: 1, label: 'a' }, { id: 2, label: 'b' }]);
    } finally {
      await copy.close();
    }
  });
});
