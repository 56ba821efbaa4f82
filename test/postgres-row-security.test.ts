/**
 * A PostgreSQL store shared by a group: the database itself withholds rows whose files the
 * member's system account may not read, for any client. Members connect as their own roles with
 * plain `pg` and `SELECT *`, and through `dsi`; `dsi_may_read` agrees with the kernel's own
 * `access(2)` (`test -r` run as the account) on owner, group, other, ACL and folder cases; a
 * chmod shows only after `dsi share --refresh`; rows ingested later are covered in their commit.
 *
 * Skipped, with the reason, when DSI_TEST_POSTGRES_URL names no server, when the test cannot
 * switch users (not root) or when the server's superuser is not trusted on loopback (the test
 * server of scripts/postgres-test-server.sh trusts it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { refreshSharedStore, shareStore } from '../src/backends/postgres/share-store.js';
import { openStore } from '../src/index.js';
import { POSTGRES_URL, freshPostgresLocation } from './helpers/postgres.js';
import { ALICE, BOB, TEAM, account, accountsUnavailable, openPathTo, runAs } from './helpers/test-accounts.js';
import { removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const DSI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
const hasAcl = spawnSync('sh', ['-c', 'command -v setfacl && command -v getfacl']).status === 0;
const skip =
  POSTGRES_URL === undefined
    ? 'DSI_TEST_POSTGRES_URL names no PostgreSQL server (scripts/test.sh starts one when PostgreSQL is installed)'
    : (accountsUnavailable() ?? (hasAcl ? false : "setfacl/getfacl are not installed (Debian's acl)"));

/** The test server's URL as `user`, on `schema` when given. */
function as(user: string, base = POSTGRES_URL!): string {
  const url = new URL(base);
  url.username = user;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url.replace(/\?.*$/, ''), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Read `csv` into `table` of the store at `location`, in this process (the commit snapshots new files). */
async function read(location: string, csv: string, table: string): Promise<void> {
  const store = await openStore(location);
  try {
    await store.read(csv, { table });
  } finally {
    await store.close();
  }
}

function dsi(location: string, ...args: string[]): string {
  return execFileSync(process.execPath, [DSI, '--db', location, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const suffix = crypto.randomBytes(4).toString('hex');
const ROLE_ALICE = `dsi_rs_${suffix}_alice`;
const ROLE_BOB = `dsi_rs_${suffix}_bob`;

describe('a PostgreSQL store shared by a group: row-level security by file permissions', { skip }, () => {
  let location = '';
  let schema = '';
  let dir = '';
  let superuserOk = '';
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    location = freshPostgresLocation();
    schema = new URL(location).searchParams.get('schema')!;
    // The store's owner creates the member roles and the group role: it needs CREATEROLE.
    try {
      await withClient(as('postgres'), (c) => c.query(`ALTER ROLE "${new URL(POSTGRES_URL!).username}" CREATEROLE`));
    } catch (e) {
      superuserOk = `the server's superuser is not trusted on loopback: ${(e as Error).message}`;
      return;
    }
    dir = tempDir('dsi-rls-');
    openPathTo(dir);
    fs.chmodSync(dir, 0o755);
    writeFile(dir, 'alice.txt', 'a');
    fs.chownSync(file('alice.txt'), account(ALICE).uid, 0);
    fs.chmodSync(file('alice.txt'), 0o600);
    writeFile(dir, 'team.txt', 't');
    execFileSync('chgrp', [TEAM, file('team.txt')]);
    fs.chmodSync(file('team.txt'), 0o640);
    writeFile(dir, 'world.txt', 'w');
    fs.chmodSync(file('world.txt'), 0o644);
    writeFile(dir, 'bob-acl.txt', 'b');
    fs.chmodSync(file('bob-acl.txt'), 0o600);
    execFileSync('setfacl', ['-m', `u:${BOB}:r`, file('bob-acl.txt')]);
    const csv = writeFile(
      dir,
      'runs.csv',
      ['name,FILE', `alice,${file('alice.txt')}`, `team,${file('team.txt')}`, `world,${file('world.txt')}`, `bob,${file('bob-acl.txt')}`, 'none,', 'url,https://example.org/x.png', ''].join('\n'),
    );
    fs.chmodSync(csv, 0o644);
    await read(location, csv, 'runs');
    dsi(location, 'share', '--role', ROLE_ALICE, '--account', ALICE, '--create-role');
    await shareStore(location, { role: ROLE_BOB, account: BOB, createRole: true, fileRoot: dir });
  });

  after(async () => {
    removeTempDirs();
    if (superuserOk !== '' || POSTGRES_URL === undefined) return;
    await withClient(as('postgres'), async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      for (const r of [ROLE_ALICE, ROLE_BOB, `${schema}_readers`]) await c.query(`DROP ROLE IF EXISTS "${r}"`);
    });
  });

  /** The `name`s of the rows `role` sees with a plain `SELECT *`. */
  const visible = (role: string, table = 'runs') =>
    withClient(as(role), async (c) => (await c.query<{ name: string }>(`SELECT * FROM "${schema}"."${table}" ORDER BY dsi_rowid`)).rows.map((r) => r.name));

  it('each member role sees exactly the rows whose files its account may read, through plain SQL', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    assert.deepEqual(await visible(ROLE_ALICE), ['alice', 'team', 'world', 'none', 'url'], 'alice: her own file, the team file, the world-readable one; no file and URLs withhold nothing');
    assert.deepEqual(await visible(ROLE_BOB), ['world', 'bob', 'none', 'url'], 'bob: the world-readable file and the one an ACL grants him');
    const owner = await withClient(POSTGRES_URL!, async (c) => (await c.query(`SELECT count(*)::int AS n FROM "${schema}".runs`)).rows[0].n as number);
    assert.equal(owner, 6, 'the store owner, who ingests, sees every row');
  });

  it('members cannot read the snapshots, nor ask for another member', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    await withClient(as(ROLE_BOB), async (c) => {
      await assert.rejects(c.query(`SELECT * FROM "${schema}".dsi_file_modes`), /permission denied/);
      const r = await c.query(`SELECT (SELECT count(*)::int FROM "${schema}".dsi_readable_paths($2)) AS a, "${schema}".dsi_may_read($1) AS b`, [file('alice.txt'), ROLE_ALICE]);
      assert.deepEqual(r.rows[0], { a: 0, b: false }, "bob asking for alice's readable files is given none");
    });
  });

  it('dsi as a member shows the same rows (display, list)', (t) => {
    if (superuserOk) return t.skip(superuserOk);
    const asAlice = as(ROLE_ALICE, location);
    const shown = JSON.parse(dsi(asAlice, 'display', 'runs', '--json')) as { rows: { name: string }[] };
    assert.deepEqual(shown.rows.map((r) => r.name), ['alice', 'team', 'world', 'none', 'url']);
    const listed = JSON.parse(dsi(as(ROLE_BOB, location), 'list', '--json')) as { table: string; rows: number }[];
    assert.deepEqual(listed.find((l) => l.table === 'runs')?.rows, 4);
  });

  it('rows ingested later, in a new table or a widened file column too, are covered in the same commit (no refresh needed)', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    writeFile(dir, 'alice2.txt', 'a2');
    fs.chownSync(file('alice2.txt'), account(ALICE).uid, 0);
    fs.chmodSync(file('alice2.txt'), 0o600);
    const csv = writeFile(dir, 'more.csv', `name,FILE\nalice2,${file('alice2.txt')}\nworld2,${file('world.txt')}\n`);
    await read(location, csv, 'more');
    assert.deepEqual(await visible(ROLE_ALICE, 'more'), ['alice2', 'world2']);
    assert.deepEqual(await visible(ROLE_BOB, 'more'), ['world2']);
    // A FILE column with no values yet is INTEGER; the first path widens it under its policy.
    await read(location, writeFile(dir, 'late1.csv', 'name,FILE\nempty,\n'), 'late');
    await read(location, writeFile(dir, 'late2.csv', `name,FILE\nalice3,${file('alice2.txt')}\n`), 'late');
    assert.deepEqual(await visible(ROLE_ALICE, 'late'), ['empty', 'alice3']);
    assert.deepEqual(await visible(ROLE_BOB, 'late'), ['empty']);
  });

  it("the file index's file_origin is protected too, its relative paths resolved as the store resolves them", async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    const indexed = path.join(dir, 'indexed');
    fs.mkdirSync(indexed);
    fs.chmodSync(indexed, 0o755);
    fs.writeFileSync(path.join(indexed, 'mine.txt'), 'm');
    fs.chownSync(path.join(indexed, 'mine.txt'), account(ALICE).uid, 0);
    fs.chmodSync(path.join(indexed, 'mine.txt'), 0o600);
    fs.writeFileSync(path.join(indexed, 'open.txt'), 'o');
    fs.chmodSync(path.join(indexed, 'open.txt'), 0o644);
    execFileSync(process.execPath, [DSI, '--db', location, 'index', 'indexed'], { cwd: dir, encoding: 'utf8' });
    const origins = (role: string) =>
      withClient(as(role), async (c) => (await c.query<{ o: string }>(`SELECT file_origin AS o FROM "${schema}".filesystem ORDER BY file_origin`)).rows.map((r) => r.o));
    assert.deepEqual(await origins(ROLE_ALICE), ['indexed/mine.txt', 'indexed/open.txt']);
    assert.deepEqual(await origins(ROLE_BOB), ['indexed/open.txt']);
  });

  it('a chmod after the snapshot changes what members see only after `dsi share --refresh`', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    fs.chmodSync(file('world.txt'), 0o600);
    try {
      assert.ok((await visible(ROLE_BOB)).includes('world'), 'the snapshot still says world-readable');
      assert.match(dsi(location, 'share', '--refresh'), /snapshotted \d+ file/);
      assert.deepEqual(await visible(ROLE_BOB), ['bob', 'none', 'url']);
      assert.deepEqual(await visible(ROLE_ALICE), ['alice', 'team', 'none', 'url']);
    } finally {
      fs.chmodSync(file('world.txt'), 0o644);
    }
  });

  it('dsi_may_read answers as access(2) does, for owner, group, other, ACL and folder cases', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    const alice = account(ALICE).uid;
    const sub = path.join(dir, 'cases');
    fs.mkdirSync(sub);
    fs.chmodSync(sub, 0o755);
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed);
    execFileSync('chgrp', [TEAM, closed]);
    fs.chmodSync(closed, 0o710); // only the team may search it
    // [name, folder, mode, owner uid, group, ACL to set]
    const cases: [string, string, number, number, string, string | undefined][] = [
      ['owner-denied', sub, 0o066, alice, 'root', undefined], // the owner class decides: no fall-through to group or other
      ['group-denied-other-allowed', sub, 0o604, 0, TEAM, undefined], // the team's group class decides for alice
      ['other-read', sub, 0o604, 0, 'root', undefined],
      ['acl-user-masked', sub, 0o600, 0, 'root', `u:${BOB}:r,m::---`], // the mask cancels a named user's grant
      ['acl-group', sub, 0o600, 0, 'root', `g:${TEAM}:r`],
      ['acl-empty-mask', sub, 0o604, 0, 'root', `g:${TEAM}:-`], // mask ---: Linux does not consult the ACL, other decides
      ['acl-named-group-denies', sub, 0o644, 0, 'root', `g:${TEAM}:-`], // a matching group entry without r denies; other is not reached
      ['acl-named-user-denies', sub, 0o644, 0, 'root', `u:${ALICE}:-`],
      ['in-team-folder', closed, 0o644, 0, 'root', undefined],
    ];
    const csvLines = ['name,FILE'];
    for (const [name, folder, mode, uid, group, acl] of cases) {
      const f = path.join(folder, `${name}.txt`);
      fs.writeFileSync(f, name);
      fs.chownSync(f, uid, 0);
      execFileSync('chgrp', [group, f]);
      fs.chmodSync(f, mode);
      if (acl !== undefined) execFileSync('setfacl', ['-m', acl, f]);
      csvLines.push(`${name},${f}`);
    }
    await read(location, writeFile(dir, 'cases.csv', `${csvLines.join('\n')}\n`), 'cases');
    for (const [who, role] of [[ALICE, ROLE_ALICE], [BOB, ROLE_BOB]] as const) {
      await withClient(as(role), async (c) => {
        for (const [name, folder] of cases) {
          const f = path.join(folder, `${name}.txt`);
          const kernel = runAs(who, 'test', ['-r', f]).status === 0;
          const sql = (await c.query(`SELECT "${schema}".dsi_may_read($1) AS ok`, [f])).rows[0].ok as boolean;
          assert.equal(sql, kernel, `${name} for ${who}: dsi_may_read says ${sql}, access(2) says ${kernel}`);
        }
      });
    }
  });

  it('a path where nothing exists protects nothing (as the kernel says ENOENT, not EACCES); a path with no snapshot is withheld and counted', async (t) => {
    if (superuserOk) return t.skip(superuserOk);
    const team = path.join(dir, 'team-only');
    fs.mkdirSync(team);
    execFileSync('chgrp', [TEAM, team]);
    fs.chmodSync(team, 0o710);
    const gone = path.join(team, 'gone.png');
    assert.match(runAs(ALICE, 'stat', [gone]).stderr, /No such file/, 'alice may search the folder: the kernel says nothing is there');
    assert.match(runAs(BOB, 'stat', [gone]).stderr, /Permission denied/, 'bob may not search it');
    await read(location, writeFile(dir, 'gone.csv', `name,FILE\ngone,${gone}\n`), 'gone');
    assert.deepEqual(await visible(ROLE_ALICE, 'gone'), ['gone']);
    assert.deepEqual(await visible(ROLE_BOB, 'gone'), []);
    // Rows written around the store (the owner's own SQL) have no snapshot until a refresh.
    const around = writeFile(dir, 'around.txt', 'r');
    fs.chmodSync(around, 0o644);
    const ghost = path.join(dir, 'ghost.txt');
    await withClient(POSTGRES_URL!, (c) => c.query(`INSERT INTO "${schema}".runs (name, "FILE") VALUES ('around', $1), ('ghost', $2)`, [around, ghost]));
    assert.deepEqual((await visible(ROLE_BOB)).filter((n) => n === 'around' || n === 'ghost'), [], 'no snapshot: withheld (fail closed)');
    const status = JSON.parse(dsi(location, 'share', '--status', '--json')) as { shared: boolean; accounts: { role: string }[]; tables: { table: string; protected: boolean }[]; withoutSnapshot: number };
    assert.equal(status.shared, true);
    assert.deepEqual(status.accounts.map((a) => a.role).sort(), [ROLE_ALICE, ROLE_BOB].sort());
    assert.ok(status.tables.filter((x) => ['runs', 'more', 'cases', 'gone'].includes(x.table)).every((x) => x.protected));
    assert.equal(status.withoutSnapshot, 2);
    await refreshSharedStore(location, dir);
    assert.deepEqual((await visible(ROLE_BOB)).filter((n) => n === 'around' || n === 'ghost'), ['around', 'ghost'], 'after a refresh: a readable file, and a path where nothing exists in a searchable folder');
  });

  it('share refuses an unknown account and a non-PostgreSQL store with one line, exit 2', (t) => {
    if (superuserOk) return t.skip(superuserOk);
    const unknown = spawnSync(process.execPath, [DSI, '--db', location, 'share', '--role', ROLE_BOB, '--account', 'dsi-no-such-account'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^dsi: --account must name a system account/);
    const sqlite = spawnSync(process.execPath, [DSI, '--db', path.join(dir, 'x.db'), 'share', '--status'], { encoding: 'utf8' });
    assert.equal(sqlite.status, 2);
    assert.match(sqlite.stderr, /share works on a PostgreSQL store/);
  });
});
