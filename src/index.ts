/**
 * The library's public face: the store, its errors and types, readers and writers, images and
 * datasets. This entry point is also where the store is assembled: the store core knows no
 * backend, reader or writer; `defaultPlugins` lists the ones the library ships and `openStore`
 * opens a store with them, so a scientist writes one line:
 *
 * @example
 * const store = await openStore('runs.db');
 * await store.read('wildfiredata.csv');
 * await store.close();
 */
import { SqliteBackend } from './backends/sqlite/sqlite-backend.js';
import { cinemaReader } from './readers/cinema-reader.js';
import { csvReader } from './readers/csv-reader.js';
import { dublinCoreDatacardReader } from './readers/datacard-dublin-core-reader.js';
import { googleDatacardReader } from './readers/datacard-google-reader.js';
import { schemaOrgDatacardReader } from './readers/datacard-schema-org-reader.js';
import { ensembleReader } from './readers/ensemble-reader.js';
import { envReader } from './readers/env-reader.js';
import { idxReader } from './readers/idx-reader.js';
import { imageFolderReader } from './readers/image-folder-reader.js';
import { jsonReader } from './readers/json-reader.js';
import { parquetReader } from './readers/parquet-reader.js';
import { schemaReader } from './readers/schema-reader.js';
import { toml1Reader } from './readers/toml1-reader.js';
import { tomlReader } from './readers/toml-reader.js';
import { yaml1Reader } from './readers/yaml1-reader.js';
import { yamlReader } from './readers/yaml-reader.js';
import { withPluginModules } from './store/plugin-modules.js';
import type { BackendFactory } from './store/backend.js';
import type { StorePlugins } from './store/plugins.js';
import { cinemaWriter } from './writers/cinema-writer.js';
import { csvWriter } from './writers/csv-writer.js';
import { erDiagramWriter } from './writers/er-diagram-writer.js';
import { tablePlotWriter } from './writers/table-plot-writer.js';
import { parquetWriter } from './writers/parquet-writer.js';
import { type OpenOptions, Store } from './store/store.js';
import { StoreError } from './errors.js';

/** The embedded default backend: a SQLite file. */
const sqliteBackend: BackendFactory = (location, options) => SqliteBackend.open(location, options);
/** An embedded analytical store: a DuckDB file (`NAME.duckdb`). */
// DuckDB's native client and pg load when a store on them opens, not with every command.
const duckdbBackend: BackendFactory = async (location, options) => (await import('./backends/duckdb/duckdb-backend.js')).DuckdbBackend.open(location, options);

/**
 * The backend a location implies when none is named: a `postgres://` or `postgresql://` URL →
 * `postgres`, a file ending in `.duckdb` → `duckdb`, anything else → `sqlite`. A name chosen so
 * that no plugin has fails as any unknown backend does (`E_BACKEND`, listing the ones there are).
 *
 * @example backendForLocation('runs.duckdb') // 'duckdb'
 */
