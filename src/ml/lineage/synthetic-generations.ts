/**
 * How many generations of synthetic data a run's data passed through, and the warning a new run
 * gets when that goes beyond a chosen depth. The one place this is computed: the lineage reports
 * it and every trainer that includes predictions checks it before its run starts.
 *
 * A run trained on store data only is generation 0. A run whose data includes predictions of run
 * R is generation `gen(R) + 1`, the maximum over all the runs its included predictions came from.
 * So a GAN child trained on its parent's accepted images is generation 1, and its own child, which
 * keeps those images and adds the child's, is generation 2: its data was drawn by a model that had
 * itself learned from drawn data. Repeating this degrades generative models (Alemohammad et al.
 * 2023, "Self-Consuming Generative Models Go MAD"; Shumailov et al. 2024, Nature, "AI models
 * collapse when trained on recursively generated data"); see docs/ml-review.md.
 *
 * ```ts
 * const g = await syntheticGenerations(store, run.included_predictions); // { generation: 2, sources: { 'gan-…': 1 } }
 * ```
 *
 * Included predictions whose run was deleted count as generation 1 (they were generated, by a
 * run of unknown history). Parent links that form a cycle end the walk with `E_ML_RUN`.
 */
import { MlError } from '../../errors.js';
import type { ProgressCallback, ProgressEvent } from '../../progress.js';
import type { Store } from '../../store/store.js';
import { RunRegistry, type RunRecord } from '../registry/run-registry.js';

/** The default of `maxSyntheticGenerations`: one round of training on accepted predictions. */
export const DEFAULT_MAX_SYNTHETIC_GENERATIONS = 1;

/** The progress task of a warning event: `detail.warning` holds the message. */
export const WARNING_TASK = 'warning';

/** A warning as a progress event (the one callback every long job reports through). */
export function warningEvent(message: string): ProgressEvent {
  return { task: WARNING_TASK, done: 1, total: 1, unit: 'warnings', detail: { warning: message } };
}

/** The message of a warning event, or undefined for any other event. */
export function warningOf(event: ProgressEvent): string | undefined {
  const w = event.task === WARNING_TASK ? event.detail?.['warning'] : undefined;
  return typeof w === 'string' ? w : undefined;
}

export interface SyntheticGenerations {
  /** 0 for real data only; otherwise 1 + the highest generation of a run whose predictions are included. */
  readonly generation: number;
  /** Each run whose predictions are included, with that run's own generation (`(deleted)`: 0). */
  readonly sources: Readonly<Record<string, number>>;
}

const MAX_DEPTH = 1000;

/**
 * The generations of a run whose data includes the predictions `included` (their ids), computed
 * from the runs those predictions came from and, recursively, what those runs included.
 */
export async function syntheticGenerations(store: Store, included: readonly string[]): Promise<SyntheticGenerations> {
  if (included.length === 0) return { generation: 0, sources: {} };
  const registry = new RunRegistry(store);
  const byId = new Map((await registry.list()).map((r) => [r.run_id, r]));
  const memo = new Map<string, number>();
  const generationOfIds = async (ids: readonly string[], depth: number): Promise<{ generation: number; sources: Record<string, number> }> => {
    const runsOf = await registry.predictions.runsOf(ids);
    const sources: Record<string, number> = {};
    if (runsOf.size < new Set(ids).size) sources['(deleted)'] = 0;
    for (const runId of new Set(runsOf.values())) {
      const run = byId.get(runId);
      sources[runId] = run === undefined ? 0 : await generationOfRun(run, depth + 1);
    }
    const values = Object.values(sources);
    return { generation: values.length === 0 ? 0 : 1 + Math.max(...values), sources };
  };
  const generationOfRun = async (run: RunRecord, depth: number): Promise<number> => {
    const known = memo.get(run.run_id);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) throw new MlError('E_ML_RUN', `the included predictions of run ${run.run_id} lead back to themselves (a cycle)`);
    const g = run.included_predictions.length === 0 ? 0 : (await generationOfIds(run.included_predictions, depth)).generation;
    memo.set(run.run_id, g);
    return g;
  };
  return generationOfIds(included, 0);
}

/**
 * Checks a new run's included predictions against `maxSyntheticGenerations` (default
 * {@link DEFAULT_MAX_SYNTHETIC_GENERATIONS}): beyond it, a warning event goes to `onProgress`
 * (the run still starts: the data may be what the user intends). Returns the generations.
 * `E_ML_ARGUMENT` when the limit is not a whole number ≥ 0.
 */
export async function checkSyntheticGenerations(
  store: Store,
  included: readonly string[],
  options: { readonly maxSyntheticGenerations?: number | undefined; readonly onProgress?: ProgressCallback | undefined },
): Promise<SyntheticGenerations> {
  const limit = checkGenerationLimit(options.maxSyntheticGenerations);
  const g = await syntheticGenerations(store, included);
  if (g.generation > limit) {
    const from = Object.entries(g.sources)
      .map(([run, gen]) => `${run} (generation ${gen})`)
      .join(', ');
    options.onProgress?.(
      warningEvent(
        `this run trains on generation-${g.generation} synthetic data (predictions of ${from}), beyond the limit of ${limit}: ` +
          'models trained repeatedly on their own generated data lose variety and drift (model collapse); add fresh real data, or accept fewer generations back',
      ),
    );
  }
  return g;
}

/** `v` (or the default) as a whole number ≥ 0. */
export function checkGenerationLimit(v: number | undefined): number {
  const x = v ?? DEFAULT_MAX_SYNTHETIC_GENERATIONS;
  if (!Number.isInteger(x) || x < 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('maxSyntheticGenerations')} must be a whole number ≥ 0, got ${String(v)}`);
  return x;
}
