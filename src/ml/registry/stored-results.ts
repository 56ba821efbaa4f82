/**
 * What the workflows read back from the results a run leaves: its generated items
 * (`ml_predictions`), the experts' reviews of them (`ml_reviews`) and its recorded metric values
 * (`ml_evaluations`). The one place their SQL over those tables is written. A store without a
 * table reads as one where it has no rows (no ids, zero counts), so a store that never predicted,
 * reviewed or evaluated needs no special case.
 *
 * Ids inside SQL text (for `IN (…)` lists too long for bound parameters, and for queries handed
 * on to `loadImages` or a writer, which bind none) are standard SQL literals, quotes doubled.
 */
import type { ManagedTransaction } from '../../store/managed-tables.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { num, str } from './run-record.js';

/** Ids per query for `IN (…)` lists. */
const CHUNK = 500;

const quoted = (column: string): string => `"${column.replace(/"/g, '""')}"`;
const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlTextList = (ids: readonly string[]): string => ids.map(sqlText).join(', ');

async function hasTable(store: Store, table: string): Promise<boolean> {
  return (await store.tables()).some((t) => t.toLowerCase() === table);
}

/** The runs' generated items (`ml_predictions`). */
export class PredictionRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async #ids(sql: string, params: readonly Cell[]): Promise<string[]> {
    if (!(await hasTable(this.#store, 'ml_predictions'))) return [];
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
    if (!(await hasTable(this.#store, 'ml_predictions'))) return 0;
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

  /** The run's predictions counted by decision: `accepted` (1, 0, null undecided) and `accepted_by`. */
  async acceptanceCounts(runId: string): Promise<{ accepted: number | null; accepted_by: string | null; n: number }[]> {
    if (!(await hasTable(this.#store, 'ml_predictions'))) return [];
    const rows = await this.#store.query('SELECT accepted, accepted_by, COUNT(*) AS n FROM ml_predictions WHERE run_id = ? GROUP BY accepted, accepted_by', [runId]);
    return rows.map((r) => ({ accepted: num(r['accepted'] ?? null), accepted_by: str(r['accepted_by'] ?? null), n: Number(r['n']) }));
  }

  /** The run each of `ids` belongs to; ids not in `ml_predictions` are absent. */
  async runsOf(ids: readonly string[]): Promise<Map<string, string>> {
    const runs = new Map<string, string>();
    if (!(await hasTable(this.#store, 'ml_predictions'))) return runs;
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
    if (ids.length === 0 || !(await hasTable(this.#store, 'ml_predictions'))) return out;
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
    if (!(await hasTable(this.#store, 'ml_predictions'))) return undefined;
    return (await this.#store.query('SELECT * FROM ml_predictions WHERE prediction_id = ?', [id]))[0];
  }

  /** The query selecting the run's predictions, as text for `loadImages`. */
  runQuery(runId: string): string {
    return `SELECT * FROM ml_predictions WHERE run_id = ${sqlText(runId)}`;
  }

  /** The query selecting the predictions `ids` (every column), ordered by id: text for `loadImages` (a child run may include more ids than bound parameters allow). */
  idsQuery(ids: readonly string[]): string {
    return `SELECT * FROM ml_predictions WHERE prediction_id IN (${sqlTextList(ids)}) ORDER BY prediction_id`;
  }

  /** The query selecting `columns` of the predictions one predict call made (ids `p-CALL-…`, `callId` its hex id), ordered by id: text for a writer's `query`. */
  callQuery(callId: string, columns: readonly string[]): string {
    const prefix = `p-${callId}-%`.replace(/'/g, "''");
    return `SELECT ${columns.map(quoted).join(', ')} FROM ml_predictions WHERE prediction_id LIKE '${prefix}' ORDER BY prediction_id`;
  }
}

/** The experts' reviews of the runs' predictions (`ml_reviews`). */
export class ReviewRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The run's verdicts (`prediction_id`, `reviewer`, `verdict`), in the order they were recorded. */
  async verdicts(runId: string): Promise<Row[]> {
    if (!(await hasTable(this.#store, 'ml_reviews'))) return [];
    return this.#store.query('SELECT prediction_id, reviewer, verdict FROM ml_reviews WHERE run_id = ? AND verdict IS NOT NULL ORDER BY created_at, batch_index', [runId]);
  }

  /** Every review of the run's predictions (`reviewer`, `verdict`, `rating`). */
  async ofRun(runId: string): Promise<Row[]> {
    if (!(await hasTable(this.#store, 'ml_reviews'))) return [];
    return this.#store.query('SELECT reviewer, verdict, rating FROM ml_reviews WHERE run_id = ?', [runId]);
  }

  /**
   * The run's predictions (`prediction_id`, `FILE`, `params`, `seed`, `score`, `nn_distance`,
   * `accepted`) in id order, without those `reviewer` gave a verdict or rating unless `all`; at
   * most `limit`.
   */
  async queue(runId: string, reviewer: string, options: { all?: boolean; limit?: number } = {}): Promise<Row[]> {
    if (!(await hasTable(this.#store, 'ml_predictions'))) return [];
    const skipReviewed = options.all !== true && (await hasTable(this.#store, 'ml_reviews'));
    return this.#store.query(
      `SELECT prediction_id, FILE, params, seed, score, nn_distance, accepted FROM ml_predictions p WHERE run_id = ?` +
        (skipReviewed ? ` AND NOT EXISTS (SELECT 1 FROM ml_reviews r WHERE r.prediction_id = p.prediction_id AND r.reviewer = ? AND (r.verdict IS NOT NULL OR r.rating IS NOT NULL))` : '') +
        ` ORDER BY prediction_id` +
        (options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`),
      skipReviewed ? [runId, reviewer] : [runId],
    );
  }
}

/** The metric values recorded for runs (`ml_evaluations`). */
export class EvaluationRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The run's overall values (no condition): `metric`, `value`, `std`, `feature_run_id`, `epoch`, `created_at`, oldest first. */
  async overall(runId: string): Promise<Row[]> {
    if (!(await hasTable(this.#store, 'ml_evaluations'))) return [];
    return this.#store.query('SELECT metric, value, std, feature_run_id, epoch, created_at FROM ml_evaluations WHERE run_id = ? AND condition IS NULL ORDER BY created_at', [runId]);
  }
}
