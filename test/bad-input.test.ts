/**
 * Malformed input: every bad file makes the whole read reject with a code (E_BAD_INPUT, or
 * E_SCHEMA / E_UNIT_CONFLICT where that is the nature of the fault), a message naming the file
 * and the line (`file:LINE`), and a store exactly as it was, also when good files came before the
 * bad one in the same read. A process killed in the middle of an ingest leaves the store as it was.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Store, openStore } from '../src/index.js';
import type { StoreErrorCode } from '../src/index.js';
import { BACKENDS, dumpStore, rejectsWithCode, removeTempDirs, tempDir, withStore, writeFile } from './helpers/store-helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, '../../test/fixtures');
/** The compiled library (dist/test/… → dist/src/index.js). */
const LIBRARY = path.resolve(HERE, '../src/index.js');

after(removeTempDirs);

const BASE_CSV = 'id,name\n1,alpha\n2,beta\n3,gamma\n';

interface BadCase {
  /** What is wrong, for the test name. */
  readonly what: string;
  /** The bad file's name (its extension picks the reader). */
  readonly file: string;
  readonly text: string;
  /** The line the message must name. */
  readonly line: number;
  readonly codes?: readonly StoreErrorCode[];
  /** Extra store state before the bad read (a schema, earlier rows). */
  readonly setup?: (store: Store, dir: string) => Promise<void>;
}

const PK_SCHEMA = JSON.stringify({ t: { primary_key: 'id' } });
const withPrimaryKey = async (store: Store, dir: string) => {
  await store.applySchema(writeFile(dir, 'rel.json', PK_SCHEMA));
};
const manyRows = (n: number, extra: string[]) => {
  const lines = ['id,v'];
  for (let i = 1; i <= n; i++) lines.push(`${i},x${i}`);
  return `${[...lines, ...extra].join('\n')}\n`;
};

