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
 * columns. The table is written in one transaction (`store.insertRows`): any failure leaves no
 * table. An existing table, or a name the store reserves (`ml_…`, `dsi_…`), is refused.
 */
import { MlError } from '../../errors.js';
import { sanitizeIdentifier } from '../../store/identifiers.js';
import { FloatCell, type RawCell } from '../../store/reader.js';
import { isProtectedTable } from '../../store/reserved-tables.js';
import type { RowRecord } from '../../store/row-records.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { loadEmulatorRun } from './emulator.js';
import { columnValues, resolveColumn } from './query-columns.js';

export interface PredictEmulatorOptions {
  /** The finished emulator (regressor) run. */
  readonly run: string;
  /** A read-only query returning the run's feature columns. */
  readonly query: string;
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

/** A cell as the new table stores it: a number that is not finite is NULL. */
function storedCell(v: Cell): RawCell {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

export async function predictEmulator(store: Store, options: PredictEmulatorOptions): Promise<PredictEmulatorResult> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'predictEmulator needs options (run, query, outTable)');
  const { run, query, outTable } = options;
  if (typeof query !== 'string' || query.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('query')} must be a query, got ${JSON.stringify(query)}`);
  if (typeof outTable !== 'string' || outTable.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} must name a new table, got ${JSON.stringify(outTable)}`);
  if (sanitizeIdentifier(outTable) !== outTable) throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} "${outTable}" would be stored as "${sanitizeIdentifier(outTable)}"; give that name`);
  if (isProtectedTable(outTable)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('outTable')} "${outTable}" is a name the store keeps for its own tables; pick another`);
  const existing = (await store.tables()).find((t) => t.toLowerCase() === outTable.toLowerCase());
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
    const records: RowRecord[] = rows.map((r, i) => {
      const record: Record<string, RawCell> = Object.create(null) as Record<string, RawCell>;
      record[rowColumn] = i + 1;
      for (const f of features) record[f] = storedCell(r[f] ?? null);
      if (targetColumn !== undefined) record[targetColumn] = storedCell(r[targetColumn] ?? null);
      // A float even when whole, so the column is FLOAT.
      record[predicted] = Number.isFinite(y[i]!) ? new FloatCell(y[i]!) : null;
      return record;
    });
    // newTable: a table made since the check above is refused, never appended to.
    const written = await store.insertRows(outTable, records, { columns: outColumns, newTable: true });
    return { run_id: emulator.runId, table: written.table, rows: written.rows, column: predicted, row_column: rowColumn };
  } finally {
    emulator.dispose();
  }
}
