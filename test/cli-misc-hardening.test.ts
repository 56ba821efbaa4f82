/**
 * Hardening of the command line and the library around it: file writes never replace a device,
 * FIFO or socket and write through a symbolic link; the demo deletes only a store it made itself;
 * seeds stay within the generators' 32-bit seeds; a read that differs only in options without
 * effect on the rows is a repeat; find values are one word and 1e999 is Infinity; typed numbers
 * are decimal spellings only; writers refuse unknown options; query --limit stops an endless
 * query; the CSV export's backpressure adds no listener per wait.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { beginAtomicFileSync, writeFileAtomic, writeFileAtomicSync } from '../src/atomic-write.js';
import { clearDemoStore } from '../src/cli/commands/demo.js';
import { positiveNumber, seedNumber, wholeNumber, wholeNumberList } from '../src/cli/number-options.js';
import { MlError, StoreError } from '../src/errors.js';
import { Store, openStore, parseFindCondition } from '../src/index.js';
import { SEED_MAX, explainRun, parameterCombinations, predictGan, trainGan } from '../src/ml/index.js';
import { checkSeed } from '../src/ml/call-limits.js';
import { conditionValue } from '../src/ml/predict/parameter-grid.js';
import * as torch from '../src/torch/index.js';
import { csvWriter } from '../src/writers/csv-writer.js';
import { makeMnistStore } from './helpers/mnist-store.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');
const EXAMPLES = path.join(ROOT, 'examples');
const BIG_CSV = 'id,big,f,name\n1,9007199254740993,1e999,x\n2,5,-1e999,y\n';

function dsi(args: readonly string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, ...args], { encoding: 'utf8', timeout: 30_000, ...(cwd === undefined ? {} : { cwd }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function throwsCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StoreError || e instanceof MlError, String(e));
    assert.equal((e as StoreError).code, code);
    assert.match((e as Error).message, message);
    return true;
  });
}

/** A store in a fresh folder holding big.csv read into table `big`. */
async function bigStore(): Promise<{ dir: string; db: string; csv: string; store: Store }> {
  const dir = tempDir('dsi-misc-');
  const csv = writeFile(dir, 'big.csv', BIG_CSV);
  const db = path.join(dir, 'b.db');
  const store = await openStore(db);
  await store.read(csv);
  return { dir, db, csv, store };
}

after(() => removeTempDirs());

