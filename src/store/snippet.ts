/**
 * Input text quoted in an error message, cut to a few dozen characters with control characters
 * shown as escapes, so a message about a huge or binary cell never echoes kilobytes of it.
 *
 * @example snippet('a'.repeat(1000)) // 'aaaa…aaaa…' (40 characters and an ellipsis)
 */

/** Characters of input an error message quotes at most. */
export const SNIPPET_CHARS = 40;

/** `text` cut to `max` characters (an ellipsis marks the cut), control characters escaped. */
export function snippet(text: string, max = SNIPPET_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
