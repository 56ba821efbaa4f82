/**
 * Inputs made to hurt: a repository whose configuration names commands, remote URLs holding
 * credentials, image and IDX files that declare far more pixels than they hold, documents nested
 * past any sensible depth, invalid UTF-8, binary files given to text readers, `__proto__` keys and
 * NUL bytes in column names. Each is refused (or read correctly) with a message naming the file,
 * before any large allocation, and the store is left as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { envReader } from '../src/readers/env-reader.js';
import { remoteWithoutCredentials } from '../src/readers/git-state.js';
import type { RawCell, ReadContext, Reader } from '../src/readers/reader.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const context: ReadContext = { tableName: undefined, maxInteger: async () => null };

/** Every table a reader gives for `file`, rows gathered. */
async function readAll(reader: Reader, file: string, ctx: ReadContext = context): Promise<Record<string, { columns: string[]; rows: RawCell[][] }>> {
  const result = await reader.read(file, ctx);
  const out: Record<string, { columns: string[]; rows: RawCell[][] }> = {};
  for (const source of result.tables) {
    const rows: RawCell[][] = [];
    await source.forEachBatch((batch) => {
      rows.push(...batch);
    });
    out[source.table] = { columns: [...source.columns], rows };
  }
  return out;
}

describe('env reader: the repository is data, never code', () => {
  const hasGit = (() => {
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it('runs no core.fsmonitor or filter command from .git/config, and stores the remote without its token', { skip: !hasGit && 'git is not installed' }, async () => {
    const dir = tempDir();
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    const markers = ['fsmonitor', 'clean', 'process'].map((m) => path.join(dir, `${m}-ran`));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { stdio: 'ignore', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q');
    fs.writeFileSync(path.join(repo, 'data.txt'), 'one\n');
    fs.writeFileSync(path.join(repo, '.gitattributes'), '*.txt filter=evil\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    git('config', 'core.fsmonitor', `touch ${markers[0]}; false`);
    git('config', 'filter.evil.clean', `touch ${markers[1]}; cat`);
    git('config', 'filter.evil.process', `touch ${markers[2]}`);
    git('remote', 'add', 'origin', 'https://alice:ghp_secret123@example.com/lab/run.git');
    fs.writeFileSync(path.join(repo, 'data.txt'), 'two, longer\n');

    const row = (await readAll(envReader, repo))['env']!;
    const cell = (name: string) => row.rows[0]![row.columns.indexOf(name)];
    for (const marker of markers) assert.equal(fs.existsSync(marker), false, `${path.basename(marker)}: the repository's command ran`);
    assert.equal(cell('git_remote'), 'https://example.com/lab/run.git');
    assert.equal(cell('git_dirty'), 1);
    assert.match(String(cell('git_commit')), /^[0-9a-f]{40}$/);
  });

  it('strips credentials from https, ssh and scp-like remote URLs and leaves paths alone', () => {
    const cases: [string, string][] = [
      ['https://user:token@host.org/a/b.git', 'https://host.org/a/b.git'],
      ['https://ghp_onlytoken@github.com/o/r', 'https://github.com/o/r'],
      ['http://u:p@host:8080/r?x=1', 'http://host:8080/r?x=1'],
      ['https://host.org/a@b.git', 'https://host.org/a@b.git'],
      ['ssh://git:hunter2@host.org:22/r.git', 'ssh://git@host.org:22/r.git'],
      ['git+ssh://git@host.org/r.git', 'git+ssh://git@host.org/r.git'],
      ['git:hunter2@github.com:o/r.git', 'git@github.com:o/r.git'],
      ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
      ['/srv/git/r.git', '/srv/git/r.git'],
      ['../r@x', '../r@x'],
    ];
    for (const [url, expected] of cases) assert.equal(remoteWithoutCredentials(url), expected, url);
  });
});