const CASES: BadCase[] = [
  { what: 'CSV unbalanced quote (the line its record starts on)', file: 'quote.csv', text: 'a,b\n1,2\n3,"oops\n4,5\n', line: 3 },
  { what: 'CSV text after a closing quote', file: 'afterquote.csv', text: 'a,b\n1,2\n3,"x"y\n4,5\n', line: 3 },
  { what: 'CSV unbalanced quote in the header', file: 'headquote.csv', text: 'a,"b\n1,2\n', line: 1 },
  { what: 'CSV row with too many fields', file: 'many.csv', text: 'a,b\n1,2\n3,4,5\n6,7\n', line: 3 },
  { what: 'CSV row with too few fields', file: 'few.csv', text: 'a,b\n1,2\n3\n6,7\n', line: 3 },
  { what: 'CSV row with too many fields after a field with an embedded newline', file: 'emb_many.csv', text: 'a,b\n"x\ny",2\n3,4,5\n', line: 4 },
  { what: 'CSV row with too few fields after fields with embedded newlines', file: 'emb_few.csv', text: 'a,b\n"x\ny\nz",2\n1,2\n3\n', line: 6 },
  { what: 'CSV (CRLF, blank line) row with too few fields', file: 'crlf_few.csv', text: 'a,b\r\n1,2\r\n\r\n3\r\n', line: 4 },
  { what: 'CSV ragged row far into the file', file: 'late.csv', text: manyRows(3000, ['1,2,3']), line: 3002 },
  { what: 'CSV duplicate header names', file: 'dup.csv', text: 'a,b,a\n1,2,3\n', line: 1 },
  { what: 'CSV header names equal once sanitised ("a b" and "a_b")', file: 'dup2.csv', text: 'a b,a_b\n1,2\n', line: 1 },
  { what: 'empty CSV file', file: 'empty.csv', text: '', line: 1 },
  { what: 'invalid JSON (a trailing comma)', file: 'comma.json', text: '[{"a":1},\n{"a":2,}]\n', line: 2 },
  { what: 'invalid JSON (a missing value before "}")', file: 'novalue.json', text: '{\n  "a": 1,\n  "b": \n}\n', line: 4 },
  { what: 'invalid JSON (the file ends inside an object)', file: 'end.json', text: '[\n  {"a": 1},\n  {"a": 2', line: 3 },
  { what: 'JSON that is a bare scalar, not a table', file: 'scalar.json', text: '\n42\n', line: 2 },
  { what: 'invalid YAML (a duplicate key)', file: 'dupkey.yml', text: 'a: 1\nb: 2\na: 3\n', line: 3 },
  { what: 'invalid YAML (an unclosed flow sequence)', file: 'flow.yaml', text: 'a: 1\nb: [1, 2\nc: 3\n', line: 3 },
  { what: 'invalid TOML (a missing value)', file: 'value.toml', text: '[t]\na = 1\nb = = 2\n', line: 3 },
  { what: 'invalid TOML (a key defined twice)', file: 'twice.toml', text: '[t]\na = 1\na = 2\n', line: 3 },
  {
    what: 'a duplicate primary-key value within the file under an applied schema (line of the offending row)',
    file: 't.csv',
    text: 'id,v\n1,a\n2,b\n1,c\n',
    line: 4,
    codes: ['E_BAD_INPUT', 'E_SCHEMA'],
    setup: withPrimaryKey,
  },
  {
    what: 'a duplicate primary-key value of a row already in the store (line of the offending row)',
    file: 't.csv',
    text: 'id,v\n3,c\n1,d\n',
    line: 3,
    codes: ['E_BAD_INPUT', 'E_SCHEMA'],
    setup: async (store, dir) => {
      await withPrimaryKey(store, dir);
      fs.mkdirSync(path.join(dir, 'first'), { recursive: true });
      await store.read(writeFile(dir, 'first/t.csv', 'id,v\n1,a\n2,b\n'));
    },
  },
  {
    what: 'a duplicate primary-key value on data row 151 under an applied schema (line 152)',
    file: 't.csv',
    text: manyRows(150, ['100,dup', '999,y']),
    line: 152,
    codes: ['E_BAD_INPUT', 'E_SCHEMA'],
    setup: withPrimaryKey,
  },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Assert the message names `file:line` (and not a longer line number that starts the same). */
function assertNamesLine(message: string, file: string, line: number): void {
  assert.match(message, new RegExp(`${escape(file)}:${line}(?!\\d)`), `expected "${file}:${line}" in: ${message}`);
}

for (const backend of BACKENDS) {
  describe(`bad input on ${backend}`, () => {
    /** A store with a table of rows, plus the case's own setup. */
    const prepared = async (store: Store, dir: string, c: BadCase) => {
      await store.read(writeFile(dir, 'base.csv', BASE_CSV));
      await store.read(FIXTURES + '/results.toml', { reader: 'toml1' }); // dsi_units too
      if (c.setup) await c.setup(store, dir);
    };

    for (const c of CASES) {
      const codes = c.codes ?? ['E_BAD_INPUT'];
      it(`${c.what}: the read rejects with ${codes.join('/')} naming ${c.file}:${c.line}, store unchanged`, async () => {
        await withStore(backend, async ({ store, dir }) => {
          await prepared(store, dir, c);
          const before = await dumpStore(store);
          const bad = writeFile(dir, c.file, c.text);
          const e = await rejectsWithCode(store.read(bad), codes);
          assert.deepEqual(await dumpStore(store), before);
          assert.equal(e.file, bad);
          assertNamesLine(e.message, bad, c.line);
        });
      });

      it(`${c.what}: given last after good CSV and JSON files, nothing of the good files lands either`, async () => {
        await withStore(backend, async ({ store, dir }) => {
          await prepared(store, dir, c);
          const before = await dumpStore(store);
          fs.mkdirSync(path.join(dir, 'good'));
          // Appends to an existing table and creates a new one: both must be undone.
          const good1 = writeFile(dir, 'good/base.csv', 'id,name,extra\n4,delta,1\n');
          const good2 = writeFile(dir, 'good/fresh.json', '[{"k": 1}, {"k": 2}]');
          const bad = writeFile(dir, c.file, c.text);
          const e = await rejectsWithCode(store.read([good1, good2, bad]), codes);
          assert.deepEqual(await dumpStore(store), before);
          // The error is about the bad file (its line is checked by the single-file test above).
          assert.equal(e.file, bad);
          assert.ok(e.message.includes(bad), e.message);
          assert.equal((await store.tables()).includes('fresh'), false);
        });
      });
    }

    it('a YAML1 file with an invalid document rejects naming its line, and the good YAML1 file before it does not land', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'base.csv', BASE_CSV));
        const before = await dumpStore(store);
        const bad = writeFile(dir, 'bad.yml', '---\nsegment: math\nspecification: !jack\n  a: 1\n  a: 2\n');
        const e = await rejectsWithCode(store.read([FIXTURES + '/student_test1.yml', bad], { reader: 'yaml1' }), 'E_BAD_INPUT');
        assertNamesLine(e.message, bad, 5);
        assert.deepEqual(await dumpStore(store), before);
      });
    });

    it('a YAML1 document without `segment` rejects naming the document\'s line', async () => {
      await withStore(backend, async ({ store, dir }) => {
        const before = await dumpStore(store);
        const bad = writeFile(dir, 'noseg.yml', '---\nsegment: t\nx: 1\n---\ny: 2\n');
        const e = await rejectsWithCode(store.read(bad, { reader: 'yaml1' }), 'E_BAD_INPUT');
        assertNamesLine(e.message, bad, 5);
        assert.deepEqual(await dumpStore(store), before);
      });
    });

    it('a unit conflict in the last of several files rejects with E_UNIT_CONFLICT naming that file and line; nothing lands', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'base.csv', BASE_CSV));
        await store.read(writeFile(dir, 'm.toml', '[people]\n\navg_height = {value = 5.5, units = "m"}\n'), { reader: 'toml1' });
        const before = await dumpStore(store);
        const good = writeFile(dir, 'ok.toml', '[people]\nweight = {value = 70, units = "kg"}\n');
        const bad = writeFile(dir, 'cm.toml', '[people]\nweight = {value = 71, units = "kg"}\navg_height = {value = 550, units = "cm"}\n');
        const e = await rejectsWithCode(store.read([good, bad], { reader: 'toml1' }), 'E_UNIT_CONFLICT');
        assert.ok(e.message.includes(bad), e.message);
        assert.deepEqual(await dumpStore(store), before);
        assert.deepEqual((await store.units()).map((u) => u.unit), ['m']);
      });
    });

    it('a YAML1 file giving one column two units rejects naming the line of the second', async () => {
      await withStore(backend, async ({ store, dir }) => {
        const before = await dumpStore(store);
        const bad = writeFile(dir, 'units.yml', '---\nsegment: t\nh: "1 m"\n---\nsegment: t\nh: "2 cm"\n');
        const e = await rejectsWithCode(store.read(bad, { reader: 'yaml1' }), ['E_BAD_INPUT', 'E_UNIT_CONFLICT']);
        assertNamesLine(e.message, bad, 6);
        assert.deepEqual(await dumpStore(store), before);
      });
    });

    it('a missing input file rejects with E_BAD_ARGUMENT before anything lands', async () => {
      await withStore(backend, async ({ store, dir }) => {
        await store.read(writeFile(dir, 'base.csv', BASE_CSV));
        const before = await dumpStore(store);
        const good = writeFile(dir, 'good.csv', 'x\n1\n');
        const e = await rejectsWithCode(store.read([good, path.join(dir, 'missing.csv')]), 'E_BAD_ARGUMENT');
        assert.match(e.message, /missing\.csv/);
        assert.deepEqual(await dumpStore(store), before);
      });
    });
  });
}

