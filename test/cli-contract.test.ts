/**
 * The command line's contract as README and docs/cli.md state it: every error is one line
 * `dsi: …` on stderr (exit 2 for a wrong argument, 1 otherwise), never a Node stack trace or raw
 * driver text; numeric options are checked by name; help and --version exit 0; tables say when
 * they show fewer rows than there are and cut wide cells, JSON never does; read commands work on
 * a store the caller cannot write; progress bars show their numbers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedNumber, SEED_MAX, nonNegativeNumber, positiveNumber, share, wholeNumber, wholeNumberList, wholeNumbers } from '../src/cli/number-options.js';
import { jsonText } from '../src/cli/output.js';
import { CELL_WIDTH, tableCell } from '../src/text-table.js';
import { type Failure } from '../src/cli/program.js';
import { barFormat, progressRenderer } from '../src/cli/progress-bar.js';
import { openStore } from '../src/index.js';
import { DSI_BIN, failureOf, runDsi } from './helpers/cli-run.js';
import { rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function dsi(args: readonly string[], options: { asUser?: string[] } = {}): Run {
  return runDsi(args, options);
}

/** Assert `f` is exit `status` with a `dsi: ` line matching `pattern`, free of raw error text. */
function assertFailure(f: Failure, status: number, pattern: RegExp, what: string): void {
  assert.equal(f.status, status, `${what}: ${f.line}`);
  assert.ok(f.line !== undefined && !f.line.includes('\n'), `${what}: one line`);
  assert.match(f.line, /^dsi: /, what);
  assert.match(f.line, pattern, what);
  assert.doesNotMatch(f.line, /^dsi: error:| at |E[A-Z]{3,}: |SQLITE_|node:/, `${what}: no raw error text`);
}

/** Assert `r` failed with `status` and exactly one `dsi: ` line on stderr matching `pattern`. */
function assertOneLine(r: Run, status: number, pattern: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: exit ${r.status}, stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0]!, /^dsi: /, what);
  assert.match(lines[0]!, pattern, what);
  assert.doesNotMatch(r.stderr, /^error:|\n\s+at |E[A-Z]{3,}: |SQLITE_|node:/m, `${what}: no raw error text`);
}

after(removeTempDirs);

describe('parse errors, help and version', () => {
  let db: string;
  before(() => {
    db = path.join(tempDir(), 'store.db');
  });

  it('every kind of parse error is one "dsi:" line naming the command, with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--db', db, 'bogus'], /^dsi: unknown command 'bogus'$/],
      [['--db', db, 'list', '--nope'], /^dsi: list: unknown option '--nope'$/],
      [['--db', db, 'ml', 'train', '--nope'], /^dsi: ml train: unknown option '--nope'$/],
      [['--db', db, 'query'], /^dsi: query: missing required argument 'sql'$/],
      [['--db', db, 'find', 'x > 1', '--table'], /^dsi: find: option '--table <name>' argument missing$/],
      [['bench', 'dcgan', '--precision', 'fp64'], /^dsi: bench dcgan: --precision must be one of fp32, bf16, fp16, got "fp64"$/],
      [['--db', db, 'list', 'extra'], /^dsi: list: too many arguments\. Expected 0 arguments but got 1\.$/],
    ];
    for (const [args, pattern] of cases) assertFailure(await failureOf(args), 2, pattern, args.join(' '));
    // And as the process prints it: that one line on stderr, nothing on stdout, exit 2.
    const r = dsi(['--db', db, 'list', '--nope']);
    assertOneLine(r, 2, /^dsi: list: unknown option '--nope'$/, 'spawned');
    assert.equal(r.stdout, '');
  });

  it('a command that needs a subcommand and gets none prints its help on stderr and exits 2', () => {
    const r = dsi(['ml']);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: dsi ml /);
    assert.match(r.stderr, /\ndsi: ml: give one of its commands \(listed above\)\n$/);
  });

  it('--version prints the package version and --help the usage, both on stdout with exit 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = dsi([flag]);
      assert.deepEqual([r.status, r.stdout, r.stderr], [0, `${version}\n`, ''], flag);
    }
    const help = dsi(['query', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: dsi query \[options\] <sql>/);
    assert.equal(help.stderr, '');
  });
});

