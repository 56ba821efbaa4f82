/**
 * Relations (primary and foreign keys) between tables, as a DSI relations file declares them:
 *
 * ```json
 * { "math": { "primary_key": "specification", "foreign_key": { "b": ["address", "i"] } } }
 * ```
 */
import { StoreError } from '../errors.js';
import type { ForeignKey } from './types.js';

export interface TableRelations {
  readonly primaryKey?: string | undefined;
  readonly foreignKeys: readonly ForeignKey[];
}

/** Relations by table name, in the order the file gives them. */
export type Relations = ReadonlyMap<string, TableRelations>;

/**
 * Validate the parsed JSON of a relations file. Keys other than `primary_key` and
 * `foreign_key` (such as DSI's `comment`) are ignored.
 */
export function parseRelations(json: unknown, file: string): Relations {
  const fail = (what: string) => new StoreError('E_SCHEMA', `${file}: ${what}`, { file });
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw fail('a relations file must be a JSON object of table name → {primary_key, foreign_key}');
  }
  const relations = new Map<string, TableRelations>();
  for (const [table, spec] of Object.entries(json)) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw fail(`table "${table}": expected an object with primary_key and/or foreign_key`);
    }
    const s = spec as Record<string, unknown>;
    const pk = s['primary_key'];
    if (pk !== undefined && (typeof pk !== 'string' || pk === '')) {
      throw fail(`table "${table}": primary_key must be one column name (a string), got ${JSON.stringify(pk)}`);
    }
    const foreignKeys: ForeignKey[] = [];
    const fk = s['foreign_key'];
    if (fk !== undefined) {
      if (fk === null || typeof fk !== 'object' || Array.isArray(fk)) {
        throw fail(`table "${table}": foreign_key must be an object of column → [table, column]`);
      }
      for (const [column, target] of Object.entries(fk)) {
        if (!Array.isArray(target) || target.length !== 2 || !target.every((t) => typeof t === 'string' && t !== '')) {
          throw fail(`table "${table}": foreign_key "${column}" must be [table, column], got ${JSON.stringify(target)}`);
        }
        foreignKeys.push({ column, refTable: target[0] as string, refColumn: target[1] as string });
      }
    }
    relations.set(table, { primaryKey: pk as string | undefined, foreignKeys });
  }
  return relations;
}

/**
 * The first cycle among foreign keys between different tables, as a list of table names, or
 * undefined. A table that references itself (a tree) is not a cycle here.
 */
export function findCycle(relations: Relations): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [table, r] of relations) {
    const key = table.toLowerCase();
    for (const fk of r.foreignKeys) {
      const ref = fk.refTable.toLowerCase();
      if (ref === key) continue;
      edges.set(key, [...(edges.get(key) ?? []), ref]);
    }
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
