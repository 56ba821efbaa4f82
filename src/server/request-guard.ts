/**
 * The dashboard's doors, checked before any route runs:
 *
 * - **Token.** When the server has a token (always, when it listens beyond loopback or serves a
 *   group), a request must carry it: `Authorization: Bearer T`, `?token=T` (the URL the server
 *   prints; the answer then sets an HttpOnly, SameSite=Strict cookie so the page's own requests
 *   and images carry it) or that cookie. Anything else is a 401. Tokens are compared in constant
 *   time. The token says which account the request runs as (dashboard-users.ts): the rest of the
 *   request runs in that account's scope (request-scope.ts).
 * - **Host.** On loopback, the `Host` header must name a loopback address: a page of another site
 *   that rebinds its DNS name to 127.0.0.1 cannot read the dashboard.
 * - **Origin.** A request that changes something (any method but GET and HEAD) must send JSON and,
 *   when the browser names its origin, come from the dashboard's own: another site's page cannot
 *   record a review or start a run in the scientist's name.
 */
import crypto from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { DashboardUsers } from './dashboard-users.js';
import { ApiError } from './http-errors.js';
import { runInScope } from './request-scope.js';

/** The cookie the token is kept in once a `?token=` URL was opened. */
export const TOKEN_COOKIE = 'dsi_token';

export interface GuardOptions {
  /** The token every request must carry; undefined: none needed (loopback only). Ignored when `users` is given. */
  readonly token?: string | undefined;
  /** Who may use the dashboard and as which account (default: the server's own, with `token`). */
  readonly users?: DashboardUsers | undefined;
  /** Whether the server listens on a loopback address only (the Host check applies). */
  readonly loopback: boolean;
}

/** A new random token: 32 URL-safe characters (192 bits). */
export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** Whether `host` (a Host header) names a loopback address. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.test(host);
}

/** Whether `address` (what the server binds) is a loopback address. */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127(?:\.\d{1,3}){3}$/.test(address);
}

/** The host of an Origin header; undefined for `null` or anything that is not a URL. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The middleware enforcing the three checks above. */
export function requestGuard(options: GuardOptions): MiddlewareHandler {
  const users = options.users ?? DashboardUsers.alone(options.token);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const host = c.req.header('host') ?? url.host;
    if (options.loopback && !isLoopbackHost(host)) {
      throw new ApiError(403, 'E_HOST', `this dashboard answers only to a loopback Host, got "${host}"`);
    }
    let account = users.owner;
    if (users.needsToken) {
      const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      const given = bearer ?? url.searchParams.get('token') ?? getCookie(c, TOKEN_COOKIE);
      const known = given === undefined || given === null ? undefined : users.accountOf(given);
      if (known === undefined) {
        throw new ApiError(401, 'E_TOKEN', given === undefined || given === null ? 'this dashboard needs its token: open the URL it printed (with ?token=…) or send Authorization: Bearer TOKEN' : 'wrong token');
      }
      account = known;
      const fromUrl = url.searchParams.get('token');
      if (fromUrl !== null && fromUrl === given) {
        setCookie(c, TOKEN_COOKIE, fromUrl, { httpOnly: true, sameSite: 'Strict', path: '/' });
      }
    }
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin !== undefined && originHost(origin) !== host) {
        throw new ApiError(403, 'E_ORIGIN', `requests that change the store must come from the dashboard itself, not ${origin}`);
      }
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\b/i.test(type)) throw new ApiError(415, 'E_CONTENT_TYPE', `send JSON (Content-Type: application/json), got "${type || 'nothing'}"`);
    }
    await runInScope(users.scopeFor(account), next);
  };
}
