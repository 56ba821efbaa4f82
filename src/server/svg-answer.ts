/**
 * How the dashboard answers with a chart: an SVG document drawn on the server (Vega-Lite, no script
 * in the browser), sent as `image/svg+xml` that cannot run script, and a small placeholder SVG that
 * says why there is no chart yet (a live run before its first epoch) instead of an error image.
 */

/** An `image/svg+xml` answer of `svg`, sandboxed and not cached (live pages redraw it). */
export function svgResponse(svg: string): Response {
  return new Response(svg, {
    headers: {
      'content-type': 'image/svg+xml; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'cache-control': 'no-store',
    },
  });
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A 480 × 120 SVG with `message` in its middle, for a chart with nothing to draw yet. */
export function placeholderSvg(message: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="120" viewBox="0 0 480 120"><rect width="480" height="120" fill="#fff"/><text x="240" y="64" text-anchor="middle" font-family="sans-serif" font-size="14" fill="#66707a">${escapeXml(message)}</text></svg>`;
}
