/**
 * The DSI store facade: open a store, read files into it, query, find, search, update, list,
 * summarise, apply relations, record units, write tables out, close. Every operation that writes
 * is one transaction: it either happens whole or leaves the store exactly as it was.
 *
 * The store is given its plugins (backends, readers, writers) when it opens and imports none:
 * `openStore` in the library's entry point opens one with the default plugins.
 *
 * @example
 * const store = await Store.open('dsi.db', { plugins: defaultPlugins });
 * await store.read(['wildfiredata.csv']);
 * const rows = await store.find('wind_speed > 5');
 * await store.close();
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, badInput } from '../errors.js';
import { isFileColumn } from '../file-columns.js';
import type { ProgressCallback } from '../progress.js';
import type { Backend, BackendCapabilities, SqlDialect } from './backend.js';
import { Catalog, type UnitRow, redefine } from './catalog.js';
import { fileSystemError } from './file-errors.js';
import { FileStage } from './file-stage.js';
import { type CopyStoreOptions, type CopyStoreResult, copyStoreTables } from './copy-store.js';
import { type FindCondition, numericFindValue, parseFindCondition } from './find-language.js';
import { hasNul, sanitizeIdentifier, sanitizeTableName, unquoteIdentifier } from './identifiers.js';
import { managedTransaction, type ManagedTables, type ManagedTransaction } from './managed-tables.js';
import { failedInBulk } from './bulk-ingest.js';
import { type IngestResult, ingestSource } from './ingest.js';
import { type FileFingerprint, INGESTED_TABLE, IngestLedger, fingerprintFile } from './ingest-ledger.js';
import { type InsertRowsOptions, type RowRecord, rowRecordsSource } from './row-records.js';
import { type StorePlugins, chooseReader, chooseWriter, openPluginBackend } from './plugins.js';
import type { ReadContext, ReadResult, Reader, TableSource, UnitRecord } from './reader.js';
import type { Writer } from './writer.js';
import { type Relations, type TableRelations, findCycle } from './relations.js';
import { CATALOG_PREFIX, isProtectedTable } from './reserved-tables.js';
import { RUN_ID, RUN_TABLE, runRelations, runRowSource, withRunId } from './run-table.js';
import { snippet } from './snippet.js';
import { storedFileInside as storedFileInsideOf } from './stored-files.js';
import { type ColumnSummary, summarizeTable } from './summary.js';
import { type FileAccess, ProcessFileAccess } from './file-access.js';
import { RowVisibility, type Withheld, excludeKeys, resultReferenceColumns, tableReferenceColumns, withWithheld } from './visible-rows.js';
import { classifyText, convertText } from './type-inference.js';
import type { Cell, ColumnInfo, ForeignKey, LogicalType, Row, TableDefinition, TableInfo } from './types.js';
import { describeNonCell, isCell, widen } from './types.js';

/** The rows given a writer that draws the whole store: none. */
async function* noRows(): AsyncIterable<Row[]> {}

/** The store format this code writes; recorded in the store for later migrations. */
export const STORE_SCHEMA_VERSION = 1;

/** How to open a store, whatever its plugins. */
export interface OpenOptions {
  /** Backend name, one of the plugins' (default `sqlite`). */
  readonly backend?: string;
  readonly readOnly?: boolean;
  readonly busyTimeoutMs?: number;
  /**
   * Where the store keeps its files (images, predictions, checkpoints). Default for a store file
   * `NAME.db`: `NAME.data/` beside it; a store without a file (`:memory:`) has none unless given.
   */
  readonly dataFolder?: string;
  /**
   * Record every read in the reserved table `runtable` and give each row it ingests a `run_id`
   * referencing it, as Python DSI's `runTable` option does (default false; `ReadOptions.runTable`
   * decides per read).
   */
  readonly runTable?: boolean;
  /**
   * Whose file permissions results answer to: a row that references files (`FILE…` values, the
   * file index's `file_origin`) is returned only when `access` may read every one of them, and
   * results count the rows withheld (`withheld`). Default: a new {@link ProcessFileAccess}, this
   * process's own permissions, cached for the life of the store. A server answering for another
   * account passes that account's.
   */
  readonly access?: FileAccess;
}

/** {@link OpenOptions} with the plugins the store is assembled from. */
export interface StoreOpenOptions extends OpenOptions {
  readonly plugins: StorePlugins;
}

export interface ReadOptions {
  /**
   * Reader name; by default chosen from each file's extension. A program may give a reader of its
   * own instead (one not among the store's plugins): it reads inside the same transaction, with
   * the same file stage, ledger and units as a plugin.
   */
  readonly reader?: string | Reader;
  /** Table name for readers that make one table (default: the file's base name). */
  readonly table?: string;
  readonly onProgress?: ProgressCallback;
  /** Options for the reader (`pattern` for `images`, say); each reader checks its own. */
  readonly readerOptions?: Readonly<Record<string, unknown>>;
  /**
   * Read a file even when the same content, read the same way, went into the same table before
   * (its rows are then added a second time). Without it such a read is refused with
   * `E_ALREADY_READ`.
   */
  readonly append?: boolean;
  /** Record this read in `runtable` and tag its rows with its `run_id` (default: the store's `runTable`). */
  readonly runTable?: boolean;
  /**
   * Refuse input the format's standard does not allow where a reader would otherwise make sense
   * of it (CSV: empty or duplicate header names, a quote inside an unquoted field, blank lines
   * between records). An input strict mode accepts gives the same rows as without it.
   */
  readonly strict?: boolean;
}

export interface FoundRow extends Row {
  dsi_table_name: string;
  dsi_row_index: number;
}

export interface SearchResult {
  readonly tables: string[];
  readonly columns: { table: string; column: string }[];
  /** Matching rows the caller may see; `withheld` counts the matching rows left out. */
  readonly rows: Withheld<(Row & { dsi_table_name: string; dsi_row_index: number })[]>;
}

/** What {@link Store.write} wrote: rows written, and rows left out because their files are not readable. */
export interface WriteResult {
  readonly rows: number;
  readonly withheld: number;
}

export interface TableListing {
  readonly table: string;
  readonly columns: number;
  readonly rows: number;
}

/** One row edit: the row at 1-based `rowIndex` of `table` gets `values`. */
export interface RowEdit {
  readonly table: string;
  readonly rowIndex: number;
  /** New values; strings are read as CSV cells are (a number's spelling becomes a number). */
  readonly values: Readonly<Record<string, Cell>>;
}

export interface UpdateOptions {
  /** Copy the store to a timestamped file first. */
  readonly backup?: boolean;
}

/** Options of {@link Store.updateRows}. */
export interface UpdateRowsOptions extends UpdateOptions {
  /**
   * Add a column a value names that the table lacks (NULL in the other rows). Without it such a
   * value is refused with `E_COLUMN_MISSING`, so a misspelt column name never becomes a column.
   */
  readonly addColumns?: boolean;
}

export interface UpdateResult {
  readonly rows: number;
  /** Where the backup went, when one was asked for. */
  readonly backup?: string;
}

/** Whether `info` already has exactly the keys `definition` asks for (and needs no unique index). */
function hasKeys(info: TableInfo, definition: TableDefinition): boolean {
  const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
  const key = (f: ForeignKey) => `${f.column}\u0000${f.refTable}\u0000${f.refColumn}`.toLowerCase();
  const have = info.foreignKeys.map(key).sort();
  const want = definition.foreignKeys.map(key).sort();
  return (
    definition.uniqueColumns.length === 0 &&
    same(info.columns.find((c) => c.primaryKey)?.name, definition.primaryKey) &&
    have.length === want.length &&
    have.every((k, i) => k === want[i])
  );
}

