/**
 * A dashboard serving a group answers each request as the account its token maps to: files of
 * another user or group are refused (403, no path), a group member's and an ACL grant's are
 * served, the checker really runs as the account (a root-only file is refused), permissions are
 * asked again on each request, a dead checker never answers "readable", users files that are
 * unsafe or wrong are refused before listening, and a job's command line never carries the
 * store's location. Rows filtered through the store (the table page, find) are asserted too.
 *
 * Runs as root (it creates files for the test accounts and switches users); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StoreError } from '../src/errors.js';
import { openStore } from '../src/index.js';
import { AccountChecker } from '../src/server/account-file-access.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import { DashboardUsers } from '../src/server/dashboard-users.js';
import { errorAnswer } from '../src/server/http-errors.js';
import { startJob, withoutPassword } from '../src/server/job-runner.js';
import { requestFileAccess } from '../src/server/request-scope.js';
import { readUsersFile, tokenDigest } from '../src/server/users-file.js';
import type { Store } from '../src/store/store.js';
import { ALICE, BOB, TEAM, account, accountsUnavailable, groupId, openPathTo, runAs } from './helpers/test-accounts.js';

const skip = accountsUnavailable();
const DSI = path.resolve('bin/dsi.js');
const HOST = { host: '127.0.0.1' };
const ALICE_TOKEN = 'alice-token-0123456789abcdef';
const BOB_TOKEN = 'bob-token-0123456789abcdefgh';

/** The files and who may read them (besides root). */
const FILES = ['alice.png', 'team.png', 'all.png', 'bob-acl.png', 'root.png'] as const;
const READABLE: Readonly<Record<string, readonly string[]>> = {
  [ALICE]: ['alice.png', 'team.png', 'all.png'],
  [BOB]: ['all.png', 'bob-acl.png'],
};

let dir = '';
let db = '';
let store: Store;
let users: DashboardUsers;
let app: ReturnType<typeof createDashboardApp>;

/** A users file at `name` with `text`, owned by root and private unless `mode` says otherwise. */
function usersFile(name: string, text: string, mode = 0o600): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  return file;
}

const get = (url: string, token: string): Promise<Response> => Promise.resolve(app.request(url, { headers: { ...HOST, authorization: `Bearer ${token}` } }));

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-users-'));
  openPathTo(dir);
  fs.chmodSync(dir, 0o755);
  const files = path.join(dir, 'dsi.data');
  fs.mkdirSync(files, { mode: 0o755 });
  fs.chmodSync(files, 0o755);
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  for (const f of FILES) fs.writeFileSync(path.join(files, f), png, { mode: 0o600 });
  const alice = account(ALICE);
  fs.chownSync(path.join(files, 'alice.png'), alice.uid, alice.gid);
  fs.chownSync(path.join(files, 'team.png'), 0, groupId(TEAM));
  fs.chmodSync(path.join(files, 'team.png'), 0o640);
  fs.chmodSync(path.join(files, 'all.png'), 0o644);
  const acl = spawnSync('setfacl', ['-m', `u:${BOB}:r`, path.join(files, 'bob-acl.png')], { encoding: 'utf8' });
  assert.equal(acl.status, 0, acl.stderr);
  db = path.join(dir, 'dsi.db');
  const setup = await openStore(db);
  await setup.insertRows('shots', FILES.map((f, i) => ({ id: i + 1, FILE: `dsi.data/${f}` })), { newTable: true });
  await setup.close();
  fs.chmodSync(db, 0o644);
  const file = usersFile('users.toml', `[[user]]\naccount = "${ALICE}"\ntoken = "${ALICE_TOKEN}"\n\n[[user]]\naccount = "${BOB}"\ntoken_sha256 = "${tokenDigest(BOB_TOKEN)}"\n`);
  users = DashboardUsers.fromFile(file);
  store = await openStore(db, { access: requestFileAccess });
  app = createDashboardApp({ store, cinema: undefined, reviewer: 'root', storeArguments: ['--db', db] }, { loopback: true, users });
});

