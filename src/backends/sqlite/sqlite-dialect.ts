/** How the store's SQL is spelled for SQLite. */
import { StoreError } from '../../errors.js';
import type { SqlDialect } from '../../store/backend.js';
import { hasNul } from '../../store/identifiers.js';
import { snippet } from '../../store/snippet.js';
import type { LogicalType } from '../../store/types.js';

/** The declared types Python DSI writes, so stores open in either tool. */
const typeNames: Readonly<Record<LogicalType, string>> = { integer: 'INTEGER', float: 'FLOAT', text: 'VARCHAR' };

/**
 * `identifier` in double quotes. SQLite ends a statement's text at a NUL, so a name holding one
 * is refused here, whatever path it came by (callers with a file to name refuse it first).
 */
function quote(identifier: string): string {
  if (hasNul(identifier)) throw new StoreError('E_BAD_ARGUMENT', `the name "${snippet(identifier)}" has a NUL character; no table or column name may hold one`);
  return `"${identifier.replaceAll('"', '""')}"`;
}

export const sqliteDialect: SqlDialect = {
  quote,
  typeNames,
  insertionOrder: 'rowid',
  // dsi_number is registered by the backend on every connection (see sqlite-backend.ts).
  asNumber: (expr) => `dsi_number(${expr})`,
  asText: (expr) => `CAST(${expr} AS TEXT)`,
  containsInsensitive: (expr) => `instr(lower(CAST(${expr} AS TEXT)), lower(?)) > 0`,
};

/**
 * The logical type of a declared SQLite type, by SQLite's own affinity rules (§3.1 of "Datatypes
 * In SQLite"), so stores written by other tools (Python DSI, pandas) read correctly.
 */
export function logicalTypeOf(declared: string): LogicalType {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB') || t.includes('NUM') || t.includes('DEC')) return 'float';
  return 'text';
}
