/**
 * The CSV reader parses large files in a worker thread. These tests force that path on small
 * files (DSI_CSV_WORKER_MIN_BYTES=0) and check it gives exactly what parsing in the main thread
 * gives: the same tables, types and values, the same errors with the same lines.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Store, openStore } from '../src/index.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile, type StoreDump } from './helpers/store-helpers.js';

after(removeTempDirs);

const IN_THREAD = String(Number.MAX_SAFE_INTEGER);
const IN_WORKER = '0';

/** Read `files` into a new store with the CSV worker on or off; return the dump or the error. */
async function ingest(mode: string, files: (dir: string) => string[], before?: (store: Store, dir: string) => Promise<void>): Promise<StoreDump> {
  const previous = process.env['DSI_CSV_WORKER_MIN_BYTES'];
  process.env['DSI_CSV_WORKER_MIN_BYTES'] = mode;
  const dir = tempDir('dsi-worker-');
  const store = await openStore(`${dir}/dsi.db`);
  try {
    if (before) await before(store, dir);
    await store.read(files(dir));
    return await dumpStore(store);
  } finally {
    await store.close();
    if (previous === undefined) delete process.env['DSI_CSV_WORKER_MIN_BYTES'];
    else process.env['DSI_CSV_WORKER_MIN_BYTES'] = previous;
  }
}

/** Both paths, asserted equal; returns the worker's dump. */
async function bothPaths(files: (dir: string) => string[], before?: (store: Store, dir: string) => Promise<void>): Promise<StoreDump> {
  const reference = await ingest(IN_THREAD, files, before);
  const worker = await ingest(IN_WORKER, files, before);
  assert.deepEqual(worker, reference);
  return worker;
}

const tricky =
  '\uFEFFid,name,score,ratio,code,big,note\r\n' +
  '1,"Smith, J",2.0,9.2e-5,007,9007199254740993,"line one\r\nline two"\r\n' +
  '2,,3,95.790,010,-9223372036854775808,NaN\r\n' +
  '3,"say ""hi""",,1.5,123,12,\r\n' +
  '\r\n' +
  '4,x,4,NaN,99,1,plain\r\n';

