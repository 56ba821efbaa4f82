/**
 * A PostgreSQL store's location: `postgres://user[:password]@host[:port]/database?schema=NAME`
 * (or `postgresql://`). Each store is one schema of a database (default `dsi`); the password, when
 * the URL holds one, is used to connect and never shown: {@link PostgresLocation.shown} leaves it out.
 */
import type { ClientConfig } from 'pg';
import { StoreError } from '../../errors.js';
import { hasNul } from '../../store/identifiers.js';

export interface PostgresLocation {
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string;
  readonly schema: string;
  /** Seconds to wait for the server before giving up (`connect_timeout`, as libpq names it). */
  readonly connectTimeoutSeconds: number;
  /** The location as the store shows it: the URL without its password. */
  readonly shown: string;
}

/** The schema a store uses when the URL names none. */
export const DEFAULT_SCHEMA = 'dsi';
const DEFAULT_TIMEOUT_SECONDS = 10;
/** PostgreSQL truncates longer names (NAMEDATALEN − 1 bytes). */
const MAX_NAME_BYTES = 63;

/** Whether `location` is a PostgreSQL URL. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Parse a PostgreSQL location, refusing one the store cannot use with a message naming what is
 * wrong (never the password).
 *
 * @example parsePostgresLocation('postgres://ana:secret@db.lab:5433/science?schema=fire').shown
 * // 'postgres://ana@db.lab:5433/science?schema=fire'
 */
export function parsePostgresLocation(location: string): PostgresLocation {
  if (!isPostgresLocation(location)) {
    throw new StoreError('E_BAD_ARGUMENT', `a PostgreSQL store's location is a URL postgres://user@host:port/database?schema=NAME, got "${location.slice(0, 80)}"`);
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new StoreError('E_BAD_ARGUMENT', `"${withoutPassword(location)}" is not a valid URL (postgres://user@host:port/database?schema=NAME)`);
  }
  const decode = (s: string) => (s === '' ? undefined : decodeURIComponent(s));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = url.port === '' ? 5432 : Number(url.port);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decode(url.username);
  const password = decode(url.password);
  let schema = DEFAULT_SCHEMA;
  let connectTimeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  for (const [key, value] of url.searchParams) {
    if (key === 'schema') schema = value;
    else if (key === 'connect_timeout') {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new StoreError('E_BAD_ARGUMENT', `${key} in the store's URL must be a number of seconds > 0, got "${value}"`);
      connectTimeoutSeconds = seconds;
    } else throw new StoreError('E_BAD_ARGUMENT', `the store's URL has an unknown parameter "${key}"; known: schema, connect_timeout`);
  }
  if (database === '' || database.includes('/')) {
    throw new StoreError('E_BAD_ARGUMENT', `the store's URL must name one database after the host (postgres://user@host:port/DATABASE), got "${url.pathname}"`);
  }
  for (const [what, name] of [['schema', schema], ['database', database]] as const) {
    if (name === '' || hasNul(name) || Buffer.byteLength(name) > MAX_NAME_BYTES) {
      throw new StoreError('E_BAD_ARGUMENT', `the ${what} name in the store's URL must be 1–${MAX_NAME_BYTES} bytes without NUL, got "${name.slice(0, 80)}"`);
    }
  }
  const query = `?schema=${encodeURIComponent(schema)}`;
  const shown = `${url.protocol}//${user === undefined ? '' : `${encodeURIComponent(user)}@`}${url.host}/${encodeURIComponent(database)}${query}`;
  return { host, port, user, password, database, schema, connectTimeoutSeconds, shown };
}

/** `location` with any password between `user:` and `@` blanked, for messages about a URL that does not parse. */
function withoutPassword(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1:***@').slice(0, 120);
}

/** The connection settings `pg` needs for `at`, naming the program to the server (`pg_stat_activity`). */
export function clientConfig(at: PostgresLocation, applicationName: string): ClientConfig {
  return {
    host: at.host,
    port: at.port,
    database: at.database,
    ...(at.user === undefined ? {} : { user: at.user }),
    ...(at.password === undefined ? {} : { password: at.password }),
    connectionTimeoutMillis: Math.round(at.connectTimeoutSeconds * 1000),
    application_name: applicationName,
  };
}
