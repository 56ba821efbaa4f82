/**
 * The slice of a database the store needs, declared by the store itself. A backend (SQLite now,
 * DuckDB and PostgreSQL later) implements it; the store never imports a driver and never asks a
 * backend which one it is, only what it can do ({@link BackendCapabilities}).
 */
import type { Cell, ForeignKey, LogicalType, Row, TableDefinition, TableInfo } from './types.js';

/**
 * What a backend can do. The store reads each flag where its behaviour depends on it.
 *
 * Foreign keys need no flag: the store checks them itself ({@link Backend.foreignKeyViolations})
 * before every commit, so they hold on any backend, whether or not the database enforces them.
 */
export interface BackendCapabilities {
  /**
   * CREATE/ALTER/DROP roll back with the transaction that ran them. Every write of the store
   * (a read that creates or widens a table, say) is all-or-nothing only with this, so a backend
   * without it opens read-only only.
   */
  readonly supportsTransactionalDdl: boolean;
  /** The store lives in one file that can be copied for a backup, and its files lie beside it. */
  readonly isSingleFile: boolean;
  /**
   * Tables may reference each other in a cycle (`math.b → address`, `address.g → math`) and the
   * keys still hold: the database lets such tables be created and rebuilt in any order. Without
   * it, relations whose foreign keys form a cycle are refused with the reason.
   */
  readonly supportsCircularForeignKeys: boolean;
  /**
   * `savepoint`/`rollbackToSavepoint` work inside a transaction. Without them (DuckDB) the store
   * never needs to undo part of a transaction: an ingest scans a source for its types first.
   */
  readonly supportsSavepoints: boolean;
  /**
   * The store file is a SQLite database that other tools (Python's `sqlite3`, Python DSI) open
   * as they are.
   */
  readonly isSqliteFile: boolean;
}

/** How SQL for this backend is spelled; the store builds statements only through it. */
export interface SqlDialect {
  /** Quote an identifier (never paste a name into SQL unquoted). */
  quote(identifier: string): string;
  /** Declared type names for the logical types. */
  readonly typeNames: Readonly<Record<LogicalType, string>>;
  /** A column-like expression ordering rows in insertion order, selectable and unique per row (SQLite and DuckDB: `rowid`). */
  readonly insertionOrder: string;
  /** `expr` as a number when its text is a number, otherwise NULL. */
  asNumber(expr: string): string;
  /** `expr` as text, for substring search. */
  asText(expr: string): string;
  /** Case-insensitive "contains" of a bound text parameter (`?`) in `expr`. */
  containsInsensitive(expr: string): string;
}

/** Thrown by {@link RowInserter.insert} when the table's constraints refuse row `row` of the batch. */
export class RowRejected extends Error {
  constructor(
    readonly row: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RowRejected';
  }
}

/** Receives rows for one table; sync where the driver is (SQLite), a promise where it is not. */
export interface RowInserter {
  insert(rows: readonly (readonly Cell[])[]): void | Promise<void>;
  /** The same from columns: row r is `columns[c][r]` for each column c, `rows` rows. */
  insertColumns(columns: readonly (readonly Cell[])[], rows: number): void | Promise<void>;
}

export interface ForeignKeyViolation {
  readonly table: string;
  readonly rowIndex: number;
  readonly foreignKey: ForeignKey;
}

/**
 * A backend's own reader of delimited text files (DuckDB's `read_csv`), for the store's bulk
 * ingest (`src/store/bulk-ingest.ts`): the store scans the file twice through it, once to decide
 * the columns' types and once to convert and insert, with the SQL spelled here, by the same rules
 * as `type-inference.ts`. Nothing is staged: the file is never held in the database as text.
 */
