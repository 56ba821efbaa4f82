/**
 * The dashboard's entry point: `startDashboard` opens what it shows (a store, or a Cinema
 * database), builds the application and listens; `close()` ends the jobs it started (a training
 * run stops with a checkpoint), stops listening and closes the store. `dsi serve` calls it; so can a script.
 *
 * With `users` (a users file, users-file.ts) it serves a group: every request carries a token of
 * the file and runs as that token's account (dashboard-users.ts). The store is opened once, its
 * file permission questions answered for the request being served (request-scope.ts).
 *
 * @example
 * const d = await startDashboard({ db: 'dsi.db', backend: 'sqlite', host: '127.0.0.1', port: 0 });
 * console.log(d.url);  // http://127.0.0.1:41234/
 * await d.close();
 */
import path from 'node:path';
import { StoreError } from '../errors.js';
import { openStore } from '../index.js';
import { userName } from '../ml/index.js';
import type { Store } from '../store/store.js';
import { openCinemaDatabase } from './cinema-database.js';
import { createDashboardApp } from './dashboard-app.js';
import { DashboardUsers } from './dashboard-users.js';
import { closeJobs } from './job-runner.js';
import { listen } from './listen.js';
import { isLoopbackAddress, newToken } from './request-guard.js';
import { requestFileAccess } from './request-scope.js';

export { createDashboardApp, type DashboardAppOptions } from './dashboard-app.js';
export type { DashboardContext } from './dashboard-context.js';
export { openCinemaDatabase, type CinemaDatabase } from './cinema-database.js';
export { DashboardUsers } from './dashboard-users.js';
export { MIN_TOKEN_LENGTH, readUsersFile, tokenDigest, type DashboardAccount, type DashboardUser } from './users-file.js';
export { newToken } from './request-guard.js';

export interface StartDashboardOptions {
  /** The store to show (ignored when `cinema` is given). */
  readonly db: string;
  readonly backend: string;
  /** Where the store keeps its files, when not the default (a server store has none unless given). */
  readonly dataFolder?: string | undefined;
  /** A Cinema database folder to show instead of a store. */
  readonly cinema?: string | undefined;
  /** Address to listen on; beyond loopback a token is required. */
  readonly host: string;
  /** Port (0: any free one). */
  readonly port: number;
  /** The token requests must carry; default none on loopback, a new one elsewhere. Not with `users`. */
  readonly token?: string | undefined;
  /** A users file (users-file.ts): serve a group, each request as its token's account. */
  readonly users?: string | undefined;
}

export interface RunningDashboard {
  /** The URL to open, with `?token=` when one is needed. */
  readonly url: string;
  /** Whether the token was generated here (and so must be shown to the person, once). */
  readonly tokenGenerated: boolean;
  /** The group served (its accounts, by login name), when a users file was given. */
  readonly accounts: readonly string[] | undefined;
  close(): Promise<void>;
}

/** Opens, builds and listens; see the file's header. */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  if (options.token !== undefined && options.token.length < 8) throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('token')} must be at least 8 characters long`);
  if (options.token !== undefined && options.users !== undefined) throw new StoreError('E_BAD_ARGUMENT', (o) => `give ${o('token')} or ${o('users')}, not both: with a users file each user has a token of their own`);
  const users = options.users === undefined ? undefined : DashboardUsers.fromFile(options.users);
  const loopback = isLoopbackAddress(options.host);
  const token = users !== undefined ? undefined : options.token ?? (loopback ? undefined : newToken());
  const cinema = options.cinema === undefined ? undefined : openCinemaDatabase(options.cinema);
  let store: Store | undefined;
  if (cinema === undefined) {
    if (options.db === '') throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('db')} must name a store file`);
    store = await openStore(options.db, { backend: options.backend, access: requestFileAccess, ...(options.dataFolder === undefined ? {} : { dataFolder: options.dataFolder }) });
  }
  try {
    // Absolute paths: a job may run as another account, from another folder.
    const isFile = !/^[a-z][a-z0-9+.-]*:\/\//i.test(options.db) && options.db !== ':memory:' && !options.db.startsWith('file:');
    const db = isFile ? path.resolve(options.db) : options.db;
    const storeArguments = ['--db', db, '--backend', options.backend, ...(options.dataFolder === undefined ? [] : ['--data-folder', path.resolve(options.dataFolder)])];
    const app = createDashboardApp({ store, cinema, reviewer: userName(), storeArguments }, { token, loopback, users });
    const server = await listen(app, { host: options.host, port: options.port, token });
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      tokenGenerated: token !== undefined && options.token === undefined,
      accounts: users?.isGroup ? users.accounts : undefined,
      close: () => {
        closing ??= (async () => {
          await closeJobs();
          await server.close();
          await store?.close();
          users?.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await store?.close();
    users?.close();
    throw e;
  }
}
