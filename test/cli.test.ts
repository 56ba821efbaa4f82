/** The `dsi` command-line contract: verbs, --json shapes, exit codes and one-line errors. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'test/fixtures');
const bin = path.join(root, 'bin/dsi.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function dsi(db: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, '--db', db, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The `rows` of what `find`, `query` and `summary` print with --json ({rows, withheld}). */
function rowsOf(run: Run): unknown {
  return (json(run) as { rows: unknown }).rows;
}

function json(run: Run): unknown {
  assert.equal(run.status, 0, `exit ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('dsi command line', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-cli-'));
    db = path.join(dir, 'store.db');
    const r = dsi(db, 'read', path.join(fixtures, 'wildfiredata.csv'), '--table', 'wildfire');
    assert.equal(r.status, 0, r.stderr);
  });

  it('list --json gives table, column count and row count', () => {
    assert.deepEqual(json(dsi(db, 'list', '--json')), [{ table: 'wildfire', columns: 11, rows: 4 }]);
  });

  it('find --json adds dsi_table_name and 1-based dsi_row_index to each row', () => {
    const rows = rowsOf(dsi(db, 'find', 'wind_speed > 5', '--json')) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => [r['dsi_table_name'], r['dsi_row_index'], r['wind_speed']]), [
      ['wildfire', 2, 8],
      ['wildfire', 3, 8],
    ]);
    assert.equal(rows[0]!['burned_area'], 169302);
  });

  it('find with a quoted substring matches case-insensitively', () => {
    const rows = rowsOf(dsi(db, 'find', "fuels ~ 'tls'", '--json')) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => r['dsi_row_index']), [2, 3, 4]);
  });

  it('find with a malformed condition exits non-zero with one line naming the problem', () => {
    const r = dsi(db, 'find', 'wind_speed => 5');
    assert.notEqual(r.status, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /unknown operator "=>"/);
  });

  it('search --json gives tables, columns and rows with dsi_table_name', () => {
    const result = json(dsi(db, 'search', 'WIND', '--json')) as { tables: string[]; columns: { table: string; column: string }[]; rows: unknown[] };
    assert.deepEqual(result.tables, []);
    assert.deepEqual(result.columns, [{ table: 'wildfire', column: 'wind_speed' }]);
    assert.deepEqual(result.rows, []);
    const cells = json(dsi(db, 'search', 'ring', '--json')) as { rows: Record<string, unknown>[] };
    assert.deepEqual(cells.rows.map((r) => [r['dsi_table_name'], r['ignition']]), [['wildfire', 'ST5_ignite_ring.dat']]);
  });

  it('summary --json gives one object per column with the contract keys', () => {
    const rows = rowsOf(dsi(db, 'summary', '--table', 'wildfire', '--json')) as Record<string, unknown>[];
    assert.equal(rows.length, 11);
    assert.deepEqual(Object.keys(rows[0]!), ['table', 'column', 'type', 'unique', 'min', 'max', 'avg', 'std_dev', 'primary_key']);
    const wdir = rows.find((r) => r['column'] === 'wdir')!;
    assert.deepEqual([wdir['type'], wdir['unique'], wdir['min'], wdir['max'], wdir['avg']], ['INTEGER', 4, 180, 240, 210]);
    assert.ok(Math.abs((wdir['std_dev'] as number) - 23.717082451262844) < 1e-9);
  });

  it('display -n limits rows and keeps column order', () => {
    const { rows, total } = json(dsi(db, 'display', 'wildfire', '-n', '2', '--json')) as { rows: Record<string, unknown>[]; total: number };
    assert.equal(rows.length, 2);
    assert.equal(total, 4);
    assert.equal(Object.keys(rows[0]!)[0], 'wind_speed');
  });

  it('query --json returns rows; a write statement is refused and changes nothing', () => {
    assert.deepEqual(rowsOf(dsi(db, 'query', 'SELECT count(*) AS n FROM wildfire', '--json')), [{ n: 4 }]);
    const r = dsi(db, 'query', 'UPDATE wildfire SET wdir = 0');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /read-only/);
    assert.deepEqual(rowsOf(dsi(db, 'query', 'SELECT min(wdir) AS m FROM wildfire', '--json')), [{ m: 180 }]);
  });

  it('integers beyond 2^53 keep every digit in --json output', () => {
    const csv = path.join(dir, 'big.csv');
    fs.writeFileSync(csv, 'id,name\n9007199254740993,a\n9223372036854775807,b\n');
    assert.equal(dsi(db, 'read', csv).status, 0);
    const r = dsi(db, 'query', 'SELECT id FROM big', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"id": 9007199254740993/);
    assert.match(r.stdout, /"id": 9223372036854775807/);
  });

  it('read of a malformed CSV names file and line, exits non-zero, and keeps the store as it was', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'a,b\n1,2\n3,4,5\n');
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, 'x\n1\n');
    const before = json(dsi(db, 'list', '--json'));
    const r = dsi(db, 'read', good, bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.csv:3: expected 2 fields as in the header, found 3/);
    assert.deepEqual(json(dsi(db, 'list', '--json')), before);
  });

  it('update --row --set edits one row and --backup leaves a copy with the old value', () => {
    const r = dsi(db, 'update', 'wildfire', '--row', '1', '--set', 'wdir=181', '--backup', '--json');
    const result = json(r) as { rows: number; backup: string };
    assert.equal(result.rows, 1);
    assert.ok(fs.existsSync(result.backup));
    assert.deepEqual(rowsOf(dsi(db, 'query', 'SELECT wdir FROM wildfire', '--json')), [{ wdir: 181 }, { wdir: 225 }, { wdir: 195 }, { wdir: 240 }]);
    assert.deepEqual(rowsOf(dsi(result.backup, 'query', 'SELECT wdir FROM wildfire LIMIT 1', '--json')), [{ wdir: 180 }]);
  });

  it('update --from applies edited find --json output by dsi_row_index', () => {
    const rows = rowsOf(dsi(db, 'find', 'wdir = 240', '--json')) as Record<string, unknown>[];
    rows[0]!['fuels'] = 'EDITED';
    const file = path.join(dir, 'edits.json');
    fs.writeFileSync(file, JSON.stringify(rows));
    json(dsi(db, 'update', '--from', file, '--json'));
    assert.deepEqual(rowsOf(dsi(db, 'query', 'SELECT fuels FROM wildfire WHERE wdir = 240', '--json')), [{ fuels: 'EDITED' }]);
  });

  it('update of a store-managed table is refused', () => {
    const r = dsi(db, 'update', 'dsi_units', '--row', '1', '--set', 'unit=x');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /managed by the store/);
  });

  it('units --json lists dsi_units rows and schema prints keys after --apply', () => {
    const r = dsi(db, 'read', path.join(fixtures, 'student_test1.yml'), path.join(fixtures, 'student_test2.yml'), '--reader', 'yaml1');
    assert.equal(r.status, 0, r.stderr);
    const units = json(dsi(db, 'units', '--json')) as { table: string; column: string; unit: string }[];
    assert.deepEqual(units[0], { table: 'math', column: 'c', unit: 'cm' });
    const ddl = dsi(db, 'schema', '--apply', path.join(fixtures, 'yaml1_schema.json'), '--table', 'address');
    assert.equal(ddl.status, 0, ddl.stderr);
    assert.match(ddl.stdout, /PRIMARY KEY \("i"\)/);
    assert.match(ddl.stdout, /FOREIGN KEY \("h"\) REFERENCES "physics" \("n"\)/);
  });

  it('write --writer csv exports a query', () => {
    const out = path.join(dir, 'out.csv');
    const r = dsi(db, 'write', out, '--writer', 'csv', '--query', 'SELECT wind_speed, fuels FROM wildfire WHERE wind_speed = 8');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), 'wind_speed,fuels\n8,ST5_FFDUET_TLS\n8,ST5_FFDUET_TLS\n');
  });

  it('an unknown reader and a missing table are one-line errors with a non-zero exit', () => {
    const r1 = dsi(db, 'read', path.join(fixtures, 'wildfiredata.csv'), '--reader', 'nope');
    assert.notEqual(r1.status, 0);
    assert.match(r1.stderr, /^dsi: unknown reader "nope"; available: csv, json/);
    const r2 = dsi(db, 'display', 'nope');
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /^dsi: no table named "nope"/);
  });
});
