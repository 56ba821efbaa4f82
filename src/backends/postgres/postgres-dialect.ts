/**
 * How the store's SQL is spelled for PostgreSQL, and the parts of the backend that only rewrite
 * text: the logical types' names, the hidden column that keeps insertion order, and the
 * translation of the store's `?` parameters into PostgreSQL's `$n`.
 */
import { StoreError } from '../../errors.js';
import type { SqlDialect } from '../../store/backend.js';
import { hasNul } from '../../store/identifiers.js';
import { snippet } from '../../store/snippet.js';
import type { Cell, LogicalType } from '../../store/types.js';

/**
 * The column every table the store makes gets first: an identity, so rows keep the order they
 * went in (PostgreSQL has no rowid). It is left out of `describeTable` and of every result row.
 */
export const ORDER_COLUMN = 'dsi_rowid';

/** 64-bit integers, doubles and text: the same values SQLite's INTEGER, FLOAT and VARCHAR hold. */
const typeNames: Readonly<Record<LogicalType, string>> = { integer: 'BIGINT', float: 'DOUBLE PRECISION', text: 'TEXT' };

/** `identifier` in double quotes; PostgreSQL text cannot hold a NUL, so a name with one is refused. */
function quote(identifier: string): string {
  if (hasNul(identifier)) throw new StoreError('E_BAD_ARGUMENT', `the name "${snippet(identifier)}" has a NUL character; no table or column name may hold one`);
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** The find language's numbers: text that spells a number, as NUMERIC (exact for big integers). */
const NUMBER_PATTERN = String.raw`^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$`;

export const postgresDialect: SqlDialect = {
  quote,
  typeNames,
  insertionOrder: quote(ORDER_COLUMN),
  asNumber: (expr) => `(CASE WHEN (${expr})::text ~ '${NUMBER_PATTERN}' THEN trim((${expr})::text)::numeric END)`,
  asText: (expr) => `(${expr})::text`,
  containsInsensitive: (expr) => `strpos(lower((${expr})::text), lower(?)) > 0`,
};

/** The logical type of a type PostgreSQL reports (`format_type`), for tables from other tools too. */
export function logicalTypeOf(declared: string): LogicalType {
  const t = declared.toLowerCase();
  if (t === 'bigint' || t === 'integer' || t === 'smallint' || t.startsWith('int')) return 'integer';
  if (t.startsWith('double') || t === 'real' || t.startsWith('numeric') || t.startsWith('decimal') || t.startsWith('float')) return 'float';
  return 'text';
}

/** How a declared type is shown: the dialect's own name where it is one of them (`BIGINT`), else as PostgreSQL spells it. */
export function declaredTypeName(formatted: string): string {
  const upper = formatted.toUpperCase();
  return Object.values(typeNames).includes(upper) ? upper : formatted;
}

/**
 * `sql` with each `?` placeholder outside quotes and comments turned into `$1`, `$2`…, as
 * PostgreSQL numbers them. A value the context could not type as it is gets a cast: a fraction
 * is `float8` (else `avg(int_col - $1)` would read 2.5 as an integer), an integer beyond 64 bits
 * `numeric`. A statement with no values is returned as it is (a `?` there is PostgreSQL's own
 * JSON operator).
 */
export function numberParameters(sql: string, params: readonly Cell[]): string {
  if (params.length === 0) return sql;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = closing(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      const value = params[n];
      n++;
      out += `$${n}${castFor(value)}`;
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Where the quoted text starting at `start` ends (a doubled quote stays inside). */
function closing(sql: string, start: number, quoteChar: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quoteChar) {
      if (sql[i + 1] === quoteChar) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function castFor(value: Cell | undefined): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return '::float8';
  if (typeof value === 'bigint' && (value < INT64_MIN || value > INT64_MAX)) return '::numeric';
  return '';
}