export function backendForLocation(location: string): string {
  if (/^postgres(ql)?:\/\//i.test(location)) return 'postgres';
  if (/\.duckdb$/i.test(location)) return 'duckdb';
  return 'sqlite';
}

/**
 * Sharing a PostgreSQL store with a group through the database's roles and row-level security
 * (`dsi share`; docs/backends.md): loaded, with `pg`, only when asked for.
 */
export const postgresSharing = (): Promise<typeof import('./backends/postgres/share-store.js')> => import('./backends/postgres/share-store.js');

/** A schema of a PostgreSQL database, for stores a group shares (`postgres://…`). */
const postgresBackend: BackendFactory = async (location, options) => (await import('./backends/postgres/postgres-backend.js')).PostgresBackend.open(location, options);

/**
 * The backend, readers and writers `openStore` and the `dsi` command use unless told otherwise.
 * To add a plugin, extend this set (where two claim one name or extension, the last listed wins):
 *
 * @example
 * const plugins: StorePlugins = { ...defaultPlugins, readers: [...defaultPlugins.readers, myReader] };
 * const store = await openStore('runs.db', { plugins });
 */
export const defaultPlugins: StorePlugins = Object.freeze({
  backends: Object.freeze({ sqlite: sqliteBackend, duckdb: duckdbBackend, postgres: postgresBackend }),
  readers: Object.freeze([
    csvReader,
    jsonReader,
    yamlReader,
    yaml1Reader,
    tomlReader,
    toml1Reader,
    schemaReader,
    ensembleReader,
    envReader,
    idxReader,
    imageFolderReader,
    cinemaReader,
    dublinCoreDatacardReader,
    schemaOrgDatacardReader,
    googleDatacardReader,
    parquetReader,
  ]),
  writers: Object.freeze([csvWriter, cinemaWriter, erDiagramWriter, tablePlotWriter, parquetWriter]),
});

/** {@link OpenOptions}, and the plugins to use instead of the default ones. */
export interface OpenStoreOptions extends OpenOptions {
  /** Backends, readers and writers (default: {@link defaultPlugins}). */
  readonly plugins?: StorePlugins;
  /**
   * Plugin modules (`.js`/`.mjs` files exporting `readers`, `writers` and/or `backends`) whose
   * plugins are added after `plugins`, so they win over a built-in of the same name.
   */
  readonly pluginModules?: readonly string[];
}

/**
 * Open or create the store at `location` with the default plugins, unless `options.plugins`
 * gives others. The backend is `options.backend`, else the one the location implies
 * ({@link backendForLocation}: `runs.duckdb` is a DuckDB store, `runs.db` a SQLite one).
 *
 * @example const store = await openStore('runs.db', { readOnly: true });
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  const base = options?.plugins ?? defaultPlugins;
  const modules = options?.pluginModules;
  if (modules !== undefined && !Array.isArray(modules)) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `openStore: ${o('pluginModules')} must be an array of module paths`);
  }
  const plugins = modules === undefined || modules.length === 0 ? base : await loadPlugins(modules, base);
  const backend = options?.backend ?? (typeof location === 'string' ? backendForLocation(location) : undefined);
  return Store.open(location, { ...options, ...(backend === undefined ? {} : { backend }), plugins });
}

/**
 * {@link defaultPlugins} (or `base`) with the readers, writers and backends of the plugin modules
 * `files` added (see src/store/plugin-modules.ts); a module that fails to load or exports the wrong
 * shape is refused naming the file.
 *
 * @example
 * const plugins = await loadPlugins(['./kv-reader.js']);
 * const store = await openStore('runs.db', { plugins });
 */
export function loadPlugins(files: readonly string[], base: StorePlugins = defaultPlugins): Promise<StorePlugins> {
  return withPluginModules(files, base);
}

export { Store, STORE_SCHEMA_VERSION } from './store/store.js';
export type {
  OpenOptions,
  StoreOpenOptions,
  ReadOptions,
  FoundRow,
  SearchResult,
  TableListing,
  RowEdit,
  UpdateOptions,
  UpdateResult,
  WriteResult,
} from './store/store.js';
export { type FileAccess, ProcessFileAccess } from './store/file-access.js';
export { type Withheld, withheldOf } from './store/visible-rows.js';
export type { ManagedTables, ManagedTransaction, ManagedTableDefinition } from './store/managed-tables.js';
export type { ColumnSummary } from './store/summary.js';
export type { UnitRow } from './store/catalog.js';
export { loadPluginModule, type PluginModule } from './store/plugin-modules.js';
export { StoreError, type StoreErrorCode, MlError, type MlErrorCode, type ErrorMessage, type OptionSpelling } from './errors.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export type { Cell, Row, LogicalType, ColumnInfo, TableInfo, ForeignKey } from './store/types.js';
export { parseRelations, type Relations, type TableRelations } from './store/relations.js';
export { parseFindCondition, type FindCondition } from './store/find-language.js';
export type { Backend, BackendCapabilities, BackendFactory, BackendOptions, SqlDialect } from './store/backend.js';
export { type StorePlugins, chooseReader, chooseWriter } from './store/plugins.js';
export { FloatCell } from './store/reader.js';
export type { Reader, TableSource, ReadResult, ReadContext, RawCell, UnitRecord, FileSink, ContentFacts } from './store/reader.js';
export type { Writer, WriteContext } from './store/writer.js';
export type { InsertRowsOptions, RowRecord } from './store/row-records.js';
export type { IngestResult } from './store/ingest.js';
export type { CopyStoreOptions, CopyStoreResult } from './store/copy-store.js';
export { toJson } from './json.js';
export { loadImages, type LoadImagesOptions, type LoadedImages, type CacheOutcome } from './images/load-images.js';
export type { TargetChannels } from './images/planar-pixels.js';
export { decodeImage } from './images/decode-image.js';
export { encodePng, decodePng } from './images/png-codec.js';
export { DEFAULT_MAX_PIXELS, type DecodeOptions } from './images/pixel-limit.js';
export type { DecodedImage, SampleCount } from './images/decoded-image.js';
export { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './images/idx-file.js';
export { addDataset, datasetNames, type AddDatasetOptions, type AddedDataset } from './datasets/add-dataset.js';
export type { DatasetName } from './datasets/known-datasets.js';
export { simulationNamed, simulationNames, type Simulation, type SimulationOutput, type SimulationParameter } from './datasets/simulations/index.js';
export {
  addSimulatedEnsemble,
  type AddedSimulatedEnsemble,
  type SimulatedEnsembleOptions,
} from './datasets/simulations/add-simulated-ensemble.js';
export { indexFiles, type IndexFilesOptions, type IndexFilesResult, type UnreadableEntry } from './files/index-files.js';
export { moveFiles, recoverMove, type MoveFilesOptions, type MoveFilesResult, type MoveHooks, type RecoverResult } from './files/move-files.js';
export { FILE_INDEX_TABLE } from './files/file-index-table.js';
