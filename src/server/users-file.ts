/**
 * The users file of a dashboard that serves a group (`dsi serve --users FILE`): which token
 * belongs to which system account. TOML, one `[[user]]` table per token:
 *
 * ```toml
 * [[user]]
 * account = "alice"
 * token = "q3J…"                 # at least 24 characters
 *
 * [[user]]
 * account = "bob"
 * token_sha256 = "5e88…"         # or only the token's SHA-256 (64 hex digits): the file then holds no secret
 * ```
 *
 * Guarantees: a file that anyone but its owner may read or write, that the account running the
 * server does not own, that is not TOML of this shape, or that names a token shorter than
 * {@link MIN_TOKEN_LENGTH} characters, the same token twice, or an account the system does not
 * know, is refused with one line naming the file (and the line where there is one) before the
 * server listens. Only SHA-256 digests of the tokens are kept in memory.
 *
 * @example
 * const users = readUsersFile('/etc/dsi/users.toml');
 * users[0];  // { account: 'alice', uid: 1001, gid: 1001, home: '/home/alice', tokenSha256: '…' }
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { TomlError, parse } from 'smol-toml';
import { StoreError } from '../errors.js';
import { snippet } from '../store/snippet.js';

/** The shortest token a users file may give (a new one has 32 characters, 192 bits). */
export const MIN_TOKEN_LENGTH = 24;

/** A system account a token maps to. */
export interface DashboardAccount {
  /** The login name. */
  readonly account: string;
  readonly uid: number;
  /** The primary group. */
  readonly gid: number;
  /** The home folder (a job run as the account gets it as HOME). */
  readonly home: string;
}

/** One person of the group: the SHA-256 of their token and the account they act as. */
export interface DashboardUser extends DashboardAccount {
  /** Hex SHA-256 of the token. */
  readonly tokenSha256: string;
}

/** The hex SHA-256 of `token`. */
export function tokenDigest(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Account names as useradd accepts them; anything else (a leading `-`, spaces) is refused. */
const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

/** The passwd entry of `name`, from `getent` (so LDAP and other NSS sources count); undefined when none. */
export function lookUpAccount(name: string): DashboardAccount | undefined {
  if (!ACCOUNT_NAME.test(name)) return undefined;
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.error !== undefined) throw new StoreError('E_TOOL_MISSING', `cannot look up accounts: getent did not run (${r.error.message})`);
  const fields = r.status === 0 ? r.stdout.split('\n')[0]?.split(':') ?? [] : [];
  if (fields.length < 6) return undefined;
  return { account: fields[0]!, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/' };
}

const KEYS = new Set(['account', 'token', 'token_sha256']);

/** The users `file` names, checked as the header says; throws `E_BAD_ARGUMENT` naming the file. */
export function readUsersFile(file: string): readonly DashboardUser[] {
  const refuse = (what: string, line?: number): StoreError =>
    new StoreError('E_BAD_ARGUMENT', `${line === undefined ? file : `${file}:${line}`}: ${what}`, { file, ...(line === undefined ? {} : { line }) });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? 'no such users file' : code === 'ELOOP' ? 'the users file must not be a symbolic link' : `cannot read the users file (${code ?? String(e)})`);
  }
  let text: string;
  try {
    // The checks are made on the file that is read (fstat), not on a name that could be swapped.
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw refuse('the users file must be a regular file');
    const me = process.getuid?.();
    if (me !== undefined && st.uid !== me) throw refuse(`the users file must belong to the account running the dashboard (uid ${me}), not uid ${st.uid}`);
    if ((st.mode & 0o066) !== 0) {
      throw refuse(`the users file holds tokens: it must be readable and writable by its owner only (chmod 600), its mode is ${(st.mode & 0o777).toString(8)}`);
    }
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    throw refuse(`invalid TOML: ${snippet(e.message.split('\n')[0] ?? '', 120)}`, e.line);
  }
  const lineOf = (needle: string, from = 0): number | undefined => {
    const at = text.indexOf(needle, from);
    return at < 0 ? undefined : text.slice(0, at).split('\n').length;
  };
  for (const key of Object.keys(doc)) if (key !== 'user') throw refuse(`unknown key "${key}": the file holds [[user]] tables only`, lineOf(key));
  const entries = doc['user'];
  if (!Array.isArray(entries) || entries.length === 0) throw refuse('no [[user]] table: each user needs one, with account and token (or token_sha256)');
  // The n-th `[[user]]` header, to name the line of the n-th entry.
  const headers = [...text.matchAll(/^[ \t]*\[\[[ \t]*user[ \t]*\]\]/gm)].map((m) => text.slice(0, m.index).split('\n').length);
  const seen = new Map<string, number>();
  return entries.map((entry, i): DashboardUser => {
    const line = headers[i];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw refuse('each user must be a [[user]] table', line);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!KEYS.has(key)) throw refuse(`unknown key "${key}" in [[user]] (known: account, token, token_sha256)`, line);
    const name = e['account'];
    if (typeof name !== 'string' || name === '') throw refuse('each [[user]] needs account = "LOGIN NAME"', line);
    const token = e['token'];
    const digest = e['token_sha256'];
    let tokenSha256: string;
    if (token !== undefined && digest !== undefined) throw refuse(`user ${name}: give token or token_sha256, not both`, line);
    if (token !== undefined) {
      if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
        throw refuse(`user ${name}: the token must be at least ${MIN_TOKEN_LENGTH} characters long (\`dsi serve --new-token\` makes one)`, line);
      }
      tokenSha256 = tokenDigest(token);
    } else if (digest !== undefined) {
      if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/i.test(digest)) throw refuse(`user ${name}: token_sha256 must be 64 hexadecimal digits (\`dsi serve --new-token\` prints one)`, line);
      tokenSha256 = digest.toLowerCase();
    } else {
      throw refuse(`user ${name}: give token = "…" or token_sha256 = "…"`, line);
    }
    const before = seen.get(tokenSha256);
    if (before !== undefined) throw refuse(`user ${name}: the same token as the user at line ${headers[before] ?? '?'}; each user needs a token of their own`, line);
    seen.set(tokenSha256, i);
    const account = lookUpAccount(name);
    if (account === undefined) throw refuse(`user ${name}: no such account on this system (getent passwd ${name} finds none)`, line);
    return Object.freeze({ ...account, tokenSha256 });
  });
}
