/** `--option key=value`, repeatable, for readers' and writers' own options. */
import { StoreError } from '../errors.js';

/** Commander collector: each `--option k=v` adds to the list. */
export function collectOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `['pattern=sim{sim}.png', 'params=p.csv']` → `{ pattern: 'sim{sim}.png', params: 'p.csv' }`. */
export function parseKeyValues(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  // No prototype: every key given, `__proto__` included, is a key (and an unknown one is refused by name).
  const out = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new StoreError('E_BAD_ARGUMENT', `--option takes key=value, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}