/** The folder FILE paths are relative to, and the data folder, of a store at `location`. */
function storeFolders(backend: Backend, location: string, dataFolder: string | undefined): { fileRoot: string; dataFolder: string | undefined } {
  const onDisk = backend.capabilities.isSingleFile && location !== ':memory:' && !location.startsWith('file:');
  const fileRoot = onDisk ? path.dirname(path.resolve(location)) : process.cwd();
  if (dataFolder !== undefined) return { fileRoot, dataFolder: path.resolve(dataFolder) };
  if (!onDisk) return { fileRoot, dataFolder: undefined };
  return { fileRoot, dataFolder: defaultDataFolder(location) };
}

/**
 * The data folder a store file at `location` keeps its files in unless told otherwise: `NAME.data`
 * beside `NAME.db` (the file's name without its last extension), absolute.
 *
 * @example defaultDataFolder('runs/demo.db') // '/…/runs/demo.data'
 */
export function defaultDataFolder(location: string): string {
  const base = path.basename(location);
  const ext = path.extname(base);
  return path.join(path.dirname(path.resolve(location)), `${ext === '' ? base : base.slice(0, -ext.length)}.data`);
}

/**
 * Refuse an output path a writer cannot write, naming it, before any row is read: its folder
 * missing or not a folder, or not writable.
 */
function checkOutputPath(file: string): void {
  const folder = path.dirname(path.resolve(file));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw new StoreError('E_BAD_ARGUMENT', `cannot write ${file}: the folder ${path.dirname(file)} does not exist`, { file });
  }
  if (!stat.isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `cannot write ${file}: ${path.dirname(file)} is a file, not a folder`, { file });
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new StoreError('E_FILE', `cannot write ${file}: permission denied in the folder ${path.dirname(file)}`, { file });
  }
}

