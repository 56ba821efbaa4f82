/**
 * What every command shares: the global options and a way to use the store they name. A verb
 * that only reads never creates a store: on a store file that does not exist it fails with one
 * line naming the path (exit 2), and no file is left behind.
 */
import fs from 'node:fs';
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
  /** Plugin modules (`--plugin FILE`, repeatable). */
  readonly plugin?: readonly string[] | undefined;
}

/** Whether `location` names a store file rather than a server URL or an in-memory store. */
function isStoreFile(location: string): boolean {
  return location !== ':memory:' && !location.startsWith('file:') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** The global options of `command`, the backend resolved from `--db` when `--backend` is not given. */
export function globalOptions(command: Command): GlobalOptions {
  const g = command.optsWithGlobals<{ db: string; backend?: string; dataFolder?: string; plugin?: string[] }>();
  return { db: g.db, backend: g.backend ?? backendForLocation(g.db), dataFolder: g.dataFolder, plugin: g.plugin };
}

/** Open the store the global options name, run `fn`, and close it whatever happens. */
export async function withStore<T>(command: Command, fn: (store: Store) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const g = globalOptions(command);
  if (g.db === '') throw new StoreError('E_BAD_ARGUMENT', '--db must name a store file');
  if (options.readOnly && isStoreFile(g.db) && !fs.existsSync(g.db)) {
    throw new StoreError('E_BAD_ARGUMENT', `the store ${g.db} does not exist; \`dsi --db ${g.db} read FILE\` creates it`, { file: g.db });
  }
  const store = await openStore(g.db, {
    backend: g.backend,
    ...(g.dataFolder === undefined ? {} : { dataFolder: g.dataFolder }),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(g.plugin ? { pluginModules: g.plugin } : {}),
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
