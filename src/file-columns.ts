/**
 * Cinema's rule, which every reader, writer and the store follow: a column whose name starts with
 * `FILE` (any case) holds paths to files, or URLs.
 *
 * @example
 * isFileColumn('FILE_png');   // true
 * isUrl('https://example.org/a.png');   // true
 */

/** Whether column `name` holds paths (its name starts with FILE, any case). */
export function isFileColumn(name: string): boolean {
  return /^FILE/i.test(name.trim());
}

/** Whether a `FILE…` value is a URL rather than a path. */
export function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