export class Store {
  readonly #backend: Backend;
  readonly #plugins: StorePlugins;
  readonly #catalog: Catalog;
  readonly #readOnly: boolean;
  readonly #fileRoot: string;
  readonly #dataFolder: string | undefined;
  readonly #runTable: boolean;
  readonly #visibility: RowVisibility;
  readonly #access: FileAccess;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    backend: Backend,
    plugins: StorePlugins,
    readOnly: boolean,
    folders: { fileRoot: string; dataFolder: string | undefined },
    runTable: boolean,
    access: FileAccess,
  ) {
    this.#backend = backend;
    this.#plugins = plugins;
    this.#catalog = new Catalog(backend);
    this.#readOnly = readOnly;
    this.#fileRoot = folders.fileRoot;
    this.#dataFolder = folders.dataFolder;
    this.#runTable = runTable;
    this.#access = access;
    this.#visibility = new RowVisibility(access, folders.fileRoot);
  }

  /**
   * Open the store at `location` with the given plugins, creating it when absent (SQLite: a file
   * path). Most callers want `openStore` from the library's entry point, which passes the
   * default plugins.
   */
  static async open(location: string, options: StoreOpenOptions): Promise<Store> {
    if (typeof location !== 'string' || location === '') {
      throw new StoreError('E_BAD_ARGUMENT', `Store.open: location must be a non-empty path, got ${JSON.stringify(location)}`);
    }
    const given = options?.plugins;
    if (given === undefined || given === null || typeof given !== 'object') {
      throw new StoreError('E_BAD_ARGUMENT', 'Store.open: give the plugins to assemble the store from (or use openStore, which passes the default ones)');
    }
    if (given.backends === null || typeof given.backends !== 'object' || !Array.isArray(given.readers) || !Array.isArray(given.writers)) {
      throw new StoreError('E_BAD_ARGUMENT', 'Store.open: plugins must have backends (name → factory), readers (an array) and writers (an array)');
    }
    // A copy: the caller changing its lists later does not change this store.
    const plugins: StorePlugins = Object.freeze({
      backends: Object.freeze({ ...given.backends }),
      readers: Object.freeze([...given.readers]),
      writers: Object.freeze([...given.writers]),
    });
    const access = options.access ?? new ProcessFileAccess();
    if (access === null || typeof access !== 'object' || typeof access.canRead !== 'function' || typeof access.who !== 'string') {
      throw new StoreError('E_BAD_ARGUMENT', (o) => `Store.open: ${o('access')} must be a FileAccess (a \`who\` text and a \`canRead(paths)\` method)`);
    }
    const backendName = options.backend ?? 'sqlite';
    const backend = await openPluginBackend(plugins, backendName, location, {
      ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
    if (!options.readOnly && !backend.capabilities.supportsTransactionalDdl) {
      await backend.close();
      throw new StoreError(
        'E_BACKEND',
        `the ${backendName} backend cannot roll back table changes with a transaction, which every write of the store needs to be all-or-nothing; open ${location} read-only`,
      );
    }
    const store = new Store(backend, plugins, options.readOnly ?? false, storeFolders(backend, location, options.dataFolder), options.runTable === true, access);
    if (!options.readOnly) {
      const version = await backend.schemaVersion();
      if (version > STORE_SCHEMA_VERSION) {
        await backend.close();
        throw new StoreError('E_BACKEND', `${location} was written by a newer version (store format ${version}; this one knows ${STORE_SCHEMA_VERSION})`);
      }
      if (version < STORE_SCHEMA_VERSION) await backend.setSchemaVersion(STORE_SCHEMA_VERSION);
    }
    return store;
  }

  /**
   * What the store's backend can do (a single file that can be backed up, say), for callers
   * whose behaviour depends on it.
   */
  get capabilities(): BackendCapabilities {
    return this.#backend.capabilities;
  }

  /** Where the store lives. */
  get location(): string {
    return this.#backend.location;
  }

  /**
   * The declared type names this store's backend gives the logical types (SQLite: `INTEGER`,
   * `FLOAT`, `VARCHAR`), as `describe` reports them in `declaredType`.
   */
  get typeNames(): SqlDialect['typeNames'] {
    return this.#backend.dialect.typeNames;
  }

  /**
   * Whose file permissions this store's results answer to ({@link OpenOptions.access}): its `who`
   * names the caller in messages about withheld rows.
   */
  get fileAccess(): FileAccess {
    return this.#access;
  }

  /**
   * `rows` (read by the caller, from this store) without those whose `columns` name files the
   * caller may not read, by the store's rule (paths relative to {@link fileRoot}; NULL, empty
   * and URLs name nothing); `withheld` counts them. For columns the store does not judge by
   * itself: an image column not named `FILE…`, say.
   *
   * @example const { length, withheld } = await store.visibleRows(rows, ['picture']);
   */
  async visibleRows<R extends Row>(rows: R[], columns: readonly string[]): Promise<Withheld<R[]>> {
    const seen = await this.#visibility.filter(rows, columns);
    return withWithheld(seen.rows === rows ? [...rows] : seen.rows, seen.withheld);
  }

  /** The folder `FILE…` paths in the store are relative to: the one holding the store file. */
  get fileRoot(): string {
    return this.#fileRoot;
  }

  /**
   * Where the store keeps its own files: `NAME.data/` beside `NAME.db` (or `OpenOptions.dataFolder`);
   * undefined for a store without a file.
   */
  get dataFolder(): string | undefined {
    return this.#dataFolder;
  }

  /** A stage for the files one write operation adds, or undefined without a data folder. */
  #fileStage(): FileStage | undefined {
    return this.#dataFolder === undefined ? undefined : new FileStage(this.#dataFolder, this.#fileRoot);
  }

  /** Run `fn` with a file stage whose files appear only if `fn`'s transaction commits. */
  async #withFiles<T>(fn: (stage: FileStage | undefined) => Promise<T>): Promise<T> {
    const stage = this.#fileStage();
    try {
      return await fn(stage);
    } catch (e) {
      stage?.discard();
      throw e;
    }
  }

  /** The store format version recorded in the store. */
  schemaVersion(): Promise<number> {
    return this.#exclusive(() => this.#backend.schemaVersion());
  }

  /** Run operations one at a time: a backend connection has one transaction at a time. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('E_CLOSED', 'the store is closed'));
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Run `fn` in one write transaction; foreign keys of `touched()` are checked before commit. */
  async #transaction<T>(fn: (touched: Set<string>) => Promise<T>): Promise<T> {
    const b = this.#backend;
    this.#requireWritable();
    const touched = new Set<string>();
    await b.begin();
    try {
      const result = await fn(touched);
      if (touched.size > 0) {
        const violations = await b.foreignKeyViolations([...touched]);
        if (violations.length > 0) {
          const v = violations[0]!;
          throw new StoreError(
            'E_SCHEMA',
            `foreign key violated: ${v.table} row ${v.rowIndex}: ${v.foreignKey.column} has no matching ${v.foreignKey.refTable}.${v.foreignKey.refColumn}` +
              (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''),
          );
        }
      }
      await b.commit();
      return result;
    } catch (e) {
      await b.rollback();
      throw e;
    }
  }

  // ── read ────────────────────────────────────────────────────────────────────────────────

  /**
   * Ingest `files` (all or nothing): each through the named reader or the one its extension
   * picks. Repeated reads append rows and add new columns; a column widens when new values need
   * it. A file whose content was read the same way into the same table before is refused with
   * `E_ALREADY_READ` unless `append` is set (the store records what it read in `dsi_ingested`).
   * Returns the tables written and how many rows each received.
   */
  read(files: string | readonly string[], options: ReadOptions = {}): Promise<IngestResult[]> {
    const list = typeof files === 'string' ? [files] : [...files];
    if (list.length === 0) return Promise.reject(new StoreError('E_BAD_ARGUMENT', 'read: give at least one file'));
    return this.#exclusive(async () => {
      const readers = list.map((f) => chooseReader(this.#plugins, f, options.reader));
      for (const f of list) {
        if (!fs.existsSync(f)) throw new StoreError('E_BAD_ARGUMENT', `read: ${f} does not exist`, { file: f });
      }
      const prints: (FileFingerprint | undefined)[] = [];
      for (let i = 0; i < list.length; i++) {
        try {
          prints.push(await fingerprintFile(list[i]!, readers[i]!, options.readerOptions));
        } catch (e) {
          throw fileSystemError(e, list[i]);
        }
      }
      const ledger = new IngestLedger(this.#backend);
      const runTable = options.runTable ?? this.#runTable;
      // An input the database's own loader refused is read again, rolled back, by the row path,
      // which names the line of the problem (or accepts what the stricter loader would not).
      const readAll = (bulk: boolean): Promise<IngestResult[]> => this.#withFiles((stage) => this.#transaction(async (touched) => {
        const results: IngestResult[] = [];
        const units: UnitRecord[] = [];
        let relations: Map<string, TableRelations> = await this.#catalog.relations();
        let runId: number | undefined;
        if (runTable) ({ runId, relations } = await this.#startRun(list, relations, touched));
        for (let i = 0; i < list.length; i++) {
          const file = list[i]!;
          const print = prints[i];
          const context: ReadContext = {
            tableName: options.table,
            onProgress: options.onProgress,
            maxInteger: (table, column) => this.#maxInteger(table, column),
            fileRoot: this.#fileRoot,
            files: stage,
            options: options.readerOptions,
            strict: options.strict,
          };
          try {
            const result: ReadResult = await readers[i]!.read(file, context);
            if (result.relations) {
              relations = await this.#applyRelations(result.relations, relations, file, touched);
            }
            // Every table this file writes is checked before any of its rows go in (a file may
            // hold several sources for one table, YAML documents say), and recorded after.
            if (print && !options.append) {
              for (const table of new Set(result.tables.map((t) => sanitizeIdentifier(t.table)))) await this.#refuseRepeat(ledger, file, table, print);
            }
            let sources = result.tables;
            if (runId !== undefined) {
              const id = runId;
              sources = sources.map((s) => withRunId(s, id));
              relations = await this.#keyToRun(sources, relations, touched);
            }
            const fromFile = new Map<string, number>();
            for (const source of sources) {
              const done = await ingestSource(this.#backend, source, relations, { bulk });
              fromFile.set(done.table, (fromFile.get(done.table) ?? 0) + done.rows);
              touched.add(done.table);
              const same = results.find((r) => r.table === done.table);
              if (same) results[results.indexOf(same)] = { table: done.table, rows: same.rows + done.rows };
              else results.push(done);
            }
            if (print) for (const [table, rows] of fromFile) await ledger.record(table, print, rows);
            units.push(...result.units);
          } catch (e) {
            throw fileSystemError(e, file);
          }
        }
        await this.#recordUnits(units);
        // Files move into place before the commit: a crash in between leaves unreferenced files,
        // never a row without its file. If the commit fails, #withFiles removes them.
        stage?.publish();
        return results;
      }));
      return readAll(true).catch((e: unknown) => {
        if (failedInBulk(e)) return readAll(false);
        throw e;
      });
    });
  }

  /**
   * Write `rows` into `table` (all or nothing), creating it or appending to it as `read` does:
   * the same type inference (values keep their own types, as a JSON file's do; a `FloatCell`
   * makes a whole number a float), the same widening, sanitised names, and `units` recorded
   * with the same conflict checks. With `newTable`, an existing table is refused with
   * `E_BAD_ARGUMENT` before anything is written; a table the store keeps for itself (`dsi_*`,
   * `ml_*`, the backend's own) is refused with `E_RESERVED`.
   *
   * @example
   * await store.insertRows('predictions', [{ row: 1, y: new FloatCell(2) }, { row: 2, y: 2.5 }], { newTable: true });
   */
  insertRows(table: string, rows: readonly RowRecord[], options: InsertRowsOptions = {}): Promise<IngestResult> {
    let source: TableSource;
    let units: UnitRecord[];
    try {
      ({ source, units } = rowRecordsSource(table, rows, options));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exclusive(async () => {
      const name = sanitizeTableName(table, source.file);
      if (isProtectedTable(name) || this.#backend.isInternalTable(name)) {
        throw new StoreError('E_RESERVED', `"${name}" is a table the store keeps for itself; insertRows writes only users' tables`);
      }
      if (options.newTable) {
        const existing = await this.#backend.describeTable(name);
        if (existing) throw new StoreError('E_BAD_ARGUMENT', (o) => `insertRows: table "${existing.name}" already exists and ${o('newTable')} asks for a new one`);
      }
      return this.#transaction(async (touched) => {
        const done = await ingestSource(this.#backend, source, await this.#catalog.relations());
        touched.add(done.table);
        await this.#recordUnits(units);
        return done;
      });
    });
  }

  /** Add this read's row to the run table (made, keyed, when absent); returns its run id. */
  async #startRun(files: readonly string[], current: Map<string, TableRelations>, touched: Set<string>): Promise<{ runId: number; relations: Map<string, TableRelations> }> {
    const relations = await this.#applyRelations(runRelations(current, []), current, RUN_TABLE, touched);
    const runId = ((await this.#maxInteger(RUN_TABLE, RUN_ID)) ?? 0) + 1;
    const done = await ingestSource(this.#backend, runRowSource(runId, files), relations);
    touched.add(done.table);
    return { runId, relations };
  }

  /** Give the tables `sources` write a `run_id` column keyed to the run table (once per table). */
  async #keyToRun(sources: readonly TableSource[], current: Map<string, TableRelations>, touched: Set<string>): Promise<Map<string, TableRelations>> {
    const tables = [...new Set(sources.map((s) => sanitizeIdentifier(s.table)))].filter((t) => t.toLowerCase() !== RUN_TABLE);
    for (const table of tables) {
      const info = await this.#backend.describeTable(table);
      if (info && !info.columns.some((c) => c.name.toLowerCase() === RUN_ID)) await this.#backend.addColumn(info.name, RUN_ID, 'integer');
    }
    return this.#applyRelations(runRelations(current, tables), current, RUN_TABLE, touched);
  }

  /** Refuse reading `file` into `table` when the ledger says the same content went there before. */
  async #refuseRepeat(ledger: IngestLedger, file: string, table: string, print: FileFingerprint): Promise<void> {
    const before = await ledger.previous(table, print);
    if (before === undefined) return;
    const info = await this.#backend.describeTable(table);
    if (info === undefined) return; // the table is gone: nothing would be duplicated
    const as = path.resolve(file) === before.file ? '' : `, as ${before.file}`;
    throw new StoreError(
      'E_ALREADY_READ',
      `${file} was already read into table "${info.name}" (${before.rows} row${before.rows === 1 ? '' : 's'} on ${before.readAt}${as}); reading it again would add the same rows a second time`,
      { file },
    );
  }

  async #maxInteger(table: string, column: string): Promise<number | null> {
    const info = await this.#backend.describeTable(table);
    const col = info?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
    if (!info || !col) return null;
    const q = this.#backend.dialect.quote;
    const rows = await this.#backend.select(`SELECT max(${q(col.name)}) AS m FROM ${q(info.name)}`);
    const m = rows[0]?.['m'];
    return m === null || m === undefined ? null : Number(m);
  }

  /** Check units against each other and the store, then record the new ones. */
  async #recordUnits(units: readonly UnitRecord[]): Promise<void> {
    if (units.length === 0) return;
    const stored = await this.#catalog.units();
    const seen = new Map<string, UnitRecord | UnitRow>();
    for (const u of stored) seen.set(`${u.table}\u0000${u.column}`.toLowerCase(), u);
    const fresh: UnitRow[] = [];
    for (const u of units) {
      const row = { table: sanitizeIdentifier(u.table), column: sanitizeIdentifier(u.column), unit: u.unit };
      const key = `${row.table}\u0000${row.column}`.toLowerCase();
      const before = seen.get(key);
      if (before && before.unit !== row.unit) {
        const where = 'file' in before ? `${before.file}${before.line === undefined ? '' : `:${before.line}`}` : 'the store';
        const at = u.line === undefined ? u.file : `${u.file}:${u.line}`;
        throw new StoreError(
          'E_UNIT_CONFLICT',
          `${at}: unit conflict for ${row.table}.${row.column}: "${row.unit}" here, "${before.unit}" in ${where}`,
          { file: u.file, ...(u.line === undefined ? {} : { line: u.line }) },
        );
      }
      if (!before) {
        seen.set(key, u);
        fresh.push(row);
      }
    }
    await this.#catalog.addUnits(fresh);
  }

  // ── relations (schema) ──────────────────────────────────────────────────────────────────

  /**
   * Apply relations (primary and foreign keys) to existing tables now and to tables created
   * later; existing rows must satisfy the keys. Foreign keys that form a cycle between tables are
   * accepted where the backend can hold them (`supportsCircularForeignKeys`) and refused with
   * `E_SCHEMA` saying why where not.
   */
  applySchema(relations: Relations | string): Promise<void> {
    return this.#exclusive(async () => {
      const file = typeof relations === 'string' ? relations : '(relations)';
      let rel: Relations;
      if (typeof relations === 'string') {
        const result = await chooseReader(this.#plugins, relations, 'schema').read(relations, { maxInteger: async () => null }).catch((e: unknown) => {
          throw fileSystemError(e, relations);
        });
        rel = result.relations ?? new Map();
      } else rel = relations;
      await this.#transaction(async (touched) => {
        await this.#applyRelations(rel, await this.#catalog.relations(), file, touched);
      });
    });
  }

  async #applyRelations(
    incoming: Relations,
    current: Map<string, TableRelations>,
    file: string,
    touched: Set<string>,
  ): Promise<Map<string, TableRelations>> {
    const sanitized = new Map<string, TableRelations>();
    for (const [table, r] of incoming) {
      sanitized.set(sanitizeIdentifier(table), {
        primaryKey: r.primaryKey === undefined ? undefined : sanitizeIdentifier(r.primaryKey),
        foreignKeys: r.foreignKeys.map((fk) => ({
          column: sanitizeIdentifier(fk.column),
          refTable: sanitizeIdentifier(fk.refTable),
          refColumn: sanitizeIdentifier(fk.refColumn),
        })),
      });
    }
    const merged = new Map([...current].filter(([t]) => ![...sanitized.keys()].some((k) => k.toLowerCase() === t.toLowerCase())));
    for (const [t, r] of sanitized) merged.set(t, r);
    const cycle = this.#backend.capabilities.supportsCircularForeignKeys ? undefined : findCycle(merged);
    if (cycle) {
      throw new StoreError(
        'E_SCHEMA',
        `${file}: the foreign keys form a cycle (${cycle.join(' → ')}), and this backend cannot hold circular foreign keys: each table must be created after the tables it references`,
        { file },
      );
    }
    await this.#catalog.recordRelations(sanitized);
    // Tables that exist now are rebuilt with their keys (the referenced ones too: they may need
    // a unique index); tables that do not exist yet get them when a read creates them.
    const affected = new Set<string>();
    for (const [t, r] of sanitized) {
      affected.add(t.toLowerCase());
      for (const fk of r.foreignKeys) affected.add(fk.refTable.toLowerCase());
    }
    for (const name of await this.#backend.listTables()) {
      if (!affected.has(name.toLowerCase())) continue;
      const info = await this.#backend.describeTable(name);
      if (!info) continue;
      try {
        const definition = redefine(info, new Map(), merged);
        if (hasKeys(info, definition)) continue; // already keyed so (an ensemble read again, say)
        await this.#backend.rebuildTable(definition);
      } catch (e) {
        if (e instanceof StoreError && e.code === 'E_SCHEMA') throw new StoreError('E_SCHEMA', `${file}: ${e.message}`, { file });
        if (e instanceof StoreError && e.code === 'E_UNIQUE') {
          throw new StoreError('E_SCHEMA', `${file}: table "${name}" has duplicate values in a column the relations make a key: ${e.message}`, { file });
        }
        throw e;
      }
      touched.add(info.name);
    }
    return merged;
  }

  /** The DDL of every table (or of `table`), keys included. */
  schemaDdl(table?: string): Promise<string> {
    return this.#exclusive(async () => {
      const names = table === undefined ? await this.#userTables() : [(await this.#info(table)).name];
      const parts: string[] = [];
      for (const t of names) parts.push(await this.#backend.tableDdl(t));
      return parts.join('\n\n');
    });
  }

  /** Relations recorded in the store (applied to existing tables, waiting for future ones). */
  relations(): Promise<Relations> {
    return this.#exclusive(() => this.#catalog.relations());
  }

  // ── query, get, display ─────────────────────────────────────────────────────────────────

  /**
   * Run read-only SQL; a statement that would write is refused with `E_READ_ONLY`. Rows whose
   * `FILE…` (or `file_origin`) values the caller may not read are left out and counted in the
   * result's `withheld`; only the result's own columns are looked at.
   */
  query(sql: string, params: readonly Cell[] = []): Promise<Withheld<Row[]>> {
    if (typeof sql !== 'string' || sql.trim() === '') return Promise.reject(new StoreError('E_BAD_ARGUMENT', 'query: SQL must be a non-empty string'));
    return this.#exclusive(async () => {
      const rows = await this.#backend.queryReadOnly(sql, params);
      const { rows: visible, withheld } = await this.#visibility.filter(rows, resultReferenceColumns(Object.keys(rows[0] ?? {})));
      return withWithheld(visible, withheld);
    });
  }

  /**
   * The first `limit` rows of read-only SQL, and whether there are more: rows are streamed and the
   * statement stops after `limit + 1`, so a query with endless rows (a recursive CTE) still ends.
   *
   * Rows the caller may not see are left out as in {@link query}; `rows.withheld` counts those
   * among the rows read.
   *
   * @example const { rows, more } = await store.queryFirst('SELECT * FROM runs', 10);
   */
  queryFirst(sql: string, limit: number, params: readonly Cell[] = []): Promise<{ rows: Withheld<Row[]>; more: boolean }> {
    if (typeof sql !== 'string' || sql.trim() === '') return Promise.reject(new StoreError('E_BAD_ARGUMENT', 'query: SQL must be a non-empty string'));
    if (!Number.isSafeInteger(limit) || limit < 1) return Promise.reject(new StoreError('E_BAD_ARGUMENT', `query: the limit must be a whole number ≥ 1, got ${String(limit)}`));
    return this.#exclusive(async () => {
      const rows: Row[] = [];
      let withheld = 0;
      // Leaving the loop early closes the iterator, which resets the statement.
      // `withheld` counts the rows left out before the (limit + 1)-th visible one, whatever the batches.
      for await (const batch of this.#backend.iterateReadOnly(sql, params, Math.min(limit + 1, 1000))) {
        const visible = await this.#visibility.visibleMask(batch, resultReferenceColumns(Object.keys(batch[0] ?? {})));
        for (let i = 0; i < batch.length; i++) {
          if (!visible[i]) withheld++;
          else if (rows.push(batch[i]!) > limit) return { rows: withWithheld(rows.slice(0, limit), withheld), more: true };
        }
      }
      return { rows: withWithheld(rows, withheld), more: false };
    });
  }

  /**
   * A read-only query for all of `table`'s rows in insertion order, in this backend's SQL: what a
   * workflow records as its data query when "row N" must mean the table's N-th row.
   */
  tableQuery(table: string): Promise<string> {
    return this.#exclusive(async () => {
      const info = await this.#info(table);
      return `SELECT * FROM ${this.#backend.dialect.quote(info.name)} ORDER BY ${this.#backend.dialect.insertionOrder}`;
    });
  }

  /** Every row of `table` (or only `columns`) the caller may see, in insertion order (see {@link display}). */
  getTable(table: string, options: { columns?: readonly string[] } = {}): Promise<Withheld<Row[]>> {
    return this.display(table, { ...options, limit: undefined });
  }

  /**
   * The first `limit` rows of `table` (all when undefined) the caller may see, optionally only
   * some columns; `withheld` counts the table's rows left out (whatever the limit), judged by all
   * of its reference columns, shown or not.
   */
  display(table: string, options: { limit?: number | undefined; columns?: readonly string[] } = {}): Promise<Withheld<Row[]>> {
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `display: ${o('limit')} (the row count) must be a whole number ≥ 0, got ${limit}`));
    }
    return this.#exclusive(async () => {
      const info = await this.#info(table);
      const q = this.#backend.dialect.quote;
      const cols = (options.columns ?? info.columns.map((c) => c.name)).map((c) => this.#column(info, c).name);
      const hidden = await this.#visibility.hiddenKeys(this.#backend, info);
      const where = this.#whereVisible(hidden);
      const sql = `SELECT ${cols.map(q).join(', ')} FROM ${q(info.name)}${where} ORDER BY ${this.#backend.dialect.insertionOrder}${limit === undefined ? '' : ` LIMIT ${limit}`}`;
      return withWithheld(await this.#backend.select(sql), hidden.length);
    });
  }

  /**
   * One page of `table`: `limit` rows from `offset`, ordered by `orderBy` (ascending unless
   * `descending`; ties and no column in insertion order), with the table's row count. Only the
   * page is read, so a front end can page a table of millions of rows. Rows the caller may not
   * see are left out of the pages and of `total`; `rows.withheld` counts them (table-wide).
   *
   * @example const { rows, total } = await store.page('runs', { offset: 100, limit: 50, orderBy: 'wind_speed', descending: true });
   */
  page(table: string, options: { offset?: number; limit: number; orderBy?: string | undefined; descending?: boolean }): Promise<{ rows: Withheld<Row[]>; total: number }> {
    const { offset = 0, limit } = options;
    if (!Number.isSafeInteger(offset) || offset < 0) return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `page: ${o('offset')} must be a whole number ≥ 0, got ${String(offset)}`));
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `page: ${o('limit')} must be a whole number from 1 to 10000, got ${String(limit)}`));
    return this.#exclusive(async () => {
      const info = await this.#info(table);
      const d = this.#backend.dialect;
      const quoted = d.quote(info.name);
      const hidden = await this.#visibility.hiddenKeys(this.#backend, info);
      const where = this.#whereVisible(hidden);
      let rows: Row[];
      if (options.orderBy === undefined) {
        rows = await this.#backend.select(`SELECT * FROM ${quoted}${where} ORDER BY ${d.insertionOrder} LIMIT ${limit} OFFSET ${offset}`);
      } else {
        // Sorting only (column, position) pairs and then fetching the page's rows by position
        // moves far less data than sorting whole rows: half the time on a 1,000,000-row table.
        const order = `${d.quote(this.#column(info, options.orderBy).name)}${options.descending ? ' DESC' : ''}, ${d.insertionOrder}`;
        rows = await this.#backend.select(
          `SELECT * FROM ${quoted} WHERE ${d.insertionOrder} IN (SELECT ${d.insertionOrder} FROM ${quoted}${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) ORDER BY ${order}`,
        );
      }
      return { rows: withWithheld(rows, hidden.length), total: (await this.#rowCount(info.name)) - hidden.length };
    });
  }

  /**
   * Whether some `FILE…` column of some table holds exactly `value`: what a front end asks before
   * it serves a file, so it serves only what the store references.
   */
  referencesFile(value: string): Promise<boolean> {
    if (typeof value !== 'string' || value === '') return Promise.resolve(false);
    return this.#exclusive(async () => {
      const d = this.#backend.dialect;
      for (const t of await this.#backend.listTables()) {
        const info = await this.#backend.describeTable(t);
        for (const c of info?.columns ?? []) {
          if (!isFileColumn(c.name)) continue;
          const hit = await this.#backend.select(`SELECT 1 AS hit FROM ${d.quote(t)} WHERE ${d.quote(c.name)} = ? LIMIT 1`, [value]);
          if (hit.length > 0) return true;
        }
      }
      return false;
    });
  }

  /** ` WHERE …` leaving out the rows with insertion-order keys `hidden` ('' when none). */
  #whereVisible(hidden: readonly (number | bigint)[]): string {
    return hidden.length === 0 ? '' : ` WHERE ${excludeKeys(this.#backend.dialect.insertionOrder, hidden)}`;
  }

  /** The tables a user sees, in creation order: all but the store's record of files read. */
  async #userTables(): Promise<string[]> {
    return (await this.#backend.listTables()).filter((t) => t.toLowerCase() !== INGESTED_TABLE);
  }

  /** `table` by its plain or SQL-quoted name (`"2"` is the table 2; a table really named so is still found). */
  async #info(table: string): Promise<TableInfo> {
    const name = unquoteIdentifier(table);
    const info = (await this.#backend.describeTable(name)) ?? (name === table ? undefined : await this.#backend.describeTable(table));
    if (!info) {
      const tables = await this.#userTables();
      throw new StoreError('E_TABLE_MISSING', `no table named "${table}"; tables: ${tables.length ? tables.join(', ') : '(none)'}`);
    }
    return info;
  }

  #column(info: TableInfo, column: string): ColumnInfo {
    // The plain or SQL-quoted name (`"math"` is the column math; a column really named so is still found).
    const named = (name: string) => info.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const col = named(unquoteIdentifier(column)) ?? named(column);
    if (!col) {
      throw new StoreError('E_COLUMN_MISSING', `table "${info.name}" has no column "${column}"; its columns: ${info.columns.map((c) => c.name).join(', ')}`);
    }
    return col;
  }

  // ── find and search ─────────────────────────────────────────────────────────────────────

  /**
   * Rows matching one condition (`wind_speed > 5`, `fuels ~ 'tls'`, `area (1, 10)`) in every
   * table that has the column, or only `table`. Each row carries `dsi_table_name` and
   * `dsi_row_index` (1-based position in insertion order). Matching rows the caller may not see
   * are left out and counted in `withheld`.
   */
  find(condition: string, options: { table?: string } = {}): Promise<Withheld<FoundRow[]>> {
    let parsed: FindCondition;
    try {
      parsed = parseFindCondition(condition);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exclusive(async () => {
      const tables = options.table === undefined ? await this.#userTables() : [(await this.#info(options.table)).name];
      const out: FoundRow[] = [];
      let withheld = 0;
      let withColumn = 0;
      for (const t of tables) {
        const info = await this.#backend.describeTable(t);
        const col = info?.columns.find((c) => c.name.toLowerCase() === parsed.column.toLowerCase());
        if (!info || !col) continue;
        withColumn++;
        const { where, params } = this.#findWhere(parsed, col);
        const seen = await this.#visibility.filter(await this.#indexedRows(info, where, params), tableReferenceColumns(info));
        withheld += seen.withheld;
        out.push(...seen.rows);
      }
      if (withColumn === 0) {
        if (options.table !== undefined) this.#column(await this.#info(options.table), parsed.column);
        throw new StoreError('E_COLUMN_MISSING', `find "${condition}": no table has a column named "${parsed.column}"`);
      }
      return withWithheld(out, withheld);
    });
  }

  /**
   * One page of the rows of `table` that match `condition`, in insertion order, with how many
   * match in all: `limit` rows from `offset`, each with its `dsi_row_index`. Only the page leaves
   * the backend, so a front end can page a condition that matches millions of rows. Rows the
   * caller may not see are left out of the pages and of `total`; `rows.withheld` counts them.
   *
   * @example const { rows, total } = await store.findPage('wind_speed > 5', { table: 'wildfire', offset: 0, limit: 50 });
   */
  findPage(condition: string, options: { table: string; offset?: number; limit: number }): Promise<{ rows: Withheld<FoundRow[]>; total: number }> {
    const { offset = 0, limit } = options;
    if (!Number.isSafeInteger(offset) || offset < 0) return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `find: ${o('offset')} must be a whole number ≥ 0, got ${String(offset)}`));
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `find: ${o('limit')} must be a whole number from 1 to 10000, got ${String(limit)}`));
    let parsed: FindCondition;
    try {
      parsed = parseFindCondition(condition);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exclusive(async () => {
      const info = await this.#info(options.table);
      const { where, params } = this.#findWhere(parsed, this.#column(info, parsed.column));
      const hidden = await this.#visibility.hiddenKeys(this.#backend, info);
      const d = this.#backend.dialect;
      const count = async (extra: string) =>
        Number((await this.#backend.select(`SELECT count(*) AS n FROM ${d.quote(info.name)} WHERE (${where})${extra}`, params))[0]?.['n'] ?? 0);
      const total = await count(hidden.length === 0 ? '' : ` AND ${excludeKeys(d.insertionOrder, hidden)}`);
      const withheld = hidden.length === 0 ? 0 : (await count('')) - total;
      return { rows: withWithheld(await this.#indexedRows(info, where, params, { offset, limit }, hidden), withheld), total };
    });
  }

  #findWhere(c: FindCondition, col: ColumnInfo): { where: string; params: Cell[] } {
    const d = this.#backend.dialect;
    const ref = d.quote(col.name);
    const numeric = col.type !== 'text';
    const asNumber = numeric ? ref : d.asNumber(ref);
    if (c.kind === 'range') {
      // A range with one quoted and one plain number (`a ('1', 5)`) is a number range on any column.
      const bothQuoted = typeof c.low === 'string' && typeof c.high === 'string';
      const [low, high] = numeric || !bothQuoted ? [numericFindValue(c.low), numericFindValue(c.high)] : [c.low, c.high];
      return typeof low !== 'string' && typeof high !== 'string'
        ? { where: `${asNumber} BETWEEN ? AND ?`, params: [low, high] }
        : { where: `${d.asText(ref)} BETWEEN ? AND ?`, params: [c.low, c.high] };
    }
    if (c.op === '~' || c.op === '~~') return { where: d.containsInsensitive(ref), params: [c.text] };
    const op = c.op === '==' ? '=' : c.op === '!=' ? '<>' : c.op;
    // Numbers are bound as they were written: a bigint beyond 2^53 compares exactly. Against a
    // numeric column a quoted number is that number (`a > '14'`), as in Python DSI.
    const v = numeric ? numericFindValue(c.value) : c.value;
    if (typeof v !== 'string') return { where: `${asNumber} ${op} ?`, params: [v] };
    return { where: `${d.asText(ref)} ${op} ?`, params: [v] };
  }

  /**
   * Rows of `info` with their 1-based insertion-order index, filtered by `where` (only `page` of
   * them when given), leaving out the rows with insertion-order keys `hidden`. The index counts
   * every row of the table, so it names the same row whoever asks.
   */
  async #indexedRows(info: TableInfo, where: string, params: Cell[], page?: { offset: number; limit: number }, hidden: readonly (number | bigint)[] = []): Promise<FoundRow[]> {
    const d = this.#backend.dialect;
    const cols = info.columns.map((c) => d.quote(c.name)).join(', ');
    const key = hidden.length === 0 ? '' : `, ${d.insertionOrder} AS dsi_visible_key`;
    const visible = hidden.length === 0 ? '' : ` AND ${excludeKeys('dsi_visible_key', hidden)}`;
    const sql =
      `SELECT ${cols}, dsi_row_index FROM (SELECT *${key}, ROW_NUMBER() OVER (ORDER BY ${d.insertionOrder}) AS dsi_row_index FROM ${d.quote(info.name)}) AS dsi_rows ` +
      `WHERE (${where})${visible} ORDER BY dsi_row_index${page === undefined ? '' : ` LIMIT ${page.limit} OFFSET ${page.offset}`}`;
    const rows = await this.#backend.select(sql, params);
    return rows.map((r) => {
      const { dsi_row_index: index, ...rest } = r;
      return { dsi_table_name: info.name, dsi_row_index: Number(index), ...rest } as FoundRow;
    });
  }

  /**
   * Case-insensitive substring search over table names, column names and every cell; matching
   * rows the caller may not see are left out and counted in `rows.withheld`.
   */
  search(term: string): Promise<SearchResult> {
    if (typeof term !== 'string' || term === '') return Promise.reject(new StoreError('E_BAD_ARGUMENT', 'search: the term must be a non-empty string'));
    return this.#exclusive(async () => {
      const needle = term.toLowerCase();
      const result = { tables: [] as string[], columns: [] as { table: string; column: string }[], rows: [] as FoundRow[] };
      let withheld = 0;
      const d = this.#backend.dialect;
      for (const t of await this.#userTables()) {
        const info = await this.#backend.describeTable(t);
        if (!info) continue;
        if (t.toLowerCase().includes(needle)) result.tables.push(t);
        for (const c of info.columns) if (c.name.toLowerCase().includes(needle)) result.columns.push({ table: t, column: c.name });
        if (info.columns.length === 0) continue;
        const where = info.columns.map((c) => d.containsInsensitive(d.quote(c.name))).join(' OR ');
        const seen = await this.#visibility.filter(await this.#indexedRows(info, where, info.columns.map(() => term)), tableReferenceColumns(info));
        withheld += seen.withheld;
        result.rows.push(...seen.rows);
      }
      return { ...result, rows: withWithheld(result.rows, withheld) };
    });
  }

  // ── update ──────────────────────────────────────────────────────────────────────────────

  /**
   * Edit rows by their 1-based `dsi_row_index` (as `find` returns them); columns widen when a
   * value needs it. A value for a column the table lacks is refused with `E_COLUMN_MISSING`
   * unless `addColumns` is set. Store-managed tables (dsi_*, ml_*…) are refused. Everything is
   * checked before the backup and the first change.
   */
  updateRows(edits: readonly RowEdit[], options: UpdateRowsOptions = {}): Promise<UpdateResult> {
    return this.#exclusive(async () => {
      await this.#checkEdits(edits, options.addColumns ?? false);
      const backup = options.backup ? await this.#backup() : undefined;
      const rows = await this.#transaction(async (touched) => {
        let changed = 0;
        const byTable = new Map<string, RowEdit[]>();
        for (const e of edits) byTable.set(e.table, [...(byTable.get(e.table) ?? []), e]);
        for (const [table, list] of byTable) {
          this.#refuseReserved(table);
          let info = await this.#info(table);
          // Types first: add missing columns, widen those new values do not fit.
          const widened = new Map<string, LogicalType>();
          for (const e of list) {
            for (const [name, value] of Object.entries(e.values)) {
              const kind = typeof value === 'string' ? classifyText(value) : value === null ? null : typeof value === 'number' && !Number.isInteger(value) ? 'float' : 'integer';
              const col = info.columns.find((c) => c.name.toLowerCase() === sanitizeIdentifier(name).toLowerCase());
              if (!col) {
                await this.#backend.addColumn(info.name, sanitizeIdentifier(name), kind ?? 'integer');
                info = await this.#info(table);
              } else if (kind !== null && widen(col.type, kind) !== col.type) {
                widened.set(col.name.toLowerCase(), widen(widened.get(col.name.toLowerCase()) ?? col.type, kind));
              }
            }
          }
          if (widened.size > 0) {
            await this.#backend.rebuildTable(redefine(info, widened, await this.#catalog.relations()));
            info = await this.#info(table);
          }
          const count = await this.#rowCount(info.name);
          const q = this.#backend.dialect.quote;
          for (const e of list) {
            if (!Number.isInteger(e.rowIndex) || e.rowIndex < 1 || e.rowIndex > count) {
              throw new StoreError('E_BAD_ARGUMENT', `update: table "${info.name}" has rows 1–${count}; there is no row ${e.rowIndex}`);
            }
            const sets: string[] = [];
            const params: Cell[] = [];
            for (const [name, value] of Object.entries(e.values)) {
              const col = this.#column(info, sanitizeIdentifier(name));
              sets.push(`${q(col.name)} = ?`);
              // A number into a text column is its own spelling (123 → "123", never "123.0").
              params.push(typeof value === 'string' ? (convertText(value, col.type) as Cell) : col.type === 'text' && value !== null ? String(value) : value);
            }
            if (sets.length === 0) continue;
            const order = this.#backend.dialect.insertionOrder;
            changed += await this.#backend.execute(
              `UPDATE ${q(info.name)} SET ${sets.join(', ')} WHERE ${order} = (SELECT ${order} FROM ${q(info.name)} ORDER BY ${order} LIMIT 1 OFFSET ?)`,
              [...params, e.rowIndex - 1],
            );
          }
          touched.add(info.name);
        }
        return changed;
      });
      return { rows, ...(backup === undefined ? {} : { backup }) };
    });
  }

  /** Refuse edits of store-managed tables, of rows that are not there, of columns that are not there (unless added), of values no cell holds. */
  async #checkEdits(edits: readonly RowEdit[], addColumns: boolean): Promise<void> {
    const counts = new Map<string, { info: TableInfo; count: number }>();
    for (const e of edits) {
      let table = counts.get(e.table);
      if (table === undefined) {
        this.#refuseReserved(e.table);
        const info = await this.#info(e.table);
        table = { info, count: await this.#rowCount(info.name) };
        counts.set(e.table, table);
      }
      if (!Number.isInteger(e.rowIndex) || e.rowIndex < 1 || e.rowIndex > table.count) {
        throw new StoreError('E_BAD_ARGUMENT', `update: table "${table.info.name}" has rows 1–${table.count}; there is no row ${e.rowIndex}`);
      }
      for (const [name, value] of Object.entries(e.values)) {
        const where = `update: table "${table.info.name}" row ${e.rowIndex}, column "${snippet(name)}"`;
        if (hasNul(name)) throw new StoreError('E_BAD_ARGUMENT', `${where}: the name has a NUL character; no column name may hold one`);
        if (!isCell(value)) throw new StoreError('E_BAD_ARGUMENT', `${where}: ${describeNonCell(value)} is not a value a cell holds (a number, text or null)`);
        if (!addColumns) this.#column(table.info, sanitizeIdentifier(name));
      }
    }
  }

  /**
   * Replace the contents of `table` with what `file` holds (read as `read` would), keeping the
   * table's keys. The old rows are gone only if the new ones go in.
   */
  replaceTable(
    table: string,
    file: string,
    options: UpdateOptions & { reader?: string; readerOptions?: Readonly<Record<string, unknown>> } = {},
  ): Promise<UpdateResult> {
    return this.#exclusive(async () => {
      this.#refuseReserved(table);
      const info = await this.#info(table);
      const reader = chooseReader(this.#plugins, file, options.reader);
      let print: FileFingerprint | undefined;
      try {
        print = await fingerprintFile(file, reader, options.readerOptions);
      } catch (e) {
        throw fileSystemError(e, file);
      }
      const backup = options.backup ? await this.#backup() : undefined;
      const ledger = new IngestLedger(this.#backend);
      const rows = await this.#withFiles((stage) => this.#transaction(async (touched) => {
        const result = await reader.read(file, {
          tableName: info.name,
          maxInteger: (t, c) => this.#maxInteger(t, c),
          fileRoot: this.#fileRoot,
          files: stage,
          options: options.readerOptions,
        });
        const sources = result.tables.filter((s) => sanitizeIdentifier(s.table).toLowerCase() === info.name.toLowerCase());
        if (sources.length === 0) throw badInput(file, undefined, `holds no table "${info.name}" to replace it with`);
        await this.#backend.dropTable(info.name);
        let n = 0;
        const relations = await this.#catalog.relations();
        for (const s of sources) n += (await ingestSource(this.#backend, s as TableSource, relations)).rows;
        await ledger.forget(info.name);
        if (print) await ledger.record(info.name, print, n);
        touched.add(info.name);
        await this.#recordUnits(result.units);
        stage?.publish();
        return n;
      })).catch((e: unknown) => {
        throw fileSystemError(e, file);
      });
      return { rows, ...(backup === undefined ? {} : { backup }) };
    });
  }

  #refuseReserved(table: string): void {
    if (isProtectedTable(unquoteIdentifier(table)) || this.#backend.isInternalTable(sanitizeIdentifier(table))) {
      throw new StoreError('E_RESERVED', `"${table}" is managed by the store itself and cannot be updated`);
    }
  }

  /** Copy the store next to itself as NAME.backup-YYYYMMDDTHHMMSSZ.db; returns the path. */
  #requireWritable(): void {
    if (this.#readOnly) throw new StoreError('E_READ_ONLY', `the store ${this.#backend.location} was opened read-only`);
  }

  async #backup(): Promise<string> {
    this.#requireWritable();
    if (!this.#backend.capabilities.isSingleFile) throw new StoreError('E_BACKEND', 'this backend cannot back up to a file');
    const loc = this.#backend.location;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const ext = path.extname(loc);
    let target = `${loc.slice(0, loc.length - ext.length)}.backup-${stamp}${ext || '.db'}`;
    for (let i = 2; fs.existsSync(target); i++) target = `${loc.slice(0, loc.length - ext.length)}.backup-${stamp}-${i}${ext || '.db'}`;
    await this.#backend.backupTo(target);
    return target;
  }

  // ── list, summary, units ────────────────────────────────────────────────────────────────

  async #rowCount(table: string): Promise<number> {
    const rows = await this.#backend.select(`SELECT count(*) AS n FROM ${this.#backend.dialect.quote(table)}`);
    return Number(rows[0]?.['n'] ?? 0);
  }

  /** How many rows `table` holds. */
  rowCount(table: string): Promise<number> {
    return this.#exclusive(async () => this.#rowCount((await this.#info(table)).name));
  }

  /** Every table with its column and row counts, in creation order. */
  list(): Promise<TableListing[]> {
    return this.#exclusive(async () => {
      const out: TableListing[] = [];
      for (const t of await this.#userTables()) {
        const info = await this.#backend.describeTable(t);
        out.push({ table: t, columns: info?.columns.length ?? 0, rows: await this.#rowCount(t) });
      }
      return out;
    });
  }

  /** Names of the tables, in creation order. */
  tables(): Promise<string[]> {
    return this.#exclusive(() => this.#userTables());
  }

  /** Columns, types and keys of `table`. */
  describe(table: string): Promise<TableInfo> {
    return this.#exclusive(() => this.#info(table));
  }

  /**
   * Per-column statistics of every table (or `table`), over the rows the caller may see;
   * `withheld` counts the rows left out, over all the tables summarised.
   */
  summary(options: { table?: string } = {}): Promise<Withheld<ColumnSummary[]>> {
    return this.#exclusive(async () => {
      const names = options.table === undefined ? await this.#userTables() : [(await this.#info(options.table)).name];
      const out: ColumnSummary[] = [];
      let withheld = 0;
      for (const t of names) {
        const info = await this.#info(t);
        const hidden = await this.#visibility.hiddenKeys(this.#backend, info);
        withheld += hidden.length;
        out.push(...(await summarizeTable(this.#backend, info, excludeKeys(this.#backend.dialect.insertionOrder, hidden))));
      }
      return withWithheld(out, withheld);
    });
  }

  /** Units recorded in `dsi_units`. */
  units(): Promise<UnitRow[]> {
    return this.#exclusive(() => this.#catalog.units());
  }

  // ── write, close ────────────────────────────────────────────────────────────────────────

  /**
   * Export a table or the result of a read-only query to `file` through the named writer;
   * `writerOptions` go to the writer (the Cinema writer's `files: copy | link | symlink`). A
   * writer that draws the whole store (`Writer.input: 'store'`, the ER diagram) takes neither a
   * table nor a query; it reads the store's tables through its context. Rows the caller may not
   * see never reach the writer; `withheld` counts them.
   */
  write(
    file: string,
    options: { writer?: string; table?: string; query?: string; writerOptions?: Readonly<Record<string, unknown>> },
  ): Promise<WriteResult> {
    let writer: Writer;
    try {
      writer = chooseWriter(this.#plugins, file, options.writer);
    } catch (e) {
      return Promise.reject(e);
    }
    const wholeStore = writer.input === 'store';
    if (wholeStore && (options.table !== undefined || options.query !== undefined)) {
      return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `write: the ${writer.name} writer draws the whole store; give neither ${o('table')} nor ${o('query')}`));
    }
    if (!wholeStore && (options.table === undefined) === (options.query === undefined)) {
      return Promise.reject(new StoreError('E_BAD_ARGUMENT', (o) => `write: give exactly one of ${o('table')} or ${o('query')}`));
    }
    return this.#exclusive(async () => {
      checkOutputPath(file);
      let sql: string | undefined;
      let tableName: string | undefined;
      let references: string[] = [];
      if (wholeStore) sql = undefined;
      else if (options.table !== undefined) {
        const info = await this.#info(options.table);
        const d = this.#backend.dialect;
        sql = `SELECT ${info.columns.map((c) => d.quote(c.name)).join(', ')} FROM ${d.quote(info.name)} ORDER BY ${d.insertionOrder}`;
        tableName = info.name;
        references = tableReferenceColumns(info);
      } else sql = options.query!;
      const columns = sql === undefined ? [] : await this.#backend.queryColumns(sql);
      if (options.query !== undefined) references = resultReferenceColumns(columns);
      const storeFile = this.#backend.capabilities.isSingleFile && fs.existsSync(this.location) ? path.resolve(this.location) : undefined;
      try {
        const tables = await this.#userTables();
        const storedFileInside = (target: string) => storedFileInsideOf(this.#backend, tables, target, this.#fileRoot);
        const describeTables = async () => {
          const infos: TableInfo[] = [];
          for (const t of tables) if (!t.toLowerCase().startsWith(CATALOG_PREFIX)) infos.push(await this.#info(t));
          return infos;
        };
        const counted = { withheld: 0 };
        const rows = sql === undefined ? noRows() : this.#visibleBatches(this.#backend.iterateReadOnly(sql), references, counted);
        const written = await writer.write(file, columns, rows, {
          fileRoot: this.#fileRoot,
          storeFile,
          dataFolder: this.#dataFolder,
          storedFileInside,
          options: options.writerOptions,
          table: tableName,
          tables: describeTables,
          units: () => this.#catalog.units(),
        });
        return { rows: written.rows, withheld: counted.withheld };
      } catch (e) {
        throw fileSystemError(e, file);
      }
    });
  }

  /** `batches` without the rows the caller may not see (by `references`), counting them into `counted`. */
  async *#visibleBatches(batches: AsyncIterable<Row[]>, references: readonly string[], counted: { withheld: number }): AsyncIterable<Row[]> {
    for await (const batch of batches) {
      if (references.length === 0) {
        yield batch;
        continue;
      }
      const seen = await this.#visibility.filter(batch, references);
      counted.withheld += seen.withheld;
      if (seen.rows.length > 0) yield seen.rows;
    }
  }

  /**
   * Write access to the `ml_` tables the library's workflows manage (the run registry): each
   * `transaction` is one write transaction, queued with the store's other operations.
   */
  managedTables(): ManagedTables {
    return {
      transaction: <T>(fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> =>
        this.#exclusive(() => this.#transaction(() => fn(managedTransaction(this.#backend)))),
    };
  }

  /**
   * Copy this whole store into `target`, a store open for writing on any backend (Python DSI's
   * `process`): every table with its column types, keys and rows in order, units, relations and
   * the run registry included. All or nothing on the target; a target that already has tables is
   * refused unless `replace` is set. Files in the data folder are not copied.
   *
   * @example
   * const shared = await openStore('postgres://ana@db.lab/science?schema=fire');
   * await local.copyTo(shared);
   */
  copyTo(target: Store, options: CopyStoreOptions = {}): Promise<CopyStoreResult> {
    if (!(target instanceof Store)) return Promise.reject(new StoreError('E_BAD_ARGUMENT', 'copyTo: the target must be a Store (open it with openStore)'));
    if (target === this || (target.#backend.location === this.#backend.location && target.#backend.dialect === this.#backend.dialect)) {
      return Promise.reject(new StoreError('E_BAD_ARGUMENT', `copyTo: the target is this store (${this.location}) itself`));
    }
    return this.#exclusive(() =>
      target.#exclusive(() => target.#transaction((touched) => copyStoreTables(this.#backend, target.#backend, options, touched))),
    );
  }

  /** Close the store; closing twice is harmless, any use afterwards fails with `E_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue.catch(() => undefined);
    this.#closed = true;
    await this.#backend.close();
  }
}

export type { TableRelations, ColumnSummary, UnitRow };
