/**
 * Hash routing: `#/runs/r-1?tab=curves` is the route `runs/:id` with `id = r-1` and the query
 * `tab=curves`. A page is mounted into the page element and may return a function that unmounts
 * it (closing its event streams) when the reader goes elsewhere.
 */

export interface Route {
  /** The pattern matched (`runs/:id`). */
  readonly pattern: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

export type Unmount = () => void;
export type PageMount = (host: HTMLElement, route: Route) => void | Unmount | Promise<void | Unmount>;

export interface PageEntry {
  readonly pattern: string;
  /** The page's name in the title and the navigation. */
  readonly title: string;
  /** Shown in the navigation bar (only pages without parameters). */
  readonly nav?: boolean;
  readonly load: () => Promise<{ mount: PageMount }>;
}

/** The route of `hash` among `pages`, or undefined. */
export function match(pages: readonly PageEntry[], hash: string): { page: PageEntry; route: Route } | undefined {
  const text = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = text.split('?', 2);
  const parts = pathPart.split('/').filter((p) => p !== '');
  for (const page of pages) {
    const pattern = page.pattern.split('/').filter((p) => p !== '');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((p, i) => {
      if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(parts[i]!);
      else if (p !== parts[i]) ok = false;
    });
    if (ok) return { page, route: { pattern: page.pattern, params, query: new URLSearchParams(queryPart) } };
  }
  return undefined;
}

/** `#/pattern` with `params` and `query` filled in: the link to a page. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return `#/${path.replace(/^\//, '')}${text === '' ? '' : `?${text}`}`;
}
