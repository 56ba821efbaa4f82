/**
 * What the PostgreSQL backend guarantees beyond the conformance suite: clear one-line errors for
 * a server that is not there, refused credentials and a missing database (the store unchanged);
 * a location that never shows the password; read-only queries that cannot write; the hidden
 * insertion-order column; COPY bulk loads that keep every character; backups refused by
 * capability; the backend chosen from a `postgres://` location, in the library and in `dsi`.
 * Skipped, with the reason, when DSI_TEST_POSTGRES_URL names no server (scripts/test.sh starts one).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backendForLocation, openStore } from '../src/index.js';
import { POSTGRES_URL, freshPostgresLocation } from './helpers/postgres.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const DSI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
const skip = POSTGRES_URL === undefined ? 'DSI_TEST_POSTGRES_URL names no PostgreSQL server (scripts/test.sh starts one when PostgreSQL is installed)' : false;

after(removeTempDirs);

/** The test server's URL with another user, password or database. */
function variant(change: (url: URL) => void): string {
  const url = new URL(POSTGRES_URL!);
  change(url);
  return url.toString();
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the PostgreSQL backend', { skip }, () => {
  it('is chosen by a postgres:// or postgresql:// location, in the library and on the command line', async () => {
    assert.equal(backendForLocation('postgres://ana@db.lab/science'), 'postgres');
    assert.equal(backendForLocation('POSTGRESQL://ana@db.lab/science'), 'postgres');
    assert.equal(backendForLocation('runs.db'), 'sqlite');
    const location = freshPostgresLocation();
    const store = await openStore(location);
    try {
      assert.equal(store.capabilities.isSingleFile, false);
      assert.equal(store.dataFolder, undefined, 'a server store has no data folder unless given');
    } finally {
      await store.close();
    }
    const dir = tempDir();
    const csv = writeFile(dir, 'runs.csv', 'id,x\n1,2\n');
    execFileSync('node', [DSI, '--db', location, '--data-folder', path.join(dir, 'files'), 'read', csv], { encoding: 'utf8' });
    const listed = JSON.parse(execFileSync('node', [DSI, '--db', location, 'list', '--json'], { encoding: 'utf8' })) as unknown;
    assert.deepEqual(listed, [{ table: 'runs', columns: 2, rows: 1 }]);
  });

  it('an unreachable server is one line naming host:port (E_CONNECT), at once for a closed port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const e = await rejectsWithCode(openStore(`postgres://dsi_test@127.0.0.1:${port}/dsi_test`), 'E_CONNECT');
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(e.message, /\n/);
    assert.ok(Date.now() - started < 5000);
    const cli = (() => {
      try {
        execFileSync('node', [DSI, '--db', `postgres://dsi_test@127.0.0.1:${port}/dsi_test`, 'list'], { encoding: 'utf8', stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (err) {
        const x = err as { status: number; stderr: string };
        return { status: x.status, stderr: x.stderr };
      }
    })();
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^dsi: cannot reach the PostgreSQL server at 127\.0\.0\.1:\d+ \(connection refused/);
  });

  it('a server that never answers gives up after connect_timeout (E_CONNECT), never hangs', async () => {
    // A listener that accepts and says nothing: the client waits for the server's first message.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    try {
      const e = await rejectsWithCode(openStore(`postgres://dsi_test@127.0.0.1:${port}/dsi_test?connect_timeout=1`), 'E_CONNECT');
      assert.match(e.message, /no answer within 1 s/);
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    } finally {
      silent.close();
    }
  });

  it('refused credentials are E_AUTH and never show the password; a missing database is E_NO_DATABASE', async () => {
    const wrong = variant((u) => {
      u.username = 'dsi_test_password';
      u.password = 'not-the-secret';
    });
    const e = await rejectsWithCode(openStore(wrong), 'E_AUTH');
    assert.match(e.message, /dsi_test_password/);
    assert.doesNotMatch(e.message, /not-the-secret/);
    await rejectsWithCode(openStore(variant((u) => (u.username = 'nobody_here'))), 'E_AUTH');
    const missing = await rejectsWithCode(openStore(variant((u) => (u.pathname = '/no_such_db'))), 'E_NO_DATABASE');
    assert.match(missing.message, /no database "no_such_db"/);
    // The right password opens, and the store's location leaves it out.
    const right = variant((u) => {
      u.username = 'dsi_test_password';
      u.password = 'dsi-test-password';
    });
    const store = await openStore(freshPostgresLocation(right));
    try {
      assert.doesNotMatch(store.location, /dsi-test-password/);
      assert.match(store.location, /^postgres:\/\/dsi_test_password@127\.0\.0\.1:\d+\/dsi_test\?schema=dsi_test_/);
    } finally {
      await store.close();
    }
  });

  it('a read-only open of a schema that does not exist says so and creates nothing', async () => {
    const location = freshPostgresLocation();
    const e = await rejectsWithCode(openStore(location, { readOnly: true }), 'E_BAD_ARGUMENT');
    assert.match(e.message, /does not exist/);
    const store = await openStore(location);
    try {
      assert.deepEqual(await store.tables(), []);
    } finally {
      await store.close();
    }
  });

  it('queries cannot write: DML, writing CTEs, sequences and a second statement are refused, the rows unchanged', async () => {
    const { store, dir } = await (async () => ({ store: await openStore(freshPostgresLocation()), dir: tempDir() }))();
    try {
      await store.read(writeFile(dir, 'runs.csv', 'id,x\n1,2\n2,3\n'));
      const before = await dumpStore(store);
      await rejectsWithCode(store.query('INSERT INTO runs (id, x) VALUES (3, 4)'), 'E_READ_ONLY');
      await rejectsWithCode(store.query('WITH d AS (DELETE FROM runs RETURNING *) SELECT * FROM d'), 'E_READ_ONLY');
      await rejectsWithCode(store.query('CREATE TABLE t (a int)'), 'E_READ_ONLY');
      await rejectsWithCode(store.query("SELECT nextval(pg_get_serial_sequence('runs', 'dsi_rowid'))"), 'E_READ_ONLY');
      const two = await rejectsWithCode(store.query('SELECT 1; DELETE FROM runs'), 'E_SQL');
      assert.match(two.message, /one SQL statement/);
      assert.deepEqual(await dumpStore(store), before);
      // Reads work, with parameters as ? and numbers compared as numbers.
      assert.deepEqual(await store.query('SELECT id FROM runs WHERE x > ? ORDER BY id', [2.5]), [{ id: 2 }]);
    } finally {
      await store.close();
    }
  });

  it('rows keep insertion order through a hidden column that no result, description or DDL-free listing shows', async () => {
    const store = await openStore(freshPostgresLocation());
    const dir = tempDir();
    try {
      await store.read(writeFile(dir, 'runs.csv', 'id,x\n3,a\n1,b\n2,c\n'));
      assert.deepEqual((await store.describe('runs')).columns.map((c) => c.name), ['id', 'x']);
      assert.deepEqual(await store.query('SELECT * FROM runs'), [{ id: 3, x: 'a' }, { id: 1, x: 'b' }, { id: 2, x: 'c' }]);
      assert.deepEqual((await store.page('runs', { limit: 2, offset: 1 })).rows, [{ id: 1, x: 'b' }, { id: 2, x: 'c' }]);
      assert.deepEqual(await store.list(), [{ table: 'runs', columns: 2, rows: 3 }]);
      const e = await rejectsWithCode(store.read(writeFile(dir, 'clash.csv', 'dsi_rowid,y\n1,2\n')), 'E_BAD_ARGUMENT');
      assert.match(e.message, /dsi_rowid/);
      assert.deepEqual(await store.tables(), ['runs']);
    } finally {
      await store.close();
    }
  });

  it('COPY loads 20,000 rows keeping tabs, newlines, backslashes, quotes and \\N as text; a duplicate key names its line', async () => {
    const store = await openStore(freshPostgresLocation());
    const dir = tempDir();
    try {
      const lines = ['id,note'];
      for (let i = 1; i <= 20_000; i++) lines.push(`${i},n${i}`);
      lines.push('20001,"tab\there\nnew line \\N back\\slash ""q"""');
      await store.read(writeFile(dir, 'big.csv', `${lines.join('\n')}\n`));
      assert.equal(await store.rowCount('big'), 20_001);
      const last = await store.query('SELECT note FROM big WHERE id = 20001');
      assert.equal(last[0]!['note'], 'tab\there\nnew line \\N back\\slash "q"');
      const schema = writeFile(dir, 'keys.json', JSON.stringify({ keyed: { primary_key: 'id' } }));
      await store.applySchema(schema);
      const e = await rejectsWithCode(store.read(writeFile(dir, 'keyed.csv', 'id,v\n1,a\n2,b\n1,c\n')), 'E_BAD_INPUT');
      assert.match(e.message, /keyed\.csv:4:/);
      assert.deepEqual(await store.tables(), ['big', 'dsi_relations']);
    } finally {
      await store.close();
    }
  });

  it('a backup is refused by capability (no single file), with nothing changed', async () => {
    const store = await openStore(freshPostgresLocation());
    const dir = tempDir();
    try {
      await store.read(writeFile(dir, 'runs.csv', 'id,x\n1,2\n'));
      const e = await rejectsWithCode(store.updateRows([{ table: 'runs', rowIndex: 1, values: { x: 5 } }], { backup: true }), 'E_BACKEND');
      assert.match(e.message, /back up/);
      assert.deepEqual(await store.getTable('runs'), [{ id: 1, x: 2 }]);
    } finally {
      await store.close();
    }
  });
});