describe('CSV parsing in a worker thread', () => {
  it('gives the same types and values as parsing in the main thread (quotes, CRLF, BOM, NaN, big integers, "2.0")', async () => {
    const dump = await bothPaths((dir) => [writeFile(dir, 'tricky.csv', tricky)]);
    const t = dump.tables['tricky']!;
    assert.deepEqual(t.columns, ['id', 'name', 'score', 'ratio', 'code', 'big', 'note']);
    // score holds "2.0": written as a float, so FLOAT although every value is whole.
    assert.deepEqual(t.types, ['INTEGER', 'VARCHAR', 'FLOAT', 'FLOAT', 'INTEGER', 'INTEGER', 'VARCHAR']);
    assert.deepEqual(t.rows.map((r) => r['ratio']), [9.2e-5, 95.79, 1.5, null]);
    assert.deepEqual(t.rows.map((r) => r['code']), [7, 10, 123, 99]);
    assert.deepEqual(t.rows.map((r) => r['big']), [9007199254740993n, -9223372036854775808n, 12, 1]);
    assert.deepEqual(t.rows.map((r) => r['note']), ['line one\r\nline two', 'NaN', null, 'plain']);
    assert.deepEqual(t.rows.map((r) => r['name']), ['Smith, J', null, 'say "hi"', 'x']);
  });

  it('gives the ensemble reader the same sim_id and parameter columns', async () => {
    const previous = process.env['DSI_CSV_WORKER_MIN_BYTES'];
    const runs: StoreDump[] = [];
    for (const mode of [IN_THREAD, IN_WORKER]) {
      process.env['DSI_CSV_WORKER_MIN_BYTES'] = mode;
      const dir = tempDir('dsi-worker-');
      const store = await openStore(`${dir}/dsi.db`);
      try {
        await store.read(writeFile(dir, 'runs.csv', 'temp,label\n1.5,a\n2,b\n'), { reader: 'ensemble' });
        runs.push(await dumpStore(store));
      } finally {
        await store.close();
      }
    }
    if (previous === undefined) delete process.env['DSI_CSV_WORKER_MIN_BYTES'];
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[1]!.tables['runs']!.rows, [
      { sim_id: 1, temp: 1.5, label: 'a' },
      { sim_id: 2, temp: 2, label: 'b' },
    ]);
    assert.deepEqual(runs[1]!.tables['runs']!.types, ['INTEGER', 'FLOAT', 'VARCHAR']);
  });

  it('keeps a NUL inside a cell', async () => {
    const dump = await bothPaths((dir) => [writeFile(dir, 'nul.csv', 'a,b\nx\u0000y,1\nz,2\n')]);
    assert.deepEqual(dump.tables['nul']!.rows, [{ a: 'x\u0000y', b: 1 }, { a: 'z', b: 2 }]);
  });

  it('widens INTEGER to FLOAT when floats appear after the first 20,000 rows', async () => {
    const lines = ['v'];
    for (let i = 0; i < 30_000; i++) lines.push(i < 25_000 ? String(i) : `${i}.5`);
    const dump = await bothPaths((dir) => [writeFile(dir, 'widen.csv', `${lines.join('\n')}\n`)]);
    assert.deepEqual(dump.tables['widen']!.types, ['FLOAT']);
    assert.equal(dump.tables['widen']!.rows[29_999]!['v'], 29_999.5);
  });

  it('re-reads the file so "007" keeps its spelling when text appears after 20,000 rows', async () => {
    const lines = ['code'];
    for (let i = 0; i < 30_000; i++) lines.push(i < 25_000 ? '007' : 'A7');
    const dump = await bothPaths((dir) => [writeFile(dir, 'codes.csv', `${lines.join('\n')}\n`)]);
    assert.deepEqual(dump.tables['codes']!.types, ['VARCHAR']);
    assert.equal(dump.tables['codes']!.rows[0]!['code'], '007');
    assert.equal(dump.tables['codes']!.rows[29_999]!['code'], 'A7');
  });

  it('appending numbers to an existing text column keeps the file spelling ("1.50", "007")', async () => {
    const dump = await bothPaths(
      (dir) => [writeFile(dir, 'more.csv', 'label\n1.50\n007\n')],
      async (store, dir) => {
        await store.read(writeFile(dir, 'first.csv', 'label\nalpha\n'), { table: 'more' });
      },
    );
    assert.deepEqual(dump.tables['more']!.types, ['VARCHAR']);
    assert.deepEqual(dump.tables['more']!.rows.map((r) => r['label']), ['alpha', '1.50', '007']);
  });

  for (const [name, text, line, message] of [
    ['ragged.csv', 'a,b\n1,"x\ny"\n3,4,5\n', 4, /expected 2 fields as in the header, found 3/],
    ['quote.csv', 'a,b\n1,2\n3,"open\n5,6\n', 3, /unbalanced quote/],
    ['blank.csv', 'a,b\r\n\r\n1,"x\r\ny"\r\n\r\n\r\n3\r\n', 7, /expected 2 fields as in the header, found 1/],
  ] as const) {
    it(`reports ${name}'s error on line ${line}, as the main thread does, and keeps the store unchanged`, async () => {
      for (const mode of [IN_THREAD, IN_WORKER]) {
        process.env['DSI_CSV_WORKER_MIN_BYTES'] = mode;
        const dir = tempDir('dsi-worker-');
        const store = await openStore(`${dir}/dsi.db`);
        try {
          await store.read(writeFile(dir, 'ok.csv', 'k\n1\n'));
          const before = await dumpStore(store);
          const e = await rejectsWithCode(store.read(writeFile(dir, name, text)), 'E_BAD_INPUT');
          assert.match(e.message, new RegExp(`${name.replace('.', '\\.')}:${line}: `));
          assert.match(e.message, message);
          assert.deepEqual(await dumpStore(store), before);
        } finally {
          await store.close();
          delete process.env['DSI_CSV_WORKER_MIN_BYTES'];
        }
      }
    });
  }
});
