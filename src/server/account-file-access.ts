/**
 * Read permission of another system account, as the kernel decides it: the {@link FileAccess} a
 * dashboard running as root gives the store for a request of a user mapped to that account.
 *
 * An {@link AccountChecker} is one long-lived child process per account (account-checker-child.ts):
 * started as root, it switches to the account's uid, primary gid and supplementary groups for
 * good, and answers batches of paths with `access(R_OK)`, so owner, group and other bits, group
 * membership and POSIX ACLs all count exactly as for `cat` run by that account. Asking the kernel
 * rather than reading modes and ACLs in JavaScript is the point: there is no second
 * implementation of the rules to get wrong.
 *
 * An {@link AccountFileAccess} is one per request: its answers are cached per path for that
 * request only (permissions change while a server runs), and uncached paths go to the checker in
 * one batch.
 *
 * Guarantees: a checker that cannot switch to its account, exits, is killed or does not answer in
 * {@link CHECK_TIMEOUT_MS} fails the check with a 500 `E_ACCESS_CHECKER` naming the account, never
 * an answer of "readable"; the next check starts a new checker. A checker exits with the server:
 * on {@link AccountChecker.close}, when the server's process exits, and by itself when the IPC
 * channel closes (the server killed).
 *
 * It lives in src/server/, not src/store/: the store is the core and asks only the question
 * ({@link FileAccess}); starting processes as root to answer for someone else is the business of
 * the one front end that serves several people.
 *
 * @example
 * const checker = new AccountChecker({ account: 'alice', uid: 1001, gid: 1001, home: '/home/alice' });
 * const access = new AccountFileAccess(checker);   // one per request
 * await access.canRead(['/data/a.png']);           // [true] when alice may read it
 * checker.close();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FileAccess } from '../store/file-access.js';
import { ApiError } from './http-errors.js';
import type { DashboardAccount } from './users-file.js';

/** The checker's entry point, compiled beside this file. */
const CHILD = fileURLToPath(new URL('./account-checker-child.js', import.meta.url));

/** How long one batch may take before the checker is considered hung (NFS can be slow). */
export const CHECK_TIMEOUT_MS = 30_000;

interface Pending {
  /** The checker asked: its exit fails its questions only. */
  readonly child: ChildProcess;
  readonly resolve: (readable: boolean[]) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type ChildMessage = { ready: true; uid: number; groups: number[] } | { failed: string } | { id: number; readable: boolean[] };

/** Every checker alive in this process, killed when it exits. */
const live = new Set<AccountChecker>();
process.once('exit', () => {
  for (const c of live) c.close();
});

/** The account's checker process (started on first use, again after a crash). */
export class AccountChecker {
  /** `alice (uid 1001)`. */
  readonly who: string;
  readonly #account: DashboardAccount;
  #child: ChildProcess | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  #starts = 0;

  constructor(account: DashboardAccount) {
    this.#account = account;
    this.who = `${account.account} (uid ${account.uid})`;
  }

  /** How many checker processes were started so far (a crash makes the next check start one more). */
  get starts(): number {
    return this.#starts;
  }

  /** The checker's process id, while one runs. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** Whether the account may read each of `paths`, in order. */
  async check(paths: readonly string[]): Promise<boolean[]> {
    if (paths.length === 0) return [];
    if (this.#closed) throw this.#failure('was closed with the dashboard');
    const child = await this.#start();
    const id = this.#nextId++;
    return new Promise<boolean[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(this.#failure(`did not answer within ${CHECK_TIMEOUT_MS / 1000} s`));
        child.kill('SIGKILL');
      }, CHECK_TIMEOUT_MS);
      this.#pending.set(id, { child, resolve, reject, timer });
      child.channel?.ref();
      child.send({ id, paths }, (e) => {
        if (!e) return;
        // The checker is gone (killed, its exit not yet seen): the next question starts a new one.
        if (this.#child === child) this.#child = undefined;
        child.kill('SIGKILL');
        this.#settle(id, this.#failure(`could not be asked (${e.message})`));
      });
    });
  }

  /** Kills the checker; harmless twice. Later checks fail. */
  close(): void {
    this.#closed = true;
    live.delete(this);
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
  }

  #failure(what: string): ApiError {
    return new ApiError(500, 'E_ACCESS_CHECKER', `the permission checker for ${this.who} ${what}; the request was refused rather than answered unchecked`);
  }

  #settle(id: number, outcome: boolean[] | Error): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (this.#pending.size === 0) this.#child?.channel?.unref();
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** The running child, started (and switched to the account) when there is none. */
  async #start(): Promise<ChildProcess> {
    if (this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null && this.#ready !== undefined) {
      await this.#ready;
      return this.#child;
    }
    const { account, uid, gid } = this.#account;
    const child = fork(CHILD, [account, String(uid), String(gid)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    this.#starts++;
    this.#child = child;
    live.add(this);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderr = (stderr + s).slice(-500);
    });
    child.unref();
    this.#ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: ChildMessage) => {
        if ('ready' in m) {
          if (m.uid !== uid) reject(this.#failure(`runs as uid ${m.uid}, not ${uid}`));
          else resolve();
        } else if ('failed' in m) {
          reject(this.#failure(`could not become the account: ${m.failed}`));
        } else if (typeof m.id === 'number' && Array.isArray(m.readable)) {
          this.#settle(m.id, m.readable.map((r) => r === true));
        }
      });
      child.on('error', (e) => reject(this.#failure(`could not start (${e.message})`)));
      child.on('exit', (code, signal) => {
        const why = this.#failure(`exited (${signal ?? `status ${code}`})${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').pop()}`}`);
        reject(why);
        for (const [id, p] of [...this.#pending]) if (p.child === child) this.#settle(id, why);
        if (this.#child === child) this.#child = undefined;
      });
    });
    // An unhandled rejection here would end the server; callers see it through `await`.
    this.#ready.catch(() => undefined);
    await this.#ready;
    return child;
  }
}

/** One request's view of an account's read permission: answers cached per path for the request. */
export class AccountFileAccess implements FileAccess {
  readonly who: string;
  readonly #checker: AccountChecker;
  readonly #cache = new Map<string, boolean>();

  constructor(checker: AccountChecker) {
    this.#checker = checker;
    this.who = checker.who;
  }

  async canRead(paths: readonly string[]): Promise<boolean[]> {
    const unknown = [...new Set(paths.filter((p) => !this.#cache.has(p)))];
    if (unknown.length > 0) {
      const answers = await this.#checker.check(unknown);
      unknown.forEach((p, i) => this.#cache.set(p, answers[i] === true));
    }
    return paths.map((p) => this.#cache.get(p) === true);
  }
}