describe('file writes replace regular files only, and write through symbolic links', () => {
  it('a FIFO, a socket and a character device are refused by every file write, naming what they are, and stay as they were', async () => {
    const dir = tempDir('dsi-misc-nodes-');
    const fifo = path.join(dir, 'fifo.csv');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const socketPath = path.join(dir, 'sock.csv');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const targets: [string, RegExp][] = [
        [fifo, /^cannot write .*fifo\.csv: it is a FIFO \(named pipe\), not a regular file; refusing to replace it$/],
        [socketPath, /^cannot write .*sock\.csv: it is a socket, not a regular file; refusing to replace it$/],
      ];
      // A character device needs the right to make one (root); where it is missing, the FIFO and the socket stand for it.
      const device = path.join(dir, 'fulldev');
      if (spawnSync('mknod', ['-m', '666', device, 'c', '1', '7']).status === 0) {
        targets.push([device, /^cannot write .*fulldev: it is a character device, not a regular file; refusing to replace it$/]);
      }
      for (const [target, message] of targets) {
        throwsCode(() => writeFileAtomicSync(target, 'x'), 'E_UNSAFE_PATH', message);
        throwsCode(() => beginAtomicFileSync(target), 'E_UNSAFE_PATH', message);
        await assert.rejects(writeFileAtomic(target, 'x'), (e: unknown) => (e as StoreError).code === 'E_UNSAFE_PATH');
      }
      assert.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
      assert.ok(fs.lstatSync(socketPath).isSocket(), 'the socket is still a socket');
      if (fs.existsSync(device)) assert.ok(fs.lstatSync(device).isCharacterDevice(), 'the device is still a device');
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('dsi-tmp')), [], 'no temporary left');
    } finally {
      server.close();
    }
  });

  it('dsi write to a FIFO exits 1 naming it; through a link it replaces the linked file and keeps the link', async () => {
    const { dir, db, store } = await bigStore();
    await store.close();
    const fifo = path.join(dir, 'fifo.csv');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const refused = dsi(['--db', db, 'write', fifo, '--table', 'big', '--writer', 'csv']);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^dsi: cannot write .*fifo\.csv: it is a FIFO \(named pipe\), not a regular file; refusing to replace it\n$/);
    assert.ok(fs.lstatSync(fifo).isFIFO());

    const real = writeFile(dir, 'real.csv', 't\n');
    const link = path.join(dir, 'link.csv');
    fs.symlinkSync('real.csv', link);
    const through = dsi(['--db', db, 'write', link, '--table', 'big']);
    assert.equal(through.status, 0, through.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link stays a link');
    assert.equal(fs.readlinkSync(link), 'real.csv');
    assert.equal(fs.readFileSync(real, 'utf8').split('\n')[0], 'id,big,f,name');
  });

  it('a chain of links is followed; a dangling link creates the file it names', () => {
    const dir = tempDir('dsi-misc-links-');
    fs.symlinkSync('b.txt', path.join(dir, 'a.txt'));
    fs.symlinkSync('sub/c.txt', path.join(dir, 'b.txt'));
    fs.mkdirSync(path.join(dir, 'sub'));
    writeFileAtomicSync(path.join(dir, 'a.txt'), 'through two links');
    assert.equal(fs.readFileSync(path.join(dir, 'sub/c.txt'), 'utf8'), 'through two links');
    assert.ok(fs.lstatSync(path.join(dir, 'a.txt')).isSymbolicLink());
    assert.ok(fs.lstatSync(path.join(dir, 'b.txt')).isSymbolicLink());
    fs.symlinkSync('new.txt', path.join(dir, 'dangling.txt'));
    writeFileAtomicSync(path.join(dir, 'dangling.txt'), 'made');
    assert.equal(fs.readFileSync(path.join(dir, 'new.txt'), 'utf8'), 'made');
    assert.ok(fs.lstatSync(path.join(dir, 'dangling.txt')).isSymbolicLink());
    fs.symlinkSync('loop2', path.join(dir, 'loop1'));
    fs.symlinkSync('loop1', path.join(dir, 'loop2'));
    throwsCode(() => writeFileAtomicSync(path.join(dir, 'loop1'), 'x'), 'E_UNSAFE_PATH', /more than 40 symbolic links in a chain/);
  });
});

