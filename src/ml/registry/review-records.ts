/**
 * What the workflows read from `ml_reviews` (with the predictions they judge): the one place
 * their SQL about expert reviews is written. A store without the tables reads as one with no
 * reviews and no predictions.
 */
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';

export class ReviewRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async #tables(): Promise<Set<string>> {
    return new Set((await this.#store.tables()).map((t) => t.toLowerCase()));
  }

  /** The run's verdicts (`prediction_id`, `reviewer`, `verdict`), oldest first, in the order they were recorded. */
  async verdicts(runId: string): Promise<Row[]> {
    if (!(await this.#tables()).has('ml_reviews')) return [];
    return this.#store.query('SELECT prediction_id, reviewer, verdict FROM ml_reviews WHERE run_id = ? AND verdict IS NOT NULL ORDER BY created_at, batch_index', [runId]);
  }

  /** Every review of the run's predictions (`reviewer`, `verdict`, `rating`). */
  async ofRun(runId: string): Promise<Row[]> {
    if (!(await this.#tables()).has('ml_reviews')) return [];
    return this.#store.query('SELECT reviewer, verdict, rating FROM ml_reviews WHERE run_id = ?', [runId]);
  }

  /**
   * The run's predictions (`prediction_id`, `FILE`, `params`, `seed`, `score`, `nn_distance`,
   * `accepted`) in id order, without those `reviewer` gave a verdict or rating unless `all`; at
   * most `limit`.
   */
  async queue(runId: string, reviewer: string, options: { all?: boolean; limit?: number } = {}): Promise<Row[]> {
    const tables = await this.#tables();
    if (!tables.has('ml_predictions')) return [];
    const skipReviewed = options.all !== true && tables.has('ml_reviews');
    return this.#store.query(
      `SELECT prediction_id, FILE, params, seed, score, nn_distance, accepted FROM ml_predictions p WHERE run_id = ?` +
        (skipReviewed ? ` AND NOT EXISTS (SELECT 1 FROM ml_reviews r WHERE r.prediction_id = p.prediction_id AND r.reviewer = ? AND (r.verdict IS NOT NULL OR r.rating IS NOT NULL))` : '') +
        ` ORDER BY prediction_id` +
        (options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`),
      skipReviewed ? [runId, reviewer] : [runId],
    );
  }
}
