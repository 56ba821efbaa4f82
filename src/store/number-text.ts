/** The spelling of numbers in text files. */

/**
 * How the text `s[start, end)` spells a number: 0 an integer (`-42`, `007`), 1 a decimal or
 * scientific number (`0.5`, `.5`, `1e-3`), 2 not a number. The hot path of CSV ingest, shared by
 * the store's type inference and the CSV parsing worker: no regex, no allocation.
 */
export function numberShape(s: string, start: number, end: number): 0 | 1 | 2 {
  let i = start;
  const c0 = s.charCodeAt(i);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) i++;
  let digits = 0;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
    digits++;
  }
  if (i === end) return digits > 0 ? 0 : 2;
  let shape: 0 | 1 = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    shape = 1;
    i++;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
      digits++;
    }
  }
  if (digits === 0) return 2;
  if (i < end && (s.charCodeAt(i) | 32) === 101 /* e */) {
    shape = 1;
    i++;
    const c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    let expDigits = 0;
    while (i < end) {
      const d = s.charCodeAt(i);
      if (d < 48 || d > 57) break;
      i++;
      expDigits++;
    }
    if (expDigits === 0) return 2;
  }
  return i === end ? shape : 2;
}