after(async () => {
  if (skip) return;
  users.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('each token is served exactly the files its account may read: owner, group, ACL; 403 without the path for the rest', { skip }, async () => {
  for (const [name, token] of [[ALICE, ALICE_TOKEN], [BOB, BOB_TOKEN]] as const) {
    for (const f of FILES) {
      const res = await get(`/files?path=${encodeURIComponent(`dsi.data/${f}`)}`, token);
      const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
      if (READABLE[name]!.includes(f)) {
        assert.equal(res.status, 200, `${name} reads ${f}`);
        assert.equal(res.headers.get('content-type'), 'image/png');
      } else {
        assert.equal(res.status, 403, `${name} is refused ${f}`);
        const error = (JSON.parse(body) as { error: { code: string; message: string } }).error;
        assert.equal(error.code, 'E_FILE_PERMISSION');
        assert.ok(!error.message.includes(f) && !error.message.includes(dir), `the refusal names no path: ${error.message}`);
      }
    }
  }
});

test('the checker runs as the account with its groups: a root-only file is refused, /proc shows its uid and the team group', { skip }, async () => {
  assert.equal((await get('/files?path=dsi.data/root.png', ALICE_TOKEN)).status, 403);
  const checker = users.checkerOf(account(ALICE).uid);
  assert.ok(checker?.pid !== undefined, 'alice has a checker process');
  const status = fs.readFileSync(`/proc/${checker.pid}/status`, 'utf8');
  const uids = /^Uid:\s+(.+)$/m.exec(status)![1]!.split(/\s+/).map(Number);
  assert.deepEqual(uids, [account(ALICE).uid, account(ALICE).uid, account(ALICE).uid, account(ALICE).uid]);
  const groups = /^Groups:\s*(.*)$/m.exec(status)![1]!.trim().split(/\s+/).map(Number);
  assert.ok(groups.includes(groupId(TEAM)), `supplementary groups ${groups} include ${TEAM}`);
});

test('a wrong or missing token is a 401, on loopback too, when serving a group', { skip }, async () => {
  assert.equal((await app.request('/api/health', { headers: HOST })).status, 401);
  assert.equal((await get('/api/health', 'x'.repeat(28))).status, 401);
  assert.equal((await get('/api/health', ALICE_TOKEN)).status, 200);
});

test('permissions are asked again on each request: a chmod shows on the next one', { skip }, async () => {
  const file = path.join(dir, 'dsi.data', 'all.png');
  assert.equal((await get('/files?path=dsi.data/all.png', BOB_TOKEN)).status, 200);
  fs.chmodSync(file, 0o600);
  try {
    assert.equal((await get('/files?path=dsi.data/all.png', BOB_TOKEN)).status, 403);
  } finally {
    fs.chmodSync(file, 0o644);
  }
  assert.equal((await get('/files?path=dsi.data/all.png', BOB_TOKEN)).status, 200);
});

test('a checker killed mid-question fails it with a 500 E_ACCESS_CHECKER naming the account, and the next question starts a new one', { skip }, async () => {
  const alice = account(ALICE);
  const checker = new AccountChecker({ account: ALICE, uid: alice.uid, gid: alice.gid, home: '/' });
  try {
    assert.deepEqual(await checker.check([path.join(dir, 'dsi.data', 'alice.png')]), [true]);
    const asked = checker.check([path.join(dir, 'dsi.data', 'all.png')]);
    process.kill(checker.pid!, 'SIGKILL');
    const error = await asked.then(() => undefined, (e: unknown) => e);
    const { status, body } = errorAnswer(error);
    assert.equal(status, 500);
    assert.equal(body.error.code, 'E_ACCESS_CHECKER');
    assert.match(body.error.message, new RegExp(`${ALICE} \\(uid ${alice.uid}\\)`));
    assert.deepEqual(await checker.check([path.join(dir, 'dsi.data', 'root.png')]), [false]);
    assert.equal(checker.starts, 2);
  } finally {
    checker.close();
  }
  await assert.rejects(checker.check(['/']), /closed/);
});

test('rows whose files the account may not read are withheld from the table page and find (passes once the store filters by access)', { skip }, async () => {
  for (const [name, token] of [[ALICE, ALICE_TOKEN], [BOB, BOB_TOKEN]] as const) {
    const page = (await (await get('/api/tables/shots', token)).json()) as { rows: { FILE: string }[]; total: number };
    assert.deepEqual(page.rows.map((r) => path.basename(r.FILE)).sort(), [...READABLE[name]!].sort(), `${name}'s table page`);
    const found = (await (await get(`/api/tables/shots/find?where=${encodeURIComponent('id > 0')}`, token)).json()) as { rows: { FILE: string }[] };
    assert.deepEqual(found.rows.map((r) => path.basename(r.FILE)).sort(), [...READABLE[name]!].sort(), `${name}'s find`);
  }
});

test('users files that are unsafe or wrong are refused with one line naming the file', { skip }, () => {
  const ok = `[[user]]\naccount = "${ALICE}"\ntoken = "${ALICE_TOKEN}"\n`;
  const refused = (file: string, pattern: RegExp): void => {
    assert.throws(() => readUsersFile(file), (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' && e.message.startsWith(file) && pattern.test(e.message) && !e.message.includes('\n'));
  };
  refused(usersFile('open.toml', ok, 0o644), /owner only \(chmod 600\), its mode is 644/);
  refused(usersFile('group-writable.toml', ok, 0o620), /its mode is 620/);
  const foreign = usersFile('foreign.toml', ok);
  fs.chownSync(foreign, account(ALICE).uid, account(ALICE).gid);
  refused(foreign, /must belong to the account running the dashboard \(uid 0\)/);
  refused(usersFile('short.toml', `[[user]]\naccount = "${ALICE}"\ntoken = "short-token"\n`), /:1: user dsi-test-alice: the token must be at least 24 characters/);
  refused(usersFile('twice.toml', `${ok}\n[[user]]\naccount = "${BOB}"\ntoken_sha256 = "${tokenDigest(ALICE_TOKEN)}"\n`), /:5: user dsi-test-bob: the same token as the user at line 1/);
  refused(usersFile('nobody.toml', `[[user]]\naccount = "dsi-no-such-account"\ntoken = "${ALICE_TOKEN}"\n`), /no such account on this system/);
  refused(usersFile('bad.toml', `[[user]]\naccount = "${ALICE}\n`), /:2: invalid TOML/);
  refused(usersFile('typo.toml', `[[user]]\naccount = "${ALICE}"\ntokens = "${ALICE_TOKEN}"\n`), /unknown key "tokens"/);
  assert.deepEqual(readUsersFile(usersFile('fine.toml', ok)).map((u) => [u.account, u.uid, u.tokenSha256]), [[ALICE, account(ALICE).uid, tokenDigest(ALICE_TOKEN)]]);
});

test('dsi serve --users with an unsafe file exits 2 with one line; a server not run as root refuses to serve other accounts', { skip }, () => {
  const open = usersFile('cli-open.toml', `[[user]]\naccount = "${ALICE}"\ntoken = "${ALICE_TOKEN}"\n`, 0o644);
  const r = spawnSync(process.execPath, [DSI, '--db', db, 'serve', '--users', open, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`^dsi: ${open}: the users file holds tokens`));
  // Alice's own file, mapping a token to bob: only root may serve another account.
  const mine = usersFile('alice-users.toml', `[[user]]\naccount = "${BOB}"\ntoken = "${BOB_TOKEN}"\n`);
  fs.chownSync(mine, account(ALICE).uid, account(ALICE).gid);
  const users = path.resolve('dist/src/server/dashboard-users.js');
  const script = `import(${JSON.stringify(users)}).then((m) => m.DashboardUsers.fromFile(${JSON.stringify(mine)})).catch((e) => { console.error(e.code + ' ' + e.message); process.exit(2); })`;
  const asAlice = runAs(ALICE, process.execPath, ['-e', script]);
  assert.equal(asAlice.status, 2, asAlice.stderr);
  assert.match(asAlice.stderr, /^E_BAD_ARGUMENT .*user dsi-test-bob is another account than dsi-test-alice, which runs this dashboard; serving other accounts needs root/);
});

test('a job gets the store location in its environment, never on its command line, runs as the user it is started for, and only that user sees it', { skip }, async () => {
  const secret = 'postgres://dsi:s3cret-pw@127.0.0.1:1/dsi';
  assert.equal(withoutPassword(secret), 'postgres://dsi@127.0.0.1:1/dsi');
  const failing = startJob('test', ['--db', secret, 'list']);
  assert.ok(!failing.commandLine.join(' ').includes('s3cret'), failing.commandLine.join(' '));
  assert.ok(!failing.commandLine.includes('--db'));
  await failing.stop(0);
  // As alice: the export it writes belongs to her, and it found the store through DSI_DB.
  const out = path.join(dir, 'alice-out');
  fs.mkdirSync(out);
  fs.chownSync(out, account(ALICE).uid, account(ALICE).gid);
  const csv = path.join(out, 'shots.csv');
  const job = startJob('test', ['--db', db, 'write', csv, '--table', 'shots'], {}, { account: { account: ALICE, ...account(ALICE), home: '/' }, isOtherAccount: true });
  assert.ok(!job.commandLine.includes(db), job.commandLine.join(' '));
  await job.exited();
  assert.equal(job.state, 'finished', job.view().output.join('\n'));
  assert.equal(fs.statSync(csv).uid, account(ALICE).uid);
  assert.equal(job.account, ALICE);
  // Only alice sees and follows her job.
  const listed = async (token: string): Promise<string[]> => ((await (await get('/api/jobs', token)).json()) as { jobs: { job_id: string }[] }).jobs.map((j) => j.job_id);
  assert.ok((await listed(ALICE_TOKEN)).includes(job.id));
  assert.ok(!(await listed(BOB_TOKEN)).includes(job.id));
  assert.equal((await get(`/api/jobs/${job.id}`, ALICE_TOKEN)).status, 200);
  assert.equal((await get(`/api/jobs/${job.id}`, BOB_TOKEN)).status, 404);
});
