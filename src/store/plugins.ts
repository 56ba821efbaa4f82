/**
 * The plugins a store is opened with: backends by name, readers and writers. The store declares
 * their interfaces ({@link Backend}, {@link Reader}, {@link Writer}) and is handed the
 * implementations; it never imports one. The library's entry point assembles the default set
 * (`defaultPlugins` in `src/index.ts`); a caller adds its own by extending that set.
 *
 * **The guarantee:** a reader or writer is chosen by its name, or else by the file's extension
 * (among readers claiming one extension, one that recognises the file's content first:
 * `Reader.recognizes`); where two plugins claim one name or extension, the one listed last wins, so a caller's plugin
 * appended to the defaults replaces the default of that name.
 *
 * @example
 * const plugins: StorePlugins = { ...defaultPlugins, readers: [...defaultPlugins.readers, netcdfReader] };
 * const store = await openStore('runs.db', { plugins });
 */
import path from 'node:path';
import { StoreError } from '../errors.js';
import type { Backend, BackendFactory, BackendOptions } from './backend.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface StorePlugins {
  /** Backend factories by the name `OpenOptions.backend` takes. */
  readonly backends: Readonly<Record<string, BackendFactory>>;
  /** Readers, chosen by name or by an input's extension. */
  readonly readers: readonly Reader[];
  /** Writers, chosen by name or by an output's extension. */
  readonly writers: readonly Writer[];
}

/** The plugin of `kind` called `name`, else the one `file`'s extension picks; the last listed wins. */
function choose<T extends Reader | Writer>(list: readonly T[], kind: 'reader' | 'writer', file: string, name: string | undefined): T {
  const names = () => [...new Set(list.map((p) => p.name))].join(', ');
  if (name !== undefined) {
    const wanted = name.toLowerCase();
    const found = list.findLast((p) => p.name === wanted);
    if (!found) throw new StoreError('E_BAD_ARGUMENT', `unknown ${kind} "${name}"; available: ${names()}`);
    return found;
  }
  const ext = path.extname(file).toLowerCase();
  const claiming = ext === '' ? [] : list.filter((p) => p.extensions?.includes(ext) ?? false);
  // Where several claim the extension, the content decides (Reader.recognizes), then the order.
  const recognizes = (p: T) => ('recognizes' in p && typeof p.recognizes === 'function' ? (p.recognizes(file) as boolean) : undefined);
  const found = claiming.findLast((p) => recognizes(p) === true) ?? claiming.findLast((p) => recognizes(p) === undefined) ?? claiming.at(-1);
  if (!found) {
    const shown = kind === 'reader' ? path.basename(file) : file;
    throw new StoreError('E_BAD_ARGUMENT', (o) => `cannot tell the ${kind} from "${shown}"; give ${o(kind)} (${names()})`);
  }
  return found;
}

/**
 * The reader called `name`, or the one `file`'s extension implies; a reader given itself (a
 * program's own, not among the plugins) is used as it is.
 *
 * @example chooseReader(defaultPlugins, 'runs.csv').name // 'csv'
 */
export function chooseReader(plugins: StorePlugins, file: string, name?: string | Reader): Reader {
  if (typeof name === 'object' && name !== null) return name;
  return choose(plugins.readers, 'reader', file, name);
}

/** The writer called `name`, or the one `file`'s extension implies. */
export function chooseWriter(plugins: StorePlugins, file: string, name?: string): Writer {
  return choose(plugins.writers, 'writer', file, name);
}

/** Open `location` with the backend the plugins call `name`. */
export function openPluginBackend(plugins: StorePlugins, name: string, location: string, options: BackendOptions): Promise<Backend> {
  const factory = Object.hasOwn(plugins.backends, name) ? plugins.backends[name] : undefined;
  if (factory === undefined) {
    throw new StoreError('E_BACKEND', `unknown backend "${name}"; available: ${Object.keys(plugins.backends).join(', ')}`);
  }
  return factory(location, options);
}
