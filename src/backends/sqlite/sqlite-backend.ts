/**
 * The embedded default backend: one SQLite file through better-sqlite3, in WAL mode with a busy
 * timeout so readers and a writer can share it. The store's write transactions run with SQLite's
 * row-level foreign-key checks switched off and check the touched tables before committing
 * (SQLite's documented procedure for schema changes), so a table can be rebuilt with new types
 * inside an ingest while foreign keys stay enforced for every committed state.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';
import { fileSystemError } from '../../store/file-errors.js';
import { snippet } from '../../store/snippet.js';
import {
  type Backend,
  type BackendCapabilities,
  type BackendOptions,
  type ForeignKeyViolation,
  type RowInserter,
  RowRejected,
} from '../../store/backend.js';
import type { Cell, ColumnInfo, ForeignKey, LogicalType, Row, TableDefinition, TableInfo } from '../../store/types.js';
import { logicalTypeOf, sqliteDialect } from './sqlite-dialect.js';

const q = sqliteDialect.quote;
/** Rows per multi-row INSERT statement (SQLite allows 32,766 parameters). */
const ROWS_PER_STATEMENT = 64;

/** Plain numbers where they are exact, bigint beyond 2^53. */
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function normalise(value: unknown): Cell {
  if (typeof value === 'bigint') {
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value as Cell;
}

function normaliseRow(row: Record<string, unknown>): Row {
  for (const key in row) row[key] = normalise(row[key]);
  return row as Row;
}

/**
 * The driver builds rows by assignment, so a column named `__proto__` would set the row's
 * prototype and vanish: statements with one build their rows from raw values instead.
 */
function rowsOf(stmt: Database.Statement): ((values: unknown[]) => Row) | undefined {
  if (!stmt.reader) return undefined;
  const names = stmt.columns().map((c) => c.name);
  if (!names.includes('__proto__')) return undefined;
  stmt.raw(true);
  return (values) => {
    const row: Record<string, unknown> = {};
    names.forEach((name, i) => Object.defineProperty(row, name, { value: normalise(values[i]), enumerable: true, writable: true, configurable: true }));
    return row as Row;
  };
}

function allRows(stmt: Database.Statement, params: readonly Cell[]): Row[] {
  const build = rowsOf(stmt);
  if (build) return (stmt.all(...params) as unknown[][]).map(build);
  return (stmt.all(...params) as Record<string, unknown>[]).map(normaliseRow);
}

/** A constraint failure becomes RowRejected (the input's fault); anything else stays an SQL error. */
function rejection(e: unknown, row: number): Error {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH')) {
    return new RowRejected(row, (e as Error).message);
  }
  return sqlError(e);
}

/** A number for numeric cells and numeric text, otherwise NULL (the find language's numbers). */
function dsiNumber(value: unknown): number | bigint | null {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const n = Number(s);
  // Integer text beyond 2^53 stays exact (within SQLite's 64-bit integers), as stored integers do.
  if (/^[+-]?\d+$/.test(s) && !Number.isSafeInteger(n)) {
    const big = BigInt(s);
    if (big >= INT64_MIN && big <= INT64_MAX) return big;
  }
  return n;
}

function sqlError(e: unknown, sql?: string): StoreError {
  const message = e instanceof Error ? e.message : String(e);
  return new StoreError('E_SQL', sql === undefined ? message : `${message} (in: ${sql.length > 200 ? `${sql.slice(0, 200)}…` : sql})`, { cause: e });
}

/**
 * An error of a caller's read-only statement (`dsi query`, a workflow's data query) as one line
 * in the store's words, `query: …`; the driver's message is kept only where it names the problem
 * (`query: SQL error: no such table: x`).
 */
function queryError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  const fail = (what: string) => new StoreError('E_SQL', `query: ${what}`, { cause: e });
  if (/more than one statement/i.test(message)) return fail('give one SQL statement; this text holds more than one (end it at the first ";")');
  if (/too few parameter values/i.test(message)) return fail('the SQL has a parameter (?, :name, @name or $name) that no value was given for');
  if (/too many parameter values/i.test(message)) return fail('more values were given than the SQL has parameters');
  if (/can only bind/i.test(message)) return fail('a parameter value is not a number, text, bigint or null');
  if (code === 'SQLITE_TOOBIG') return fail('a value the statement makes is larger than SQLite allows (string or blob too big)');
  if (code === 'SQLITE_NOMEM') return fail('SQLite ran out of memory running the statement');
  if (code === 'SQLITE_INTERRUPT') return fail('the statement was interrupted');
  if (code === 'SQLITE_AUTH' || (code === 'SQLITE_ERROR' && message === 'not authorized')) {
    return fail('SQL error: not authorized (a function that loads extensions or reaches outside the store is refused)');
  }
  return fail(`SQL error: ${message.replace(/\s+/g, ' ').slice(0, 300)}`);
}

