/**
 * Python DSI's run table (its `runTable` option): each `read` made with it records one row in the
 * reserved table `runtable`, and every row that read ingests carries that row's `run_id`, a
 * foreign key to `runtable.run_id`, so a scientist can tell which ingest brought which rows.
 *
 * `runtable(run_id INTEGER PRIMARY KEY, run_timestamp, user, host, files)`: `run_id` and
 * `run_timestamp` as Python DSI names them (its timestamp is local `YYYY-MM-DD HH:MM:SS`; ours is
 * ISO 8601 UTC, which sorts and compares across machines), plus who read what where (`files`: a
 * JSON array of the absolute paths read). Python DSI puts `run_id` first in every table; so do we
 * when a read creates the table, and an existing table gets it as a new last column (its earlier
 * rows NULL there, which a foreign key allows).
 *
 * **The guarantees:** everything happens in the read's own transaction, so a failed read leaves
 * no run row and no `run_id` column; the foreign keys are recorded in `dsi_relations` beside the
 * others, so they survive rebuilds and later reads without the option (whose rows get NULL).
 */
import os from 'node:os';
import path from 'node:path';
import type { RawCell, TableSource } from './reader.js';
import type { Relations, TableRelations } from './relations.js';

/** The run table's name, as Python DSI's reserved list spells it. */
export const RUN_TABLE = 'runtable';
/** The column every ingested row carries, and the run table's primary key. */
export const RUN_ID = 'run_id';

/** The user and host a run row records; `os.userInfo` fails for a uid without a passwd entry. */
function whoAndWhere(): { user: string; host: string } {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env['USER'] ?? String(process.getuid?.() ?? '');
  }
  return { user, host: os.hostname() };
}

/** The run table's one new row for run `runId`, reading `files`, as a typed table source. */
export function runRowSource(runId: number, files: readonly string[]): TableSource {
  const { user, host } = whoAndWhere();
  const row: RawCell[] = [runId, new Date().toISOString(), user, host, JSON.stringify(files.map((f) => path.resolve(f)))];
  return {
    table: RUN_TABLE,
    columns: [RUN_ID, 'run_timestamp', 'user', 'host', 'files'],
    cells: 'typed',
    file: RUN_TABLE,
    async forEachBatch(consume) {
      await consume([row]);
    },
    async lineOfRow() {
      return undefined;
    },
  };
}

/**
 * `source` with a first column `run_id` holding `runId` in every row. A text source gets the
 * number's spelling (the store infers INTEGER from it, as from a CSV cell); in column batches
 * whose kinds are given, the column is marked typed.
 */
export function withRunId(source: TableSource, runId: number): TableSource {
  const text = String(runId);
  const cell: RawCell = source.cells === 'text' ? text : runId;
  const wrapped: TableSource = {
    table: source.table,
    columns: [RUN_ID, ...source.columns],
    cells: source.cells,
    file: source.file,
    lineOfRow: (row) => source.lineOfRow(row),
    forEachBatch: (consume) => source.forEachBatch((rows) => consume(rows.map((r) => [cell, ...r]))),
  };
  if (source.forEachColumnBatch === undefined) return wrapped;
  const columnBatches = source.forEachColumnBatch.bind(source);
  return {
    ...wrapped,
    forEachColumnBatch: (consume) =>
      columnBatches((columns, rows, kinds) => {
        const ids = new Array<RawCell>(rows).fill(kinds === undefined ? cell : runId);
        return consume([ids, ...columns], rows, kinds === undefined ? undefined : ['typed', ...kinds]);
      }),
  };
}

/**
 * The relations that key `tables` to the run table, merged into `current` (a table's other keys
 * stay): `runtable.run_id` the primary key, and `T.run_id → runtable.run_id` for each `T`.
 */
export function runRelations(current: Relations, tables: readonly string[]): Map<string, TableRelations> {
  const find = (name: string) => [...current].find(([t]) => t.toLowerCase() === name.toLowerCase());
  const out = new Map<string, TableRelations>();
  const run = find(RUN_TABLE);
  out.set(run?.[0] ?? RUN_TABLE, { primaryKey: RUN_ID, foreignKeys: run?.[1].foreignKeys ?? [] });
  for (const table of tables) {
    const [name, own] = find(table) ?? [table, { primaryKey: undefined, foreignKeys: [] }];
    const keyed = own.foreignKeys.some((fk) => fk.column.toLowerCase() === RUN_ID);
    out.set(name, keyed ? own : { primaryKey: own.primaryKey, foreignKeys: [...own.foreignKeys, { column: RUN_ID, refTable: RUN_TABLE, refColumn: RUN_ID }] });
  }
  return out;
}
