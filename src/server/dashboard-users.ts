/**
 * Who may use a dashboard and as which system account each request runs:
 *
 * - **alone** (no users file): the account that started the server; one token, or none on
 *   loopback, as before;
 * - **a group** (`dsi serve --users FILE`, users-file.ts): each token maps to an account; every
 *   request must carry one, on loopback too, and runs as its account: the store's answers and the
 *   files served are those that account may read, its jobs run as it.
 *
 * Guarantees: a group whose users map to accounts other than the server's own is refused unless
 * the server runs as root (only root can take another account's permissions); permissions of
 * another account are asked of an {@link AccountChecker} running as that account, one per
 * account, started on first use and killed by {@link DashboardUsers.close}; each request gets
 * fresh answers (a new cache), so a `chmod` shows on the next request.
 *
 * @example
 * const users = DashboardUsers.fromFile('/etc/dsi/users.toml');
 * const account = users.accountOf(token);                  // undefined for an unknown token
 * await runInScope(users.scopeFor(account), handleRequest);
 * users.close();
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { StoreError } from '../errors.js';
import { ProcessFileAccess } from '../store/file-access.js';
import { AccountChecker, AccountFileAccess } from './account-file-access.js';
import type { RequestScope } from './request-scope.js';
import { readUsersFile, tokenDigest, type DashboardAccount, type DashboardUser } from './users-file.js';

/** The account this process runs as. */
export function serverAccount(): DashboardAccount {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  let name = String(uid);
  let home = os.homedir();
  try {
    const info = os.userInfo();
    name = info.username;
    home = info.homedir;
  } catch {
    // No passwd entry: known by uid alone.
  }
  return { account: name, uid, gid, home };
}

/** The people a dashboard serves; see the file's header. */
export class DashboardUsers {
  /** The account running the server. */
  readonly owner: DashboardAccount;
  /** Whether this is a group (a users file) rather than the server's own account alone. */
  readonly isGroup: boolean;
  readonly #users: readonly DashboardUser[];
  /** The single token when alone (undefined: none needed). */
  readonly #token: string | undefined;
  readonly #checkers = new Map<number, AccountChecker>();

  private constructor(owner: DashboardAccount, users: readonly DashboardUser[], token: string | undefined) {
    this.owner = owner;
    this.#users = users;
    this.#token = token;
    this.isGroup = users.length > 0;
  }

  /** The server's own account alone, with `token` (or none). */
  static alone(token?: string): DashboardUsers {
    return new DashboardUsers(serverAccount(), [], token);
  }

  /** The group the users file `file` describes; refused (E_BAD_ARGUMENT, naming the file) as users-file.ts says, and without root when it names another account. */
  static fromFile(file: string): DashboardUsers {
    return DashboardUsers.of(readUsersFile(file), file);
  }

  /** The group of `users` (already read); `file` names them in messages. */
  static of(users: readonly DashboardUser[], file = 'the users file'): DashboardUsers {
    const owner = serverAccount();
    if (owner.uid !== 0) {
      const other = users.find((u) => u.uid !== owner.uid);
      if (other !== undefined) {
        throw new StoreError(
          'E_BAD_ARGUMENT',
          `${file}: user ${other.account} is another account than ${owner.account}, which runs this dashboard; serving other accounts needs root (only root can check and act with their permissions): start the dashboard as root, or run one dashboard per account`,
          { file },
        );
      }
    }
    return new DashboardUsers(owner, users, undefined);
  }

  /** The accounts of the group, by login name (once each, in the file's order); empty when alone. */
  get accounts(): readonly string[] {
    return [...new Set(this.#users.map((u) => u.account))];
  }

  /** Whether every request must carry a token. */
  get needsToken(): boolean {
    return this.isGroup || this.#token !== undefined;
  }

  /** The account `token` belongs to; undefined for a wrong one. Compared in constant time. */
  accountOf(token: string): DashboardAccount | undefined {
    if (!this.isGroup) {
      if (this.#token === undefined) return this.owner;
      const a = Buffer.from(token);
      const b = Buffer.from(this.#token);
      return a.length === b.length && crypto.timingSafeEqual(a, b) ? this.owner : undefined;
    }
    // Digests have one length, so each comparison takes the same time whatever the token.
    const given = Buffer.from(tokenDigest(token), 'hex');
    let found: DashboardUser | undefined;
    for (const u of this.#users) if (crypto.timingSafeEqual(given, Buffer.from(u.tokenSha256, 'hex'))) found = u;
    return found;
  }

  /** A new request's scope for `account`: its read permission with a cache of its own. */
  scopeFor(account: DashboardAccount): RequestScope {
    const isOtherAccount = account.uid !== this.owner.uid;
    if (!isOtherAccount) return { account, isOtherAccount, access: new ProcessFileAccess() };
    let checker = this.#checkers.get(account.uid);
    if (checker === undefined) {
      checker = new AccountChecker(account);
      this.#checkers.set(account.uid, checker);
    }
    return { account, isOtherAccount, access: new AccountFileAccess(checker) };
  }

  /** The checker of `account`'s uid, when one was made (for tests and diagnostics). */
  checkerOf(uid: number): AccountChecker | undefined {
    return this.#checkers.get(uid);
  }

  /** Stops every checker; harmless twice. */
  close(): void {
    for (const c of this.#checkers.values()) c.close();
    this.#checkers.clear();
  }
}
