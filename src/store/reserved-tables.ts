/**
 * The table names the store keeps for itself, defined once. Two rings:
 *
 * - **store tables** (`dsi_*`, the catalog and the record of files read; `ml_*`, the run registry
 *   the library's workflows keep): no reader writes them and no user edit touches them;
 * - **protected tables**: the store tables plus the tables Python DSI treats as its own
 *   (`runtable`, `filesystem`, `*_datacard`): readers may produce them, `update` and
 *   `insertRows` refuse them.
 *
 * The backend's own internal tables (SQLite's `sqlite_*`) are the backend's to name
 * ({@link Backend.isInternalTable}); callers holding a backend ask it as well.
 */

/** Prefix of the store's catalog tables (`dsi_units`, `dsi_relations`, `dsi_ingested`). */
export const CATALOG_PREFIX = 'dsi_';
/** Prefix of the tables the library's workflows manage (the run registry, `ml_runs`…). */
export const MANAGED_PREFIX = 'ml_';
/** The file index (`dsi index`), under the name Python DSI's `Sync` gives it so stores interoperate. */
export const FILE_INDEX_TABLE = 'filesystem';

/**
 * Whether the library's workflows write `name` through `Store.managedTables()`: the `ml_` tables
 * and the file index. Users' `update` and `insertRows` refuse them all the same.
 */
export function isManagedTable(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith(MANAGED_PREFIX) || n === FILE_INDEX_TABLE;
}

/** Whether `name` is one of the store's own tables (`dsi_*`, `ml_*`), in any case. */
export function isStoreTable(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith(CATALOG_PREFIX) || n.startsWith(MANAGED_PREFIX);
}

/**
 * Whether `name` is a table users do not edit: the store's own, or one Python DSI keeps for itself.
 *
 * @example isProtectedTable('ml_runs') // true
 * @example isProtectedTable('wildfire_datacard') // true
 */
export function isProtectedTable(name: string): boolean {
  const n = name.toLowerCase();
  return isStoreTable(n) || n === 'runtable' || n === FILE_INDEX_TABLE || n.endsWith('_datacard');
}
