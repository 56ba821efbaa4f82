/**
 * Who the request being answered is for, wherever in its handling the question comes up. The
 * dashboard opens its store once, with {@link requestFileAccess} as its `access`: each time the
 * store asks whether files may be read, that object answers with the permissions of the account
 * the current request's token maps to, cached for this request only.
 *
 * Guarantees: a request's scope is set by the dashboard's middleware before any route runs and
 * follows everything the request starts (awaits, timers, an event stream's loop), through Node's
 * AsyncLocalStorage; a question asked outside any request is answered "not readable" for every
 * file (fail closed), never with the server's own permissions.
 *
 * One handle for all users rather than one per user or per request (measured in
 * docs/dashboard.md, "Serving a group"): a store is opened once as before, so a DuckDB file is
 * never opened twice in one process, and PostgreSQL keeps one pool.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FileAccess } from '../store/file-access.js';
import type { DashboardAccount } from './users-file.js';

/** The request's user: the account it acts as, and that account's access for this request. */
export interface RequestScope {
  readonly account: DashboardAccount;
  /** Whether the account is another than the one running the server (a mapped user of a group). */
  readonly isOtherAccount: boolean;
  readonly access: FileAccess;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (the rest of a request's handling) as `scope`'s user. */
export function runInScope<T>(scope: RequestScope, fn: () => Promise<T>): Promise<T> {
  return scopes.run(scope, fn);
}

/** The current request's scope; undefined outside a request. */
export function currentScope(): RequestScope | undefined {
  return scopes.getStore();
}

/** The access the dashboard's store is opened with: the current request's user's. */
export const requestFileAccess: FileAccess = Object.freeze({
  get who(): string {
    return currentScope()?.access.who ?? 'nobody (outside a request)';
  },
  canRead(paths: readonly string[]): Promise<boolean[]> {
    const scope = currentScope();
    return scope === undefined ? Promise.resolve(paths.map(() => false)) : scope.access.canRead(paths);
  },
});
