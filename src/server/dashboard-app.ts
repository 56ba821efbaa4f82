/**
 * The dashboard's web application (Hono): the request guard, the JSON API under `/api`, the
 * store's files under `/files`, and the built front end. Created without listening, so tests
 * call `app.request()` in-process; `listen.ts` serves it over HTTP.
 *
 * @example
 * const app = createDashboardApp({ store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', db] }, { loopback: true });
 * const res = await app.request('/api/overview', { headers: { host: '127.0.0.1' } });
 */
import { Hono } from 'hono';
import type { DashboardContext } from './dashboard-context.js';
import type { DashboardUsers } from './dashboard-users.js';
import { errorAnswer, notFound } from './http-errors.js';
import { requestGuard } from './request-guard.js';
import { evaluationRoutes } from './routes/evaluation-routes.js';
import { explanationRoutes } from './routes/explanation-routes.js';
import { fileRoutes } from './routes/file-routes.js';
import { galleryRoutes } from './routes/gallery-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { lineageRoutes } from './routes/lineage-routes.js';
import { reportRoutes } from './routes/report-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { storeRoutes } from './routes/store-routes.js';
import { sweepRoutes } from './routes/sweep-routes.js';
import { DEFAULT_WEB_ROOT, mountWeb } from './static-web.js';

export interface DashboardAppOptions {
  /** The token every request must carry (required when not on loopback); ignored when `users` is given. */
  readonly token?: string | undefined;
  /** A group's users and their accounts (dashboard-users.ts); default: the server's own account with `token`. */
  readonly users?: DashboardUsers | undefined;
  /** Whether the server listens on loopback only; the Host header is then checked. */
  readonly loopback: boolean;
  /** The built front end (default: dist/web beside the compiled server). */
  readonly webRoot?: string;
}

/** Headers on every answer: no framing, no sniffing, scripts only from the dashboard itself. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const PAGE_POLICY = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The application over `ctx`. */
export function createDashboardApp(ctx: DashboardContext, options: DashboardAppOptions): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = errorAnswer(error);
    return c.json(body, status);
  });
  app.notFound((c) => {
    const { status, body } = errorAnswer(notFound(`no such page or API route: ${c.req.method} ${new URL(c.req.url).pathname}`));
    return c.json(body, status);
  });
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.res.headers.has('content-security-policy')) c.res.headers.set('content-security-policy', PAGE_POLICY);
  });
  app.use('*', requestGuard({ token: options.token, users: options.users, loopback: options.loopback }));
  app.get('/api/health', (c) => c.json({ ok: true, store: ctx.store?.location ?? null, cinema: ctx.cinema?.folder ?? null }));
  for (const routes of [storeRoutes, galleryRoutes, runRoutes, evaluationRoutes, explanationRoutes, lineageRoutes, reviewRoutes, jobRoutes, reportRoutes, sweepRoutes]) {
    app.route('/api', routes(ctx));
  }
  app.route('/', fileRoutes(ctx));
  mountWeb(app, options.webRoot ?? DEFAULT_WEB_ROOT);
  return app;
}