describe('numeric options', () => {
  it('whole numbers are decimal digits in range: no exponent, hex, blank or fraction', () => {
    const atLeastOne = wholeNumber(1);
    assert.equal(atLeastOne('25'), 25);
    for (const bad of ['x', '-1', '0', '', ' ', ' 7 ', '+7', '1e2', '0x10', '2.5', '9007199254740993', 'Infinity']) {
      assert.throws(() => atLeastOne(bad), (e: Error) => e.message === `must be a whole number ≥ 1, got "${bad}"`, bad);
    }
    assert.throws(() => wholeNumber(0, 9)('10'), /must be a whole number from 0 to 9, got "10"/);
    assert.deepEqual(wholeNumbers(1)('3', wholeNumbers(1)('1', undefined)), [1, 3]);
    assert.deepEqual(wholeNumberList(1)('64, 32'), [64, 32]);
    assert.throws(() => wholeNumberList(1)('64,,32'), /comma-separated whole numbers ≥ 1/);
  });

  it('seeds are exact whole numbers from 0 to 4294967295', () => {
    assert.equal(SEED_MAX, 4294967295);
    assert.equal(seedNumber('0'), 0);
    assert.equal(seedNumber('4294967295'), 4294967295);
    for (const bad of ['1e20', '4294967296', '-1', '1.5', '', '0x1']) {
      assert.throws(() => seedNumber(bad), (e: Error) => e.message === `must be a whole number from 0 to 4294967295, got "${bad}"`, bad);
    }
  });

  it('decimal numbers must be finite and spelt in decimal', () => {
    assert.equal(positiveNumber('1e-4'), 1e-4);
    assert.equal(nonNegativeNumber('0'), 0);
    assert.equal(share('0.2'), 0.2);
    for (const bad of ['0', '', '0x10', 'Infinity', '1e999', 'NaN']) assert.throws(() => positiveNumber(bad), /must be a positive number/, bad);
    for (const bad of ['', '-0.5']) assert.throws(() => nonNegativeNumber(bad), /must be a number ≥ 0/, bad);
    for (const bad of ['0', '1', '']) assert.throws(() => share(bad), /must be a share between 0 and 1/, bad);
  });

  it('the commands refuse a bad number by option name with exit 2, before touching the store', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'never.db');
    const cases: [string[], RegExp][] = [
      [['query', 'SELECT 1', '--limit', 'x'], /^dsi: query: --limit must be a whole number ≥ 1, got "x"$/],
      [['query', 'SELECT 1', '--limit', '-1'], /^dsi: query: --limit must be a whole number ≥ 1, got "-1"$/],
      [['display', 't', '-n', '0'], /^dsi: display: --rows must be a whole number ≥ 1, got "0"$/],
      [['search', 'x', '--limit', '2.5'], /^dsi: search: --limit must be a whole number ≥ 1, got "2\.5"$/],
      [['update', 't', '--row', '1', '0', '--set', 'a=1'], /^dsi: update: --row must be a whole number ≥ 1, got "0"$/],
      [['bench', 'dcgan', '--seed', '-3'], /^dsi: bench dcgan: --seed must be a whole number from 0 to 4294967295, got "-3"$/],
      [['ml', 'train', '--table', 't', '--seed', '1e20'], /^dsi: ml train: --seed must be a whole number from 0 to 4294967295, got "1e20"$/],
      [['ml', 'predict', '--run', 'r', '--seed', '1.5'], /^dsi: ml predict: --seed must be a whole number from 0 to 4294967295, got "1\.5"$/],
      [['ml', 'evaluate', '--run', 'r', '--seed', 'x'], /^dsi: ml evaluate: --seed must be a whole number from 0 to 4294967295, got "x"$/],
      [['ml', 'explain', '--run', 'r', '--seed', '-1'], /^dsi: ml explain: --seed must be a whole number from 0 to 4294967295, got "-1"$/],
      [['ml', 'validate', '--run', 'r', '--points', '0'], /^dsi: ml validate: --points must be a whole number ≥ 1, got "0"$/],
      [['ml', 'suggest', '--run', 'r', '--top', '-2'], /^dsi: ml suggest: --top must be a whole number ≥ 1, got "-2"$/],
      [['ml', 'metrics', '--logits', 'l.csv', '--seed', '4294967296'], /^dsi: ml metrics: --seed must be a whole number from 0 to 4294967295, got "4294967296"$/],
      [['ml', 'train', '--model', 'mlp', '--hidden', '64,x'], /^dsi: ml train: --hidden must be comma-separated whole numbers ≥ 1, e\.g\. 64,64, got "64,x"$/],
    ];
    for (const [args, pattern] of cases) assertFailure(await failureOf(['--db', db, ...args]), 2, pattern, args.join(' '));
    assertOneLine(dsi(['--db', db, 'query', 'SELECT 1', '--limit', '0']), 2, /^dsi: query: --limit must be a whole number ≥ 1, got "0"$/, 'spawned');
    assert.equal(fs.existsSync(db), false, 'no store was created');
  });
});