export interface DelimitedTextLoader {
  /**
   * A table expression reading `file` (header record first, `"` quotes, `width` fields in every
   * record) as text columns, and those columns' quoted names, in file order. A plain
   * `SELECT … FROM` it (no ORDER BY) gives the rows in file order (DuckDB keeps insertion order
   * unless told otherwise).
   */
  scan(file: string, delimiter: string, width: number): { readonly from: string; readonly columns: readonly string[] };
  /**
   * The error of a statement that read `scan(file, …)`: a malformed file becomes `E_BAD_INPUT`
   * naming the file and line (the caller's transaction is then lost: it must roll back);
   * undefined when the error was not the file's.
   */
  fileError(error: unknown, file: string): Error | undefined;
  /** SQL for what text cell `expr` says of its column: 0 nothing (empty, NaN), 1 an integer that fits 64 bits, 2 another number, 3 text. */
  textKind(expr: string): string;
  /** SQL for text cell `expr` as a value of a `type` column (empty and NaN → NULL in numeric ones, empty → NULL in text ones). */
  fromText(expr: string, type: LogicalType): string;
}

export interface Backend {
  readonly capabilities: BackendCapabilities;
  readonly dialect: SqlDialect;
  /** Where the store lives (a file path or a URL without its password). */
  readonly location: string;

  /** Table names in creation order, the backend's own internal tables left out. */
  listTables(): Promise<string[]>;
  /**
   * Whether `name` is (or would be) one of the database's own internal tables (SQLite:
   * `sqlite_*`), which no reader may write and no user may edit.
   */
  isInternalTable(name: string): boolean;
  /** The table as it is, or undefined; names match case-insensitively, as SQL identifiers do. */
  describeTable(name: string): Promise<TableInfo | undefined>;
  /** The DDL that creates `table`. */
  tableDdl(table: string): Promise<string>;

  /** Run a statement that only reads; anything that writes is refused with `E_READ_ONLY`. */
  queryReadOnly(sql: string, params?: readonly Cell[]): Promise<Row[]>;
  /** Column names a read-only statement returns (also when it returns no rows). */
  queryColumns(sql: string): Promise<string[]>;
  /** Stream the rows of a read-only statement, in batches. */
  iterateReadOnly(sql: string, params?: readonly Cell[], batchSize?: number): AsyncIterable<Row[]>;
  /** Run a statement the store built itself; returns the number of changed rows. */
  execute(sql: string, params?: readonly Cell[]): Promise<number>;
  /** Like queryReadOnly, for statements the store built itself. */
  select(sql: string, params?: readonly Cell[]): Promise<Row[]>;

  createTable(definition: TableDefinition): Promise<void>;
  addColumn(table: string, column: string, type: LogicalType): Promise<void>;
  /**
   * Recreate `table` as `definition` (new types or keys), keeping its rows and their order. Rows
   * that break a new primary key or unique column reject it with `StoreError` code `E_UNIQUE`.
   */
  rebuildTable(definition: TableDefinition): Promise<void>;
  dropTable(table: string): Promise<void>;
  openInserter(table: string, columns: readonly string[]): Promise<RowInserter>;

  /** Start a write transaction; foreign keys are checked when it commits. */
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  readonly inTransaction: boolean;
  savepoint(name: string): Promise<void>;
  releaseSavepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  /**
   * Rows whose foreign keys point nowhere, among `tables` and the tables that reference them
   * (all tables when omitted); the store checks before it commits and names what it finds.
   */
  foreignKeyViolations(tables?: readonly string[]): Promise<ForeignKeyViolation[]>;

  /** The store's own schema version (for later migrations); 0 for a store never stamped. */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;

  /** Present where the database can load delimited text files itself (see {@link DelimitedTextLoader}). */
  readonly delimitedTextLoader?: DelimitedTextLoader;

  /** Copy the whole store to `path` (consistent, while others read). */
  backupTo(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Options every backend factory accepts. */
export interface BackendOptions {
  /** Open without the right to write. */
  readonly readOnly?: boolean;
  /** Milliseconds a writer waits for another writer before failing (default 5000). */
  readonly busyTimeoutMs?: number;
}

export type BackendFactory = (location: string, options: BackendOptions) => Promise<Backend>;
