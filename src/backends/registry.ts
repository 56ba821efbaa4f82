/**
 * Backends by name. The store is given a name and a location and gets a {@link Backend}; it
 * never imports a driver. Adding a backend: implement `Backend` in `src/backends/<name>/` and
 * register its factory here (see docs/backends.md).
 */
import { StoreError } from '../errors.js';
import type { Backend, BackendFactory, BackendOptions } from '../store/backend.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';

const factories: ReadonlyMap<string, BackendFactory> = new Map<string, BackendFactory>([
  ['sqlite', (location, options) => SqliteBackend.open(location, options)],
]);

/** Names `--backend` accepts. */
export function backendNames(): string[] {
  return [...factories.keys()];
}

/** Open `location` with the backend called `name`. */
export async function openBackend(name: string, location: string, options: BackendOptions = {}): Promise<Backend> {
  const factory = factories.get(name);
  if (!factory) {
    throw new StoreError('E_BACKEND', `unknown backend "${name}"; available: ${backendNames().join(', ')}`);
  }
  return factory(location, options);
}
