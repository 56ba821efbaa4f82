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

/** The digest of `store` (a hex SHA-256), and the table count it covered. */
export async function storeDigest(store: Store): Promise<{ readonly hash: string; readonly tables: number; readonly rows: number }> {
  const hash = crypto.createHash('sha256');
  const list = await store.list();
  hash.update(stable(list));
  hash.update(await store.schemaDdl());
  let rows = 0;
  for (const { table } of list) {
    const content = await store.query(`SELECT * FROM ${quoteIdentifier(table)}`);
    rows += content.length;
    hash.update(stable([table, content]));
  }
  hash.update(stable(folderListing(store.dataFolder)));
  return { hash: hash.digest('hex'), tables: list.length, rows };
}

/** `name` as a double-quoted SQL identifier (every backend takes that spelling). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
