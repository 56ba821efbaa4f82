/**
 * Which rows a caller may see: a row that references files is returned only when the caller may
 * read every file it references ({@link FileAccess}); the others are withheld and only counted.
 * A referenced file that does not exist at all protects nothing and withholds nothing: the
 * `FileAccess` answers true for it (file-access.ts), so a store read without its files stays
 * findable and the operation that needs the file fails naming it, as before.
 *
 * What a row references:
 * - every non-empty value of a `FILE…` column (Cinema's rule, `file-columns.ts`) that is not a URL;
 * - the file index's `file_origin` (table `filesystem`), and `file_origin` in a query's result.
 * Relative values are relative to the store's `fileRoot`. NULL, empty cells and URLs reference
 * nothing, so a row without references is always visible.
 *
 * Two ways of applying the rule, one answer:
 * - {@link RowVisibility.filter}: rows already read (a query's result, found rows, an export's
 *   batches) are checked by their own reference columns, in one batch of distinct paths;
 * - {@link RowVisibility.hiddenKeys}: for operations the database finishes itself (a page in an
 *   order, a count, a summary, the first N rows of some columns), the insertion-order keys of a
 *   table's hidden rows are found first and the statement leaves them out
 *   ({@link excludeKeys}), the same SQL on every backend.
 *
 * Counts of withheld rows travel with results as a read-only, non-enumerable `withheld`
 * property ({@link withWithheld}): arrays stay arrays, `JSON.stringify` and equality checks see
 * the rows alone, and callers that do not care never notice.
 *
 * @example
 * const rows = await store.query('SELECT * FROM images');
 * if (rows.withheld > 0) console.error(`${rows.withheld} rows withheld`);
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';
import { isFileColumn, isUrl } from '../file-columns.js';
import type { Backend } from './backend.js';
import type { FileAccess } from './file-access.js';
import { FILE_INDEX_TABLE } from './reserved-tables.js';
import type { Cell, Row, TableInfo } from './types.js';

/**
 * A result with the number of rows withheld from it because the caller may not read their files.
 * The store always sets it; the type says optional only so that a result still casts to a
 * narrower row type (`rows as [Row]`), as it did before the count existed.
 */
export type Withheld<T> = T & { readonly withheld?: number };

/** The column of the file index that names its file. */
export const FILE_ORIGIN = 'file_origin';

/** `value` with a read-only, non-enumerable `withheld` count (the same object). */
export function withWithheld<T extends object>(value: T, withheld: number): Withheld<T> {
  Object.defineProperty(value, 'withheld', { value: withheld, enumerable: false, writable: false, configurable: false });
  return value as Withheld<T>;
}

/** How many rows were withheld from `value` (0 for a value that carries no count). */
export function withheldOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const n = (value as { withheld?: unknown }).withheld;
  return typeof n === 'number' ? n : 0;
}

/** The columns of a query's result that reference files: `FILE…` and `file_origin`. */
export function resultReferenceColumns(columns: readonly string[]): string[] {
  return columns.filter((c) => isFileColumn(c) || c.toLowerCase() === FILE_ORIGIN);
}

/** The columns of `info` that reference files: `FILE…`, and `file_origin` of the file index. */
export function tableReferenceColumns(info: TableInfo): string[] {
  const index = info.name.toLowerCase() === FILE_INDEX_TABLE;
  return info.columns.map((c) => c.name).filter((c) => isFileColumn(c) || (index && c.toLowerCase() === FILE_ORIGIN));
}

/**
 * Absolute paths of stored values under `root`. A plain relative path (what the store writes) is
 * joined as it is and a plain absolute one kept: `path.resolve` on 70,000 values costs more than
 * the 70,000 `access(2)` calls. Anything else (`.`/`..` segments, `//`, backslashes) is resolved.
 */
function pathResolver(root: string): (value: string) => string {
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  const plain = (v: string) => path.sep === '/' && !v.includes('./') && !v.includes('//') && !v.includes('\\') && !v.endsWith('.') && !v.endsWith('/');
  return (v) => (plain(v) ? (v[0] === '/' ? v : prefix + v) : path.resolve(root, v));
}

