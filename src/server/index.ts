/**
 * The dashboard's entry point: `startDashboard` opens what it shows (a store, or a Cinema
 * database), builds the application and listens; `close()` ends the jobs it started (a training
 * run stops with a checkpoint), stops listening and closes the store. `dsi serve` calls it; so can a script.
 *
 * @example
 * const d = await startDashboard({ db: 'dsi.db', backend: 'sqlite', host: '127.0.0.1', port: 0 });
 * console.log(d.url);  // http://127.0.0.1:41234/
 * await d.close();
 */
import { StoreError } from '../errors.js';
import { openStore } from '../index.js';
import { userName } from '../ml/index.js';
import type { Store } from '../store/store.js';
import { openCinemaDatabase } from './cinema-database.js';
import { createDashboardApp } from './dashboard-app.js';
import { closeJobs } from './job-runner.js';
import { listen } from './listen.js';
import { isLoopbackAddress, newToken } from './request-guard.js';

export { createDashboardApp, type DashboardAppOptions } from './dashboard-app.js';
export type { DashboardContext } from './dashboard-context.js';
export { openCinemaDatabase, type CinemaDatabase } from './cinema-database.js';

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
  /** The token requests must carry; default none on loopback, a new one elsewhere. */
  readonly token?: string | undefined;
}

export interface RunningDashboard {
  /** The URL to open, with `?token=` when one is needed. */
  readonly url: string;
  /** Whether the token was generated here (and so must be shown to the person, once). */
  readonly tokenGenerated: boolean;
  close(): Promise<void>;
}

/** Opens, builds and listens; see the file's header. */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  if (options.token !== undefined && options.token.length < 8) throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('token')} must be at least 8 characters long`);
  const loopback = isLoopbackAddress(options.host);
  const token = options.token ?? (loopback ? undefined : newToken());
  const cinema = options.cinema === undefined ? undefined : openCinemaDatabase(options.cinema);
  let store: Store | undefined;
  if (cinema === undefined) {
    if (options.db === '') throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('db')} must name a store file`);
    store = await openStore(options.db, { backend: options.backend, ...(options.dataFolder === undefined ? {} : { dataFolder: options.dataFolder }) });
  }
  try {
    const storeArguments = ['--db', options.db, '--backend', options.backend, ...(options.dataFolder === undefined ? [] : ['--data-folder', options.dataFolder])];
    const app = createDashboardApp({ store, cinema, reviewer: userName(), storeArguments }, { token, loopback });
    const server = await listen(app, { host: options.host, port: options.port, token });
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      tokenGenerated: token !== undefined && options.token === undefined,
      close: () => {
        closing ??= (async () => {
          await closeJobs();
          await server.close();
          await store?.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await store?.close();
    throw e;
  }
}
