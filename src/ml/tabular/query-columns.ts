/** Columns of a query's result by name, matched as SQL does (case-insensitively when not exact). */
import { MlError } from '../../errors.js';
import type { Cell, Row } from '../../store/types.js';

/**
 * The result column `name` stands for: the exact name, else the one name equal to it ignoring
 * case. An E_ML_DATA error names the missing column and lists the result's columns.
 */
export function resolveColumn(available: readonly string[], name: string, role: string, what: string): string {
  if (available.includes(name)) return name;
  const matches = available.filter((c) => c.toLowerCase() === name.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  const list = available.length <= 30 ? available.join(', ') : `${available.slice(0, 30).join(', ')}, … (${available.length})`;
  if (matches.length > 1) throw new MlError('E_ML_DATA', `${role} "${name}" matches several columns of the ${what} (${matches.join(', ')}); spell it exactly`);
  throw new MlError('E_ML_DATA', `the ${what} has no column "${name}" (${role}); its columns: ${list}`);
}

/** One column of the rows, in row order. */
export function columnValues(rows: readonly Row[], column: string): Cell[] {
  return rows.map((r) => r[column] ?? null);
}
