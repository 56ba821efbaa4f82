/**
 * PostgreSQL, for stores a group shares: one schema of a database per store, through `pg`.
 *
 * What it guarantees, as the SQLite backend does:
 * - every write of the store is one transaction, table changes included (PostgreSQL's DDL is
 *   transactional), with savepoints for the store's inner steps;
 * - rows keep their insertion order: every table the store makes has a hidden identity column
 *   ({@link ORDER_COLUMN}), left out of `describeTable` and of every result row;
 * - foreign keys are DEFERRABLE INITIALLY DEFERRED, so a transaction may fill tables in any order;
 *   the store checks them before committing ({@link PostgresBackend.foreignKeyViolations}) and
 *   PostgreSQL checks them again at COMMIT;
 * - a caller's query runs in a READ ONLY transaction (a savepoint made read-only inside a write
 *   transaction), one statement at a time (the extended protocol refuses a second one);
 * - integers beyond 2^53 come back as `bigint`; bulk loads use `COPY … FROM STDIN`
 *   (postgres-copy.ts);
 * - an unreachable server, refused credentials or a missing database is one line with a stable
 *   code (`E_CONNECT`, `E_AUTH`, `E_NO_DATABASE`), after at most the connection timeout.
 */
import pg from 'pg';
import { StoreError } from '../../errors.js';
import {
  type Backend,
  type BackendCapabilities,
  type BackendOptions,
  type ForeignKeyViolation,
  type RowInserter,
  RowRejected,
} from '../../store/backend.js';
import { snippet } from '../../store/snippet.js';
import type { Cell, ColumnInfo, ForeignKey, LogicalType, Row, TableDefinition, TableInfo } from '../../store/types.js';
import { CopyIn, copyChunks, copyErrorLine } from './postgres-copy.js';
import { ORDER_COLUMN, declaredTypeName, logicalTypeOf, numberParameters, postgresDialect } from './postgres-dialect.js';
import { type PostgresLocation, clientConfig, parsePostgresLocation } from './postgres-location.js';
import { POLICY, SHARING_TABLES, secureOnCommit } from './row-security.js';

const q = postgresDialect.quote;
const ORDER = postgresDialect.insertionOrder;
/** PostgreSQL's longest name (NAMEDATALEN − 1 bytes). */
const MAX_NAME_BYTES = 63;
/** Violations reported per check, as the SQLite backend does. */
const MAX_VIOLATIONS = 20;

// ── values ──────────────────────────────────────────────────────────────────────────────────

