/**
 * User and group names of numeric ids, as `ls -l` shows them: from `/etc/passwd` and
 * `/etc/group`, then `getent` (directory services: LDAP, SSSD) for an id those files lack. Each
 * id is looked up once per {@link OwnerNames}; an id with no name gets `null`, never an error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Name of each id in a colon-separated database (`name:x:id:…`). */
function parseDatabase(file: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
  }
  return names;
}

function getent(database: 'passwd' | 'group', id: number): string | null {
  try {
    const line = execFileSync('getent', [database, String(id)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 });
    return line.split(':')[0] || null;
  } catch {
    return null;
  }
}

/** Looks up user and group names, caching every answer. */
export class OwnerNames {
  #users: Map<number, string | null> | undefined;
  #groups: Map<number, string | null> | undefined;

  user(uid: number): string | null {
    this.#users ??= parseDatabase('/etc/passwd');
    if (!this.#users.has(uid)) this.#users.set(uid, getent('passwd', uid));
    return this.#users.get(uid) ?? null;
  }

  group(gid: number): string | null {
    this.#groups ??= parseDatabase('/etc/group');
    if (!this.#groups.has(gid)) this.#groups.set(gid, getent('group', gid));
    return this.#groups.get(gid) ?? null;
  }
}