/** The file a cell references, absolute: none for NULL, empty text and URLs. */
function referencedPath(value: Cell | undefined, resolve: (value: string) => string): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'string' ? value : String(value);
  if (text.trim() === '' || isUrl(text)) return undefined;
  return resolve(text);
}

/** A WHERE condition leaving out rows whose `order` expression is one of `keys` ('' when none). */
export function excludeKeys(order: string, keys: readonly (number | bigint)[]): string {
  return keys.length === 0 ? '' : `${order} NOT IN (${keys.map((k) => k.toString()).join(', ')})`;
}

/** The rule applied with one caller's {@link FileAccess}, for paths relative to `fileRoot`. */
export class RowVisibility {
  readonly #access: FileAccess;
  readonly #resolve: (value: string) => string;

  constructor(access: FileAccess, fileRoot: string) {
    this.#access = access;
    this.#resolve = pathResolver(fileRoot);
  }

  /** Who the answers are for (`alice (uid 1001)`). */
  get who(): string {
    return this.#access.who;
  }

  /** For each row, whether it is visible: one `canRead` call for the distinct paths of all rows. */
  async visibleMask(rows: readonly Row[], columns: readonly string[]): Promise<boolean[]> {
    if (columns.length === 0 || rows.length === 0) return rows.map(() => true);
    // Row r references the distinct paths refs[starts[r] .. starts[r + 1]).
    const starts = new Int32Array(rows.length + 1);
    const refs: number[] = [];
    const distinct = new Map<string, number>();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (const c of columns) {
        const p = referencedPath(row[c], this.#resolve);
        if (p === undefined) continue;
        let id = distinct.get(p);
        if (id === undefined) distinct.set(p, (id = distinct.size));
        refs.push(id);
      }
      starts[r + 1] = refs.length;
    }
    if (distinct.size === 0) return rows.map(() => true);
    const paths = [...distinct.keys()];
    const answers = await this.#access.canRead(paths);
    if (!Array.isArray(answers) || answers.length !== paths.length) {
      throw new StoreError('E_BAD_ARGUMENT', `FileAccess.canRead (${this.#access.who}) must answer once per path: asked ${paths.length}, got ${Array.isArray(answers) ? answers.length : typeof answers}`);
    }
    const seen = answers.map((ok) => ok === true);
    const mask = new Array<boolean>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      let ok = true;
      for (let k = starts[r]!; k < starts[r + 1]! && ok; k++) ok = seen[refs[k]!]!;
      mask[r] = ok;
    }
    return mask;
  }

  /**
   * `rows` without those the caller may not see, judged by their `references` columns (from
   * {@link resultReferenceColumns} or {@link tableReferenceColumns}).
   */
  async filter<R extends Row>(rows: R[], references: readonly string[]): Promise<{ rows: R[]; withheld: number }> {
    if (references.length === 0) return { rows, withheld: 0 };
    const mask = await this.visibleMask(rows, references);
    const kept = rows.filter((_, i) => mask[i]);
    return { rows: kept, withheld: rows.length - kept.length };
  }

  /**
   * The insertion-order keys of the rows of `info` the caller may not see (empty for a table
   * without reference columns): only rows with some reference are read.
   */
  async hiddenKeys(backend: Backend, info: TableInfo): Promise<(number | bigint)[]> {
    const refs = tableReferenceColumns(info);
    if (refs.length === 0) return [];
    const d = backend.dialect;
    const rows = await backend.select(
      `SELECT ${d.insertionOrder} AS dsi_key, ${refs.map((c) => d.quote(c)).join(', ')} FROM ${d.quote(info.name)} WHERE ${refs.map((c) => `${d.quote(c)} IS NOT NULL`).join(' OR ')}`,
    );
    // Rows come back keyed by the column names as the table spells them.
    const mask = await this.visibleMask(rows, refs);
    const hidden: (number | bigint)[] = [];
    rows.forEach((r, i) => {
      if (mask[i]) return;
      const k = r['dsi_key'];
      if (typeof k === 'number' || typeof k === 'bigint') hidden.push(k);
      else if (typeof k === 'string' && /^-?\d+$/.test(k)) hidden.push(BigInt(k));
      else throw new StoreError('E_BACKEND', `the insertion order of table "${info.name}" is not a whole number: ${String(k)}`);
    });
    return hidden;
  }
}
