/**
 * Unprivileged accounts for the tests that prove file permissions hold. Root reads every file,
 * so such a test creates its files as root, gives them to these accounts, and runs the command
 * under test as one of them through `runuser`, which sets the supplementary groups as a login
 * would (Node's own `spawn({ uid })` drops them, and group membership is what is being tested).
 *
 * - `dsi-test-alice`: member of `dsi-test-team`;
 * - `dsi-test-bob`: in no shared group;
 * - `dsi-test-team`: the group a shared file is given to.
 *
 * The accounts are created once per machine (idempotent; no home folder, no login shell) and
 * only when the tests run as root; {@link accountsUnavailable} says why they cannot be used.
 *
 * @example
 * const why = accountsUnavailable(); if (why) t.skip(why);
 * const out = runAs(ALICE, process.execPath, ['bin/dsi.js', '--db', db, 'display', 't']);
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ALICE = 'dsi-test-alice';
export const BOB = 'dsi-test-bob';
export const TEAM = 'dsi-test-team';

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const sh = (cmd: string, args: readonly string[]): SpawnSyncReturns<string> => spawnSync(cmd, args, { encoding: 'utf8' });

const exists = (db: 'passwd' | 'group', name: string): boolean => sh('getent', [db, name]).status === 0;

let prepared: string | undefined | null = null;

/** Undefined when the accounts exist (made now if needed); otherwise why they cannot. */
export function accountsUnavailable(): string | undefined {
  if (prepared !== null) return prepared;
  prepared = ((): string | undefined => {
    if (process.getuid?.() !== 0) return 'permission tests switch users, which needs root';
    for (const tool of ['useradd', 'groupadd', 'runuser']) {
      if (sh('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
    }
    if (!exists('group', TEAM)) sh('groupadd', ['--system', TEAM]);
    if (!exists('passwd', ALICE)) sh('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--groups', TEAM, ALICE]);
    if (!exists('passwd', BOB)) sh('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', BOB]);
    for (const [db, name] of [['group', TEAM], ['passwd', ALICE], ['passwd', BOB]] as const) {
      if (!exists(db, name)) return `could not create ${db === 'group' ? 'group' : 'user'} ${name}`;
    }
    return undefined;
  })();
  return prepared;
}

/** The uid and primary gid of account `name` (which must exist). */
export function account(name: string): Account {
  const entry = sh('getent', ['passwd', name]).stdout.trim().split(':');
  if (entry.length < 4) throw new Error(`no account ${name}`);
  return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** The gid of group `name` (which must exist). */
export function groupId(name: string): number {
  const entry = sh('getent', ['group', name]).stdout.trim().split(':');
  if (entry.length < 3) throw new Error(`no group ${name}`);
  return Number(entry[2]);
}

/** Runs `command args` as account `name` with its supplementary groups, from `cwd`. */
export function runAs(name: string, command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync('runuser', ['-u', name, '--', command, ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, HOME: '/tmp', ...options.env },
    input: options.input,
  });
}

/**
 * Lets every account search the folders from `/` down to `dir` (a temporary folder made by
 * `mkdtemp` is private to root): adds o+x to each folder that lacks it. Nothing is made readable.
 */
export function openPathTo(dir: string): void {
  let d = path.resolve(dir);
  const folders: string[] = [];
  while (d !== path.dirname(d)) {
    folders.push(d);
    d = path.dirname(d);
  }
  for (const f of folders) {
    const mode = fs.statSync(f).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(f, (mode & 0o7777) | 0o001);
  }
}