describe('store commands', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = tempDir();
    db = path.join(dir, 'store.db');
    const long = 'x'.repeat(CELL_WIDTH + 40);
    writeFile(dir, 'wide.csv', `id,note,big\n1,${long},1e999\n2,short,-1e999\n3,ax,1.5\n`);
    const r = dsi(['--db', db, 'read', path.join(dir, 'wide.csv')]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('display -n 1 says how many rows it left out and how to see them', () => {
    const r = dsi(['--db', db, 'display', 'wide', '-n', '1', '--columns', 'id']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'id\n───\n1\nshowing 1 of 3 rows; -n 3 shows them all\n');
    const all = dsi(['--db', db, 'display', 'wide', '--columns', 'id']);
    assert.doesNotMatch(all.stdout, /showing/);
  });

  it('query --limit says that more rows were not shown', () => {
    const r = dsi(['--db', db, 'query', 'SELECT id FROM wide ORDER BY id', '--limit', '2']);
    assert.equal(r.stdout, 'id\n───\n1\n2\nshowing the first 2 rows; more rows not shown; a larger --limit shows more\n');
  });

  it('tables cut wide cells with an ellipsis; JSON keeps every character and prints ±Infinity as ±1e999', async () => {
    const table = dsi(['--db', db, 'display', 'wide', '-n', '1']);
    const cell = table.stdout.split('\n')[2]!.split(/\s{2,}/)[1]!;
    assert.equal(cell, `${'x'.repeat(CELL_WIDTH - 1)}…`);
    assert.match(table.stdout, /Infinity/);
    const text = dsi(['--db', db, 'query', 'SELECT note, big FROM wide ORDER BY id', '--json']).stdout;
    assert.match(text, /"big": 1e999\n[^]*"big": -1e999\n/);
    const json = (JSON.parse(text) as { rows: { note: string; big: unknown }[] }).rows;
    assert.equal(json[0]!.note, 'x'.repeat(CELL_WIDTH + 40));
    assert.deepEqual(json.map((r) => r.big), [Infinity, -Infinity, 1.5]);
    // Edited find --json output given back to update --from keeps them numbers.
    const found = dsi(['--db', db, 'find', 'id (1, 2)', '--json']).stdout;
    const edits = path.join(dir, 'edits.json');
    fs.writeFileSync(edits, found);
    const updated = dsi(['--db', db, 'update', '--from', edits, '--json']);
    assert.equal(updated.status, 0, updated.stderr);
    const store = await openStore(db, { readOnly: true });
    try {
      assert.deepEqual(await store.query('SELECT big, typeof(big) AS t FROM wide ORDER BY rowid'), [
        { big: Infinity, t: 'real' },
        { big: -Infinity, t: 'real' },
        { big: 1.5, t: 'real' },
      ]);
    } finally {
      await store.close();
    }
  });

  it('search shows a limited number of matching rows with a note; --all and --json give them all', () => {
    const limited = dsi(['--db', db, 'search', 'x', '--limit', '1']);
    assert.equal(limited.status, 0, limited.stderr);
    assert.match(limited.stdout, /\nshowing 1 of 2 matching rows; --limit N shows more, --all shows every one\n$/);
    const all = dsi(['--db', db, 'search', 'x', '--all']);
    assert.doesNotMatch(all.stdout, /showing/);
    const json = JSON.parse(dsi(['--db', db, 'search', 'x', '--json']).stdout) as { rows: unknown[]; rows_matched: number };
    assert.deepEqual([json.rows.length, json.rows_matched], [2, 2]);
    const cut = JSON.parse(dsi(['--db', db, 'search', 'x', '--json', '--limit', '1']).stdout) as { rows: unknown[]; rows_matched: number };
    assert.deepEqual([cut.rows.length, cut.rows_matched], [1, 2]);
  });

  it('update --set of a column the table lacks is refused (exit 1, store unchanged) unless --add-columns', async () => {
    const rows = async () => {
      const store = await openStore(db, { readOnly: true });
      try {
        return await store.query('SELECT * FROM wide ORDER BY rowid');
      } finally {
        await store.close();
      }
    };
    const before = await rows();
    assertOneLine(dsi(['--db', db, 'update', 'wide', '--row', '1', '--set', 'nocol=1']), 1, /table "wide" has no column "nocol"; its columns: id, note, big; give --add-columns to add it$/, 'update');
    assert.deepEqual(await rows(), before);
    const added = dsi(['--db', db, 'update', 'wide', '--row', '2', '--set', 'nocol=7', '--add-columns', '--json']);
    assert.equal(added.status, 0, added.stderr);
    assert.deepEqual((await rows()).map((r) => r['nocol']), [null, 7, null]);
  });
});

