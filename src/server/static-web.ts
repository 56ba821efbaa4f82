/**
 * The dashboard's front end: the files Vite built into `dist/web/` (web/ in the source tree),
 * listed once when the server starts and served by exact name, so no request path can reach
 * any other file. `/` is the page itself; the pages route with the URL's hash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** Where the built front end lies beside the compiled server (dist/src/server → dist/web). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Every file below `root`, keyed by its URL path (`/assets/index-abc.js`). */
function listFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(root)) return files;
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(`/${path.relative(root, file).split(path.sep).join('/')}`, file);
  }
  return files;
}

/** Adds the front end's routes to `app`; a missing build answers `/` with how to make it. */
export function mountWeb(app: Hono, root: string): void {
  const files = listFiles(root);
  const send = (file: string): Response => {
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const immutable = file.includes(`${path.sep}assets${path.sep}`);
    return new Response(fs.readFileSync(file), {
      headers: { 'content-type': type, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache', 'x-content-type-options': 'nosniff' },
    });
  };
  app.get('/', (c) => {
    const index = files.get('/index.html');
    if (index === undefined) return c.text(`The dashboard's page is not built: run "npx vite build" (scripts/setup.sh does) to make ${root}index.html\n`, 500);
    return send(index);
  });
  app.get('*', async (c, next) => {
    const file = files.get(new URL(c.req.url).pathname);
    if (file === undefined) return next();
    return send(file);
  });
}