/** Refuse a result with two columns of one name: a row keeps one value per name, so the other would be lost. */
function checkColumnNames(stmt: Database.Statement): void {
  const seen = new Set<string>();
  for (const { name } of stmt.columns()) {
    if (seen.has(name)) {
      throw new StoreError('E_SQL', `query: the result has more than one column named "${snippet(name)}"; name them apart with AS (SELECT a.x AS a_x, b.x AS b_x …)`);
    }
    seen.add(name);
  }
}

/** A file-system error about the store file, its message starting "store PATH: …". */
function storeFileError(e: unknown, path: string): Error {
  const error = fileSystemError(e, path);
  return error instanceof StoreError ? new StoreError(error.code, `store ${error.message}`, { file: path, cause: e }) : error;
}

/**
 * Refuse a store path that cannot work, naming it: a folder, a missing folder, a file the caller
 * may not read (or write, unless read-only), a folder where the store cannot create its files.
 * A new store file is created here, before SQLite opens it, so that the store and its -wal/-shm
 * files have no world access.
 */
function checkStorePath(path: string, readOnly: boolean): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw storeFileError(e, path);
  }
  if (stat?.isDirectory()) throw new StoreError('E_BAD_ARGUMENT', `store ${path} is a folder, not a store file`, { file: path });
  if (stat === undefined) {
    const folder = nodePath.dirname(path);
    if (!fs.existsSync(folder)) throw new StoreError('E_BAD_ARGUMENT', `store ${path}: the folder ${folder} does not exist`, { file: path });
    if (readOnly) throw new StoreError('E_BAD_ARGUMENT', `store ${path} does not exist`, { file: path });
  }
  if (stat !== undefined) {
    try {
      fs.accessSync(path, fs.constants.R_OK);
    } catch (e) {
      throw storeFileError(e, path);
    }
    if (!readOnly) {
      try {
        fs.accessSync(path, fs.constants.W_OK);
      } catch (e) {
        throw new StoreError('E_FILE', `store ${path}: permission denied to write it (it can still be opened read-only)`, { file: path, cause: e });
      }
    }
  }
  if (readOnly) return;
  const folder = nodePath.dirname(path);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    // SQLite creates `-wal` and `-shm` beside the store; where both are there already it can write without.
    if (stat !== undefined && fs.existsSync(`${path}-wal`) && fs.existsSync(`${path}-shm`)) return;
    throw new StoreError('E_FILE', `store ${path}: permission denied to write in its folder ${folder}, where a store that is written keeps its write-ahead log (it can still be opened read-only)`, { file: path });
  }
  if (stat === undefined) {
    try {
      fs.closeSync(fs.openSync(path, 'wx', 0o640));
    } catch (e) {
      throw storeFileError(e, path);
    }
  }
}

/** SQLite error codes of a read-only connection that cannot create the WAL index beside the store. */
const NO_WAL_INDEX = new Set(['SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_CANTOPEN']);

/** The file header's "write version" and "read version" bytes: 2 means WAL mode, 1 a rollback journal. */
const HEADER_WRITE_VERSION = 18;
const HEADER_READ_VERSION = 19;