describe('a killed ingest', { skip: !BACKENDS.includes('sqlite') }, () => {
  it('SIGKILL in the middle of reading a 400,000-row CSV leaves the store with the tables and rows it had before', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'kill.db');
    const store = await openStore(db, { backend: 'sqlite' });
    await store.read(writeFile(dir, 'base.csv', BASE_CSV));
    await store.read(writeFile(dir, 'big.csv', 'i,x,s\n0,0.5,seed\n')); // a table the ingest appends to
    const before = await dumpStore(store);
    await store.close();

    const lines = ['i,x,s'];
    for (let i = 1; i <= 400_000; i++) lines.push(`${i},${i * 0.5},name${i}`);
    const csv = writeFile(dir, 'big.csv', `${lines.join('\n')}\n`);

    const code = `
      import { openStore } from ${JSON.stringify(pathToFileURL(LIBRARY).href)};
      const store = await openStore(process.env.DSI_DB);
      process.stdout.write('reading\\n');
      await store.read(process.env.DSI_CSV, { onProgress: (e) => process.stdout.write('progress ' + e.done + '\\n') });
      await store.close();
      process.stdout.write('done\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, DSI_DB: db, DSI_CSV: csv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    const kill = () => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    // The kill waits for evidence, not for a time: the first progress line is printed from inside
    // the ingest's transaction (the reader reports bytes parsed as rows go in). The guard only
    // ends a child that hangs without ever reporting progress.
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      kill();
    }, 120_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/progress [1-9]/.test(out)) kill();
    });
    const result = await exited;
    clearTimeout(guard);
    assert.equal(hung, false, `the child printed no progress in two minutes: ${out.slice(0, 200)} stderr: ${err}`);
    assert.equal(out.includes('done'), false, `the child finished before it was killed; make the CSV larger. stderr: ${err}`);
    assert.equal(result.signal, 'SIGKILL', `child exit ${String(result.code)}: ${err}`);
    assert.ok(out.includes('progress'), `the kill came while the ingest was running: ${out.slice(0, 200)}`);

    const reopened = await openStore(db, { backend: 'sqlite' });
    try {
      assert.deepEqual(await reopened.list(), before.list);
      assert.deepEqual(await dumpStore(reopened), before);
      // And the store still takes writes.
      await reopened.read(writeFile(dir, 'after.csv', 'z\n1\n'));
      assert.deepEqual((await reopened.list()).map((l) => [l.table, l.rows]), [...before.list.map((l) => [l.table, l.rows]), ['after', 1]]);
    } finally {
      await reopened.close();
    }
  });
});
