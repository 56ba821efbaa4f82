/**
 * PostgreSQL for the tests: the server DSI_TEST_POSTGRES_URL names (scripts/test.sh starts a
 * throw-away one when it is unset), a fresh schema per store (a random name), and every schema
 * made here dropped when the test process has nothing left to do.
 */
import crypto from 'node:crypto';
import pg from 'pg';

/** The test server's URL, or undefined when none is given. */
export const POSTGRES_URL: string | undefined = process.env['DSI_TEST_POSTGRES_URL'] || undefined;

/** Schemas handed out, with the URL of the role that owns them (the one that may drop them). */
const schemas: { schema: string; owner: string }[] = [];
let cleanupRegistered = false;

/** Drop every schema {@link freshPostgresLocation} handed out (called once the process is idle). */
export async function dropTestSchemas(): Promise<void> {
  const list = schemas.splice(0);
  for (const owner of new Set(list.map((s) => s.owner))) {
    const client = new pg.Client({ connectionString: owner, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      for (const { schema } of list.filter((s) => s.owner === owner)) {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      }
    } catch {
      // The server went away first: nothing is left to drop.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * A store location in a schema no test used before: `DSI_TEST_POSTGRES_URL?schema=dsi_test_…`,
 * or the same on `base` (the test server as another role).
 */
export function freshPostgresLocation(base: string | undefined = POSTGRES_URL): string {
  if (base === undefined) throw new Error('DSI_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against');
  const schema = `dsi_test_${crypto.randomBytes(6).toString('hex')}`;
  schemas.push({ schema, owner: base });
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('beforeExit', () => void dropTestSchemas());
  }
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return url.toString();
}