describe('updateRows in the library', () => {
  it('refuses a column the table lacks with E_COLUMN_MISSING before any backup; addColumns adds it', async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, 'dsi.db'));
    try {
      await store.read(writeFile(dir, 'runs.csv', 'id,speed\n1,2\n2,3\n'));
      const e = await rejectsWithCode(store.updateRows([{ table: 'runs', rowIndex: 1, values: { speeed: 4 } }], { backup: true }), 'E_COLUMN_MISSING');
      assert.match(e.message, /no column "speeed"; its columns: id, speed/);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('backup')), [], 'no backup was made for a refused edit');
      assert.deepEqual(await store.updateRows([{ table: 'runs', rowIndex: 1, values: { note: 'x' } }], { addColumns: true }), { rows: 1 });
      assert.deepEqual(await store.getTable('runs', { columns: ['note'] }), [{ note: 'x' }, { note: null }]);
    } finally {
      await store.close();
    }
  });
});

describe('files the system refuses', () => {
  it('name the path and the problem in words, for the store, reader inputs and writer outputs', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'store.db');
    const csv = writeFile(dir, 'a.csv', 'x\n1\n');
    const store = await openStore(db);
    await store.read(csv);
    await store.close();
    const folder = path.join(dir, 'folder');
    fs.mkdirSync(folder);
    const missing = path.join(dir, 'missing');
    const cases: [string[], RegExp][] = [
      [['--db', folder, 'list'], /^dsi: store .*folder is a folder, not a store file$/],
      [['--db', path.join(missing, 'x.db'), 'read', csv], /^dsi: store .*missing\/x\.db: the folder .*missing does not exist$/],
      [['--db', db, 'read', folder, '--reader', 'csv'], /^dsi: .*folder: is a folder, not a file$/],
      [['--db', db, 'write', path.join(missing, 'out.csv'), '--table', 'a'], /^dsi: cannot write .*missing\/out\.csv: the folder .*missing does not exist$/],
      [['--db', db, 'write', path.join(missing, 'out.cdb'), '--table', 'a'], /^dsi: cannot write .*missing\/out\.cdb: the folder .*missing does not exist$/],
      [['--db', db, 'write', path.join(csv, 'out.csv'), '--table', 'a'], /^dsi: cannot write .*a\.csv\/out\.csv: .*a\.csv is a file, not a folder$/],
      [['--db', db, 'write', folder, '--table', 'a', '--writer', 'csv'], /^dsi: .*folder: is a folder, not a file$/],
      [['--db', db, 'update', '--from', folder], /^dsi: .*folder: is a folder, not a file$/],
      [['--db', db, 'update', 'a', '--replace', folder, '--reader', 'csv'], /^dsi: .*folder: is a folder, not a file$/],
      [['--db', db, 'schema', '--apply', path.join(missing, 'r.json')], /^dsi: .*missing\/r\.json: the folder .*missing does not exist$/],
    ];
    for (const [args, pattern] of cases) assertFailure(await failureOf(args), 2, pattern, args.join(' '));
    assert.deepEqual(fs.readdirSync(folder), [], 'nothing was left in the folder');
    assert.equal(fs.existsSync(missing), false, 'no folder was created');
    assertOneLine(dsi(['--db', db, 'write', path.join(missing, 'out.csv'), '--table', 'a']), 2, /^dsi: cannot write .*out\.csv: the folder .*missing does not exist$/, 'spawned');
  });
});

