/**
 * Sharing a PostgreSQL store with a group, as one call each: grant a database role to a system
 * account, re-snapshot the files' permissions, report the state (row-security.ts does the work).
 * Each call is one connection and one transaction: all of it happens or none.
 *
 * @example
 * await shareStore('postgres://owner@db/science?schema=fire', { role: 'ana', account: 'ana', createRole: true, fileRoot: process.cwd() });
 * await refreshSharedStore('postgres://owner@db/science?schema=fire', process.cwd());
 * const status = await sharedStoreStatus('postgres://owner@db/science?schema=fire');
 */
import pg from 'pg';
import { StoreError } from '../../errors.js';
import { connectError } from './postgres-backend.js';
import { clientConfig, parsePostgresLocation } from './postgres-location.js';
import {
  type ProtectedTable,
  type RefreshResult,
  type SharedAccount,
  type SharingStatus,
  type Sql,
  enableSharing,
  grantAccount,
  protectTables,
  refreshSnapshots,
  sharingEnabled,
  sharingStatus,
} from './row-security.js';

/** Open a connection to `location`'s database, run `fn` in one transaction (read-only when asked), close. */
async function withSql<T>(location: string, readOnly: boolean, fn: (sql: Sql, schema: string) => Promise<T>): Promise<T> {
  const at = parsePostgresLocation(location);
  const client = new pg.Client(clientConfig(at, 'dsi share'));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectError(e, at);
  }
  const sql: Sql = async (text, values = []) => client.query<unknown[]>({ text, values: values as unknown[], rowMode: 'array' });
  try {
    const exists = await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [at.schema]);
    if (exists.rows.length === 0) throw new StoreError('E_BAD_ARGUMENT', `store ${at.shown} does not exist (the database has no schema "${at.schema}")`);
    await sql(readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
    try {
      const result = await fn(sql, at.schema);
      await sql('COMMIT');
      return result;
    } catch (e) {
      await sql('ROLLBACK').catch(() => undefined);
      if (e instanceof StoreError) throw e;
      throw new StoreError('E_BACKEND', `sharing ${at.shown}: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What {@link shareStore} did. */
export interface ShareResult {
  readonly account: SharedAccount | undefined;
  readonly tables: readonly ProtectedTable[];
  readonly refresh: RefreshResult;
}

/**
 * Share the store at `location` (run as its owner): make it shareable if it is not yet, protect
 * its tables, snapshot its files' permissions, and, when `role` is given, let that database role
 * read it as system account `account` (`createRole`: create the role, LOGIN without a password).
 * Relative `FILE…` values are relative to `fileRoot`.
 */
export async function shareStore(location: string, options: { role?: string; account?: string; createRole?: boolean; fileRoot: string }): Promise<ShareResult> {
  if ((options.role === undefined) !== (options.account === undefined)) {
    throw new StoreError('E_BAD_ARGUMENT', 'role and account go together: the database role and the system account it reads as');
  }
  return withSql(location, false, async (sql, schema) => {
    await enableSharing(sql, schema);
    const account = options.role === undefined ? undefined : await grantAccount(sql, schema, { role: options.role, account: options.account!, createRole: options.createRole === true });
    const tables = await protectTables(sql, schema);
    const refresh = await refreshSnapshots(sql, schema, options.fileRoot, { all: false });
    return { account, tables, refresh };
  });
}

/** Re-snapshot the permissions of every file the shared store at `location` references. */
export async function refreshSharedStore(location: string, fileRoot: string): Promise<RefreshResult> {
  return withSql(location, false, async (sql, schema) => {
    if (!(await sharingEnabled(sql, schema))) throw new StoreError('E_BAD_ARGUMENT', `the store ${parsePostgresLocation(location).shown} is not shared yet; share it with a role and account first`);
    await protectTables(sql, schema);
    return refreshSnapshots(sql, schema, fileRoot, { all: true });
  });
}

/** The sharing state of the store at `location`. */
export async function sharedStoreStatus(location: string): Promise<SharingStatus> {
  return withSql(location, true, (sql, schema) => sharingStatus(sql, schema));
}
