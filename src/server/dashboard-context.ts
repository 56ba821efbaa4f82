/**
 * What every route of the dashboard is handed: the store it shows (absent when `dsi serve X.cdb`
 * opened only a Cinema database), the Cinema database when one was opened, who reviews by
 * default, and how to start a `dsi` job in a process of its own.
 */
import type { Store } from '../store/store.js';
import type { CinemaDatabase } from './cinema-database.js';
import { notFound } from './http-errors.js';

export interface DashboardContext {
  /** The store shown; undefined when the dashboard shows only a Cinema database. */
  readonly store: Store | undefined;
  /** The Cinema database opened with `dsi serve X.cdb`. */
  readonly cinema: CinemaDatabase | undefined;
  /** The reviewer a review is recorded under when the page names none (the login name). */
  readonly reviewer: string;
  /** How a job started from the page (a child run) reaches the same store: `dsi --db … --backend …`. */
  readonly storeArguments: readonly string[];
}

/** The store, or a 404 saying the dashboard shows only a Cinema database. */
export function requireStore(ctx: DashboardContext): Store {
  if (ctx.store === undefined) throw notFound('this dashboard shows a Cinema database, not a store', 'E_NO_STORE');
  return ctx.store;
}