/** An integer's text as a number where exact, else a bigint. */
function integerCell(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const PG_INT8 = 20;
const PG_INT2 = 21;
const PG_INT4 = 23;
const PG_OID = 26;
const PG_FLOAT4 = 700;
const PG_FLOAT8 = 701;
const PG_NUMERIC = 1700;
const PG_BOOL = 16;
const PG_BYTEA = 17;

/**
 * Result values as cells: integers as numbers (bigint beyond 2^53), floats and NUMERIC as
 * numbers, booleans as 1 and 0 (as SQLite gives them), bytea as base64, everything else as the
 * server's text.
 */
const cellTypes = {
  getTypeParser(oid: number): (text: string) => Cell {
    switch (oid) {
      case PG_INT8:
      case PG_INT2:
      case PG_INT4:
      case PG_OID:
        return integerCell;
      case PG_FLOAT4:
      case PG_FLOAT8:
        return Number;
      case PG_NUMERIC:
        return (t) => (/^-?\d+$/.test(t) ? integerCell(t) : Number(t));
      case PG_BOOL:
        return (t) => (t === 't' ? 1 : 0);
      case PG_BYTEA:
        return (t) => (t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex').toString('base64') : t);
      default:
        return (t) => t;
    }
  },
};

/** A result's rows as records; the hidden order column is left out, a column named `__proto__` kept as data. */
function rowsOf(result: pg.QueryArrayResult<unknown[]>): Row[] {
  const names = result.fields.map((f) => f.name);
  const keep = names.map((n) => n !== ORDER_COLUMN);
  const awkward = names.includes('__proto__');
  return result.rows.map((values) => {
    const row: Record<string, Cell> = {};
    for (let i = 0; i < names.length; i++) {
      if (!keep[i]) continue;
      const value = (values[i] ?? null) as Cell;
      if (awkward) Object.defineProperty(row, names[i]!, { value, enumerable: true, writable: true, configurable: true });
      else row[names[i]!] = value;
    }
    return row;
  });
}

// ── errors ──────────────────────────────────────────────────────────────────────────────────

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function sqlError(e: unknown, sql?: string): StoreError {
  if (e instanceof StoreError) return e;
  if (codeOf(e) === '25006') return new StoreError('E_READ_ONLY', `the store was opened read-only: ${messageOf(e)}`, { cause: e });
  const message = messageOf(e);
  return new StoreError('E_SQL', sql === undefined ? message : `${message} (in: ${sql.length > 200 ? `${sql.slice(0, 200)}…` : sql})`, { cause: e });
}

/** An error of a caller's read-only statement, as one line in the store's words (`query: …`). */
function queryError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const code = codeOf(e);
  const message = messageOf(e);
  const fail = (what: string) => new StoreError('E_SQL', `query: ${what}`, { cause: e });
  if (code === '25006') return new StoreError('E_READ_ONLY', `query is read-only; this statement would change the store (${message})`, { cause: e });
  if (/multiple commands/.test(message)) return fail('give one SQL statement; this text holds more than one (end it at the first ";")');
  if (code === '08P01' && /bind message supplies/.test(message)) return fail(`the number of values given does not match the SQL's parameters (${message})`);
  if (code === '57014') return fail('the statement was cancelled');
  return fail(`SQL error: ${message.slice(0, 300)}`);
}

/** Node's codes for a server that is not there. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** Why connecting to `at` failed, as one line with a code a caller can branch on. */
export function connectError(e: unknown, at: PostgresLocation): StoreError {
  const where = `${at.host}:${at.port}`;
  const code = codeOf(e);
  const message = messageOf(e);
  if ((code !== undefined && UNREACHABLE.has(code)) || /timeout|terminated unexpectedly/i.test(message)) {
    const why = code === 'ECONNREFUSED' ? 'connection refused: no server listens there' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'no such host' : /timeout/i.test(message) ? `no answer within ${at.connectTimeoutSeconds} s` : message;
    return new StoreError('E_CONNECT', `cannot reach the PostgreSQL server at ${where} (${why})`, { cause: e });
  }
  if (code === '28P01' || code === '28000' || /password must be a string|SASL|SCRAM/i.test(message)) {
    const detail = /password must be a string/i.test(message) ? 'the server asks for a password and none was given (in the URL or PGPASSWORD)' : message;
    return new StoreError('E_AUTH', `the PostgreSQL server at ${where} refused user "${at.user ?? '(default)'}": ${detail}`, { cause: e });
  }
  if (code === '3D000') {
    return new StoreError('E_NO_DATABASE', `the PostgreSQL server at ${where} has no database "${at.database}" (create it first, e.g. createdb ${at.database})`, { cause: e });
  }
  return new StoreError('E_BACKEND', `cannot open the PostgreSQL store ${at.shown}: ${message}`, { cause: e });
}

/** A row the table's constraints or types refuse, from a COPY: the input's fault. */
function rejection(e: unknown): Error {
  const code = codeOf(e);
  const line = copyErrorLine(e);
  if (code !== undefined && (code.startsWith('23') || code.startsWith('22')) && line !== undefined) {
    const detail = (e as { detail?: unknown }).detail;
    return new RowRejected(line, `${messageOf(e)}${typeof detail === 'string' ? ` (${detail})` : ''}`);
  }
  return sqlError(e);
}

/** The first keyword of a statement, comments and opening parentheses skipped, in lower case. */
function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return (/^[a-z]+/i.exec(stripped)?.[0] ?? '').toLowerCase();
}

/** Statements a read-only query may be: those that only return rows. */
const READING = new Set(['select', 'with', 'values', 'table', 'explain', 'show']);
/** Those a cursor can run (so rows stream in batches and columns are known without running it whole). */
const CURSOR_READING = new Set(['select', 'with', 'values', 'table']);

interface ConstraintRow {
  readonly name: string;
  readonly column: string;
  readonly refTable: string;
  readonly refColumn: string;
}

// ── the backend ─────────────────────────────────────────────────────────────────────────────

export class PostgresBackend implements Backend {
  readonly capabilities: BackendCapabilities = {
    supportsTransactionalDdl: true,
    isSingleFile: false,
    // Foreign keys are DEFERRABLE INITIALLY DEFERRED: a cycle of them holds at commit.
    supportsCircularForeignKeys: true,
    supportsSavepoints: true,
    isSqliteFile: false,
  };
  readonly dialect = postgresDialect;
  readonly location: string;
  readonly #client: pg.Client;
  readonly #schema: string;
  #closed = false;
  #inTransaction = false;
  /** An error inside the transaction: PostgreSQL refuses every statement until a rollback. */
  #aborted = false;
  /** Foreign keys added NOT VALID in this transaction, validated before COMMIT. */
  #toValidate: { table: string; constraint: string }[] = [];
  /** Foreign keys to tables that do not exist (yet): every non-NULL value violates them. */
  #dangling = new Map<string, ForeignKey[]>();
  /** Rows written in this transaction may have queued deferred foreign-key checks. */
  #queuedChecks = false;
  /** Nested read-only scopes (a writer reading while it streams a query). */
  #readDepth = 0;
  #cursors = 0;
  #lost: Error | undefined;

  private constructor(location: string, client: pg.Client, schema: string) {
    this.location = location;
    this.#client = client;
    this.#schema = schema;
    client.on('error', (e: Error) => {
      this.#lost = e;
    });
  }

