/**
 * PostgreSQL for the tests: the server DSI_TEST_POSTGRES_URL names (scripts/test.sh starts a
 * throw-away one when it is unset), a fresh schema per store (a random name), and every schema
 * made here dropped when the test process has nothing left to do.
 */
import crypto from 'node:crypto';
import pg from 'pg';

/** The test server's URL, or undefined when none is given. */
export const POSTGRES_URL: string | undefined = process.env['DSI_TEST_POSTGRES_URL'] || undefined;

const schemas: string[] = [];
let cleanupRegistered = false;

/** Drop every schema {@link freshPostgresLocation} handed out (called once the process is idle). */
export async function dropTestSchemas(): Promise<void> {
  if (POSTGRES_URL === undefined || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch {
    // The server went away first: nothing is left to drop.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A store location in a schema no test used before: `DSI_TEST_POSTGRES_URL?schema=dsi_test_…`. */
export function freshPostgresLocation(): string {
  if (POSTGRES_URL === undefined) throw new Error('DSI_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against');
  const schema = `dsi_test_${crypto.randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('beforeExit', () => void dropTestSchemas());
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}
