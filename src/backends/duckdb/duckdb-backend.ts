/**
 * A store in one DuckDB file (`NAME.duckdb`, its files in `NAME.data/`) through
 * `@duckdb/node-api`. DuckDB rolls DDL back with the transaction, so every write of the store is
 * all-or-nothing here as on SQLite. Where DuckDB differs, it says so in its capabilities:
 *
 * - Foreign keys are recorded in `dsi_meta.foreign_keys`, not declared to DuckDB, and checked by
 *   the store before every commit (`foreignKeyViolations`), as on every backend. DuckDB's own
 *   foreign keys cannot serve: it checks each row the moment it goes in (no deferral), refuses a
 *   reference to a table not yet created, and will not drop or rebuild a referenced table. So
 *   tables may reference each other in a cycle here too. Primary keys and the UNIQUE columns
 *   others reference are DuckDB constraints.
 * - It has no savepoints (`supportsSavepoints: false`).
 * - A failed statement aborts DuckDB's transaction, so rows of a table with keys go in one per
 *   statement: a refused row is then known exactly, and the store rolls back.
 *
 * Read-only statements are prepared first and refused unless DuckDB calls them a SELECT; they
 * then run in a READ ONLY transaction, so a SELECT that would change something fails too.
 * Integers beyond 2^53 come back as bigint. `delimitedTextLoader` lets the store's ingest load a
 * CSV file with DuckDB's own reader (see `src/store/bulk-ingest.ts`).
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import {
  BIGINT,
  DOUBLE,
  DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBType,
  HUGEINT,
  JSDuckDBValueConverter,
  SQLNULL,
  StatementType,
  VARCHAR,
} from '@duckdb/node-api';
import { StoreError } from '../../errors.js';
import {
  type Backend,
  type BackendCapabilities,
  type BackendOptions,
  type DelimitedTextLoader,
  type ForeignKeyViolation,
  type RowInserter,
  RowRejected,
} from '../../store/backend.js';
import { snippet } from '../../store/snippet.js';
import type { Cell, ColumnInfo, ForeignKey, LogicalType, Row, TableDefinition, TableInfo } from '../../store/types.js';
import { NUMBER_PATTERN, duckdbDialect, logicalTypeOf } from './duckdb-dialect.js';

const q = duckdbDialect.quote;
/** Rows per multi-row INSERT statement. */
const ROWS_PER_STATEMENT = 256;
/** Where the store keeps its format version, outside the tables users see. */
const META_SCHEMA = 'dsi_meta';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The types to bind `params` as: a whole number as BIGINT only where it is exact (the driver's
 * own guess makes 1e20 a BIGINT that overflows), any other number as DOUBLE.
 */
function paramTypes(params: readonly Cell[]): DuckDBType[] {
  return params.map((v) => (v === null ? SQLNULL : typeof v === 'bigint' ? HUGEINT : typeof v === 'string' ? VARCHAR : Number.isSafeInteger(v) ? BIGINT : DOUBLE));
}

/** A value DuckDB returned as one of the store's cells: exact numbers, text for everything else. */
export function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
    case 'number':
    case 'string':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Rows as objects, defined property by property (a column named `__proto__` stays a column). */
