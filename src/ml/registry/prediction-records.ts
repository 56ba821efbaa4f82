/**
 * What the workflows read from `ml_predictions`: the one place their SQL about generated items
 * is written. Every method answers for a store without the table as for a table with no rows
 * (no ids, zero counts), so a store that never predicted needs no special case.
 */
import type { ManagedTransaction } from '../../store/managed-tables.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { sqlTextList } from './id-list.js';

/** Ids per query for `IN (…)` lists. */
const CHUNK = 500;

const quoted = (column: string): string => `"${column.replace(/"/g, '""')}"`;

/** How a run's predictions were decided, from `ml_predictions.accepted` and `accepted_by`. */
export interface AcceptanceCount {
  /** 1 accepted, 0 rejected, null undecided. */
  readonly accepted: number | null;
  readonly accepted_by: string | null;
  readonly n: number;
}

export class PredictionRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async #exists(): Promise<boolean> {
    return (await this.#store.tables()).some((t) => t.toLowerCase() === 'ml_predictions');
  }

  async #ids(sql: string, params: readonly Cell[]): Promise<string[]> {
    if (!(await this.#exists())) return [];
    return (await this.#store.query(sql, params)).map((r) => String(r['prediction_id']));
  }

  /** The run's accepted predictions, by id. */
  acceptedIds(runId: string): Promise<string[]> {
    return this.#ids('SELECT prediction_id FROM ml_predictions WHERE run_id = ? AND accepted = 1 ORDER BY prediction_id', [runId]);
  }

  /** The run's predictions that a rule accepted (`accepted_by` starting `rule: `). */
  ruleAcceptedIds(runId: string): Promise<string[]> {
    return this.#ids("SELECT prediction_id FROM ml_predictions WHERE run_id = ? AND accepted_by LIKE 'rule: %'", [runId]);
  }

  /** How many predictions the run has (with `acceptedOnly`, how many of them are accepted). */
  async count(runId: string, options: { acceptedOnly?: boolean } = {}): Promise<number> {
    if (!(await this.#exists())) return 0;
    const sql = `SELECT COUNT(*) AS n FROM ml_predictions WHERE run_id = ?${options.acceptedOnly === true ? ' AND accepted = 1' : ''}`;
    return Number((await this.#store.query(sql, [runId]))[0]?.['n'] ?? 0);
  }

  /** Inside `tx`: each of the run's predictions and its `accepted` (1, 0 or null). */
  async acceptance(tx: ManagedTransaction, runId: string): Promise<Map<string, Cell>> {
    const rows = await tx.select('SELECT prediction_id, accepted FROM ml_predictions WHERE run_id = ?', [runId]);
    return new Map(rows.map((r) => [String(r['prediction_id']), r['accepted'] ?? null]));
  }

  /** Of the run's predictions: how many have a value in `column`, and its least and greatest. */
  async columnRange(runId: string, column: string): Promise<{ n: number; lo: Cell; hi: Cell }> {
    const q = quoted(column);
    const row = (await this.#store.query(`SELECT COUNT(${q}) AS n, MIN(${q}) AS lo, MAX(${q}) AS hi FROM ml_predictions WHERE run_id = ?`, [runId]))[0] ?? {};
    return { n: Number(row['n'] ?? 0), lo: row['lo'] ?? null, hi: row['hi'] ?? null };
  }

  /** The run's predictions counted by decision (`accepted`, `accepted_by`). */
  async acceptanceCounts(runId: string): Promise<AcceptanceCount[]> {
    if (!(await this.#exists())) return [];
    const rows = await this.#store.query('SELECT accepted, accepted_by, COUNT(*) AS n FROM ml_predictions WHERE run_id = ? GROUP BY accepted, accepted_by', [runId]);
    return rows.map((r) => ({
      accepted: r['accepted'] === null || r['accepted'] === undefined ? null : Number(r['accepted']),
      accepted_by: r['accepted_by'] === null || r['accepted_by'] === undefined ? null : String(r['accepted_by']),
      n: Number(r['n']),
    }));
  }

  /** The run each of `ids` belongs to; ids not in `ml_predictions` are absent. */
  async runsOf(ids: readonly string[]): Promise<Map<string, string>> {
    const runs = new Map<string, string>();
    if (!(await this.#exists())) return runs;
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.#store.query(`SELECT prediction_id, run_id FROM ml_predictions WHERE prediction_id IN (${sqlTextList(unique.slice(i, i + CHUNK))})`);
      for (const r of rows) runs.set(String(r['prediction_id']), String(r['run_id']));
    }
    return runs;
  }

  /** How many of `ids` each run has (ids not in `ml_predictions` are not counted). */
  async countByRun(ids: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (ids.length === 0 || !(await this.#exists())) return out;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = sqlTextList(ids.slice(i, i + CHUNK));
      for (const r of await this.#store.query(`SELECT run_id, COUNT(*) AS n FROM ml_predictions WHERE prediction_id IN (${chunk}) GROUP BY run_id`)) {
        out[String(r['run_id'])] = (out[String(r['run_id'])] ?? 0) + Number(r['n']);
      }
    }
    return out;
  }

  /** The prediction `id` (its `ml_predictions` row), or undefined. */
  async byId(id: string): Promise<Row | undefined> {
    if (!(await this.#exists())) return undefined;
    return (await this.#store.query('SELECT * FROM ml_predictions WHERE prediction_id = ?', [id]))[0];
  }

  /**
   * The query selecting the predictions `ids` (every column), ordered by id: text for `loadImages`,
   * with the ids as literals (a child run may include more than bound parameters allow).
   */
  idsQuery(ids: readonly string[]): string {
    return `SELECT * FROM ml_predictions WHERE prediction_id IN (${sqlTextList(ids)}) ORDER BY prediction_id`;
  }

  /**
   * The query selecting `columns` of the predictions one predict call made (ids `p-CALL-…`),
   * ordered by id: text for a writer's `query`. `callId` is the call's own hex id.
   */
  callQuery(callId: string, columns: readonly string[]): string {
    const prefix = `p-${callId}-%`.replace(/'/g, "''");
    return `SELECT ${columns.map(quoted).join(', ')} FROM ml_predictions WHERE prediction_id LIKE '${prefix}' ORDER BY prediction_id`;
  }
}
