/**
 * What the workflows read back from `ml_evaluations`: the one place their SQL over recorded
 * metric values is written. A store without the table reads as one with no evaluations.
 */
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';

export class EvaluationRecords {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The run's overall values (no condition): `metric`, `value`, `std`, `feature_run_id`, `epoch`, `created_at`, oldest first. */
  async overall(runId: string): Promise<Row[]> {
    if (!(await this.#store.tables()).some((t) => t.toLowerCase() === 'ml_evaluations')) return [];
    return this.#store.query('SELECT metric, value, std, feature_run_id, epoch, created_at FROM ml_evaluations WHERE run_id = ? AND condition IS NULL ORDER BY created_at', [runId]);
  }
}