describe('a build that cannot load', () => {
  it('is one "dsi:" line with exit 1 too, naming the compiled folder, as when dist/ is read while being compiled', () => {
    // A copy of bin/dsi.js over a dist/ whose CLI imports a module cut off mid-write.
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(DSI_BIN, path.join(dir, 'bin', 'dsi.js'));
    writeFile(dir, 'package.json', JSON.stringify({ type: 'module' }));
    const cli = path.join(dir, 'dist', 'src', 'cli');
    fs.mkdirSync(cli, { recursive: true });
    writeFile(cli, 'main.js', "import './update.js';\n");
    writeFile(cli, 'update.js', 'export const x = 1;\nexport function f() { return "cut off');
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'dsi.js'), 'list'], { encoding: 'utf8' });
    assertOneLine(r, 1, /^dsi: the compiled CLI in .*dist\/ cannot be loaded \(SyntaxError: .*\); rebuild it with npm run build$/, 'half-written build');
  });
});

/** How to run a command as a user without root's right to ignore permissions, when we are root. */
function unprivileged(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  return setpriv === undefined ? undefined : [setpriv, '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
}

describe('a store in a folder the caller cannot write', () => {
  const asUser = unprivileged();
  it('answers every read verb read-only, and refuses a write naming the store', { skip: asUser === undefined ? 'running as root without setpriv to drop the right to ignore permissions' : false }, async () => {
    // A folder other users can enter (mkdtemp makes 0700 ones), holding a read-only store.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ro-'));
    try {
      fs.chmodSync(dir, 0o755);
      const folder = path.join(dir, 'shared');
      fs.mkdirSync(folder);
      const db = path.join(folder, 'store.db');
      const store = await openStore(db);
      await store.read(writeFile(dir, 'runs.csv', 'id,label\n1,alpha\n2,beta\n'));
      await store.close();
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(path.join(dir, 'runs.csv'), 0o644);
      fs.chmodSync(db, 0o444);
      fs.chmodSync(folder, 0o555);
      const out = path.join(dir, 'writable');
      fs.mkdirSync(out, { mode: 0o777 });
      fs.chmodSync(out, 0o777);
      const run = (...args: string[]) => dsi(['--db', db, ...args], { asUser: asUser! });
      const verbs: [string[], (r: Run) => void][] = [
        [['list', '--json'], (r) => assert.deepEqual(JSON.parse(r.stdout), [{ table: 'runs', columns: 2, rows: 2 }])],
        [['query', 'SELECT label FROM runs ORDER BY id', '--json'], (r) => assert.deepEqual(JSON.parse(r.stdout), { rows: [{ label: 'alpha' }, { label: 'beta' }], withheld: 0 })],
        [['find', 'id > 1', '--json'], (r) => assert.deepEqual((JSON.parse(r.stdout) as { rows: { label: string }[] }).rows.map((x) => x.label), ['beta'])],
        [['search', 'alp', '--json'], (r) => assert.equal((JSON.parse(r.stdout) as { rows_matched: number }).rows_matched, 1)],
        [['summary', '--json'], (r) => assert.equal((JSON.parse(r.stdout) as { rows: unknown[] }).rows.length, 2)],
        [['display', 'runs', '--json'], (r) => assert.equal((JSON.parse(r.stdout) as { rows: unknown[] }).rows.length, 2)],
        [['units', '--json'], (r) => assert.deepEqual(JSON.parse(r.stdout), [])],
        [['schema'], (r) => assert.match(r.stdout, /CREATE TABLE "runs"/)],
        [['write', path.join(out, 'runs.csv'), '--table', 'runs'], () => assert.equal(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8'), 'id,label\n1,alpha\n2,beta\n')],
      ];
      for (const [args, check] of verbs) {
        const r = run(...args);
        assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
        check(r);
      }
      assertOneLine(run('read', path.join(dir, 'runs.csv'), '--table', 'more'), 1, /^dsi: store .*store\.db: permission denied to write it/, 'read');
      assert.deepEqual(fs.readdirSync(folder), ['store.db'], 'nothing was created beside the store');
    } finally {
      fs.chmodSync(path.join(dir, 'shared'), 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('progress bars', () => {
  /** A stream that says it is a terminal and keeps what is written to it. */
  function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
    let written = '';
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    Object.assign(stream, { isTTY: true, columns: 200 });
    // Without colours and cursor movements: what a person reads.
    return { stream, text: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') };
  }

  it('uses only placeholders cli-progress fills', () => {
    const placeholders = [...barFormat('read').matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(placeholders, ['bar', 'percentage', 'value', 'total', 'eta_formatted', 'detail']);
  });

  it('renders the done and total figures with their unit on a terminal', () => {
    const { stream, text } = fakeTerminal();
    const progress = progressRenderer(stream);
    progress.onProgress({ task: 'read big.csv', done: 0, total: 4 * 1048576, unit: 'bytes' });
    progress.onProgress({ task: 'read big.csv', done: 2 * 1048576, total: 4 * 1048576, unit: 'bytes', detail: { epoch: 2, epochs: 5 } });
    progress.stop();
    const shown = text();
    assert.doesNotMatch(shown, /\{\w+\}/, 'no placeholder is left unfilled');
    assert.match(shown, /read big\.csv \[[^\]]+\] 50% 2\.0 MiB\/4\.0 MiB eta \S+ epoch 2\/5/);
  });
});

describe('cells as tables and JSON show them', () => {
  it('tableCell cuts at CELL_WIDTH and shows line breaks; jsonText writes ±Infinity as ±1e999, NaN as null, bigints exact', () => {
    assert.equal(tableCell('a'.repeat(CELL_WIDTH)), 'a'.repeat(CELL_WIDTH));
    assert.equal(tableCell('a'.repeat(CELL_WIDTH + 1)), `${'a'.repeat(CELL_WIDTH - 1)}…`);
    assert.equal(tableCell('two\nlines'), 'two⏎lines');
    assert.equal(tableCell(0.1 + 0.2), '0.3');
    const text = jsonText([{ a: Infinity, b: -Infinity, c: NaN, d: 1, e: null, f: 9007199254740993n, g: { h: [Infinity] }, s: 'Infinity' }]);
    assert.equal(text.replace(/\s+/g, ''), '[{"a":1e999,"b":-1e999,"c":null,"d":1,"e":null,"f":9007199254740993,"g":{"h":[1e999]},"s":"Infinity"}]');
    assert.deepEqual(JSON.parse(text)[0].g, { h: [Infinity] });
  });
});
