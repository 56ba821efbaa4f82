/**
 * The `env` reader: one row describing where and by whom data was produced — host, user, OS,
 * hardware, Node, and the git state of the given folder — so provenance sits next to the data.
 * The git state is read without running anything the folder's repository configures, and the
 * remote URL is stored without credentials (git-state.ts).
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import { resolve } from 'node:path';
import { badInput } from '../errors.js';
import { gitState } from './git-state.js';
import type { RawCell, Reader } from '../store/reader.js';
import { recordsSource } from './table-source.js';

export const envReader: Reader = {
  name: 'env',
  description: 'The environment: host, user, OS, CPU, memory, Node and the git state of a folder (one row)',
  observes: true,
  async read(path, context) {
    const isFolder = await stat(path).then((s) => s.isDirectory(), () => false);
    if (!isFolder) throw badInput(path, undefined, 'the env reader takes a folder, and this is not one');
    const folder = resolve(path);
    const git = gitState(folder);
    const cpus = os.cpus();
    const record: Record<string, RawCell> = {
      recorded_at: new Date().toISOString(),
      host: os.hostname(),
      user: userName(),
      uid: process.getuid?.() ?? null,
      gid: process.getgid?.() ?? null,
      groups: process.getgroups?.().join(',') ?? null,
      os: os.type(),
      os_release: os.release(),
      platform: process.platform,
      arch: process.arch,
      cpu_model: cpus[0]?.model ?? null,
      cpu_count: cpus.length,
      memory_bytes: os.totalmem(),
      node_version: process.version,
      folder,
      git_remote: git.remote,
      git_commit: git.commit,
      git_branch: git.branch,
      git_dirty: git.dirty,
    };
    return { tables: [recordsSource(context.tableName ?? 'env', path, [record])], units: [] };
  },
};

/** os.userInfo throws when the uid has no passwd entry (common in containers). */
function userName(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? null;
  }
}
