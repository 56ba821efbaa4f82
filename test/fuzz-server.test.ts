/**
 * Fuzzing the dashboard's routes in-process (`app.request`) with the requests of
 * test/fuzz/route-requests.ts. For every request: an answer within the case time limit, a 2xx or
 * a 4xx — never a 500 for what the request got wrong — and every error answer is JSON with an
 * `E_` code; the store is unchanged (the routes reachable here only read, and the SQL box refuses
 * writes); a file is served only from inside the store's folder (never the secret beside it, even
 * through a symlink), and the SQL box never writes a copy of the store elsewhere.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openStore } from '../src/index.js';
import { encodePng } from '../src/images/png-codec.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { Store } from '../src/store/store.js';
import { boundedCase, describeError } from './fuzz/bounded-case.js';
import { CASE_MS, fuzzBudget } from './fuzz/fuzz-settings.js';
import { EVIL_COPY, requestArb, type RouteRequest } from './fuzz/route-requests.js';
import { storeDigest } from './fuzz/store-digest.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

/** The routes' share of the harness's time budget. */
const SERVER_SHARE = 0.25;
const SECRET = 'outside the store: never served';

let store: Store;
let app: ReturnType<typeof createDashboardApp>;
let digest: string;
let png: Buffer;
const stray: unknown[] = [];
const onStray = (e: unknown): void => {
  stray.push(e);
};

before(async () => {
  const dir = tempDir('dsi-fuzz-server-');
  const folder = path.join(dir, 'lab');
  fs.mkdirSync(path.join(folder, 'images'), { recursive: true });
  png = encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 64, 128, 255]) });
  fs.writeFileSync(path.join(folder, 'images', 'a.png'), png);
  fs.writeFileSync(path.join(dir, 'secret.png'), SECRET);
  fs.symlinkSync(path.join(dir, 'secret.png'), path.join(folder, 'images', 'link.png'));
  fs.writeFileSync(
    path.join(folder, 'shots.csv'),
    ['id,speed,name,FILE', '1,1.5,a,images/a.png', '2,2.5,b,../secret.png', `3,3.5,c,${path.join(dir, 'secret.png')}`, '4,4.5,d,images/link.png', '5,5.5,e,images/missing.png', '6,6.5,f,https://example.org/x.png', "7,7.5,'; DROP TABLE shots; --,images/a.png"].join('\n') + '\n',
  );
  store = await openStore(path.join(folder, 'dsi.db'));
  await store.read(path.join(folder, 'shots.csv'));
  const web = path.join(dir, 'web');
  fs.mkdirSync(web);
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>dsi</title>');
  app = createDashboardApp({ store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', path.join(folder, 'dsi.db')] }, { loopback: true, webRoot: web });
  digest = (await storeDigest(store)).hash;
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
});

after(async () => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  await store?.close();
  fs.rmSync(EVIL_COPY, { force: true });
  removeTempDirs();
});

/** The answer to `r` and its body, read in full. */
async function answer(r: RouteRequest): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await app.request(r.url, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

describe('what the fuzzer found, kept as fixed examples', () => {
  it('GET /api/tables/dsi_ingested (a table the store keeps to itself) is a 404 E_TABLE_MISSING, not a 500', async () => {
    const res = await answer({ method: 'GET', url: 'http://127.0.0.1:8765/api/tables/dsi_ingested', headers: { host: '127.0.0.1:8765' } });
    assert.equal(res.status, 404);
    const body = JSON.parse(res.body.toString('utf8')) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'E_TABLE_MISSING');
    assert.match(body.error.message, /"dsi_ingested" is not one of the store's tables/);
  });
});

describe('fuzzing the dashboard routes', () => {
  it('answers every request with a 2xx or a JSON 4xx with an E_ code, in bounded time, the store unchanged and no file from outside it served', async () => {
    const budget = fuzzBudget<[RouteRequest]>(400, SERVER_SHARE);
    await fc.assert(
      fc.asyncProperty(requestArb, budget.guard(async (r) => {
        const outcome = await boundedCase(() => answer(r), CASE_MS);
        assert.notEqual(outcome.kind, 'hang', `no answer within ${CASE_MS} ms`);
        if (outcome.kind === 'error') assert.fail(`the app threw: ${describeError(outcome.error)}`);
        if (outcome.kind !== 'value') return;
        const { status, type, body } = outcome.value;
        assert.deepEqual(stray.splice(0), [], 'an exception escaped the request');
        const text = body.toString('utf8');
        assert.ok(status < 500, `status ${status}: ${text.slice(0, 300)}`);
        if (status >= 400 && r.method !== 'HEAD') {
          assert.match(type, /application\/json/, `an error answer is JSON (status ${status})`);
          const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
          assert.ok(typeof code === 'string' && /^E_[A-Z_]+$/.test(code), `an error answer has an E_ code: ${text.slice(0, 200)}`);
        }
        assert.ok(!text.includes(SECRET), `status ${status}: the file outside the store was served`);
        if (status < 300 && new URL(r.url).pathname === '/files' && r.method === 'GET') assert.deepEqual(body, png, 'only the image inside the store is served');
        assert.equal((await storeDigest(store)).hash, digest, 'the request changed the store');
        assert.equal(fs.existsSync(EVIL_COPY), false, 'the SQL box wrote a copy of the store');
      })),
      budget.parameters,
    );
  });
});
