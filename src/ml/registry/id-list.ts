/**
 * Run and prediction ids inside SQL the workflows write themselves: as standard SQL text literals
 * (`'…'`, quotes doubled), for `IN (…)` lists too long for bound parameters and for queries
 * handed on to `loadImages` as text.
 */

/** `s` as an SQL text literal. */
export function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `ids` as the inside of an SQL `IN (…)` list. */
export function sqlTextList(ids: readonly string[]): string {
  return ids.map(sqlText).join(', ');
}
