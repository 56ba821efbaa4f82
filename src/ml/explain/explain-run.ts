/**
 * Explain one prediction of a finished run with SHAP values (DESIGN §5): the run's kind decides
 * the features (a tabular emulator's input columns, an image's blocks or superpixels for a
 * classifier or a discriminator, a conditional generator's parameters), the background is K rows
 * of the run's own data drawn with the seed, and the values, with Σ value = prediction − base
 * value, go to `ml_explanations` in one transaction (one row per feature, sharing an
 * `explanation_id`); an image explanation also leaves a heat-map PNG in the run's folder.
 *
 * ```ts
 * const r = await explainRun(store, { run: 'classifier-…', row: 7 });
 * r.values['block r4 c4']; r.prediction - r.base_value; r.file_heatmap;
 * ```
 *
 * Every check that can fail on input (options, the run, its state and kind, the row or
 * prediction, the method against the number of features) runs before anything is written.
 * Each phase has its own file: explain-options.ts, subject-of-run.ts, shapley-values.ts,
 * record-explanation.ts.
 */
import type { Store } from '../../store/store.js';
import { RunRegistry } from '../registry/run-registry.js';
import { checkExplainOptions, type ExplainRunOptions } from './explain-options.js';
import { recordExplanation } from './record-explanation.js';
import { shapleyValues, type GameExplanation, type ShapMethod } from './shapley-values.js';
import { subjectOfRun } from './subject-of-run.js';

export interface ExplanationResult {
  explanation_id: string;
  run_id: string;
  kind: string;
  target: string;
  method: ShapMethod;
  output: string;
  /** f(x): the model's output for the explained input. */
  prediction: number;
  /** E[f] over the background (f of the mean image with the default image background). */
  base_value: number;
  /** Feature name → SHAP value, in feature order; they sum to prediction − base_value. */
  values: Record<string, number>;
  /** Background rows drawn. */
  background: number;
  seed: number;
  /** Features that differ from the background (the others are 0 by construction). */
  features_varying: number;
  /** Coalitions valued. */
  evaluations: number;
  /** The heat map, relative to the store's folder (image explanations). */
  file_heatmap?: string;
  details: Record<string, unknown>;
  seconds: number;
}

/** Explain one prediction of a run (see the file comment). */
export async function explainRun(store: Store, options: ExplainRunOptions): Promise<ExplanationResult> {
  const started = performance.now();
  const o = checkExplainOptions(options);
  const registry = new RunRegistry(store);
  const { run, subject } = await subjectOfRun(registry, options.run, o);
  let computed: GameExplanation;
  try {
    computed = shapleyValues(subject.game, { method: o.method, samples: options.samples, seed: o.seed });
  } finally {
    // The subject's models are freed whatever happened.
    subject.dispose();
  }
  const recorded = await recordExplanation(registry, run, subject, computed, o.seed);
  return {
    explanation_id: recorded.id,
    run_id: run.run_id,
    kind: run.kind,
    target: subject.target,
    method: computed.method,
    output: subject.output,
    prediction: computed.prediction,
    base_value: computed.baseValue,
    values: Object.fromEntries(subject.features.map((f, j) => [f, computed.values[j]!])),
    background: subject.backgroundRows,
    seed: o.seed,
    features_varying: computed.active,
    evaluations: computed.evaluations,
    ...(recorded.heatmap === undefined ? {} : { file_heatmap: recorded.heatmap }),
    details: { ...subject.details },
    seconds: (performance.now() - started) / 1000,
  };
}
