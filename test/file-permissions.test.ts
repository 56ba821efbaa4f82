/**
 * File permissions hold from the command line, as real accounts: a store readable by everyone
 * describes files of one user (0600), of a group (0640), of everyone (0644), of root with an ACL
 * grant to one other user, and of root alone. Run as `dsi-test-alice` (in `dsi-test-team`), as
 * `dsi-test-bob` (in no shared group, granted the ACL) and as root, `display`, `find`, `query`,
 * `search`, `summary` and `write` return exactly the rows whose files each may read, count the
 * others in `--json` and say so on stderr. Root bypasses permission checks, so these tests switch
 * users; without root (or without useradd/runuser) they are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src/index.js';
import { DSI_BIN } from './helpers/cli-run.js';
import { ALICE, BOB, TEAM, account, accountsUnavailable, groupId, openPathTo, runAs } from './helpers/test-accounts.js';

const why = accountsUnavailable();
const aclTools = spawnSync('sh', ['-c', 'command -v setfacl']).status === 0;

/** The rows' ids, the file each references, and who owns it how. */
const FILES = [
  { id: 1, file: 'alice.png', label: 'alice only' },
  { id: 2, file: 'team.png', label: 'the team' },
  { id: 3, file: 'world.png', label: 'everyone' },
  { id: 4, file: 'acl.png', label: 'bob by acl' },
  { id: 5, file: 'root.png', label: 'root only' },
  { id: 6, file: 'gone.png', label: 'not there' },
  { id: 7, file: '../private/open.png', label: 'behind a private folder' },
] as const;

describe('rows withheld by real file permissions, as other accounts', { skip: why ?? (aclTools ? false : 'setfacl is not installed') }, () => {
  let dir: string;
  let db: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-perm-'));
    openPathTo(dir);
    const files = path.join(dir, 'files');
    fs.mkdirSync(files, { mode: 0o755 });
    fs.chmodSync(files, 0o755);
    const write = (name: string, mode: number) => {
      const f = path.join(files, name);
      fs.writeFileSync(f, name);
      fs.chmodSync(f, mode);
      return f;
    };
    const alice = account(ALICE);
    fs.chownSync(write('alice.png', 0o600), alice.uid, alice.gid);
    fs.chownSync(write('team.png', 0o640), 0, groupId(TEAM));
    write('world.png', 0o644);
    const acl = write('acl.png', 0o600);
    const granted = spawnSync('setfacl', ['-m', `u:${BOB}:r`, acl], { encoding: 'utf8' });
    assert.equal(granted.status, 0, `setfacl: ${granted.stderr}`);
    write('root.png', 0o600);
    // A file anyone could read, in a folder only root may search: the folder protects it.
    fs.mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
    fs.chmodSync(path.join(dir, 'private'), 0o700);
    fs.writeFileSync(path.join(dir, 'private', 'open.png'), 'open');
    fs.chmodSync(path.join(dir, 'private', 'open.png'), 0o644);
    db = path.join(dir, 'shared.db');
    const store = await openStore(db);
    try {
      await store.insertRows('pics', FILES.map((f) => ({ id: f.id, label: f.label, size: f.id * 10, FILE_image: `files/${f.file}` })), { newTable: true });
    } finally {
      await store.close();
    }
    for (const f of fs.readdirSync(dir)) if (f.startsWith('shared.')) fs.chmodSync(path.join(dir, f), 0o644);
    fs.chmodSync(dir, 0o755);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `dsi --db STORE ARGS` as account `user` (root when undefined), which must succeed. */
  const dsiAs = (user: string | undefined, args: readonly string[]) => {
    const full = [DSI_BIN, '--db', db, ...args];
    const r = user === undefined ? spawnSync(process.execPath, full, { encoding: 'utf8' }) : runAs(user, process.execPath, full);
    assert.equal(r.status, 0, `dsi ${args.join(' ')} as ${user ?? 'root'}: ${r.stderr}`);
    return { json: r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined, stdout: r.stdout, stderr: r.stderr };
  };
  const ids = (rows: unknown) => (rows as { id: number }[]).map((r) => r.id);

  // alice: her own file, her group's, everyone's. bob: everyone's and his ACL grant. Both: the
  // row whose file is not there (it protects nothing), never the one behind root's folder.
  const expected = [
    { user: ALICE, sees: [1, 2, 3, 6] },
    { user: BOB, sees: [3, 4, 6] },
  ];

  it('root sees every row and is told of nothing withheld', () => {
    for (const args of [['display', 'pics', '--json'], ['query', 'SELECT * FROM pics ORDER BY id', '--json']]) {
      const r = dsiAs(undefined, args);
      assert.deepEqual(ids(r.json!['rows']), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(r.json!['withheld'], 0);
      assert.doesNotMatch(r.stderr, /withheld/);
    }
  });

  for (const { user, sees } of expected) {
    const who = user;
    const withheld = FILES.length - sees.length;

    it(`${who} sees rows ${sees.join(', ')} in display, find, query and search, with ${withheld} withheld`, () => {
      const display = dsiAs(user, ['display', 'pics', '--json']);
      assert.deepEqual(ids(display.json!['rows']), sees);
      assert.equal(display.json!['withheld'], withheld);
      assert.equal(display.json!['total'], sees.length);
      const find = dsiAs(user, ['find', 'size > 0', '--json']);
      assert.deepEqual(ids(find.json!['rows']), sees);
      assert.equal(find.json!['withheld'], withheld);
      const query = dsiAs(user, ['query', 'SELECT * FROM pics ORDER BY id', '--json']);
      assert.deepEqual(ids(query.json!['rows']), sees);
      assert.equal(query.json!['withheld'], withheld);
      const search = dsiAs(user, ['search', 'png', '--json']);
      assert.deepEqual(ids(search.json!['rows']), sees);
      assert.equal(search.json!['withheld'], withheld);
      for (const r of [display, find, query, search]) {
        assert.match(r.stderr, new RegExp(`^dsi: ${withheld} rows withheld: their files are not readable by ${user} \\(uid \\d+\\)$`, 'm'));
      }
      // The withheld rows' content appears nowhere.
      for (const f of FILES.filter((x) => !(sees as readonly number[]).includes(x.id))) {
        for (const r of [display, find, query, search]) assert.equal(r.stdout.includes(f.label) || r.stderr.includes(f.label), false, `${f.label} leaked to ${who}`);
      }
    });

    it(`${who}'s summary covers only the rows ${who} sees`, () => {
      const summary = dsiAs(user, ['summary', '--table', 'pics', '--json']);
      const size = (summary.json!['rows'] as { column: string; unique: number; min: number; max: number }[]).find((c) => c.column === 'size')!;
      assert.deepEqual([size.unique, size.min, size.max], [sees.length, Math.min(...sees) * 10, Math.max(...sees) * 10]);
      assert.equal(summary.json!['withheld'], withheld);
      assert.match(summary.stderr, /withheld/);
    });

    it(`${who}'s export holds only the rows ${who} sees`, () => {
      const out = fs.mkdtempSync(path.join(dir, 'out-'));
      fs.chownSync(out, account(user).uid, account(user).gid);
      const csv = path.join(out, 'pics.csv');
      const r = dsiAs(user, ['write', csv, '--table', 'pics']);
      assert.match(r.stderr, new RegExp(`wrote ${sees.length} rows`));
      assert.match(r.stderr, /withheld/);
      const lines = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
      assert.deepEqual(lines.map((l) => Number(l.split(',')[0])), sees);
    });
  }
});
