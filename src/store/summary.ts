/**
 * Per-column statistics of a table, as Python DSI's `summary` reports them, over the rows a
 * condition keeps (the rows the caller may see: `visible-rows.ts`), the same SQL on every backend.
 */
import type { Backend } from './backend.js';
import type { Cell, TableInfo } from './types.js';

export interface ColumnSummary {
  readonly table: string;
  readonly column: string;
  /** The declared type (`INTEGER`, `FLOAT`, `VARCHAR`…). */
  readonly type: string;
  /** Distinct non-NULL values. */
  readonly unique: number;
  readonly min: Cell;
  readonly max: Cell;
  readonly avg: number | null;
  /** Population standard deviation (ddof 0, as Python DSI). */
  readonly std_dev: number | null;
  readonly primary_key: boolean;
}

/**
 * Summaries of every column of `info` over the rows `visible` (a WHERE condition; '' for all)
 * keeps; min, max, avg and std_dev are NULL for text columns.
 */
export async function summarizeTable(backend: Backend, info: TableInfo, visible = ''): Promise<ColumnSummary[]> {
  const q = backend.dialect.quote;
  const where = visible === '' ? '' : ` WHERE ${visible}`;
  const out: ColumnSummary[] = [];
  for (const col of info.columns) {
    const c = q(col.name);
    const numeric = col.type !== 'text';
    const head = await backend.select(
      numeric
        ? `SELECT count(DISTINCT ${c}) AS u, min(${c}) AS mn, max(${c}) AS mx, avg(${c}) AS av FROM ${q(info.name)}${where}`
        : `SELECT count(DISTINCT ${c}) AS u FROM ${q(info.name)}${where}`,
    );
    const h = head[0] ?? {};
    let std: number | null = null;
    const avg = numeric && h['av'] !== null && h['av'] !== undefined ? Number(h['av']) : null;
    if (avg !== null) {
      // Two passes (mean, then mean squared deviation) keep the precision a one-pass sum loses.
      const v = await backend.select(`SELECT avg((${c} - ?) * (${c} - ?)) AS v FROM ${q(info.name)} WHERE ${c} IS NOT NULL${visible === '' ? '' : ` AND ${visible}`}`, [avg, avg]);
      std = Math.sqrt(Number(v[0]?.['v'] ?? 0));
    }
    out.push({
      table: info.name,
      column: col.name,
      type: col.declaredType,
      unique: Number(h['u'] ?? 0),
      min: numeric ? (h['mn'] ?? null) : null,
      max: numeric ? (h['mx'] ?? null) : null,
      avg,
      std_dev: std,
      primary_key: col.primaryKey,
    });
  }
  return out;
}
