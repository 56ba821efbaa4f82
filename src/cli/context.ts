/**
 * What every command shares: the global options and a way to use the store they name. A verb
 * that only reads never creates a store: on a store file that does not exist it fails with one
 * line naming the path (exit 2), and no file is left behind.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { StoreError } from '../errors.js';
import { openStore } from '../index.js';
import type { Store } from '../store/store.js';

export interface GlobalOptions {
  readonly db: string;
  /** Undefined: the one the store's location implies. */
  readonly backend?: string;
  /** Plugin modules (`--plugin FILE`, repeatable). */
  readonly plugin?: readonly string[];
}

/** Whether `location` names a store file rather than a server URL or an in-memory store. */
function isStoreFile(location: string): boolean {
  return location !== ':memory:' && !location.startsWith('file:') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** Open the store the global options name, run `fn`, and close it whatever happens. */
export async function withStore<T>(command: Command, fn: (store: Store) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const g = command.optsWithGlobals<GlobalOptions>();
  if (g.db === '') throw new StoreError('E_BAD_ARGUMENT', '--db must name a store file');
  if (options.readOnly && isStoreFile(g.db) && !fs.existsSync(g.db)) {
    throw new StoreError('E_BAD_ARGUMENT', `the store ${g.db} does not exist; \`dsi --db ${g.db} read FILE\` creates it`, { file: g.db });
  }
  const store = await openStore(g.db, { ...(g.backend === undefined ? {} : { backend: g.backend }), ...(options.readOnly ? { readOnly: true } : {}), ...(g.plugin ? { pluginModules: g.plugin } : {}) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