describe('the demo deletes only a store it made itself', () => {
  it('dsi demo --out over a plain file with a .data folder is refused, and both are kept', () => {
    const dir = tempDir('dsi-misc-demo-');
    writeFile(dir, 'notes', 'notes\n');
    fs.mkdirSync(path.join(dir, 'notes.data'));
    writeFile(dir, 'notes.data/keep.txt', 'x\n');
    const r = dsi(['demo', '--out', 'notes', '--no-ml'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, 'dsi: demo: notes exists and is not an SQLite database; the demo replaces only a store it made itself: give another --out, or remove it yourself\n');
    assert.equal(fs.readFileSync(path.join(dir, 'notes'), 'utf8'), 'notes\n');
    assert.equal(fs.readFileSync(path.join(dir, 'notes.data/keep.txt'), 'utf8'), 'x\n');
    assert.doesNotMatch(r.stdout, /\$ dsi/, 'no step ran');
  });

  it('dsi demo --out FOLDER is refused as a folder, naming it', () => {
    const dir = tempDir('dsi-misc-demo-');
    const r = dsi(['demo', '--out', dir, '--no-ml'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^dsi: demo: .* is a folder, not a store file; the demo replaces only a store it made itself/);
    assert.ok(fs.statSync(dir).isDirectory());
  });

  it("replaces a store whose first read is the demo's, with its own data folder; refuses another store and an orphan data folder", async () => {
    const dir = tempDir('dsi-misc-demo-');
    const demoDb = path.join(dir, 'demo.sqlite');
    const store = await openStore(demoDb);
    await store.read(path.join(EXAMPLES, 'wildfiredata.csv'), { table: 'wildfire' });
    await store.close();
    fs.mkdirSync(path.join(dir, 'demo.data'));
    writeFile(dir, 'demo.data/image.png', 'png');
    writeFile(dir, 'demo.sqlite.data', 'not the store\'s data folder');
    await clearDemoStore(demoDb);
    assert.equal(fs.existsSync(demoDb), false, 'the demo store is gone');
    assert.equal(fs.existsSync(path.join(dir, 'demo.data')), false, 'its data folder (NAME.data, as the store names it) is gone');
    assert.equal(fs.readFileSync(path.join(dir, 'demo.sqlite.data'), 'utf8'), "not the store's data folder", 'a look-alike is kept');

    const { db, store: other } = await bigStore();
    await other.close();
    await assert.rejects(clearDemoStore(db), (e: unknown) => {
      assert.equal((e as StoreError).code, 'E_UNSAFE_PATH');
      assert.match((e as Error).message, /b\.db exists and is a store that dsi demo did not make \(its first read is not the shipped wildfiredata\.csv into the table wildfire\)/);
      return true;
    });
    assert.ok(fs.existsSync(db));

    fs.mkdirSync(path.join(dir, 'gone.data'));
    await assert.rejects(clearDemoStore(path.join(dir, 'gone.db')), /gone\.db does not exist, but .*gone\.data does, and no store made by the demo owns it/);
    assert.ok(fs.existsSync(path.join(dir, 'gone.data')));
    await clearDemoStore(path.join(dir, 'fresh.db')); // nothing there: nothing to do
  });
});

describe('seeds are 32-bit, as the generators use them', () => {
  it("libtorch's generator keeps only a seed's low 32 bits: 2^32 draws what 0 draws", () => {
    const draw = (seed: number) => {
      torch.manualSeed(seed);
      const t = torch.randn([4]);
      try {
        return Array.from(t.toArray() as Float32Array);
      } finally {
        t.dispose();
      }
    };
    assert.deepEqual(draw(2 ** 32), draw(0));
    assert.notDeepEqual(draw(SEED_MAX), draw(0));
  });

  it('predictGan with seed 4294967295 and count 2 is refused naming the limit; train and explain refuse 2^32', async () => {
    assert.equal(SEED_MAX, 0xffffffff);
    const dir = tempDir('dsi-misc-seed-');
    const m = await makeMnistStore(dir, 8);
    try {
      const gan = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
      await assert.rejects(predictGan(m.store, { run: gan, seed: 4294967295, count: 2 }), (e: unknown) => {
        assert.equal((e as MlError).code, 'E_ML_ARGUMENT');
        assert.match((e as Error).message, /^seed must be a whole number from 0 to 4294967294 \(item k uses seed \+ k, and the 2 seeds must stay within the generators' 32-bit seeds, at most 4294967295\), got 4294967295$/);
        return true;
      });
      await assert.rejects(trainGan(m.store, { table: 'digits', epochs: 1, seed: 2 ** 32 }), /^MlError: seed must be a whole number from 0 to 4294967295 \(the generators' 32-bit seeds\), got 4294967296$/);
      await assert.rejects(explainRun(m.store, { run: gan, row: 1, seed: -1 }), /^MlError: seed must be a whole number from 0 to 4294967295/);
    } finally {
      await m.store.close();
    }
    assert.equal(checkSeed('--seed', SEED_MAX), SEED_MAX);
    assert.throws(() => checkSeed('--seed', SEED_MAX + 1), /from 0 to 4294967295/);
  });
});

describe('a read that differs only in options without effect on the rows is a repeat', () => {
  it('encoding=utf8 (the default) and encoding=latin1 on a pure-ASCII file are refused as the same read; the rows are not doubled', async () => {
    const { csv, store } = await bigStore();
    try {
      for (const encoding of ['utf8', 'UTF-8', 'latin1']) {
        const e = await rejectsWithCode(store.read(csv, { readerOptions: { encoding } }), 'E_ALREADY_READ');
        assert.match(e.message, /big\.csv was already read into table "big"/);
      }
      assert.deepEqual(await store.query('SELECT count(*) AS n FROM big'), [{ n: 2 }]);
    } finally {
      await store.close();
    }
  });

  it('latin1 on a file with non-ASCII bytes reads other rows, so it is a new read', async () => {
    const dir = tempDir('dsi-misc-enc-');
    const csv = writeFile(dir, 'names.csv', 'name\ncafé\n');
    const store = await openStore(path.join(dir, 's.db'));
    try {
      await store.read(csv, { table: 'names' });
      await store.read(csv, { table: 'names', readerOptions: { encoding: 'latin1' } });
      assert.deepEqual((await store.query('SELECT name FROM names ORDER BY rowid')).map((r) => r['name']), ['café', 'cafÃ©']);
      await rejectsWithCode(store.read(csv, { table: 'names', readerOptions: { encoding: 'iso-8859-1' } }), 'E_ALREADY_READ');
    } finally {
      await store.close();
    }
  });
});

describe('find: an unquoted value is one word; 1e999 is Infinity', () => {
  it('a value with a space or an operator character is E_FIND_SYNTAX at that character, suggesting quotes', () => {
    const cases: [string, RegExp][] = [
      ['name = x and id = 2', /^find "name = x and id = 2": at character 9: unquoted value "x and id = 2" holds a space: .*put text in quotes \('x and id = 2'\)$/],
      ['name = x=1', /^find "name = x=1": at character 9: unquoted value "x=1" holds the operator character =: .*put text in quotes \('x=1'\)$/],
      ['id = 1 2', /^find "id = 1 2": at character 7: unquoted value "1 2" holds a space/],
      ['name = x y', /^find "name = x y": at character 9: unquoted value "x y" holds a space/],
      ['name != a<b', /^find "name != a<b": at character 10: unquoted value "a<b" holds the operator character </],
    ];
    for (const [condition, message] of cases) throwsCode(() => parseFindCondition(condition), 'E_FIND_SYNTAX', message);
    assert.deepEqual(parseFindCondition("name = 'x and id = 2'"), { column: 'name', kind: 'compare', op: '=', value: 'x and id = 2', text: 'x and id = 2' });
  });

  it('1e999 and -1e999 are ±Infinity in = and >=, and what --json prints finds its row again', async () => {
    const { db, store } = await bigStore();
    try {
      assert.equal(parseFindCondition('f = 1e999').kind === 'compare' && (parseFindCondition('f = 1e999') as { value: unknown }).value, Infinity);
      assert.deepEqual((await store.find('f = 1e999')).map((r) => r['name']), ['x']);
      assert.deepEqual((await store.find('f >= 1e999')).map((r) => r['name']), ['x']);
      assert.deepEqual((await store.find('f = -1e999')).map((r) => r['name']), ['y']);
      assert.deepEqual((await store.find('f (-1e999, 0)')).map((r) => r['name']), ['y']);
    } finally {
      await store.close();
    }
    const printed = dsi(['--db', db, 'find', 'name = y', '--json']);
    const f = /"f": (-?1e999)/.exec(printed.stdout)?.[1];
    assert.equal(f, '-1e999');
    const again = dsi(['--db', db, 'find', `f = ${f}`, '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /"name": "y"/);
  });
});

describe('typed numbers are decimal spellings only', () => {
  it('whole-number options refuse " 3", "+3" and "3 "; decimals refuse " 1.5"', () => {
    for (const bad of [' 3', '+3', '3 ', '\t3']) {
      assert.throws(() => wholeNumber(1)(bad), /must be a whole number ≥ 1/, JSON.stringify(bad));
      assert.throws(() => seedNumber(bad), /must be a whole number from 0 to 4294967295/, JSON.stringify(bad));
    }
    assert.throws(() => wholeNumberList(1)('64,+64'), /comma-separated whole numbers/);
    assert.deepEqual(wholeNumberList(1)('64, 32'), [64, 32], 'spaces around a comma only separate');
    assert.throws(() => positiveNumber(' 1.5'), /must be a positive number/);
    assert.throws(() => positiveNumber('+1.5'), /must be a positive number/);
    assert.equal(wholeNumber(1)('3'), 3);
    assert.equal(positiveNumber('1.5e-3'), 0.0015);
  });

  it('--params and --grid values in hex, binary or octal are refused; decimal spellings are taken', () => {
    const label = { name: 'label', kind: 'categorical' as const, levels: [0, 1, 2] };
    const x = { name: 'x', kind: 'continuous' as const, min: 0, max: 10 };
    assert.throws(() => conditionValue(label, '0x1', false), /label=0x1 was not trained on/);
    assert.throws(() => conditionValue(x, '0x1', false), /x=0x1 is not a number in decimal digits; x is continuous/);
    assert.throws(() => conditionValue(x, ' 1', false), /is not a number in decimal digits/);
    assert.throws(() => parameterCombinations([label], { grid: { label: '0b0,0o1' } }), /label=0b0 was not trained on/);
    assert.throws(() => parameterCombinations([x], { grid: { x: '0x1..3' } }), /is not a number in decimal digits/);
    assert.equal(conditionValue(label, '1.0', false), 1);
    assert.equal(conditionValue(x, '2.5', false), 2.5);
    assert.deepEqual(parameterCombinations([label], { grid: { label: '0..2' } }), [{ label: 0 }, { label: 1 }, { label: 2 }]);
  });
});

describe('writers refuse options they do not take', () => {
  it('write out.csv with option x=y is E_BAD_ARGUMENT listing what the csv writer takes, and writes nothing', async () => {
    const { dir, store } = await bigStore();
    try {
      const out = path.join(dir, 'out.csv');
      const e = await rejectsWithCode(store.write(out, { query: 'SELECT 1 AS a', writerOptions: { x: 'y' } }), 'E_BAD_ARGUMENT');
      assert.equal(e.message, 'the csv writer has no option "x"; it takes none');
      assert.equal(fs.existsSync(out), false);
      const cdb = await rejectsWithCode(store.write(path.join(dir, 'out.cdb'), { query: 'SELECT 1 AS a', writerOptions: { file: 'copy' } }), 'E_BAD_ARGUMENT');
      assert.equal(cdb.message, 'the cinema writer has no option "file"; it takes files=copy|link|symlink, allow_outside=true|false');
    } finally {
      await store.close();
    }
    const r = dsi(['--db', path.join(dir, 'b.db'), 'write', path.join(dir, 'out.csv'), '--query', 'select 1', '--option', 'x=y']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'dsi: the csv writer has no option "x"; it takes none\n');
  });
});

describe('query --limit stops an endless query', () => {
  const endless = 'with recursive c(x) as (select 1 union all select x+1 from c) select x from c';

  it('Store.queryFirst returns the first rows of a recursive CTE and says there are more', async () => {
    const { store } = await bigStore();
    try {
      assert.deepEqual(await store.queryFirst(endless, 2), { rows: [{ x: 1 }, { x: 2 }], more: true });
      assert.deepEqual(await store.queryFirst('SELECT id FROM big ORDER BY id', 2), { rows: [{ id: 1 }, { id: 2 }], more: false });
      assert.deepEqual(await store.query('SELECT count(*) AS n FROM big'), [{ n: 2 }], 'the store is usable after stopping early');
    } finally {
      await store.close();
    }
  });

  it('dsi query --limit 2 on it prints two rows and "more rows not shown"', async () => {
    const { db, store } = await bigStore();
    await store.close();
    const r = dsi(['--db', db, 'query', endless, '--limit', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'x\n───\n1\n2\nshowing the first 2 rows; more rows not shown; a larger --limit shows more\n');
    const json = dsi(['--db', db, 'query', endless, '--limit', '2', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), { rows: [{ x: 1 }, { x: 2 }], more: true, withheld: 0 });
  });
});

describe('the CSV export waits for the stream without piling listeners', () => {
  it('an export of 30 batches (each filling the stream) emits no MaxListenersExceededWarning', async () => {
    const dir = tempDir('dsi-misc-csv-');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      async function* batches() {
        for (let b = 0; b < 30; b++) yield Array.from({ length: 1000 }, (_, i) => ({ id: b * 1000 + i, text: 'x'.repeat(40) }));
      }
      const out = path.join(dir, 'big.csv');
      const { rows } = await csvWriter.write(out, ['id', 'text'], batches(), { fileRoot: dir });
      assert.equal(rows, 30_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
      assert.equal(fs.readFileSync(out, 'utf8').split('\n').length, 30_002);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

before(() => {
  assert.ok(fs.existsSync(path.join(EXAMPLES, 'wildfiredata.csv')), 'the shipped examples are there');
});