  /**
   * Open the store at `location` (`postgres://user[:password]@host:port/database?schema=NAME`),
   * creating its schema unless read-only. A read-only open of a schema that does not exist is
   * refused: there is no store there.
   */
  static async open(location: string, options: BackendOptions = {}): Promise<PostgresBackend> {
    const at = parsePostgresLocation(location);
    const readOnly = options.readOnly ?? false;
    const client = new pg.Client({ ...clientConfig(at, 'dsi'), keepAlive: true, types: cellTypes });
    // An error event before `connect` settles would otherwise be unhandled.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw connectError(e, at);
    }
    const backend = new PostgresBackend(at.shown, client, at.schema);
    try {
      await backend.#prepareSession(readOnly, options.busyTimeoutMs ?? 5000);
    } catch (e) {
      await backend.close();
      throw e;
    }
    return backend;
  }

  async #prepareSession(readOnly: boolean, busyTimeoutMs: number): Promise<void> {
    const exists = (await this.#run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.#schema])).rows.length > 0;
    if (!exists) {
      if (readOnly) throw new StoreError('E_BAD_ARGUMENT', `store ${this.location} does not exist (the database has no schema "${this.#schema}")`);
      try {
        await this.#run(`CREATE SCHEMA IF NOT EXISTS ${q(this.#schema)}`);
      } catch (e) {
        throw new StoreError('E_BACKEND', `cannot create the store ${this.location}: ${messageOf(e)}`, { cause: e });
      }
    }
    await this.#run(`SET search_path TO ${q(this.#schema)}`);
    // A writer waits this long for another writer's locks, as SQLite's busy timeout does.
    await this.#run(`SET lock_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (readOnly) await this.#run('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  }

  get #live(): pg.Client {
    if (this.#closed) throw new StoreError('E_CLOSED', 'the store is closed');
    if (this.#lost) throw new StoreError('E_CONNECT', `the connection to ${this.location} was lost: ${messageOf(this.#lost)}`, { cause: this.#lost });
    return this.#client;
  }

  /** Run one statement (the extended protocol: never two), rows as arrays of cells. */
  async #run(text: string, values: readonly unknown[] = []): Promise<pg.QueryArrayResult<unknown[]>> {
    const client = this.#live;
    try {
      // queryMode (pg ≥ 8.12, not in its types) sends even a statement without values through
      // the extended protocol, which refuses a second statement in the text.
      const config: pg.QueryArrayConfig & { queryMode: 'extended' } = { text, values: values as unknown[], rowMode: 'array', queryMode: 'extended' };
      return await client.query<unknown[]>(config);
    } catch (e) {
      if (this.#inTransaction) this.#aborted = true;
      throw e;
    }
  }

  /**
   * PostgreSQL refuses to ALTER or DROP a table with deferred checks still queued: run the checks
   * queued so far now (a violation is `E_SCHEMA`), and defer later ones again.
   */
  async #settleChecks(): Promise<void> {
    if (!this.#queuedChecks || !this.#inTransaction) return;
    this.#queuedChecks = false;
    try {
      await this.#run('SET CONSTRAINTS ALL IMMEDIATE');
    } catch (e) {
      if (codeOf(e) === '23503') throw new StoreError('E_SCHEMA', `foreign key violated: ${messageOf(e)}`, { cause: e });
      throw e;
    }
    await this.#run('SET CONSTRAINTS ALL DEFERRED');
  }

  get inTransaction(): boolean {
    return !this.#closed && this.#inTransaction;
  }

  // ── catalog ───────────────────────────────────────────────────────────────────────────────

  async listTables(): Promise<string[]> {
    const result = await this.#run(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.oid",
      [this.#schema],
    );
    return result.rows.map((r) => String(r[0])).filter((t) => !this.isInternalTable(t));
  }

  /**
   * PostgreSQL reserves `pg_` names for its own catalogs; `sqlite_` names are refused too, so
   * that every store can be copied into a SQLite file. A shared store's own tables
   * (`dsi_file_modes`, `dsi_folder_modes`, `dsi_accounts`: row-security.ts) are internal too.
   */
  isInternalTable(name: string): boolean {
    const n = name.toLowerCase();
    return n.startsWith('pg_') || n.startsWith('sqlite_') || SHARING_TABLES.includes(n);
  }

  /** The table's oid and exact name; an exact match wins over one differing in case. */
  async #find(name: string): Promise<{ oid: number; name: string } | undefined> {
    const result = await this.#run(
      "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND lower(c.relname) = lower($2) ORDER BY (c.relname = $2) DESC, c.oid LIMIT 1",
      [this.#schema, name],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { oid: Number(row[0]), name: String(row[1]) };
  }

  async describeTable(name: string): Promise<TableInfo | undefined> {
    const found = await this.#find(name);
    if (!found) return undefined;
    const cols = await this.#run(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod),
              EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = a.attrelid AND p.contype = 'p' AND a.attnum = ANY (p.conkey))
         FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [found.oid],
    );
    const columns: ColumnInfo[] = cols.rows
      .filter((r) => r[0] !== ORDER_COLUMN)
      .map((r) => ({ name: String(r[0]), declaredType: declaredTypeName(String(r[1])), type: logicalTypeOf(String(r[1])), primaryKey: r[2] === 1 }));
    const foreignKeys: ForeignKey[] = (await this.#foreignKeysOf(found.oid)).map((f) => ({ column: f.column, refTable: f.refTable, refColumn: f.refColumn }));
    for (const fk of this.#dangling.get(found.name) ?? []) foreignKeys.push(fk);
    return { name: found.name, columns, foreignKeys };
  }

  async #foreignKeysOf(oid: number): Promise<ConstraintRow[]> {
    const result = await this.#run(
      `SELECT con.conname, a.attname, r.relname, ra.attname
         FROM pg_constraint con
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         JOIN pg_class r ON r.oid = con.confrelid
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
        WHERE con.conrelid = $1 AND con.contype = 'f' ORDER BY con.oid`,
      [oid],
    );
    return result.rows.map((r) => ({ name: String(r[0]), column: String(r[1]), refTable: String(r[2]), refColumn: String(r[3]) }));
  }

  async tableDdl(table: string): Promise<string> {
    const found = await this.#find(table);
    if (!found) return '';
    const cols = await this.#run(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attidentity FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      [found.oid],
    );
    const parts = cols.rows.map((r) => {
      const identity = r[2] === 'd' ? ' GENERATED BY DEFAULT AS IDENTITY' : r[2] === 'a' ? ' GENERATED ALWAYS AS IDENTITY' : '';
      return `${q(String(r[0]))} ${declaredTypeName(String(r[1]))}${identity}`;
    });
    // Keys spelled as the other backends spell them, every name quoted.
    const pk = await this.#run(
      "SELECT a.attname FROM pg_constraint p JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = ANY (p.conkey) WHERE p.conrelid = $1 AND p.contype = 'p' ORDER BY array_position(p.conkey, a.attnum)",
      [found.oid],
    );
    if (pk.rows.length > 0) parts.push(`PRIMARY KEY (${pk.rows.map((r) => q(String(r[0]))).join(', ')})`);
    for (const f of await this.#foreignKeysOf(found.oid)) {
      parts.push(`FOREIGN KEY (${q(f.column)}) REFERENCES ${q(f.refTable)} (${q(f.refColumn)}) DEFERRABLE INITIALLY DEFERRED`);
    }
    const other = await this.#run("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1 AND contype IN ('u', 'c') ORDER BY oid", [found.oid]);
    for (const r of other.rows) parts.push(String(r[0]));
    const indexes = await this.#run(
      `SELECT ic.relname, i.indisunique, (SELECT string_agg('"' || replace(a.attname, '"', '""') || '"', ', ' ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid`,
      [found.oid],
    );
    const indexDdl = indexes.rows.map((r) => `CREATE ${r[1] === 1 ? 'UNIQUE ' : ''}INDEX ${q(String(r[0]))} ON ${q(found.name)} (${String(r[2] ?? '')});`);
    return [`CREATE TABLE ${q(found.name)} (\n  ${parts.join(',\n  ')}\n);`, ...indexDdl].join('\n');
  }

  // ── statements ────────────────────────────────────────────────────────────────────────────

  /** Open a read-only scope (see {@link #readOnly}); {@link #endRead} closes it. */
  async #beginRead(): Promise<{ nested: boolean; savepoint: string; wasAborted: boolean }> {
    const nested = this.#inTransaction || this.#readDepth > 0;
    const savepoint = `dsi_read_${this.#readDepth}`;
    const wasAborted = this.#aborted;
    if (nested) {
      await this.#run(`SAVEPOINT ${savepoint}`);
      await this.#run('SET TRANSACTION READ ONLY');
    } else await this.#run('BEGIN READ ONLY');
    this.#readDepth++;
    return { nested, savepoint, wasAborted };
  }

  /**
   * Run `fn` in a read-only scope: its own READ ONLY transaction, or inside one already open
   * (a write transaction, or an outer read) a savepoint made read-only and rolled back after.
   */
  async #readOnly<T>(fn: () => Promise<T>): Promise<T> {
    this.#live;
    const { nested, savepoint, wasAborted } = await this.#beginRead();
    try {
      return await fn();
    } finally {
      this.#readDepth--;
      if (!this.#closed && !this.#lost) {
        await this.#endRead(nested, savepoint, wasAborted);
      }
    }
  }

  /** Close a read-only scope; a failed statement inside a write transaction is undone with it. */
  async #endRead(nested: boolean, savepoint: string, wasAborted: boolean): Promise<void> {
    if (nested) {
      await this.#run(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await this.#run(`RELEASE SAVEPOINT ${savepoint}`);
      this.#aborted = wasAborted;
    } else await this.#run('ROLLBACK');
  }

  #checkReading(sql: string): string {
    if (typeof sql !== 'string' || sql.trim() === '') throw new StoreError('E_SQL', 'query: the SQL is empty');
    const keyword = firstKeyword(sql);
    if (!READING.has(keyword)) {
      throw new StoreError('E_READ_ONLY', `query is read-only; this statement would change the store: ${sql.trim().slice(0, 120)}`);
    }
    return keyword;
  }

  /** Refuse a result with two columns of one name: a row keeps one value per name. */
  #checkColumnNames(fields: readonly { name: string }[]): void {
    const seen = new Set<string>();
    for (const { name } of fields) {
      if (seen.has(name)) {
        throw new StoreError('E_SQL', `query: the result has more than one column named "${snippet(name)}"; name them apart with AS (SELECT a.x AS a_x, b.x AS b_x …)`);
      }
      seen.add(name);
    }
  }

  async queryReadOnly(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    this.#checkReading(sql);
    return this.#readOnly(async () => {
      let result: pg.QueryArrayResult<unknown[]>;
      try {
        result = await this.#run(numberParameters(sql, params), params);
      } catch (e) {
        throw queryError(e);
      }
      this.#checkColumnNames(result.fields);
      return rowsOf(result);
    });
  }

  async queryColumns(sql: string): Promise<string[]> {
    const keyword = this.#checkReading(sql);
    return this.#readOnly(async () => {
      let fields: readonly { name: string }[];
      try {
        if (CURSOR_READING.has(keyword)) {
          const cursor = `dsi_cursor_${this.#cursors++}`;
          await this.#run(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
          fields = (await this.#run(`FETCH 0 FROM ${cursor}`)).fields;
        } else fields = (await this.#run(sql)).fields;
      } catch (e) {
        throw queryError(e);
      }
      this.#checkColumnNames(fields);
      return fields.map((f) => f.name).filter((n) => n !== ORDER_COLUMN);
    });
  }

  async *iterateReadOnly(sql: string, params: readonly Cell[] = [], batchSize = 1000): AsyncIterable<Row[]> {
    const keyword = this.#checkReading(sql);
    const text = numberParameters(sql, params);
    if (!CURSOR_READING.has(keyword)) {
      const rows = await this.queryReadOnly(sql, params);
      for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
      return;
    }
    // A generator cannot yield from inside #readOnly's callback: open and close the scope by hand.
    const { nested, savepoint, wasAborted } = await this.#beginRead();
    try {
      const cursor = `dsi_cursor_${this.#cursors++}`;
      try {
        await this.#run(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`, params);
      } catch (e) {
        throw queryError(e);
      }
      const size = Math.max(1, Math.floor(batchSize));
      for (;;) {
        let result: pg.QueryArrayResult<unknown[]>;
        try {
          result = await this.#run(`FETCH ${size} FROM ${cursor}`);
        } catch (e) {
          throw queryError(e);
        }
        this.#checkColumnNames(result.fields);
        if (result.rows.length > 0) yield rowsOf(result);
        if (result.rows.length < size) break;
      }
    } finally {
      this.#readDepth--;
      if (!this.#closed && !this.#lost) {
        await this.#endRead(nested, savepoint, wasAborted);
      }
    }
  }

  async select(sql: string, params: readonly Cell[] = []): Promise<Row[]> {
    try {
      return rowsOf(await this.#run(numberParameters(sql, params), params));
    } catch (e) {
      throw sqlError(e, sql);
    }
  }

  async execute(sql: string, params: readonly Cell[] = []): Promise<number> {
    try {
      this.#queuedChecks = this.#inTransaction;
      return (await this.#run(numberParameters(sql, params), params)).rowCount ?? 0;
    } catch (e) {
      throw sqlError(e, sql);
    }
  }

  // ── tables ────────────────────────────────────────────────────────────────────────────────

  /**
   * Refuse the order column's name for a column, and names PostgreSQL would cut short (it keeps
   * the first 63 bytes of a longer one, so the table could not be found by its name again).
   */
  #refuseOrderColumn(table: string, columns: readonly string[]): void {
    for (const name of [table, ...columns]) {
      if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
        throw new StoreError('E_BAD_ARGUMENT', `the name "${snippet(name)}" is ${Buffer.byteLength(name)} bytes long; PostgreSQL keeps names of at most ${MAX_NAME_BYTES} bytes`);
      }
    }
    const clash = columns.find((c) => c.toLowerCase() === ORDER_COLUMN);
    if (clash !== undefined) {
      throw new StoreError('E_BAD_ARGUMENT', `table "${table}": the column name "${clash}" is the one a PostgreSQL store keeps rows in order with; rename the column`);
    }
  }

  async createTable(definition: TableDefinition): Promise<void> {
    this.#refuseOrderColumn(definition.name, definition.columns.map((c) => c.name));
    const parts = [`${q(ORDER_COLUMN)} BIGINT GENERATED BY DEFAULT AS IDENTITY`];
    parts.push(...definition.columns.map((c) => `${q(c.name)} ${this.dialect.typeNames[c.type]}`));
    if (definition.primaryKey !== undefined) parts.push(`PRIMARY KEY (${q(definition.primaryKey)})`);
    try {
      await this.#run(`CREATE TABLE ${q(definition.name)} (\n  ${parts.join(',\n  ')}\n)`);
      for (const column of definition.uniqueColumns) await this.#uniqueIndex(definition.name, column);
      for (const fk of definition.foreignKeys) await this.#addForeignKey(definition.name, fk);
      // Foreign keys of other tables that waited for this one.
      for (const [child, fks] of [...this.#dangling]) {
        const waiting = fks.filter((f) => f.refTable.toLowerCase() === definition.name.toLowerCase());
        if (waiting.length === 0) continue;
        this.#dangling.set(child, fks.filter((f) => !waiting.includes(f)));
        for (const fk of waiting) await this.#addForeignKey(child, fk);
      }
    } catch (e) {
      throw this.#keyError(e, definition.name);
    }
  }

  async #uniqueIndex(table: string, column: string): Promise<void> {
    await this.#run(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`dsi_unique_${table}_${column}`.slice(0, 63))} ON ${q(table)} (${q(column)})`);
  }

  /**
   * Add `fk` to `table`: deferred to COMMIT, and NOT VALID for now (the rows already there are
   * checked by the store before it commits, and validated here then). A missing referenced
   * table makes it a dangling key, added when that table is created.
   */
  async #addForeignKey(table: string, fk: ForeignKey): Promise<void> {
    const parent = await this.#find(fk.refTable);
    if (!parent) {
      const list = this.#dangling.get(table) ?? [];
      this.#dangling.set(table, [...list.filter((f) => f.column.toLowerCase() !== fk.column.toLowerCase()), fk]);
      return;
    }
    const parentInfo = await this.describeTable(parent.name);
    const refColumn = parentInfo?.columns.find((c) => c.name.toLowerCase() === fk.refColumn.toLowerCase());
    if (!parentInfo || !refColumn) throw new StoreError('E_SCHEMA', `table "${table}" references "${fk.refTable}.${fk.refColumn}", but "${parent.name}" has no such column`);
    // PostgreSQL needs the referenced column to be unique.
    if (!refColumn.primaryKey) await this.#uniqueIndex(parent.name, refColumn.name);
    const name = `dsi_fk_${table}_${fk.column}`.slice(0, 63);
    await this.#settleChecks();
    await this.#run(
      `ALTER TABLE ${q(table)} ADD CONSTRAINT ${q(name)} FOREIGN KEY (${q(fk.column)}) REFERENCES ${q(parent.name)} (${q(refColumn.name)}) DEFERRABLE INITIALLY DEFERRED NOT VALID`,
    );
    this.#toValidate.push({ table, constraint: name });
  }

  /** Key errors in the store's words: duplicates are `E_UNIQUE`, a NULL where a key needs a value `E_SCHEMA`. */
  #keyError(e: unknown, table: string): StoreError {
    if (e instanceof StoreError) return e;
    const code = codeOf(e);
    const detail = (e as { detail?: unknown }).detail;
    const more = typeof detail === 'string' ? ` (${detail})` : '';
    if (code === '23505') return new StoreError('E_UNIQUE', `table "${table}": ${messageOf(e)}${more}`, { cause: e });
    if (code === '23502') return new StoreError('E_SCHEMA', `table "${table}": a key column has empty values, which PostgreSQL refuses in a primary key: ${messageOf(e)}`, { cause: e });
    // 42804: a foreign key between columns of different types (SQLite's columns hold any value; PostgreSQL's do not).
    if (code === '42804') return new StoreError('E_SCHEMA', `table "${table}": ${messageOf(e)}${more}; PostgreSQL needs a foreign key and the key it references to have the same type`, { cause: e });
    return sqlError(e);
  }

  async addColumn(table: string, column: string, type: LogicalType): Promise<void> {
    this.#refuseOrderColumn(table, [column]);
    await this.#settleChecks();
    await this.execute(`ALTER TABLE ${q(table)} ADD COLUMN ${q(column)} ${this.dialect.typeNames[type]}`);
  }

  /**
   * Change `definition.name` in place to `definition`: PostgreSQL alters column types and keys
   * without copying the table by hand, and the order column keeps the rows' order.
   */
  async rebuildTable(definition: TableDefinition): Promise<void> {
    const found = await this.#find(definition.name);
    const old = found && (await this.describeTable(found.name));
    if (!found || !old) throw new StoreError('E_TABLE_MISSING', `no table named ${definition.name}`);
    const t = q(found.name);
    const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
    try {
      await this.#settleChecks();
      // A shared store's policy names the file columns, and PostgreSQL will not change or drop a
      // column a policy uses: drop it here, the commit rebuilds it (row-security.ts).
      await this.#run(`DROP POLICY IF EXISTS ${q(POLICY)} ON ${t}`);
      for (const c of definition.columns) {
        const have = old.columns.find((o) => same(o.name, c.name));
        if (!have) await this.addColumn(found.name, c.name, c.type);
        else if (have.type !== c.type) {
          const type = this.dialect.typeNames[c.type];
          await this.#run(`ALTER TABLE ${t} ALTER COLUMN ${q(have.name)} TYPE ${type} USING ${q(have.name)}::${type}`);
        }
      }
      for (const o of old.columns) {
        if (!definition.columns.some((c) => same(c.name, o.name))) await this.#run(`ALTER TABLE ${t} DROP COLUMN ${q(o.name)}`);
      }
      const oldKey = old.columns.find((c) => c.primaryKey)?.name;
      if (!same(oldKey, definition.primaryKey)) {
        const pk = await this.#run("SELECT conname FROM pg_constraint WHERE conrelid = $1 AND contype = 'p'", [found.oid]);
        for (const r of pk.rows) await this.#run(`ALTER TABLE ${t} DROP CONSTRAINT ${q(String(r[0]))}`);
        if (definition.primaryKey !== undefined) await this.#run(`ALTER TABLE ${t} ADD PRIMARY KEY (${q(definition.primaryKey)})`);
      }
      for (const column of definition.uniqueColumns) await this.#uniqueIndex(found.name, column);
      const key = (f: { column: string; refTable: string; refColumn: string }) => `${f.column}\u0000${f.refTable}\u0000${f.refColumn}`.toLowerCase();
      const wanted = new Set(definition.foreignKeys.map(key));
      const existing = await this.#foreignKeysOf(found.oid);
      for (const f of existing) if (!wanted.has(key(f))) await this.#run(`ALTER TABLE ${t} DROP CONSTRAINT ${q(f.name)}`);
      const dangling = (this.#dangling.get(found.name) ?? []).filter((f) => wanted.has(key(f)));
      this.#dangling.set(found.name, dangling);
      const have = new Set([...existing.map(key), ...dangling.map(key)]);
      for (const fk of definition.foreignKeys) if (!have.has(key(fk))) await this.#addForeignKey(found.name, fk);
    } catch (e) {
      throw this.#keyError(e, found.name);
    }
  }

  /**
   * Drop `table`. Foreign keys of other tables that reference it go with it (CASCADE) and wait as
   * dangling keys: a table of that name created later in the transaction gets them back.
   */
  async dropTable(table: string): Promise<void> {
    const found = await this.#find(table);
    if (!found) throw new StoreError('E_TABLE_MISSING', `no table named ${table}`);
    const referencing = await this.#run(
      `SELECT c.relname, a.attname, ra.attname
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
        WHERE con.confrelid = $1 AND con.conrelid <> $1 AND con.contype = 'f'`,
      [found.oid],
    );
    await this.#settleChecks();
    await this.execute(`DROP TABLE ${q(found.name)} CASCADE`);
    this.#dangling.delete(found.name);
    this.#toValidate = this.#toValidate.filter((v) => v.table !== found.name);
    for (const r of referencing.rows) {
      const child = String(r[0]);
      this.#dangling.set(child, [...(this.#dangling.get(child) ?? []), { column: String(r[1]), refTable: found.name, refColumn: String(r[2]) }]);
    }
  }

  /** Rows go in by `COPY … FROM STDIN`, one statement per batch. */
  async openInserter(table: string, columns: readonly string[]): Promise<RowInserter> {
    this.#live;
    const width = columns.length;
    const text = `COPY ${q(table)} (${columns.map(q).join(', ')}) FROM STDIN`;
    const copy = async (rows: number, cellAt: (row: number, column: number) => Cell | undefined): Promise<void> => {
      if (rows === 0) return;
      const chunks = copyChunks(rows, width, cellAt);
      const client = this.#live;
      this.#queuedChecks = this.#inTransaction;
      try {
        await new Promise<number>((resolve, reject) => {
          client.query(new CopyIn(text, chunks, (error, n) => (error ? reject(error) : resolve(n))) as unknown as pg.Submittable);
        });
      } catch (e) {
        if (this.#inTransaction) this.#aborted = true;
        throw rejection(e);
      }
    };
    return {
      insert: (rows) => copy(rows.length, (r, c) => rows[r]![c]),
      insertColumns: (cols, n) => copy(n, (r, c) => cols[c]![r]),
    };
  }

  // ── transactions ──────────────────────────────────────────────────────────────────────────

  async begin(): Promise<void> {
    await this.#run('BEGIN');
    this.#inTransaction = true;
    this.#aborted = false;
    this.#toValidate = [];
    this.#dangling = new Map();
  }

  async commit(): Promise<void> {
    try {
      // A store shared by a group (row-security.ts): protect new tables and snapshot new files
      // with the rows. Relative paths resolve against the working folder, as the store resolves
      // a server store's paths.
      if (this.#inTransaction) await secureOnCommit((text, values) => this.#run(text, values), this.#schema, process.cwd());
    } catch (e) {
      await this.rollback();
      throw sqlError(e);
    }
    try {
      if (this.#toValidate.length > 0) await this.#settleChecks();
      for (const { table, constraint } of this.#toValidate) {
        if (await this.#find(table)) await this.#run(`ALTER TABLE ${q(table)} VALIDATE CONSTRAINT ${q(constraint)}`);
      }
      await this.#run('COMMIT');
    } catch (e) {
      if (codeOf(e) === '23503') throw new StoreError('E_SCHEMA', `foreign key violated: ${messageOf(e)}`, { cause: e });
      throw sqlError(e);
    } finally {
      this.#endTransaction();
    }
  }

  #endTransaction(): void {
    this.#inTransaction = false;
    this.#queuedChecks = false;
    this.#aborted = false;
    this.#toValidate = [];
    this.#dangling = new Map();
  }

  async rollback(): Promise<void> {
    if (this.#closed || !this.#inTransaction) return;
    try {
      if (!this.#lost) await this.#client.query('ROLLBACK');
    } finally {
      this.#endTransaction();
    }
  }

  async savepoint(name: string): Promise<void> {
    await this.#run(`SAVEPOINT ${q(name)}`);
  }

  /** After an error the transaction can only roll back; releasing is then left to that rollback. */
  async releaseSavepoint(name: string): Promise<void> {
    if (this.#aborted) return;
    await this.#run(`RELEASE SAVEPOINT ${q(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.#run(`ROLLBACK TO SAVEPOINT ${q(name)}`);
    this.#aborted = false;
  }

  async foreignKeyViolations(tables?: readonly string[]): Promise<ForeignKeyViolation[]> {
    const all = await this.listTables();
    const touched = tables === undefined ? undefined : new Set(tables.map((t) => t.toLowerCase()));
    const violations: ForeignKeyViolation[] = [];
    for (const child of all) {
      const info = await this.describeTable(child);
      if (!info || info.foreignKeys.length === 0) continue;
      if (touched && !touched.has(child.toLowerCase()) && !info.foreignKeys.some((f) => touched.has(f.refTable.toLowerCase()))) continue;
      for (const fk of info.foreignKeys) {
        const parent = await this.describeTable(fk.refTable);
        const column = info.columns.find((c) => c.name === fk.column);
        const refColumn = parent?.columns.find((c) => c.name.toLowerCase() === fk.refColumn.toLowerCase());
        // Values compare as the same type; text where the two columns' types differ.
        const sameType = column !== undefined && refColumn !== undefined && column.type === refColumn.type;
        const left = sameType ? 'p.k' : 'p.k::text';
        const right = sameType ? 'x.v' : 'x.v::text';
        const missing =
          parent === undefined || refColumn === undefined
            ? ''
            : `AND NOT EXISTS (SELECT 1 FROM (SELECT ${q(refColumn.name)} AS k FROM ${q(parent.name)}) AS p WHERE ${left} = ${right})`;
        const rows = await this.#run(
          `SELECT x.i FROM (SELECT ${q(fk.column)} AS v, ROW_NUMBER() OVER (ORDER BY ${ORDER}) AS i FROM ${q(info.name)}) AS x WHERE x.v IS NOT NULL ${missing} ORDER BY x.i LIMIT ${MAX_VIOLATIONS}`,
        );
        for (const r of rows.rows) violations.push({ table: info.name, rowIndex: Number(r[0]), foreignKey: fk });
        if (violations.length >= MAX_VIOLATIONS) return violations;
      }
    }
    return violations;
  }

  // ── the store's own records ───────────────────────────────────────────────────────────────

  /** Kept in the schema's comment, `dsi store format N`: no table of its own. */
  async schemaVersion(): Promise<number> {
    const result = await this.#run("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1", [this.#schema]);
    const m = /dsi store format (\d+)/.exec(String(result.rows[0]?.[0] ?? ''));
    return m ? Number(m[1]) : 0;
  }

  async setSchemaVersion(version: number): Promise<void> {
    await this.#run(`COMMENT ON SCHEMA ${q(this.#schema)} IS 'dsi store format ${Math.floor(version)}'`);
  }

  /**
   * A server store has no file to copy: copy it into another store (`Store#copyTo`, which can
   * write a SQLite file) or use PostgreSQL's own pg_dump.
   */
  async backupTo(path: string): Promise<void> {
    throw new StoreError('E_BACKEND', `a PostgreSQL store cannot be backed up to the file ${path}; copy it into another store (copyTo) or use pg_dump`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#inTransaction && !this.#lost) await this.#client.query('ROLLBACK');
    } catch {
      // The connection is going away; the server rolls back on its own.
    }
    this.#endTransaction();
    await this.#client.end().catch(() => undefined);
  }
}
