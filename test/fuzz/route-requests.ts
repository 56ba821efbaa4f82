/**
 * Requests for the dashboard's routes (src/server/): every route the app declares, with random
 * path parameters (traversals, encoded slashes and NULs, injections, long names), query strings
 * of the parameters the routes read (numbers out of range, find conditions, SQL that writes or
 * exhausts, paths outside the store), JSON bodies (wrong types, deep nesting, megabytes, not
 * JSON at all), other methods, content types and origins.
 */
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';

/** One request as plain data (printed briefly when a property fails). */
export interface RouteRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Every route the app serves, `:name` marking a path parameter. */
export const ROUTES: readonly string[] = [
  '/api/health',
  '/api/overview',
  '/api/tables',
  '/api/relations',
  '/api/tables/:table',
  '/api/tables/:table/find',
  '/api/search',
  '/api/sql',
  '/api/evaluations',
  '/api/evaluations/conditions.svg',
  '/api/evaluations/epochs.svg',
  '/api/explanations',
  '/api/explanations/:id',
  '/api/explanations/:id/values.svg',
  '/api/gallery/sources',
  '/api/gallery/facets',
  '/api/gallery/images',
  '/api/jobs',
  '/api/jobs/:id',
  '/api/jobs/:id/events',
  '/api/lineage/:run',
  '/api/runs',
  '/api/runs/:run',
  '/api/runs/:run/steps',
  '/api/runs/:run/curves.svg',
  '/api/runs/:run/events',
  '/api/runs/:run/report',
  '/api/compare',
  '/api/compare/curves.svg',
  '/api/review/runs',
  '/api/review/:run/queue',
  '/api/review/:run/tally',
  '/api/review/:run/reviews',
  '/api/review/:run/accept',
  '/files',
  '/',
  '/index.html',
];

/** Where `VACUUM INTO` in the SQL box would write a copy of the store (it must not exist afterwards). */
export const EVIL_COPY = path.join(os.tmpdir(), `dsi-fuzz-evil-copy-${process.pid}.db`);

/** SQL for the SQL box: reads, writes it must refuse, and statements that reach outside the store. */
export const SQL_STATEMENTS = [
  'SELECT * FROM shots',
  'SELECT count(*) AS n FROM shots WHERE speed > 2',
  'select 1; select 2',
  'DELETE FROM shots',
  'DROP TABLE shots',
  'UPDATE shots SET speed = 0',
  "INSERT INTO shots (id) VALUES (99)",
  'CREATE TABLE evil (a)',
  "ATTACH DATABASE ':memory:' AS evil",
  `VACUUM INTO '${EVIL_COPY}'`,
  'PRAGMA writable_schema = 1',
  'PRAGMA journal_mode = DELETE',
  'PRAGMA table_info(shots)',
  "SELECT load_extension('/tmp/evil')",
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT s',
  'REINDEX',
  'ANALYZE',
  'SELECT * FROM sqlite_master',
  "SELECT '",
  '',
  '   ',
  '-- nothing',
  'SELECT ?',
  'SELECT :x',
];

const pathParamArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('shots', 'Shots', 'dsi_units', 'dsi_ingested', 'ml_runs', 'sqlite_master', '..', '.', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%2F', 'a%2Fb', '%00', '%', '%ZZ', '%C0%AE', "'%3B%20DROP%20TABLE%20shots%3B%20--", '%22', 'run-1', '0', '-1', '%F0%9F%98%80', 'x'.repeat(5000), ''),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map(encodeURIComponent) },
);

const QUERY_NAMES = ['offset', 'limit', 'sort', 'desc', 'where', 'q', 'reviewer', 'all', 'runs', 'path', 'cinema', 'from', 'table', 'filter', 'condition', 'per', 'metric', 'feature_run_id', 'run', 'loss', 'file', 'epoch', 'after', 'afterStep', 'afterEpoch', 'sql', 'token', 'x'];

const queryValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '-1', '5000', '5001', '1e3', '9007199254740993', '99999999999999999999', 'NaN', 'Infinity', '0x10', ' 7 ', '1.5', 'true', 'false', 'yes', '') },
  { weight: 2, arbitrary: fc.constantFrom('speed > 2', "id = '1'", 'FILE ~ png', 'ghost = 1', "name = ''); DROP TABLE shots; --", '(', 'speed (3, 1)', 'id ~~ %') },
  { weight: 2, arbitrary: fc.constantFrom(...SQL_STATEMENTS) },
  { weight: 2, arbitrary: fc.constantFrom('images/a.png', '../secret.png', '/etc/passwd', 'images/link.png', 'images/../../secret.png', 'images%2Fa.png', 'images/a.png\0', 'file:///etc/passwd', 'https://example.org/x.png', 'images\\a.png', 'IMAGES/A.PNG', 'images/missing.png', '.', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => 'y'.repeat(n)) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('run-1', 'x', '', ','), { maxLength: 30 }).map((a) => a.join(',')) },
);

/** `name=value` pairs, each value encoded or left raw (a raw `%` or `&` is part of the test). */
const queryArb: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), queryValueArb, fc.boolean()), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v, raw]) => `${k}=${raw ? v.replace(/[\s#?]/g, encodeURIComponent) : encodeURIComponent(v)}`).join('&')}`));

/** A JSON body of the shapes the POST routes take, with every key given the wrong kind of value too. */
const bodyKeysArb = fc.dictionary(
  fc.constantFrom('sql', 'limit', 'kind', 'from', 'epochs', 'prediction_id', 'verdict', 'rating', 'comment', 'reviewer', 'rule', 'reviewed', 'best', 'per', 'diverse', 'min_distance', 'features', 'clear', '__proto__', 'constructor'),
  fc.oneof(fc.constantFrom(...SQL_STATEMENTS), fc.constantFrom('child-run', 'accept', 'reject', 'score >= 0.9', 'run-1'), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 10 })),
  { maxKeys: 5 },
);

const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: bodyKeysArb.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1 << 20, max: 3 << 20 }).map((n) => JSON.stringify({ sql: `SELECT '${'z'.repeat(n)}'` })) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"text"', '{"sql": "SELECT 1",}', '\uFEFF{"sql":"SELECT 1"}', "{'sql': 1}", 'NaN', '{"sql": "\\ud800"}') },
);

export const requestArb: fc.Arbitrary<RouteRequest> = fc
  .record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 4, arbitrary: fc.constant('POST') }, fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS')),
    route: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...ROUTES) }, fc.array(pathParamArb, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`), fc.constantFrom('/api', '/api/', '/api//tables', '/files/', '//files', '/api/tables/', '/assets/../../package.json')),
    params: fc.array(pathParamArb, { minLength: 3, maxLength: 3 }),
    query: queryArb,
    contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, fc.constantFrom('text/plain', '', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/jsonx')),
    origin: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.constantFrom('http://127.0.0.1:8765', 'https://evil.example', 'null')),
    body: bodyArb,
  })
  .map(({ method, route, params, query, contentType, origin, body }) => {
    let i = 0;
    const target = route.replace(/:[a-z]+/g, () => params[i++ % params.length]!);
    const headers: Record<string, string> = { host: '127.0.0.1:8765' };
    if (contentType !== '') headers['content-type'] = contentType;
    if (origin !== undefined) headers['origin'] = origin;
    const withBody = method !== 'GET' && method !== 'HEAD';
    const request: RouteRequest = { method, url: `http://127.0.0.1:8765${target}${query}`, headers, ...(withBody ? { body } : {}) };
    return Object.assign(request, { [fc.toStringMethod]: () => `${method} ${request.url.slice(0, 300)} ${JSON.stringify(headers)} body: ${withBody ? JSON.stringify(body.slice(0, 200)) : '-'}${withBody && body.length > 200 ? `… (${body.length} chars)` : ''}` });
  });
