/**
 * A digest of everything a store holds, for "the store is unchanged" checks: every table's
 * listing, schema (DDL) and rows in insertion order, and the names and sizes of the files in its
 * data folder. Two equal digests mean no row, column, table, relation or stored file changed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../../src/store/store.js';

/** JSON of `value` with bigints and typed arrays spelled so they compare exactly. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('base64')}`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `num:${v}`;
    return v;
  });
}

/** Relative paths and sizes of every file below `folder` (sorted), or [] when it is absent. */
function folderListing(folder: string | undefined): string[] {
  if (folder === undefined || !fs.existsSync(folder)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out.push(`${path.relative(folder, file)}:${entry.isFile() ? fs.statSync(file).size : entry.isDirectory() ? 'dir' : 'other'}`);
  }
  return out.sort();
}

/** What a digest covers, part by part (for saying what changed). */
export interface StoreDigest {
  readonly hash: string;
  readonly tables: number;
  readonly rows: number;
  /** Each part's name and text: the listing, the DDL, each table's rows, the data folder. */
  readonly parts: ReadonlyMap<string, string>;
}

/** The digest of `store` (a hex SHA-256 over its parts). */
export async function storeDigest(store: Store): Promise<StoreDigest> {
  const parts = new Map<string, string>();
  const list = await store.list();
  parts.set('list', stable(list));
  parts.set('schema', await store.schemaDdl());
  let rows = 0;
  for (const { table } of list) {
    const content = await store.query(`SELECT * FROM ${quoteIdentifier(table)}`);
    rows += content.length;
    parts.set(`table ${table}`, stable(content));
  }
  parts.set('data folder', stable(folderListing(store.dataFolder)));
  const hash = crypto.createHash('sha256');
  for (const [name, text] of parts) hash.update(`${name}\u0000${text}\u0000`);
  return { hash: hash.digest('hex'), tables: list.length, rows, parts };
}

/** The parts that differ between two digests, each cut to a few hundred characters. */
export function digestDifference(before: StoreDigest, after: StoreDigest): string {
  const names = new Set([...before.parts.keys(), ...after.parts.keys()]);
  const out: string[] = [];
  for (const name of names) {
    const a = before.parts.get(name);
    const b = after.parts.get(name);
    if (a === b) continue;
    let at = 0;
    while (a !== undefined && b !== undefined && at < a.length && a[at] === b[at]) at++;
    const cut = (t: string | undefined) => (t === undefined ? '(absent)' : JSON.stringify(t.slice(Math.max(0, at - 40), at + 200)));
    out.push(`${name}: before ${cut(a)}, after ${cut(b)}`);
  }
  return out.join('\n');
}

/** `name` as a double-quoted SQL identifier (every backend takes that spelling). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
