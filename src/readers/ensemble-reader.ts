/**
 * Ensemble CSV: one row per simulation run. Each row gets a `sim_id` (continuing after the
 * largest one the store holds), and a `simulation` table lists the ids; the ensemble table's
 * `sim_id` is a foreign key to `simulation.sim_id`, its primary key.
 */
import path from 'node:path';
import type { Relations } from '../store/relations.js';
import { csvSource, readCsvHeader } from './csv-reader.js';
import type { RawCell, Reader, ReadContext, ReadResult, TableSource } from '../store/reader.js';

/**
 * `inner`'s rows numbered as simulation runs: `runs` has `sim_id` first (`first`, `first + 1`…,
 * text cells for a text source, numbers for a typed one), `simulation` lists the ids once the runs
 * have been read, and `relations` key the runs to it. Shared by every reader of ensembles.
 */
export function numberedRuns(inner: TableSource, table: string, first: number): { runs: TableSource; simulation: TableSource; relations: Relations } {
  const ids: number[] = [];
  let next = first;
  const asCell = (id: number): RawCell => (inner.cells === 'text' ? String(id) : id);
  /** The ids of the next `rows` runs, as cells like the source's own. */
  const idColumn = (rows: number, typed: boolean): RawCell[] => {
    const column = new Array<RawCell>(rows);
    for (let r = 0; r < rows; r++) {
      ids.push(next);
      column[r] = typed ? next : asCell(next);
      next++;
    }
    return column;
  };
  const runs: TableSource = {
    ...inner,
    columns: ['sim_id', ...inner.columns],
    forEachBatch(consume) {
      next = first;
      ids.length = 0;
      return inner.forEachBatch((rows) => {
        const column = idColumn(rows.length, false);
        return consume(rows.map((row, r) => [column[r]!, ...row]));
      });
    },
    ...(inner.forEachColumnBatch === undefined
      ? {}
      : {
          forEachColumnBatch(consume: Parameters<NonNullable<TableSource['forEachColumnBatch']>>[0]) {
            next = first;
            ids.length = 0;
            return inner.forEachColumnBatch!((columns, rows, kinds) =>
              consume([idColumn(rows, false), ...columns], rows, kinds === undefined ? undefined : [inner.cells, ...kinds]),
            );
          },
        }),
  };
  // The simulation table is read after the runs, so its ids are known by then.
  const simulation: TableSource = {
    table: 'simulation',
    columns: ['sim_id'],
    cells: 'typed',
    file: inner.file,
    async forEachBatch(consume) {
      if (ids.length > 0) await consume(ids.map((id) => [id]));
    },
    lineOfRow: inner.lineOfRow,
  };
  const relations: Relations = new Map([
    ['simulation', { primaryKey: 'sim_id', foreignKeys: [] }],
    [table, { foreignKeys: [{ column: 'sim_id', refTable: 'simulation', refColumn: 'sim_id' }] }],
  ]);
  return { runs, simulation, relations };
}

export const ensembleReader: Reader = {
  name: 'ensemble',
  description: 'CSV of simulation runs: adds sim_id and a simulation table it references',
  async read(file: string, context: ReadContext): Promise<ReadResult> {
    const header = await readCsvHeader(file);
    const table = context.tableName ?? path.basename(file, path.extname(file));
    const inner = csvSource(file, table, header, context.onProgress);
    const first = ((await context.maxInteger('simulation', 'sim_id')) ?? 0) + 1;
    const { runs, simulation, relations } = numberedRuns(inner, table, first);
    return { tables: [runs, simulation], units: [], relations };
  },
};
