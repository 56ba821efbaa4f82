/**
 * Text and JSON placed into HTML that this project writes (reports, Cinema viewers): every store
 * value is untrusted, so it goes through one of these before it reaches a page.
 *
 * - {@link escapeHtml} makes text safe in element content and in quoted attribute values;
 * - {@link jsonForScript} makes JSON safe inside `<script type="application/json">`: `<`, `>`
 *   and `&` (and the line separators JavaScript once refused) become `\uXXXX` escapes, so no
 *   value can close the script element or open a comment.
 *
 * @example
 * `<td>${escapeHtml(value)}</td>`
 * `<script type="application/json" id="rows">${jsonForScript(rows)}</script>`
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` as text with `& < > " '` replaced by entities (null and undefined become ''). */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** `value` as JSON that can sit inside a `<script>` element unchanged. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
