/**
 * The store's shape as the dashboard shows it: every table's columns with their types, keys and
 * units, and the foreign keys between tables, for the table pages and the ER diagram. Keys come
 * from the tables themselves (`describe(t).foreignKeys`) and from the relations the store recorded
 * (`relations()`), so a key declared for a table is shown even where the backend cannot hold it.
 * Only names and types are read, never rows.
 */
import { isFileColumn } from '../file-columns.js';
import type { Store } from '../store/store.js';
import type { TableInfo } from '../store/types.js';
import type { SchemaColumn, SchemaEdge, SchemaTable, StoreSchema } from './api-types.js';

export type { SchemaColumn, SchemaEdge, SchemaTable, StoreSchema };





const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether `table` is one of the run registry's tables. */
export const isRegistryTable = (table: string): boolean => /^ml_/i.test(table);

/** Whether `table` is one of the store's own bookkeeping tables (`dsi_units`, `dsi_relations`). */
export const isCatalogTable = (table: string): boolean => /^dsi_/i.test(table);

/**
 * The links between the run registry's tables, by the registry's naming rules: a `run_id`,
 * `parent_run_id` or `…_run_id` column names a run of `ml_runs`, a `prediction_id` column a row of
 * `ml_predictions`. `names` are the store's tables; only links between registry tables it has.
 */
function registryLinks(infos: readonly TableInfo[]): SchemaEdge[] {
  const find = (name: string): string | undefined => infos.find((i) => same(i.name, name))?.name;
  const runs = find('ml_runs');
  const predictions = find('ml_predictions');
  const out: SchemaEdge[] = [];
  for (const info of infos) {
    if (!isRegistryTable(info.name)) continue;
    for (const c of info.columns) {
      const ofRun = runs !== undefined && ((same(c.name, 'run_id') && !same(info.name, runs)) || /_run_id$/i.test(c.name));
      if (ofRun) out.push({ table: info.name, column: c.name, refTable: runs, refColumn: 'run_id', implied: true });
      else if (predictions !== undefined && same(c.name, 'prediction_id') && !same(info.name, predictions)) {
        out.push({ table: info.name, column: c.name, refTable: predictions, refColumn: 'prediction_id', implied: true });
      }
    }
  }
  return out;
}

/** Every table's columns, units and keys, and the foreign keys between them. */
export async function storeSchema(store: Store): Promise<StoreSchema> {
  const names = await store.tables();
  const infos: TableInfo[] = [];
  for (const t of names) infos.push(await store.describe(t));
  const units = await store.units();
  const declared = await store.relations();
  const edges: SchemaEdge[] = [];
  const seen = new Set<string>();
  const add = (e: SchemaEdge): void => {
    const key = `${e.table}\u0000${e.column}\u0000${e.refTable}\u0000${e.refColumn}`.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(e);
  };
  for (const info of infos) for (const fk of info.foreignKeys) add({ table: info.name, column: fk.column, refTable: fk.refTable, refColumn: fk.refColumn });
  const exists = (t: string): string | undefined => names.find((n) => same(n, t));
  for (const [table, rel] of declared) {
    const from = exists(table);
    if (from === undefined) continue;
    for (const fk of rel.foreignKeys) {
      const to = exists(fk.refTable);
      if (to !== undefined) add({ table: from, column: fk.column, refTable: to, refColumn: fk.refColumn });
    }
  }
  for (const e of registryLinks(infos)) if (!edges.some((d) => same(d.table, e.table) && same(d.column, e.column))) add(e);
  const tables = infos.map((info): SchemaTable => {
    const primary = declared.get(info.name)?.primaryKey ?? [...declared].find(([t]) => same(t, info.name))?.[1].primaryKey;
    return Object.freeze({
      name: info.name,
      registry: isRegistryTable(info.name),
      catalog: isCatalogTable(info.name),
      columns: info.columns.map((c): SchemaColumn => {
        const fk = edges.find((e) => e.implied === undefined && same(e.table, info.name) && same(e.column, c.name));
        return Object.freeze({
          name: c.name,
          type: c.type,
          declaredType: c.declaredType,
          primaryKey: c.primaryKey || (primary !== undefined && same(primary, c.name)),
          unit: units.find((u) => same(u.table, info.name) && same(u.column, c.name))?.unit ?? null,
          file: isFileColumn(c.name),
          references: fk === undefined ? null : { table: fk.refTable, column: fk.refColumn },
        });
      }),
    });
  });
  return Object.freeze({ tables, edges });
}
