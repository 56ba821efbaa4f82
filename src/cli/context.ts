/** What every command shares: the global options and a way to use the store they name. */
import type { Command } from 'commander';
import { StoreError } from '../errors.js';
import { openStore } from '../index.js';
import type { Store } from '../store/store.js';

export interface GlobalOptions {
  readonly db: string;
  /** Undefined: the one the store's location implies. */
  readonly backend?: string;
}

/** Open the store the global options name, run `fn`, and close it whatever happens. */
export async function withStore<T>(command: Command, fn: (store: Store) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const g = command.optsWithGlobals<GlobalOptions>();
  if (g.db === '') throw new StoreError('E_BAD_ARGUMENT', '--db must name a store file');
  const store = await openStore(g.db, { ...(g.backend === undefined ? {} : { backend: g.backend }), ...(options.readOnly ? { readOnly: true } : {}) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
