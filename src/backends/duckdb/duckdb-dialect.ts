/**
 * How the store's SQL is spelled for DuckDB. Integers are 64-bit (`BIGINT`: DuckDB's `INTEGER`
 * is 32-bit) and floats double precision (`DOUBLE`: DuckDB's `FLOAT` is 32-bit), so every value
 * the SQLite backend keeps exactly is kept exactly here too.
 */
import { StoreError } from '../../errors.js';
import type { SqlDialect } from '../../store/backend.js';
import { hasNul } from '../../store/identifiers.js';
import { snippet } from '../../store/snippet.js';
import type { LogicalType } from '../../store/types.js';

const typeNames: Readonly<Record<LogicalType, string>> = { integer: 'BIGINT', float: 'DOUBLE', text: 'VARCHAR' };

function quote(identifier: string): string {
  if (hasNul(identifier)) throw new StoreError('E_BAD_ARGUMENT', `the name "${snippet(identifier)}" has a NUL character; no table or column name may hold one`);
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** A number's spelling, as the find language and the type inference read it (spaces around allowed). */
export const NUMBER_PATTERN = String.raw`[ \t]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*`;

export const duckdbDialect: SqlDialect = {
  quote,
  typeNames,
  insertionOrder: 'rowid',
  asNumber: (expr) => `(CASE WHEN regexp_full_match(CAST(${expr} AS VARCHAR), '${NUMBER_PATTERN}') THEN TRY_CAST(trim(CAST(${expr} AS VARCHAR), ' \t') AS DOUBLE) END)`,
  asText: (expr) => `CAST(${expr} AS VARCHAR)`,
  containsInsensitive: (expr) => `contains(lower(CAST(${expr} AS VARCHAR)), lower(?))`,
};

/** The logical type of a DuckDB column type (declared by this store or another tool). */
export function logicalTypeOf(declared: string): LogicalType {
  const t = declared.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*|BOOLEAN)$/.test(t)) return 'integer';
  if (/^(FLOAT|DOUBLE|REAL|DECIMAL|NUMERIC)/.test(t)) return 'float';
  return 'text';
}
