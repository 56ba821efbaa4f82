/** What every command shares: the global options and a way to use the store they name. */
import type { Command } from 'commander';
import { StoreError } from '../errors.js';
import { backendForLocation, openStore } from '../index.js';
import type { Store } from '../store/store.js';

export interface GlobalOptions {
  readonly db: string;
  /** The backend: `--backend`, or the one the store's location implies. */
  readonly backend: string;
  /** Where a store keeps its files, when `--data-folder` gives it (a server store has no default). */
  readonly dataFolder?: string | undefined;
}

/** The global options of `command`, the backend resolved from `--db` when `--backend` is not given. */
export function globalOptions(command: Command): GlobalOptions {
  const g = command.optsWithGlobals<{ db: string; backend?: string; dataFolder?: string }>();
  return { db: g.db, backend: g.backend ?? backendForLocation(g.db), dataFolder: g.dataFolder };
}

/** Open the store the global options name, run `fn`, and close it whatever happens. */
export async function withStore<T>(command: Command, fn: (store: Store) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const g = globalOptions(command);
  if (g.db === '') throw new StoreError('E_BAD_ARGUMENT', '--db must name a store file');
  const store = await openStore(g.db, {
    backend: g.backend,
    ...(g.dataFolder === undefined ? {} : { dataFolder: g.dataFolder }),
    ...(options.readOnly ? { readOnly: true } : {}),
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