/** A connection to `path`, checked with a probe (a file that is not a SQLite database fails here). */
function openDatabase(path: string, readOnly: boolean): Database.Database {
  const probe = (db: Database.Database): Database.Database => {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: readOnly, fileMustExist: readOnly });
    return probe(db);
  } catch (e) {
    db?.close();
    const code = (e as { code?: unknown }).code;
    if (!readOnly || path === ':memory:' || typeof code !== 'string' || !NO_WAL_INDEX.has(code)) throw e;
  }
  // Read-only in a folder the caller cannot write: SQLite cannot create `-shm`. Without a
  // write-ahead log holding changes, the file alone is the committed store: read it into memory.
  const wal = `${path}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    throw new StoreError(
      'E_FILE',
      `store ${path}: its folder ${nodePath.dirname(path)} is not writable and ${wal} holds changes not yet in the store file; open it once where it can be written, or ask its owner to`,
      { file: path },
    );
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw storeFileError(e, path);
  }
  // An in-memory copy has no write-ahead log: its header must say rollback journal, or SQLite
  // refuses to open it.
  if (bytes.length > HEADER_READ_VERSION && bytes[HEADER_WRITE_VERSION] === 2 && bytes[HEADER_READ_VERSION] === 2) {
    bytes[HEADER_WRITE_VERSION] = 1;
    bytes[HEADER_READ_VERSION] = 1;
  }
  return probe(new Database(bytes, { readonly: true }));
}

export class SqliteBackend implements Backend {
  readonly capabilities: BackendCapabilities = {
    supportsTransactionalDdl: true,
    isSingleFile: true,
    // A foreign key may name a table created later, and the store checks keys before commit.
    supportsCircularForeignKeys: true,
    supportsSavepoints: true,
    isSqliteFile: true,
  };
  readonly dialect = sqliteDialect;
  readonly location: string;
  readonly #db: Database.Database;
  #closed = false;

  private constructor(location: string, db: Database.Database) {
    this.location = location;
    this.#db = db;
  }

  /**
   * Open or create the SQLite store at `path` (`:memory:` for a throw-away one). A path that
   * cannot be a store (a folder, a missing folder, no permission) is refused naming it. Read-only,
   * a store whose folder the caller cannot write still opens: SQLite needs to create the WAL index
   * (`-shm`) beside a WAL-mode store, so when it cannot, the store's committed state is read from
   * the file into memory instead (refused if a write-ahead log with changes not yet in the file is
   * there).
   */
  static async open(path: string, options: BackendOptions = {}): Promise<SqliteBackend> {
    const readOnly = options.readOnly ?? false;
    if (path !== ':memory:') checkStorePath(path, readOnly);
    let db: Database.Database;
    try {
      db = openDatabase(path, readOnly);
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      if (!readOnly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      db.defaultSafeIntegers(true);
      db.function('dsi_number', { deterministic: true, safeIntegers: true }, dsiNumber);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError('E_BACKEND', `cannot open ${path} as a SQLite store: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return new SqliteBackend(path, db);
  }

  get #live(): Database.Database {
    if (this.#closed) throw new StoreError('E_CLOSED', 'the store is closed');
    return this.#db;
  }

  get inTransaction(): boolean {
    return !this.#closed && this.#db.inTransaction;
  }

  async listTables(): Promise<string[]> {
    const rows = this.#live
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  }

  isInternalTable(name: string): boolean {
    return name.toLowerCase().startsWith('sqlite_');
  }

  async describeTable(name: string): Promise<TableInfo | undefined> {
    const db = this.#live;
    const found = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")
      .get(name) as { name: string } | undefined;
    if (!found) return undefined;
    const info = db.prepare(`PRAGMA table_info(${q(found.name)})`).all() as {
      name: string;
      type: string;
      pk: bigint;
    }[];
    const columns: ColumnInfo[] = info.map((c) => ({
      name: c.name,
      declaredType: c.type,
      type: logicalTypeOf(c.type),
      primaryKey: Number(c.pk) > 0,
    }));
    const fks = db.prepare(`PRAGMA foreign_key_list(${q(found.name)})`).all() as {
      table: string;
      from: string;
      to: string | null;
    }[];
    const foreignKeys: ForeignKey[] = fks.map((f) => ({ column: f.from, refTable: f.table, refColumn: f.to ?? '' }));
    return { name: found.name, columns, foreignKeys };
  }

  async tableDdl(table: string): Promise<string> {
    const rows = this.#live
      .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY type DESC, rowid")
      .all(table) as { sql: string }[];
    return rows.map((r) => `${r.sql};`).join('\n');
  }

  async queryReadOnly(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    const stmt = this.#prepareReadOnly(sql);
    try {
      return allRows(stmt, params);
    } catch (e) {
      throw queryError(e);
    }
  }

  async queryColumns(sql: string): Promise<string[]> {
    return this.#prepareReadOnly(sql).columns().map((c) => c.name);
  }

  async *iterateReadOnly(sql: string, params: readonly Cell[] = [], batchSize = 1000): AsyncIterable<Row[]> {
    const stmt = this.#prepareReadOnly(sql);
    let batch: Row[] = [];
    const build = rowsOf(stmt);
    let rows: IterableIterator<Record<string, unknown>>;
    try {
      rows = stmt.iterate(...params) as IterableIterator<Record<string, unknown>>;
    } catch (e) {
      throw queryError(e);
    }
    try {
      for (;;) {
        let next: IteratorResult<Record<string, unknown>>;
        try {
          next = rows.next();
        } catch (e) {
          throw queryError(e);
        }
        if (next.done === true) break;
        const row = next.value;
        batch.push(build ? build(row as unknown as unknown[]) : normaliseRow(row));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      // A caller that stops early (a row limit) must reset the statement, or the connection stays busy.
      rows.return?.();
    }
  }

  #prepareReadOnly(sql: string): Database.Statement {
    let stmt: Database.Statement;
    try {
      stmt = this.#live.prepare(sql);
    } catch (e) {
      throw queryError(e);
    }
    // `readonly` alone lets BEGIN, ATTACH and PRAGMA settings through; a query must also return rows.
    if (!stmt.readonly || !stmt.reader) {
      throw new StoreError('E_READ_ONLY', `query is read-only; this statement would change the store: ${sql.trim().slice(0, 120)}`);
    }
    checkColumnNames(stmt);
    return stmt;
  }

  async select(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    try {
      return allRows(this.#live.prepare(sql), params);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw sqlError(e, sql);
    }
  }

  async execute(sql: string, params: readonly Cell[] = []): Promise<number> {
    try {
      return this.#live.prepare(sql).run(...params).changes;
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw sqlError(e, sql);
    }
  }

  #ddl(definition: TableDefinition, name = definition.name): string {
    const parts = definition.columns.map((c) => `${q(c.name)} ${this.dialect.typeNames[c.type]}`);
    if (definition.primaryKey !== undefined) parts.push(`PRIMARY KEY (${q(definition.primaryKey)})`);
    for (const fk of definition.foreignKeys) {
      parts.push(`FOREIGN KEY (${q(fk.column)}) REFERENCES ${q(fk.refTable)} (${q(fk.refColumn)})`);
    }
    return `CREATE TABLE ${q(name)} (\n  ${parts.join(',\n  ')}\n)`;
  }

  #uniqueIndexes(definition: TableDefinition): string[] {
    return definition.uniqueColumns.map(
      (c) => `CREATE UNIQUE INDEX IF NOT EXISTS ${q(`dsi_unique_${definition.name}_${c}`)} ON ${q(definition.name)} (${q(c)})`,
    );
  }

  async createTable(definition: TableDefinition): Promise<void> {
    const db = this.#live;
    try {
      db.exec(this.#ddl(definition));
      for (const sql of this.#uniqueIndexes(definition)) db.exec(sql);
    } catch (e) {
      throw sqlError(e);
    }
  }

  async addColumn(table: string, column: string, type: LogicalType): Promise<void> {
    await this.execute(`ALTER TABLE ${q(table)} ADD COLUMN ${q(column)} ${this.dialect.typeNames[type]}`);
  }

  async rebuildTable(definition: TableDefinition): Promise<void> {
    const db = this.#live;
    const old = await this.describeTable(definition.name);
    if (!old) throw new StoreError('E_TABLE_MISSING', `no table named ${definition.name}`);
    const temp = `dsi_rebuild_${old.name}`;
    const kept = definition.columns.filter((c) => old.columns.some((o) => o.name.toLowerCase() === c.name.toLowerCase()));
    const list = kept.map((c) => q(c.name)).join(', ');
    try {
      db.exec(this.#ddl(definition, temp));
      db.exec(`INSERT INTO ${q(temp)} (${list}) SELECT ${list} FROM ${q(old.name)} ORDER BY rowid`);
      db.exec(`DROP TABLE ${q(old.name)}`);
      db.exec(`ALTER TABLE ${q(temp)} RENAME TO ${q(definition.name)}`);
      for (const sql of this.#uniqueIndexes(definition)) db.exec(sql);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreError('E_UNIQUE', e instanceof Error ? e.message : String(e), { cause: e });
      }
      throw sqlError(e);
    }
  }

  async dropTable(table: string): Promise<void> {
    await this.execute(`DROP TABLE ${q(table)}`);
  }

  async openInserter(table: string, columns: readonly string[]): Promise<RowInserter> {
    const db = this.#live;
    const width = columns.length;
    const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
    const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    // A multi-row statement amortises the per-statement cost; the single-row one takes the rest.
    const perStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(32766 / Math.max(1, width))));
    const one = db.prepare(head + tuple);
    const many = db.prepare(head + Array.from({ length: perStatement }, () => tuple).join(', '));
    const params: Cell[] = new Array<Cell>(perStatement * width);
    /** Rows `from`..`to` one at a time, to find which one the constraints refuse. */
    const pinpoint = (rowAt: (r: number) => Cell[], from: number, to: number, cause: unknown): never => {
      for (let r = from; r < to; r++) {
        try {
          one.run(rowAt(r));
        } catch (e) {
          throw rejection(e, r);
        }
      }
      throw rejection(cause, from);
    };
    /** Insert `n` rows whose statement parameters `fill` writes; multi-row statements first. */
    const run = (n: number, fill: (params: Cell[], from: number, count: number) => void, rowAt: (r: number) => Cell[]) => {
      let i = 0;
      for (; i + perStatement <= n; i += perStatement) {
        fill(params, i, perStatement);
        try {
          many.run(params);
        } catch (e) {
          // A failed statement inserted nothing: the culprit is among its rows.
          pinpoint(rowAt, i, i + perStatement, e);
        }
      }
      for (; i < n; i++) {
        try {
          one.run(rowAt(i));
        } catch (e) {
          throw rejection(e, i);
        }
      }
    };
    return {
      insert(rows) {
        run(
          rows.length,
          (p, from, count) => {
            let k = 0;
            for (let r = from; r < from + count; r++) {
              const row = rows[r]!;
              for (let c = 0; c < width; c++) p[k++] = row[c] ?? null;
            }
          },
          (r) => rows[r] as Cell[],
        );
      },
      insertColumns(columns, n) {
        run(
          n,
          (p, from, count) => {
            for (let c = 0; c < width; c++) {
              const column = columns[c]!;
              for (let r = 0, k = c; r < count; r++, k += width) p[k] = column[from + r] ?? null;
            }
          },
          (r) => columns.map((column) => column[r] ?? null),
        );
      },
    };
  }

  async begin(): Promise<void> {
    const db = this.#live;
    // Row-level checks off for the transaction (they cannot change inside one); the store checks
    // the touched tables with foreignKeyViolations() before it commits.
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN IMMEDIATE');
  }

  async commit(): Promise<void> {
    const db = this.#live;
    db.exec('COMMIT');
    db.pragma('foreign_keys = ON');
  }

  async rollback(): Promise<void> {
    if (this.#closed) return;
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#db.pragma('foreign_keys = ON');
  }

  async savepoint(name: string): Promise<void> {
    this.#live.exec(`SAVEPOINT ${q(name)}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    this.#live.exec(`RELEASE ${q(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    this.#live.exec(`ROLLBACK TO ${q(name)}`);
  }

  async foreignKeyViolations(tables?: readonly string[]): Promise<ForeignKeyViolation[]> {
    const db = this.#live;
    const all = await this.listTables();
    let children: string[] = all;
    if (tables !== undefined) {
      const touched = new Set(tables.map((t) => t.toLowerCase()));
      children = [];
      for (const t of all) {
        const info = await this.describeTable(t);
        if (touched.has(t.toLowerCase()) || info?.foreignKeys.some((f) => touched.has(f.refTable.toLowerCase()))) children.push(t);
      }
    }
    const violations: ForeignKeyViolation[] = [];
    for (const child of children) {
      const rows = db.pragma(`foreign_key_check(${q(child)})`) as { table: string; rowid: bigint | null; parent: string; fkid: bigint }[];
      if (rows.length === 0) continue;
      const fks = db.pragma(`foreign_key_list(${q(child)})`) as { id: bigint; from: string; table: string; to: string | null }[];
      for (const v of rows.slice(0, 20)) {
        const fk = fks.find((f) => f.id === v.fkid);
        const index = v.rowid === null
          ? 0
          : Number((db.prepare(`SELECT count(*) AS n FROM ${q(child)} WHERE rowid <= ?`).get(v.rowid) as { n: bigint }).n);
        violations.push({
          table: v.table,
          rowIndex: index,
          foreignKey: { column: fk?.from ?? '?', refTable: v.parent, refColumn: fk?.to ?? '?' },
        });
      }
    }
    return violations;
  }

  async schemaVersion(): Promise<number> {
    return Number(this.#live.pragma('user_version', { simple: true }));
  }

  async setSchemaVersion(version: number): Promise<void> {
    this.#live.pragma(`user_version = ${Math.floor(version)}`);
  }

  async backupTo(path: string): Promise<void> {
    try {
      // VACUUM INTO writes a consistent, compact copy while other connections keep reading.
      this.#live.prepare('VACUUM INTO ?').run(path);
      fs.chmodSync(path, 0o640);
    } catch (e) {
      throw sqlError(e);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#db.close();
  }
}
