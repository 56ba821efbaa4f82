/**
 * Readers, writers and backends from a user's own module (`dsi --plugin ./my-plugins.js read …`,
 * or `withPluginModules` in the library). A plugin module exports any of
 *
 * ```js
 * export const readers = [kvReader];             // Reader objects (src/store/reader.ts)
 * export const writers = [htmlWriter];           // Writer objects (src/store/writer.ts)
 * export const backends = { mydb: openMydb };    // backend name → BackendFactory
 * ```
 *
 * (or one default export object holding them). A `.js`, `.mjs` or `.cjs` module is loaded with
 * `import()`; a `.ts`/`.mts` module is bundled by esbuild first, on every Node version
 * (typescript-module.ts: types are stripped, not checked).
 *
 * **The guarantee:** a module that cannot be found, fails to load, or exports something of the
 * wrong shape is refused with one `StoreError` naming the file and what is wrong, before any
 * store is opened; a module's plugins are appended after the ones given before it, so (as the
 * store chooses the last plugin claiming a name or extension) a plugin module can replace a
 * built-in reader or writer of the same name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoreError, badInput } from '../errors.js';
import { importTypeScriptModule } from './typescript-module.js';
import type { BackendFactory } from './backend.js';
import type { StorePlugins } from './plugins.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** What one plugin module contributes. */
export interface PluginModule {
  readonly file: string;
  readonly readers: readonly Reader[];
  readonly writers: readonly Writer[];
  readonly backends: Readonly<Record<string, BackendFactory>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What is wrong with `plugin` as a reader or writer, or undefined. */
function shapeProblem(plugin: unknown, kind: 'reader' | 'writer'): string | undefined {
  if (!isObject(plugin)) return `is not an object`;
  if (typeof plugin['name'] !== 'string' || plugin['name'] === '' || plugin['name'] !== plugin['name'].toLowerCase()) {
    return 'has no name (a non-empty lowercase string)';
  }
  if (typeof plugin['description'] !== 'string') return 'has no description (a string)';
  const method = kind === 'reader' ? 'read' : 'write';
  if (typeof plugin[method] !== 'function') return `has no ${method}() function`;
  const ext = plugin['extensions'];
  if (ext !== undefined && (!Array.isArray(ext) || !ext.every((e) => typeof e === 'string' && e.startsWith('.') && e === e.toLowerCase()))) {
    return 'has extensions that are not a list of lowercase extensions with the dot (".kv")';
  }
  if (kind === 'writer' && !isObject(plugin['options'])) return 'has no options (an object: option name → the values it takes; {} for none)';
  return undefined;
}

/** The plugins `value` lists as `kind`s, checked; `file` names the module in errors. */
function pluginList<T>(file: string, value: unknown, kind: 'reader' | 'writer'): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badInput(file, undefined, `the export "${kind}s" must be an array of ${kind} objects`);
  value.forEach((p, i) => {
    const problem = shapeProblem(p, kind);
    if (problem !== undefined) {
      const name = isObject(p) && typeof p['name'] === 'string' ? ` ("${p['name']}")` : '';
      throw badInput(file, undefined, `${kind}s[${i}]${name} ${problem}`);
    }
  });
  return value as T[];
}

/**
 * Load one plugin module and check what it exports.
 *
 * @example const { readers } = await loadPluginModule('./kv-reader.js');
 */
export async function loadPluginModule(file: string): Promise<PluginModule> {
  if (typeof file !== 'string' || file === '') throw new StoreError('E_BAD_ARGUMENT', `a plugin module must be a file path, got ${JSON.stringify(file)}`);
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new StoreError('E_BAD_ARGUMENT', `the plugin module ${file} does not exist`, { file });
  const ext = path.extname(absolute).toLowerCase();
  if (!['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(ext)) {
    throw new StoreError('E_BAD_ARGUMENT', `the plugin module ${file} must be a JavaScript (.js, .mjs, .cjs) or TypeScript (.ts, .mts) file`, { file });
  }
  let loaded: Record<string, unknown>;
  try {
    const typescript = ext === '.ts' || ext === '.mts';
    loaded = typescript ? await importTypeScriptModule(file, absolute) : ((await import(pathToFileURL(absolute).href)) as Record<string, unknown>);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const error = e as Error;
    throw badInput(file, undefined, `cannot load the plugin module: ${(error.message ?? String(e)).split('\n')[0]}`);
  }
  const named = ['readers', 'writers', 'backends'].some((k) => loaded[k] !== undefined);
  const exports = named ? loaded : isObject(loaded['default']) ? loaded['default'] : loaded;
  const readers = pluginList<Reader>(file, exports['readers'], 'reader');
  const writers = pluginList<Writer>(file, exports['writers'], 'writer');
  const backends = exports['backends'];
  if (backends !== undefined && (!isObject(backends) || !Object.values(backends).every((f) => typeof f === 'function'))) {
    throw badInput(file, undefined, 'the export "backends" must be an object of backend name → factory function');
  }
  if (readers.length === 0 && writers.length === 0 && (backends === undefined || Object.keys(backends).length === 0)) {
    throw badInput(file, undefined, 'the plugin module exports no readers, writers or backends (export const readers = [...], writers = [...], or backends = {...})');
  }
  return { file, readers, writers, backends: (backends ?? {}) as Record<string, BackendFactory> };
}

/**
 * `base` with the plugins of `files` appended, in order (a later plugin of the same name or
 * extension wins).
 */
export async function withPluginModules(files: readonly string[], base: StorePlugins): Promise<StorePlugins> {
  let plugins = base;
  for (const file of files) {
    const m = await loadPluginModule(file);
    plugins = Object.freeze({
      backends: Object.freeze({ ...plugins.backends, ...m.backends }),
      readers: Object.freeze([...plugins.readers, ...m.readers]),
      writers: Object.freeze([...plugins.writers, ...m.writers]),
    });
  }
  return plugins;
}
