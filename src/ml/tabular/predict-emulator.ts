/**
 * Predict with an emulator run over the rows of a query, into a new table.
 *
 * ```ts
 * await predictEmulator(store, { run: 'regressor-…', query: 'SELECT * FROM new_sites', outTable: 'site_predictions' });
 * // site_predictions: row, wind_speed, wdir, smois, fuels, [burned_area,] burned_area_predicted
 * ```
 *
 * The new table holds, per row of the query: `row` (1-based, in the query's order; `query_row`
 * when a feature is itself called `row`), the run's feature columns as the query returned them,
 * the target column when the query has it (for residuals), and `<target>_predicted`. Join it
 * back by `row` against the same query (with an ORDER BY, its order is stable) or by the feature
 * columns. The table is written in one transaction: any failure leaves no table. An existing
 * table, or a name the store reserves (`ml_…`, `dsi_…`), is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlError } from '../../errors.js';
import { isReservedTable, sanitizeIdentifier } from '../../store/identifiers.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { loadEmulatorRun } from './emulator.js';
import { columnValues, resolveColumn } from './query-columns.js';

export interface PredictEmulatorOptions {
  /** The finished emulator (regressor) run. */
  readonly run: string;
  /** A read-only query returning the run's feature columns. */
  readonly query: string;
  /** The new table to write. */
  readonly outTable: string;
}

export interface PredictEmulatorResult {
  run_id: string;
  table: string;
  rows: number;
  /** The predictions' column, `<target>_predicted`. */
  column: string;
  /** The column holding each row's 1-based position in the query. */
  row_column: string;
}

/** A cell as JSON; `float` writes whole numbers as `2.0` so the column is stored as floats. */
function jsonCell(v: Cell, float: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'null';
    const s = JSON.stringify(v);
    return float && !/[.eE]/.test(s) ? `${s}.0` : s;
  }
  return JSON.stringify(v);
}

async function tableExists(store: Store, name: string): Promise<string | undefined> {
  return (await store.tables()).find((t) => t.toLowerCase() === name.toLowerCase());
}

export async function predictEmulator(store: Store, options: PredictEmulatorOptions): Promise<PredictEmulatorResult> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'predictEmulator needs options (run, query, outTable)');
  const { run, query, outTable } = options;
  if (typeof query !== 'string' || query.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('query')} must be a query, got ${JSON.stringify(query)}`);
  if (typeof outTable !== 'string' || outTable.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} must name a new table, got ${JSON.stringify(outTable)}`);
  if (sanitizeIdentifier(outTable) !== outTable) throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} "${outTable}" would be stored as "${sanitizeIdentifier(outTable)}"; give that name`);
  if (isReservedTable(outTable)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} "${outTable}" is a name the store keeps for its own tables; pick another`);
  const existing = await tableExists(store, outTable);
  if (existing !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `table "${existing}" already exists; predictions go to a new table (pick another ${o('outTable')})`);

  const emulator = await loadEmulatorRun(store, run);
  try {
    const rows = await store.query(query);
    if (rows.length === 0) throw new MlError('E_ML_DATA', `the query returned no rows: ${query}`);
    const available = Object.keys(rows[0]!);
    const features = emulator.features.map((f) => resolveColumn(available, f, 'feature', 'query'));
    const targetColumn = available.find((c) => c.toLowerCase() === emulator.target.toLowerCase());
    const predicted = `${emulator.target}_predicted`;
    const taken = new Set([...features, ...(targetColumn === undefined ? [] : [targetColumn])].map((c) => c.toLowerCase()));
    if (taken.has(predicted.toLowerCase())) throw new MlError('E_ML_DATA', `a feature is called "${predicted}", the name of the predictions' column`);
    const rowColumn = taken.has('row') ? 'query_row' : 'row';
    if (taken.has(rowColumn)) throw new MlError('E_ML_DATA', 'the features take both "row" and "query_row"; rename one in the query (AS …)');

    const columns = features.map((f) => columnValues(rows, f));
    const cells = rows.map((_, i) => columns.map((c) => c[i]!));
    const y = emulator.predictRows(cells as (number | string | null)[][], 'the query');

    const outColumns = [rowColumn, ...features, ...(targetColumn === undefined ? [] : [targetColumn]), predicted];
    const keys = outColumns.map((c) => JSON.stringify(c));
    const records: string[] = rows.map((r, i) => {
      const values: string[] = [String(i + 1), ...features.map((f) => jsonCell(r[f] ?? null, false))];
      if (targetColumn !== undefined) values.push(jsonCell(r[targetColumn] ?? null, false));
      values.push(jsonCell(y[i]!, true));
      return `{${values.map((v, k) => `${keys[k]}:${v}`).join(',')}}`;
    });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-predict-'));
    try {
      const file = path.join(dir, 'predictions.json'); // the table is named below, never by the file
      fs.writeFileSync(file, `[\n${records.join(',\n')}\n]\n`);
      // Checked again just before writing: the read would append to a table made meanwhile.
      const raced = await tableExists(store, outTable);
      if (raced !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `table "${raced}" already exists; predictions go to a new table (pick another ${o('outTable')})`);
      const [written] = await store.read(file, { reader: 'json', table: outTable });
      return { run_id: emulator.runId, table: written?.table ?? outTable, rows: written?.rows ?? 0, column: predicted, row_column: rowColumn };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    emulator.dispose();
  }
}
