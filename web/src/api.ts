/**
 * The dashboard's one door to the server: JSON GET and POST under /api, URLs of the store's files,
 * and server-sent event streams. Every failure is an {@link ApiFailure} carrying the server's
 * stable `code` and its message for the person.
 */

/** A failed request: the HTTP status, the server's error code and its message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

type QueryValue = string | number | boolean | undefined | null;

/** `path` with `query`'s defined values as its query string. */
export function withQuery(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function answer<T>(res: Response): Promise<T> {
  const type = res.headers.get('content-type') ?? '';
  const body: unknown = type.includes('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | string);
    if (typeof error === 'object' && error.error) throw new ApiFailure(res.status, error.error.code ?? 'E_HTTP', error.error.message ?? res.statusText);
    throw new ApiFailure(res.status, 'E_HTTP', typeof body === 'string' && body !== '' ? body : res.statusText);
  }
  return body as T;
}

/** GET `/api/…` as JSON. */
export async function getJson<T>(path: string, query: Record<string, QueryValue> = {}): Promise<T> {
  return answer<T>(await fetch(withQuery(`/api${path}`, query), { headers: { accept: 'application/json' } }));
}

/** POST `body` as JSON to `/api/…`. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(`/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }));
}

/** The URL of a file the store references (`value` exactly as a FILE cell holds it). */
export function fileUrl(value: string): string {
  return `/files?path=${encodeURIComponent(value)}`;
}

/** The URL of a file an opened Cinema database lists. */
export function cinemaFileUrl(value: string): string {
  return `/files?cinema=${encodeURIComponent(value)}`;
}

/** The URL of an API resource that is not JSON (an SVG chart, a report to download). */
export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  return withQuery(`/api${path}`, query);
}

/**
 * Listens to the server-sent events at `/api/…`: `on(event, data)` for each (data parsed as
 * JSON). Returns the function that stops listening.
 */
export function listen(path: string, on: (event: string, data: unknown) => void, events: readonly string[] = ['message']): () => void {
  const source = new EventSource(`/api${path}`);
  for (const name of events) source.addEventListener(name, (e) => on(name, JSON.parse((e as MessageEvent<string>).data)));
  return () => source.close();
}