function rowObjects(names: readonly string[], rows: readonly (readonly unknown[])[]): Row[] {
  return rows.map((values) => {
    const row: Record<string, Cell> = {};
    names.forEach((name, i) => Object.defineProperty(row, name, { value: toCell(values[i]), enumerable: true, writable: true, configurable: true }));
    return row;
  });
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

function sqlError(e: unknown, sql?: string): StoreError {
  if (e instanceof StoreError) return e;
  const text = message(e);
  return new StoreError('E_SQL', sql === undefined ? text : `${text} (in: ${sql.length > 200 ? `${sql.slice(0, 200)}…` : sql})`, { cause: e });
}

/** An error of a caller's read-only statement as one line in the store's words, `query: …`. */
function queryError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const text = message(e);
  const fail = (what: string) => new StoreError('E_SQL', `query: ${what}`, { cause: e });
  if (/multiple statements/i.test(text)) return fail('give one SQL statement; this text holds more than one (end it at the first ";")');
  if (/(values? (was|were) not|missing|not all) .*parameter|parameter.*(not|missing)/i.test(text)) {
    return fail('the SQL has a parameter (?, $1 or $name) that no value was given for');
  }
  return fail(`SQL error: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** An integer's spelling, spaces and tabs around allowed. */
const INTEGER_PATTERN = String.raw`[ \t]*[+-]?[0-9]+[ \t]*`;

/** `NaN` spelt as the type inference reads it: a missing number. */
const NAN_PATTERN = String.raw`\s*[-+]?nan\s*`;

/** DuckDB's CSV error as one line naming the file and the line (`CSV Error on Line: 3`). */
function csvError(e: unknown, file: string): StoreError {
  const text = e instanceof Error ? e.message : String(e);
  const line = /on Line: (\d+)/i.exec(text)?.[1];
  const reason =
    /Expected Number of Columns: (\d+) Found: (\d+)/i.exec(text)?.slice(1).reduce((want, found) => `the record has ${found} fields where the header has ${want}`) ??
    (/unterminated quote/i.test(text) ? 'a quoted field is not closed' : /unicode|utf-?8/i.test(text) ? 'not valid UTF-8' : text.split('\n')[0]!.replace(/^Invalid Input Error: /, ''));
  return new StoreError('E_BAD_INPUT', `${file}${line === undefined ? '' : `:${line}`}: ${reason}`, { file, ...(line === undefined ? {} : { line: Number(line) }), cause: e });
}

/** Refuse a store path that cannot work, naming it. */
function checkStorePath(path: string, readOnly: boolean): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError('E_FILE', `store ${path}: ${message(e)}`, { file: path, cause: e });
  }
  if (stat?.isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `store ${path} is a folder, not a store file`, { file: path });
  if (stat === undefined) {
    const folder = nodePath.dirname(path);
    if (!fs.existsSync(folder)) throw new StoreError('E_BAD_ARGUMENT', `store ${path}: the folder ${folder} does not exist`, { file: path });
    if (readOnly) throw new StoreError('E_BAD_ARGUMENT', `store ${path} does not exist`, { file: path });
  }
}

export class DuckdbBackend implements Backend {
  readonly capabilities: BackendCapabilities = Object.freeze({
    supportsTransactionalDdl: true,
    isSingleFile: true,
    supportsCircularForeignKeys: true,
    supportsSavepoints: false,
    isSqliteFile: false,
  });
  readonly dialect = duckdbDialect;
  readonly location: string;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #readOnly: boolean;
  #inTransaction = false;
  #closed = false;

  private constructor(location: string, instance: DuckDBInstance, connection: DuckDBConnection, readOnly: boolean) {
    this.location = location;
    this.#instance = instance;
    this.#connection = connection;
    this.#readOnly = readOnly;
  }

  /** Open (or create) the DuckDB store at `path` (`:memory:` for one that lives in memory only). */
  static async open(path: string, options: BackendOptions = {}): Promise<DuckdbBackend> {
    const readOnly = options.readOnly ?? false;
    if (path !== ':memory:') checkStorePath(path, readOnly);
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    try {
      instance = await DuckDBInstance.create(path, { access_mode: readOnly ? 'READ_ONLY' : 'READ_WRITE' });
      connection = await instance.connect();
      if (!readOnly) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${META_SCHEMA}`);
    } catch (e) {
      const locked = /lock/i.test(message(e)) ? ' (another program has it open for writing; DuckDB lets one program write a store at a time)' : '';
      throw new StoreError('E_BACKEND', `cannot open ${path} as a DuckDB store: ${message(e)}${locked}`, { cause: e });
    }
    if (!readOnly && path !== ':memory:') {
      try {
        fs.chmodSync(path, 0o640);
      } catch {
        // A store file someone else owns keeps its mode.
      }
    }
    return new DuckdbBackend(path, instance, connection, readOnly);
  }

  get #live(): DuckDBConnection {
    if (this.#closed) throw new StoreError('E_CLOSED', 'the store is closed');
    return this.#connection;
  }

  get inTransaction(): boolean {
    return !this.#closed && this.#inTransaction;
  }

  async #rows(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    const reader = await this.#live.runAndReadAll(sql, params.length === 0 ? undefined : [...params], params.length === 0 ? undefined : paramTypes(params));
    return rowObjects(reader.columnNames(), reader.getRowsJS());
  }

  async listTables(): Promise<string[]> {
    const rows = await this.#rows("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY table_oid");
    return rows.map((r) => String(r['table_name']));
  }

  isInternalTable(name: string): boolean {
    return /^(duckdb_|sqlite_|pg_|information_schema)/i.test(name);
  }

  async #tableName(name: string): Promise<string | undefined> {
    const rows = await this.#rows(
      "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary AND lower(table_name) = lower(?)",
      [name],
    );
    return rows[0] === undefined ? undefined : String(rows[0]['table_name']);
  }

  async describeTable(name: string): Promise<TableInfo | undefined> {
    const found = await this.#tableName(name);
    if (found === undefined) return undefined;
    const cols = await this.#rows(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
      [found],
    );
    const constraints = await this.#rows(
      `SELECT constraint_type, constraint_column_names AS cols, referenced_table AS ref, referenced_column_names AS refcols
       FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY constraint_index`,
      [found],
    );
    const list = (v: Cell): string[] => (v === null ? [] : (JSON.parse(String(v)) as string[]));
    const primary = new Set(constraints.filter((c) => c['constraint_type'] === 'PRIMARY KEY').flatMap((c) => list(c['cols']!)));
    const columns: ColumnInfo[] = cols.map((c) => ({
      name: String(c['column_name']),
      declaredType: String(c['data_type']),
      type: logicalTypeOf(String(c['data_type'])),
      primaryKey: primary.has(String(c['column_name'])),
    }));
    return { name: found, columns, foreignKeys: await this.#foreignKeysOf(found) };
  }

  /** The foreign keys recorded for `table` (see the header: DuckDB is not told them). */
  async #foreignKeysOf(table: string): Promise<ForeignKey[]> {
    if (!(await this.#hasMetaTable('foreign_keys'))) return [];
    const rows = await this.#rows(`SELECT column_name, ref_table, ref_column FROM ${META_SCHEMA}.foreign_keys WHERE lower(table_name) = lower(?) ORDER BY rowid`, [table]);
    return rows.map((r) => ({ column: String(r['column_name']), refTable: String(r['ref_table']), refColumn: String(r['ref_column']) }));
  }

  async #hasMetaTable(name: string): Promise<boolean> {
    const rows = await this.#rows(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = '${META_SCHEMA}' AND table_name = ?`,
      [name],
    );
    return Number(rows[0]?.['n'] ?? 0) > 0;
  }

  /** Record `definition`'s foreign keys in place of any recorded for its table. */
  async #recordForeignKeys(definition: TableDefinition): Promise<void> {
    const c = this.#live;
    if (definition.foreignKeys.length === 0 && !(await this.#hasMetaTable('foreign_keys'))) return;
    await c.run(`CREATE TABLE IF NOT EXISTS ${META_SCHEMA}.foreign_keys (table_name VARCHAR, column_name VARCHAR, ref_table VARCHAR, ref_column VARCHAR)`);
    await c.run(`DELETE FROM ${META_SCHEMA}.foreign_keys WHERE lower(table_name) = lower($1)`, [definition.name]);
    for (const fk of definition.foreignKeys) {
      await c.run(`INSERT INTO ${META_SCHEMA}.foreign_keys VALUES ($1, $2, $3, $4)`, [definition.name, fk.column, fk.refTable, fk.refColumn]);
    }
  }

  async tableDdl(table: string): Promise<string> {
    const info = await this.describeTable(table);
    if (!info) return '';
    // DuckDB's own text lacks the foreign keys (see the header): the definition has them all.
    return `${this.#ddl(await this.#definitionOf(info), info.name, true)};`;
  }

  /** Prepare `sql`, refusing anything but one SELECT and results with two columns of one name. */
  async #prepareReadOnly(sql: string): Promise<DuckDBPreparedStatement> {
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await this.#live.prepare(sql);
    } catch (e) {
      throw queryError(e);
    }
    if (stmt.statementType !== StatementType.SELECT) {
      stmt.destroySync();
      throw new StoreError('E_READ_ONLY', `query is read-only; this statement would change the store: ${sql.trim().slice(0, 120)}`);
    }
    const seen = new Set<string>();
    for (let i = 0; i < stmt.columnCount; i++) {
      const name = stmt.columnName(i);
      if (seen.has(name)) {
        stmt.destroySync();
        throw new StoreError('E_SQL', `query: the result has more than one column named "${snippet(name)}"; name them apart with AS (SELECT a.x AS a_x, b.x AS b_x …)`);
      }
      seen.add(name);
    }
    return stmt;
  }

  /** Run `fn` in a READ ONLY transaction unless a write transaction is open (its own reads see its writes). */
  async #readOnlyScope<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#inTransaction || this.#readOnly) return fn();
    await this.#live.run('BEGIN TRANSACTION READ ONLY');
    try {
      return await fn();
    } finally {
      await this.#connection.run('ROLLBACK').catch(() => undefined);
    }
  }

  async queryReadOnly(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    const stmt = await this.#prepareReadOnly(sql);
    try {
      return await this.#readOnlyScope(async () => {
        stmt.bind([...params], paramTypes(params));
        const reader = await stmt.runAndReadAll();
        return rowObjects(reader.columnNames(), reader.getRowsJS());
      });
    } catch (e) {
      throw queryError(e);
    } finally {
      stmt.destroySync();
    }
  }

  async queryColumns(sql: string): Promise<string[]> {
    const stmt = await this.#prepareReadOnly(sql);
    try {
      return Array.from({ length: stmt.columnCount }, (_, i) => stmt.columnName(i));
    } finally {
      stmt.destroySync();
    }
  }

  async *iterateReadOnly(sql: string, params: readonly Cell[] = [], batchSize = 1000): AsyncIterable<Row[]> {
    const stmt = await this.#prepareReadOnly(sql);
    const scoped = !this.#inTransaction && !this.#readOnly;
    try {
      if (scoped) await this.#live.run('BEGIN TRANSACTION READ ONLY');
      let names: string[];
      let result;
      try {
        stmt.bind([...params], paramTypes(params));
        result = await stmt.stream();
        names = result.columnNames();
      } catch (e) {
        throw queryError(e);
      }
      let batch: Row[] = [];
      for (;;) {
        let chunk;
        try {
          chunk = await result.fetchChunk();
        } catch (e) {
          throw queryError(e);
        }
        if (!chunk || chunk.rowCount === 0) break;
        for (const row of rowObjects(names, chunk.convertRows(JSDuckDBValueConverter))) {
          batch.push(row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      stmt.destroySync();
      if (scoped && !this.#closed) await this.#connection.run('ROLLBACK').catch(() => undefined);
    }
  }

  async select(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    try {
      return await this.#rows(sql, params);
    } catch (e) {
      throw sqlError(e, sql);
    }
  }

  async execute(sql: string, params: readonly Cell[] = []): Promise<number> {
    try {
      const result = await this.#live.run(sql, params.length === 0 ? undefined : [...params], params.length === 0 ? undefined : paramTypes(params));
      return Number(result.rowsChanged);
    } catch (e) {
      throw sqlError(e, sql);
    }
  }

  /** CREATE TABLE for `definition`; foreign keys only as text to show (`withForeignKeys`), never to run. */
  #ddl(definition: TableDefinition, name = definition.name, withForeignKeys = false): string {
    const parts = definition.columns.map((c) => `${q(c.name)} ${this.dialect.typeNames[c.type]}`);
    if (definition.primaryKey !== undefined) parts.push(`PRIMARY KEY (${q(definition.primaryKey)})`);
    // DuckDB references only a primary key or a UNIQUE constraint (a unique index is not enough).
    for (const c of definition.uniqueColumns) parts.push(`UNIQUE (${q(c)})`);
    for (const fk of withForeignKeys ? definition.foreignKeys : []) {
      parts.push(`FOREIGN KEY (${q(fk.column)}) REFERENCES ${q(fk.refTable)} (${q(fk.refColumn)})`);
    }
    return `CREATE TABLE ${q(name)} (\n  ${parts.join(',\n  ')}\n)`;
  }

  async createTable(definition: TableDefinition): Promise<void> {
    await this.execute(this.#ddl(definition));
    await this.#recordForeignKeys(definition);
  }

  async addColumn(table: string, column: string, type: LogicalType): Promise<void> {
    await this.execute(`ALTER TABLE ${q(table)} ADD COLUMN ${q(column)} ${this.dialect.typeNames[type]}`);
  }

  async rebuildTable(definition: TableDefinition): Promise<void> {
    const old = await this.describeTable(definition.name);
    if (!old) throw new StoreError('E_TABLE_MISSING', `no table named ${definition.name}`);
    const keep = q(`dsi_rebuild_${old.name}`);
    try {
      await this.execute(`CREATE TEMP TABLE ${keep} AS SELECT * FROM ${q(old.name)} ORDER BY rowid`);
      await this.execute(`DROP TABLE ${q(old.name)}`);
      const kept = definition.columns.filter((c) => old.columns.some((o) => o.name.toLowerCase() === c.name.toLowerCase()));
      const list = kept.map((c) => q(c.name)).join(', ');
      await this.execute(this.#ddl(definition));
      await this.execute(`INSERT INTO ${q(definition.name)} (${list}) SELECT ${list} FROM ${keep} ORDER BY rowid`);
      await this.#recordForeignKeys(definition);
    } catch (e) {
      if (/duplicate key|unique constraint|primary key/i.test(message(e))) throw new StoreError('E_UNIQUE', message(e), { cause: e });
      throw sqlError(e);
    } finally {
      await this.#connection.run(`DROP TABLE IF EXISTS temp.${keep}`).catch(() => undefined);
    }
  }

  /** The definition an existing table was created with (its unique columns included). */
  async #definitionOf(info: TableInfo): Promise<TableDefinition> {
    const unique = await this.#rows(
      "SELECT constraint_column_names AS cols FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? AND constraint_type = 'UNIQUE'",
      [info.name],
    );
    return {
      name: info.name,
      columns: info.columns.map((c) => ({ name: c.name, type: c.type })),
      primaryKey: info.columns.find((c) => c.primaryKey)?.name,
      foreignKeys: info.foreignKeys,
      uniqueColumns: unique.flatMap((u) => JSON.parse(String(u['cols'])) as string[]),
    };
  }

  async dropTable(table: string): Promise<void> {
    await this.execute(`DROP TABLE ${q(table)}`);
    await this.#recordForeignKeys({ name: table, columns: [], foreignKeys: [], uniqueColumns: [] });
  }

  async openInserter(table: string, columns: readonly string[]): Promise<RowInserter> {
    const connection = this.#live;
    const width = columns.length;
    const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
    const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    const keyed = await this.#rows(
      "SELECT count(*) AS n FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower(?) AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
      [table],
    );
    // A refused statement aborts the transaction (see the header): with keys, one row per statement.
    const perStatement = Number(keyed[0]?.['n'] ?? 0) > 0 ? 1 : Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(30000 / Math.max(1, width))));
    const statements = new Map<number, Promise<DuckDBPreparedStatement>>();
    const statementFor = (n: number) => {
      let stmt = statements.get(n);
      if (stmt === undefined) {
        stmt = connection.prepare(head + Array.from({ length: n }, () => tuple).join(', '));
        statements.set(n, stmt);
      }
      return stmt;
    };
    const constraint = (e: unknown) => /constraint|duplicate key|conversion error|could not convert/i.test(message(e));
    const run = async (n: number, rowAt: (r: number) => Cell[]) => {
      for (let i = 0; i < n; i += perStatement) {
        const count = Math.min(perStatement, n - i);
        const params: Cell[] = [];
        for (let r = i; r < i + count; r++) params.push(...rowAt(r));
        const stmt = await statementFor(count);
        try {
          stmt.bind(params, paramTypes(params));
          await stmt.run();
        } catch (e) {
          if (!constraint(e)) throw sqlError(e);
          throw new RowRejected(i, message(e));
        }
      }
    };
    return {
      insert: (rows) => run(rows.length, (r) => Array.from({ length: width }, (_, c) => rows[r]![c] ?? null)),
      insertColumns: (cols, n) => run(n, (r) => cols.map((column) => column[r] ?? null)),
    };
  }

  async begin(): Promise<void> {
    await this.#live.run('BEGIN TRANSACTION');
    this.#inTransaction = true;
  }

  async commit(): Promise<void> {
    try {
      await this.#live.run('COMMIT');
    } finally {
      this.#inTransaction = false;
    }
  }

  async rollback(): Promise<void> {
    if (this.#closed || !this.#inTransaction) return;
    this.#inTransaction = false;
    await this.#connection.run('ROLLBACK').catch(() => undefined);
  }

  async savepoint(): Promise<void> {
    throw new StoreError('E_BACKEND', 'DuckDB has no savepoints (capabilities.supportsSavepoints is false)');
  }

  async releaseSavepoint(): Promise<void> {
    throw new StoreError('E_BACKEND', 'DuckDB has no savepoints (capabilities.supportsSavepoints is false)');
  }

  async rollbackToSavepoint(): Promise<void> {
    throw new StoreError('E_BACKEND', 'DuckDB has no savepoints (capabilities.supportsSavepoints is false)');
  }

  async foreignKeyViolations(tables?: readonly string[]): Promise<ForeignKeyViolation[]> {
    const all = await this.listTables();
    const touched = tables === undefined ? undefined : new Set(tables.map((t) => t.toLowerCase()));
    const violations: ForeignKeyViolation[] = [];
    for (const child of all) {
      const info = await this.describeTable(child);
      if (!info) continue;
      for (const fk of info.foreignKeys) {
        if (touched && !touched.has(child.toLowerCase()) && !touched.has(fk.refTable.toLowerCase())) continue;
        const parent = await this.describeTable(fk.refTable);
        if (!parent) {
          violations.push({ table: info.name, rowIndex: 0, foreignKey: fk });
          continue;
        }
        // A text key and a numeric one compare as text (DuckDB would refuse to cast, where SQLite compares loosely).
        const numeric = (t: TableInfo, c: string) => t.columns.find((col) => col.name.toLowerCase() === c.toLowerCase())?.type !== 'text';
        const same = numeric(info, fk.column) === numeric(parent, fk.refColumn);
        const key = (e: string) => (same ? e : `CAST(${e} AS VARCHAR)`);
        const rows = await this.select(
          `SELECT n FROM (SELECT ${q(fk.column)} AS v, ROW_NUMBER() OVER (ORDER BY rowid) AS n FROM ${q(info.name)}) c
           WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${q(parent.name)} p WHERE ${key(`p.${q(fk.refColumn)}`)} = ${key('c.v')}) ORDER BY n LIMIT 20`,
        );
        for (const r of rows) violations.push({ table: info.name, rowIndex: Number(r['n']), foreignKey: fk });
      }
    }
    return violations;
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.#rows(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = '${META_SCHEMA}' AND table_name = 'store_format'`,
    );
    if (Number(rows[0]?.['n'] ?? 0) === 0) return 0;
    const version = await this.#rows(`SELECT version FROM ${META_SCHEMA}.store_format`);
    return Number(version[0]?.['version'] ?? 0);
  }

  async setSchemaVersion(version: number): Promise<void> {
    const c = this.#live;
    await c.run(`CREATE TABLE IF NOT EXISTS ${META_SCHEMA}.store_format (version INTEGER)`);
    await c.run(`DELETE FROM ${META_SCHEMA}.store_format`);
    await c.run(`INSERT INTO ${META_SCHEMA}.store_format VALUES (${Math.floor(version)})`);
  }

  async backupTo(path: string): Promise<void> {
    const c = this.#live;
    const alias = 'dsi_backup_target';
    try {
      // COPY FROM DATABASE copies one consistent snapshot of every schema, tables and keys.
      const source = String((await this.#rows('SELECT current_database() AS d'))[0]?.['d']);
      await c.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${alias}`);
      try {
        await c.run(`COPY FROM DATABASE ${q(source)} TO ${alias}`);
      } finally {
        await c.run(`DETACH ${alias}`);
      }
      fs.chmodSync(path, 0o640);
    } catch (e) {
      throw sqlError(e);
    }
  }

  readonly delimitedTextLoader: DelimitedTextLoader = {
    scan: (file, delimiter, width) => {
      const columns = Array.from({ length: width }, (_, i) => `c${i}`);
      const options = [
        `delim = ${sqlString(delimiter)}`,
        "quote = '\"'",
        "escape = '\"'",
        'header = true',
        'auto_detect = false',
        'strict_mode = true',
        `columns = {${columns.map((c) => `'${c}': 'VARCHAR'`).join(', ')}}`,
      ];
      return { from: `read_csv(${sqlString(file)}, ${options.join(', ')})`, columns: columns.map(q) };
    },
    fileError: (e, file) => {
      // Statements wrap DuckDB's error (sqlError): judge by DuckDB's own first line, not the SQL.
      const original = e instanceof StoreError && e.cause !== undefined ? e.cause : e;
      return /CSV Error|unterminated quote|invalid unicode|utf-?8|No files found|Cannot open file|Could not read/i.test(message(original)) ? csvError(original, file) : undefined;
    },
    textKind: (e) =>
      `(CASE WHEN ${e} IS NULL OR ${e} = '' THEN 0 WHEN regexp_full_match(${e}, '${INTEGER_PATTERN}') THEN ` +
      `(CASE WHEN TRY_CAST(trim(${e}, ' \t') AS BIGINT) IS NOT NULL THEN 1 ELSE 3 END) ` +
      `WHEN regexp_full_match(${e}, '${NUMBER_PATTERN}') THEN 2 WHEN length(${e}) <= 4 AND regexp_full_match(lower(${e}), '${NAN_PATTERN}') THEN 0 ELSE 3 END)`,
    // The column's type was inferred from these very cells, so each is empty, NaN or a number of
    // that type as the inference spells numbers, which DuckDB's casts read exactly: TRY_CAST
    // only has to turn empty and NaN into NULL.
    fromText: (e, type) => {
      if (type === 'text') return `NULLIF(${e}, '')`;
      if (type === 'integer') return `TRY_CAST(trim(${e}, ' \t') AS BIGINT)`;
      return `(CASE WHEN NOT isnan(TRY_CAST(trim(${e}, ' \t') AS DOUBLE)) THEN TRY_CAST(trim(${e}, ' \t') AS DOUBLE) END)`;
    },
  };

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inTransaction) await this.#connection.run('ROLLBACK').catch(() => undefined);
    this.#inTransaction = false;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}
