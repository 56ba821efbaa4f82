/**
 * The dashboard's data routes, in-process: the overview, tables paged and sorted, find, search,
 * relations and units, the read-only SQL box, the gallery over a table, a query and a Cinema
 * database; every refusal a 4xx with a stable code and a message naming the problem.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, parseRelations, StoreError } from '../src/index.js';
import { encodePng } from '../src/images/png-codec.js';
import { openCinemaDatabase } from '../src/server/cinema-database.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { DashboardContext } from '../src/server/dashboard-context.js';
import type { Store } from '../src/store/store.js';
import { writeCraftedRegistry } from './helpers/crafted-registry.js';
import { makeMnistStore } from './helpers/mnist-store.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIGITS = 60;
let store: Store;
let app: ReturnType<typeof createDashboardApp>;

/** GET `url` (or send `init`) on loopback; the status and the parsed JSON body. */
async function call(target: ReturnType<typeof createDashboardApp>, url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await target.request(url, { ...init, headers: { host: '127.0.0.1', ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}
const get = (url: string) => call(app, url);
const postJson = (url: string, body: unknown) => call(app, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const q = encodeURIComponent;

before(async () => {
  const dir = tempDir('dsi-server-store-');
  const made = await makeMnistStore(dir, DIGITS);
  await made.store.close();
  await writeCraftedRegistry(made.db, [{ run_id: 'gan-a' }, { run_id: 'gan-b', parent_run_id: 'gan-a' }]);
  // gan-b was running, but its heartbeat stopped an hour ago: the overview calls it killed.
  const raw = new Database(made.db);
  raw.prepare("UPDATE ml_runs SET status = 'running', heartbeat_at = ?, created_at = ? WHERE run_id = 'gan-b'").run(new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() + 1000).toISOString());
  raw.close();
  store = await openStore(made.db);
  await store.insertRows('sites', [{ site: 'a', height: 1.5 }, { site: 'b', height: 2.5 }], { units: { height: 'm' } });
  await store.insertRows('samples', [{ id: 1, site: 'a', big: 2n ** 60n + 1n }, { id: 2, site: 'b', big: 7 }]);
  await store.applySchema(parseRelations({ sites: { primary_key: 'site' }, samples: { primary_key: 'id', foreign_key: { site: ['sites', 'site'] } } }, 'relations.json'));
  app = createDashboardApp({ store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', made.db] }, { loopback: true });
});

after(async () => {
  await store.close();
  removeTempDirs();
});

describe('overview', () => {
  it('lists every table with its row and column counts, marks the run registry, and lists runs with their state (killed for a stale heartbeat)', async () => {
    const { status, body } = await get('/api/overview');
    assert.equal(status, 200);
    const digits = body['tables'].find((t: Json) => t.table === 'digits');
    assert.deepEqual(digits, { table: 'digits', rows: DIGITS, columns: 5, registry: false, catalog: false, fileColumns: ['FILE'] });
    assert.equal(body['tables'].find((t: Json) => t.table === 'dsi_units').catalog, true);
    const runs = body['tables'].find((t: Json) => t.table === 'ml_runs');
    assert.equal(runs.registry, true);
    assert.equal(runs.rows, 2);
    assert.deepEqual(body['runs'].map((r: Json) => [r.run_id, r.status, r.state, r.parent_run_id]), [['gan-b', 'running', 'killed', 'gan-a'], ['gan-a', 'finished', 'finished', null]]);
    assert.equal(body['cinema'], null);
  });

  it('shows a store without a run registry with no runs', async () => {
    const bare = await openStore(path.join(tempDir('dsi-bare-'), 'bare.db'));
    try {
      await bare.insertRows('t', [{ a: 1 }]);
      const body = (await call(createDashboardApp({ store: bare, cinema: undefined, reviewer: 'ana', storeArguments: [] }, { loopback: true }), '/api/overview')).body;
      assert.deepEqual([body['tables'].map((t: Json) => [t.table, t.rows]), body['runs']], [[['t', 1]], []]);
    } finally {
      await bare.close();
    }
  });
});

describe('tables', () => {
  it('pages a table: offset, limit, sort (descending too), with the total and the columns with types, units and keys', async () => {
    const { status, body } = await get('/api/tables/digits?offset=10&limit=5&sort=brightness&desc=1');
    assert.equal(status, 200);
    assert.equal(body['total'], DIGITS);
    assert.equal(body['rows'].length, 5);
    const all = (await store.getTable('digits')).map((r) => Number(r['brightness'])).sort((a, b) => b - a);
    assert.deepEqual(body['rows'].map((r: Json) => r.brightness), all.slice(10, 15));
    assert.deepEqual(body['columns'].map((c: Json) => [c.name, c.type, c.file]), [['id', 'integer', false], ['label', 'integer', false], ['brightness', 'float', false], ['split', 'text', false], ['FILE', 'text', true]]);
    const sites = (await get('/api/tables/sites')).body;
    assert.deepEqual(sites['columns'].map((c: Json) => [c.name, c.unit, c.primaryKey]), [['site', null, true], ['height', 'm', false]]);
    assert.deepEqual(sites['referencedBy'], [{ table: 'samples', column: 'site', refTable: 'sites', refColumn: 'site' }]);
    const samples = (await get('/api/tables/samples')).body;
    assert.deepEqual(samples['columns'].find((c: Json) => c.name === 'site').references, { table: 'sites', column: 'site' });
  });

  it('sends an integer beyond 2^53 as its exact digits', async () => {
    const { body } = await get('/api/tables/samples?sort=id');
    assert.deepEqual(body['rows'].map((r: Json) => r.big), [(2n ** 60n + 1n).toString(), 7]);
  });

  it('refuses a bad offset, limit or desc with a 400 naming it, an unknown sort column or table with a 404', async () => {
    for (const [url, name] of [['offset=-1', 'offset'], ['offset=x', 'offset'], ['limit=0', 'limit'], ['limit=100000', 'limit'], ['desc=maybe', 'desc']] as const) {
      const { status, body } = await get(`/api/tables/digits?${url}`);
      assert.equal(status, 400, url);
      assert.equal(body['error'].code, 'E_BAD_REQUEST');
      assert.match(body['error'].message, new RegExp(`^${name} must be`));
    }
    const sort = await get('/api/tables/digits?sort=nope');
    assert.equal(sort.status, 404);
    assert.equal(sort.body['error'].code, 'E_COLUMN_MISSING');
    assert.match(sort.body['error'].message, /no column "nope"/);
    const missing = await get('/api/tables/nowhere');
    assert.equal(missing.status, 404);
    assert.equal(missing.body['error'].code, 'E_TABLE_MISSING');
  });

  it('lists the tables, and the relations for the ER diagram', async () => {
    const { body } = await get('/api/tables');
    assert.deepEqual(body['tables'].filter((t: Json) => !t.registry && !t.catalog).map((t: Json) => [t.table, t.rows]), [['digits', DIGITS], ['sites', 2], ['samples', 2]]);
    const relations = (await get('/api/relations')).body;
    assert.ok(relations['edges'].some((e: Json) => e.table === 'samples' && e.column === 'site' && e.refTable === 'sites' && e.refColumn === 'site'));
    assert.ok(relations['tables'].some((t: Json) => t.name === 'ml_runs' && t.registry === true));
    const implied = relations['edges'].filter((e: Json) => e.implied === true).map((e: Json) => `${e.table}.${e.column}`);
    assert.ok(implied.includes('ml_runs.parent_run_id') && implied.includes('ml_predictions.run_id'), implied.join(', '));
    assert.equal(relations['edges'].filter((e: Json) => e.implied === undefined).length, 1);
  });
});

describe('find and search', () => {
  it('finds the rows of a condition, with their row index and count', async () => {
    const { status, body } = await get(`/api/tables/digits/find?where=${q('label == 3')}`);
    assert.equal(status, 200);
    const expected = (await store.getTable('digits')).filter((r) => r['label'] === 3).length;
    assert.ok(expected > 0);
    assert.equal(body['total'], expected);
    assert.ok(body['rows'].every((r: Json) => r.label === 3 && r.dsi_table_name === 'digits' && Number.isInteger(r.dsi_row_index)));
    const limited = (await get(`/api/tables/digits/find?where=${q('brightness > 0')}&limit=3`)).body;
    assert.deepEqual([limited['rows'].length, limited['total'], limited['more']], [3, DIGITS, true]);
    const tail = (await get(`/api/tables/digits/find?where=${q('brightness > 0')}&limit=3&offset=${DIGITS - 2}`)).body;
    assert.deepEqual([tail['rows'].map((r: Json) => r.dsi_row_index), tail['more']], [[DIGITS - 1, DIGITS], false]);
  });

  it('refuses a condition that does not parse with a 400 naming the problem, and an unknown column with a 404', async () => {
    const bad = await get(`/api/tables/digits/find?where=${q('label ==')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body['error'].code, 'E_FIND_SYNTAX');
    assert.match(bad.body['error'].message, /label ==/);
    const none = await get('/api/tables/digits/find');
    assert.equal(none.status, 400);
    assert.match(none.body['error'].message, /^give where/);
    const column = await get(`/api/tables/digits/find?where=${q('colour == 3')}`);
    assert.equal(column.status, 404);
    assert.equal(column.body['error'].code, 'E_COLUMN_MISSING');
  });

  it('searches table names, column names and cells across tables', async () => {
    const { status, body } = await get('/api/search?q=heig');
    assert.equal(status, 200);
    assert.deepEqual(body['columns'], [{ table: 'sites', column: 'height' }]);
    const cells = (await get('/api/search?q=a&limit=5')).body;
    assert.equal(cells['rowsPerTable']['digits'], DIGITS);
    assert.equal(cells['rowsPerTable']['sites'], 1);
    const shown: Record<string, number> = {};
    for (const r of cells['rows']) shown[r.dsi_table_name] = (shown[r.dsi_table_name] ?? 0) + 1;
    assert.deepEqual(shown, Object.fromEntries(Object.entries(cells['rowsPerTable']).map(([t, n]) => [t, Math.min(5, Number(n))])));
    assert.equal(shown['samples'], 1);
    assert.equal((await get('/api/search')).status, 400);
  });
});

describe('SQL box', () => {
  it('runs a read-only query: the first rows, whether more follow, the columns and FILE columns', async () => {
    const { status, body } = await postJson('/api/sql', { sql: 'SELECT id, label, FILE FROM digits ORDER BY id', limit: 7 });
    assert.equal(status, 200);
    assert.deepEqual([body['rows'].length, body['more'], body['columns'], body['fileColumns']], [7, true, ['id', 'label', 'FILE'], ['FILE']]);
    assert.deepEqual(body['rows'].map((r: Json) => r.id), [0, 1, 2, 3, 4, 5, 6]);
    const viaGet = (await get(`/api/sql?q=${q('SELECT count(*) AS n FROM digits')}`)).body;
    assert.deepEqual(viaGet['rows'], [{ n: DIGITS }]);
  });

  it('refuses a statement that writes with a 403 E_READ_ONLY, and leaves the store unchanged', async () => {
    for (const sql of ['DELETE FROM digits', 'DROP TABLE digits', "INSERT INTO sites VALUES ('c', 1)", 'PRAGMA user_version = 3']) {
      const { status, body } = await postJson('/api/sql', { sql });
      assert.equal(status, 403, sql);
      assert.equal(body['error'].code, 'E_READ_ONLY');
      assert.match(body['error'].message, /read-only/);
    }
    assert.equal(await store.rowCount('digits'), DIGITS);
  });

  it('refuses a missing query, a bad limit, SQL that does not parse, and a body that is not JSON', async () => {
    assert.equal((await postJson('/api/sql', {})).status, 400);
    assert.equal((await postJson('/api/sql', [])).status, 400);
    const limit = await postJson('/api/sql', { sql: 'SELECT 1', limit: 0 });
    assert.equal(limit.status, 400);
    assert.match(limit.body['error'].message, /^limit must be/);
    const syntax = await postJson('/api/sql', { sql: 'SELEC 1' });
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body['error'].code, 'E_SQL');
    const form = await call(app, '/api/sql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'SELECT 1' });
    assert.equal(form.status, 415);
    const broken = await call(app, '/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql": ' });
    assert.equal(broken.status, 400);
  });
});

describe('gallery over the store', () => {
  it('gives the facets of a table: a choice for few values with their counts, a range for many', async () => {
    const { status, body } = await get('/api/gallery/facets?table=digits');
    assert.equal(status, 200);
    assert.deepEqual([body['total'], body['fileColumn'], body['files'], body['label']], [DIGITS, 'FILE', 'store', 'table digits']);
    const label = body['facets'].find((f: Json) => f.column === 'label');
    assert.equal(label.kind, 'choice');
    assert.equal(label.values.reduce((s: number, v: Json) => s + v.count, 0), DIGITS);
    const brightness = body['facets'].find((f: Json) => f.column === 'brightness');
    const values = (await store.getTable('digits')).map((r) => Number(r['brightness']));
    assert.deepEqual([brightness.kind, brightness.min, brightness.max, brightness.integer], ['range', Math.min(...values), Math.max(...values), false]);
    assert.deepEqual(body['facets'].find((f: Json) => f.column === 'split'), { column: 'split', kind: 'choice', values: [{ value: 'train', count: DIGITS }] });
    assert.equal(body['facets'].find((f: Json) => f.column === 'id').kind, 'range');
  });

  it('pages the images with the filter applied in SQL, the filtered total on the first page', async () => {
    const filter = q(JSON.stringify({ label: { in: [1, 7] }, brightness: { min: 10 } }));
    const rows = (await store.getTable('digits')).filter((r) => (r['label'] === 1 || r['label'] === 7) && Number(r['brightness']) >= 10);
    const first = (await get(`/api/gallery/images?table=digits&filter=${filter}&limit=4`)).body;
    assert.equal(first['total'], rows.length);
    assert.deepEqual(first['rows'].map((r: Json) => r.id), rows.slice(0, 4).map((r) => r['id']));
    assert.equal(first['more'], rows.length > 4);
    const second = (await get(`/api/gallery/images?table=digits&filter=${filter}&limit=4&offset=4`)).body;
    assert.deepEqual(second['rows'].map((r: Json) => r.id), rows.slice(4, 8).map((r) => r['id']));
    assert.equal(second['total'], undefined);
  });

  it('shows a read-only query, with quoted column names that need quoting', async () => {
    const sql = 'SELECT FILE, label AS "odd ""name""", brightness FROM digits WHERE label < 5 ORDER BY id DESC;';
    const facets = (await get(`/api/gallery/facets?sql=${q(sql)}`)).body;
    assert.equal(facets['label'], 'query');
    assert.ok(facets['facets'].some((f: Json) => f.column === 'odd "name"' && f.kind === 'choice'));
    const filter = q(JSON.stringify({ 'odd "name"': { in: [2] } }));
    const page = (await get(`/api/gallery/images?sql=${q(sql)}&filter=${filter}`)).body;
    const expected = (await store.getTable('digits')).filter((r) => r['label'] === 2).map((r) => r['FILE']).reverse();
    assert.deepEqual(page['rows'].map((r: Json) => r.FILE), expected);
  });

  it('refuses rows without a FILE column, a write query, a bad filter and two sources at once', async () => {
    const noFile = await get('/api/gallery/facets?table=sites');
    assert.equal(noFile.status, 400);
    assert.equal(noFile.body['error'].code, 'E_NO_FILE_COLUMN');
    assert.match(noFile.body['error'].message, /no FILE column/);
    assert.equal((await get('/api/gallery/images?table=sites')).status, 400);
    const write = await get(`/api/gallery/facets?sql=${q('DELETE FROM digits')}`);
    assert.equal(write.status, 403);
    assert.equal(write.body['error'].code, 'E_READ_ONLY');
    for (const filter of ['{', '{"colour": {"in": [1]}}', '{"label": {"min": "a"}}', '{"split": {"min": 1}}', '{"label": {}}', '[]']) {
      const bad = await get(`/api/gallery/images?table=digits&filter=${q(filter)}`);
      assert.equal(bad.status, 400, filter);
      assert.equal(bad.body['error'].code, 'E_BAD_FILTER');
    }
    assert.equal((await get('/api/gallery/images?table=digits&limit=0')).status, 400);
    assert.equal((await get(`/api/gallery/images?table=digits&sql=${q('SELECT 1')}`)).status, 400);
    assert.equal((await get('/api/gallery/images')).status, 400);
    assert.equal((await get('/api/gallery/facets?table=nowhere')).status, 404);
    assert.equal((await get('/api/gallery/facets?table=digits&file=label')).status, 400);
    assert.equal((await get('/api/gallery/facets?cinema=1')).status, 404);
  });

  it('shows a query without rows as an empty gallery, not a refusal', async () => {
    const sql = q('SELECT * FROM digits WHERE 1 = 0');
    const facets = (await get(`/api/gallery/facets?sql=${sql}`)).body;
    assert.deepEqual([facets['total'], facets['fileColumn'], facets['facets']], [0, null, []]);
    const page = (await get(`/api/gallery/images?sql=${sql}`)).body;
    assert.deepEqual([page['rows'], page['more'], page['total']], [[], false, 0]);
  });

  it('lists the tables with a FILE column as gallery sources', async () => {
    const { body } = await get('/api/gallery/sources');
    assert.deepEqual(body['tables'].filter((t: Json) => t.table === 'digits'), [{ table: 'digits', rows: DIGITS, fileColumns: ['FILE'] }]);
    assert.ok(!body['tables'].some((t: Json) => t.table === 'sites'));
    assert.equal(body['cinema'], null);
  });
});

describe('a Cinema database', () => {
  /** A Cinema database of 12 images: phi 0..330 (12 values), theta 0 or 45, a label. */
  function makeCdb(): string {
    const folder = path.join(tempDir('dsi-cdb-'), 'views.cdb');
    fs.mkdirSync(path.join(folder, 'img'), { recursive: true });
    const lines = ['phi,theta,name,FILE'];
    for (let i = 0; i < 12; i++) {
      fs.writeFileSync(path.join(folder, 'img', `${i}.png`), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4).fill(i * 20) }));
      lines.push(`${i * 30},${i % 2 === 0 ? 0 : 45},view ${i},img/${i}.png`);
    }
    fs.writeFileSync(path.join(folder, 'data.csv'), `${lines.join('\n')}\n`);
    return folder;
  }

  it('is shown like a table: the overview names it, facets and pages are computed in memory, its files served', async () => {
    const folder = makeCdb();
    const cinema = openCinemaDatabase(folder);
    const ctx: DashboardContext = { store: undefined, cinema, reviewer: 'ana', storeArguments: [] };
    const cdbApp = createDashboardApp(ctx, { loopback: true });
    const overview = (await call(cdbApp, '/api/overview')).body;
    assert.deepEqual([overview['store'], overview['cinema'].rows, overview['cinema'].fileColumns, overview['tables'], overview['runs']], [null, 12, ['FILE'], [], []]);
    const facets = (await call(cdbApp, '/api/gallery/facets')).body;
    assert.deepEqual([facets['files'], facets['total'], facets['fileColumn']], ['cinema', 12, 'FILE']);
    assert.deepEqual(facets['facets'].find((f: Json) => f.column === 'theta'), { column: 'theta', kind: 'choice', values: [{ value: 0, count: 6 }, { value: 45, count: 6 }] });
    assert.equal(facets['facets'].find((f: Json) => f.column === 'phi').kind, 'choice');
    assert.equal(facets['facets'].find((f: Json) => f.column === 'name').kind, 'choice');
    const filter = q(JSON.stringify({ theta: { in: [45] }, phi: { min: 100, max: 300 } }));
    const page = (await call(cdbApp, `/api/gallery/images?cinema=1&filter=${filter}&limit=2`)).body;
    assert.deepEqual([page['rows'].map((r: Json) => r.phi), page['more'], page['total']], [[150, 210], true, 3]);
    const image = await cdbApp.request(`/files?cinema=${q(page['rows'][0].FILE)}`, { headers: { host: '127.0.0.1' } });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    const noStore = await call(cdbApp, '/api/tables');
    assert.deepEqual([noStore.status, noStore.body['error'].code], [404, 'E_NO_STORE']);
    assert.equal((await call(cdbApp, '/api/gallery/facets?table=digits')).status, 404);
  });

  it('refuses a folder without data.csv, and a malformed data.csv naming the file and the line', () => {
    const folder = makeCdb();
    fs.writeFileSync(path.join(folder, 'data.csv'), 'phi,FILE\n1,a.png\n2,b.png,extra\n');
    assert.throws(() => openCinemaDatabase(folder), (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_INPUT' && e.message.includes('data.csv') && /data\.csv:3: 3 cells/.test(e.message));
    fs.rmSync(path.join(folder, 'data.csv'));
    assert.throws(() => openCinemaDatabase(folder), (e: unknown) => e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' && /no data\.csv/.test(e.message));
  });
});
