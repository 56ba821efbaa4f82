/**
 * The dashboard's doors (src/server/request-guard.ts, store-files.ts): a token when asked for, a
 * loopback Host on loopback, same-origin JSON for every change; files only when a FILE column
 * references them and they lie inside the store's folder, whatever the encoding of the request
 * and whatever a hostile row or symlink says; JSON errors for everything malformed; and `dsi serve`
 * printing its URL, refusing requests without its token off loopback, and stopping on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src/index.js';
import { encodePng } from '../src/images/png-codec.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { DashboardContext } from '../src/server/dashboard-context.js';
import { newToken } from '../src/server/request-guard.js';
import type { Store } from '../src/store/store.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/dsi.js');
const HOST = { host: '127.0.0.1:8765' };

let dir: string;
let store: Store;
let ctx: DashboardContext;

before(async () => {
  dir = tempDir('dsi-guard-');
  const folder = path.join(dir, 'lab');
  fs.mkdirSync(path.join(folder, 'images'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'images', 'a.png'), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 64, 128, 255]) }));
  fs.writeFileSync(path.join(dir, 'secret.png'), 'outside the store');
  fs.symlinkSync(path.join(dir, 'secret.png'), path.join(folder, 'images', 'link.png'));
  fs.writeFileSync(
    path.join(folder, 'shots.csv'),
    ['id,speed,FILE', '1,1.5,images/a.png', '2,2.5,../secret.png', `3,3.5,${path.join(dir, 'secret.png')}`, '4,4.5,images/link.png', '5,5.5,images/missing.png', '6,6.5,https://example.org/x.png'].join('\n') + '\n',
  );
  store = await openStore(path.join(folder, 'dsi.db'));
  await store.read(path.join(folder, 'shots.csv'));
  ctx = { store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', path.join(folder, 'dsi.db')] };
});

after(async () => {
  await store.close();
  removeTempDirs();
});

async function json(res: Response): Promise<{ error: { code: string; message: string } }> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return (await res.json()) as { error: { code: string; message: string } };
}

describe('the token', () => {
  const token = newToken();
  const app = (): ReturnType<typeof createDashboardApp> => createDashboardApp(ctx, { token, loopback: false });

  it('a request without the token, or with a wrong one, gets 401 with a JSON error saying what to do', async () => {
    const none = await app().request('/api/health', { headers: { host: 'lab.example:8765' } });
    assert.equal(none.status, 401);
    const body = await json(none);
    assert.equal(body.error.code, 'E_TOKEN');
    assert.match(body.error.message, /token/);
    const wrongs: Record<string, string>[] = [{ authorization: `Bearer ${token}x` }, { authorization: 'Bearer ' }, { cookie: 'dsi_token=nope' }];
    for (const headers of wrongs) {
      const wrong = await app().request('/api/health', { headers: { host: 'lab.example:8765', ...headers } });
      assert.equal(wrong.status, 401, JSON.stringify(headers));
    }
    assert.equal((await app().request(`/?token=${token.slice(0, -1)}`, { headers: { host: 'lab.example:8765' } })).status, 401);
    assert.equal((await app().request('/files?path=images/a.png', { headers: { host: 'lab.example:8765' } })).status, 401, 'files need the token too');
  });

  it('the token in the printed URL, as a bearer header or as the cookie the URL sets lets a request in', async () => {
    const opened = await app().request(`/api/health?token=${token}`, { headers: { host: 'lab.example:8765' } });
    assert.equal(opened.status, 200);
    const cookie = opened.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^dsi_token=/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const viaCookie = await app().request('/api/health', { headers: { host: 'lab.example:8765', cookie: cookie.split(';')[0]! } });
    assert.equal(viaCookie.status, 200);
    const viaBearer = await app().request('/api/health', { headers: { host: 'lab.example:8765', authorization: `Bearer ${token}` } });
    assert.deepEqual(await viaBearer.json(), { ok: true, store: store.location, cinema: null });
  });

  it('without a token on loopback, requests need no token', async () => {
    const res = await createDashboardApp(ctx, { loopback: true }).request('/api/health', { headers: HOST });
    assert.equal(res.status, 200);
  });
});

describe('Host and Origin', () => {
  const app = { request: (p: string, init: RequestInit) => createDashboardApp(ctx, { loopback: true }).request(p, init) };

  it('on loopback a Host that is not a loopback name is refused (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:8765', '127.0.0.1.evil.example', '']) {
      const res = await app.request('/api/health', { headers: { host } });
      assert.equal(res.status, 403, host);
      assert.equal((await json(res)).error.code, 'E_HOST');
    }
    for (const host of ['localhost:8765', '127.0.0.1', '[::1]:8765']) assert.equal((await app.request('/api/health', { headers: { host } })).status, 200, host);
  });

  it('a change from another origin, a null origin or without JSON is refused before any route runs', async () => {
    const post = (headers: Record<string, string>): Promise<Response> => Promise.resolve(app.request('/api/reviews', { method: 'POST', headers: { ...HOST, ...headers }, body: '{}' }));
    const cross = await post({ origin: 'https://evil.example', 'content-type': 'application/json' });
    assert.equal(cross.status, 403);
    assert.equal((await json(cross)).error.code, 'E_ORIGIN');
    assert.equal((await post({ origin: 'null', 'content-type': 'application/json' })).status, 403);
    const form = await post({ 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.match((await json(form)).error.message, /application\/json/);
    assert.equal((await post({ 'content-type': 'text/plain' })).status, 415);
  });
});

describe('files', () => {
  const app = { request: (p: string, init: RequestInit) => createDashboardApp(ctx, { loopback: true }).request(p, init) };
  const get = (query: string): Promise<Response> => Promise.resolve(app.request(`/files?${query}`, { headers: HOST }));

  it('serves a file a FILE column references, inside the store folder, as its type with a sandboxing policy', async () => {
    const res = await get('path=images%2Fa.png');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), fs.readFileSync(path.join(dir, 'lab', 'images', 'a.png')));
  });

  it('refuses what no FILE column references, in every encoding, without touching the disk', async () => {
    for (const q of ['path=..%2Fsecret.png%00', 'path=%2e%2e%2f%2e%2e%2fsecret.png', 'path=%252e%252e%252fsecret.png', 'path=images%2F..%2F..%2Fsecret.png', 'path=%2Fetc%2Fpasswd', 'path=images%5C..%5C..%5Csecret.png', 'path=dsi.db']) {
      const res = await get(q);
      assert.equal(res.status, 404, q);
      assert.equal((await json(res)).error.code, 'E_NOT_REFERENCED', q);
    }
  });

  it('refuses a referenced value that leads outside the store folder, directly, absolutely or through a symlink', async () => {
    for (const value of ['../secret.png', path.join(dir, 'secret.png'), 'images/link.png']) {
      const res = await get(`path=${encodeURIComponent(value)}`);
      assert.equal(res.status, 403, value);
      const body = await json(res);
      assert.equal(body.error.code, 'E_UNSAFE_PATH');
      assert.match(body.error.message, /outside the store's folder/);
    }
  });

  it('answers a referenced file that is missing with 404, a URL or no value with 400', async () => {
    assert.equal((await json(await get('path=images%2Fmissing.png'))).error.code, 'E_FILE_MISSING');
    assert.equal((await get(`path=${encodeURIComponent('https://example.org/x.png')}`)).status, 400);
    assert.equal((await get('path=')).status, 400);
    assert.equal((await get('')).status, 400);
    assert.equal((await json(await get('cinema=a.png'))).error.code, 'E_NO_CINEMA');
  });
});

describe('malformed requests and pages', () => {
  const app = { request: (p: string, init: RequestInit) => createDashboardApp(ctx, { loopback: true }).request(p, init) };

  it('an unknown route or a traversal of the page files is a JSON 404, never a file', async () => {
    for (const p of ['/api/nothing', '/..%2f..%2fetc%2fpasswd', '/assets/..%2F..%2Fpackage.json', '/%2e%2e/package.json']) {
      const res = await app.request(p, { headers: HOST });
      assert.equal(res.status, 404, p);
      assert.equal((await json(res)).error.code, 'E_NOT_FOUND', p);
    }
  });

  it('the page is served with a policy that allows only its own scripts, and no framing', async () => {
    const res = await app.request('/', { headers: HOST });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const page = await res.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    assert.ok(script, 'the page loads its built script');
    const js = await app.request(script, { headers: HOST });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
  });
});

/** Starts `dsi serve` with `args`; resolves with the URL line once printed. */
function startServe(args: readonly string[]): Promise<{ url: string; output: () => string; stop: (signal: NodeJS.Signals) => Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, '--db', path.join(dir, 'lab', 'dsi.db'), 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dsi serve printed no URL in 30 s: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      const url = /(http:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({ url, output: () => out, stop: (signal) => (child.kill(signal), exited) });
    });
    void exited.then((code) => reject(new Error(`dsi serve exited with ${code}: ${out}`)));
  });
}

describe('dsi serve', () => {
  it('prints one URL line on loopback, serves the page and stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const s = await startServe([]);
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(`${s.url}api/health`);
      assert.equal(res.status, 200);
      assert.equal(await s.stop(signal), 0, s.output());
      assert.match(s.output(), /dashboard stopped/);
      await assert.rejects(fetch(`${s.url}api/health`), 'the port is closed');
    }
  });

  it('beyond loopback a token is generated and printed once in the URL; requests without it get 401', async () => {
    const s = await startServe(['--host', '0.0.0.0']);
    const url = new URL(s.url);
    const token = url.searchParams.get('token');
    assert.ok(token !== null && token.length >= 32, s.url);
    const base = `http://127.0.0.1:${url.port}`;
    assert.equal((await fetch(`${base}/api/health`)).status, 401);
    assert.equal((await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(await s.stop('SIGTERM'), 0);
  });

  it('refuses a short token and a port out of range with exit status 2', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const args of [['--token', 'short'], ['--port', '70000']]) {
      const r = spawnSync(process.execPath, [bin, '--db', path.join(dir, 'lab', 'dsi.db'), 'serve', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^dsi: .*(--token|--port)/);
    }
  });
});
