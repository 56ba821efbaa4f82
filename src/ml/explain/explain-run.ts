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
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, writeFileAtomicSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import { CALL_LIMITS, checkCallSize, checkSeed } from '../call-limits.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import { now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { ML_EXPLANATIONS } from '../registry/tables.js';
import { resolveDevice } from '../device.js';
import { DEFAULT_BACKGROUND } from './background.js';
import { classifierSubject } from './classifier-subject.js';
import {
  EXPLAIN_OUTPUTS,
  IMAGE_BACKGROUNDS,
  SEGMENTATIONS,
  type ExplainOutput,
  type ExplanationSubject,
  type ImageBackground,
  type Segmentation,
  type SubjectOptions,
} from './explanation-subject.js';
import { ganSubject } from './gan-subject.js';
import { heatmapPng } from './heatmap.js';
import { DEFAULT_BLOCKS } from './image-segmentation.js';
import { regressorSubject } from './regressor-subject.js';
import { SHAP_METHODS, shapleyValues, type ShapMethod } from './shapley-values.js';

export interface ExplainRunOptions {
  readonly run: string;
  /** Row N (1-based) of the run's data query. Give exactly one of `row` and `prediction`. */
  readonly row?: number;
  /** A stored prediction (`ml_predictions.prediction_id`): its image, or its parameters and seed. */
  readonly prediction?: string;
  /** Default: exact for up to 12 features that differ from the background, kernel beyond. */
  readonly method?: ShapMethod;
  /** K background rows drawn from the run's data (default 100; all rows when K ≥ their number). */
  readonly background?: number;
  /** Seed of the background draw, of Kernel and permutation sampling and of a generator's noise (default 0). */
  readonly seed?: number;
  /** Coalition budget of kernel and permutation (default 2M + 2048). */
  readonly samples?: number;
  /** GAN runs: `discriminator`, or for a conditional generator `score` (default when a classifier exists) or `mean-intensity`. */
  readonly output?: ExplainOutput;
  /** The class whose probability is explained (classifier runs, and GAN `score`); default: the predicted one. */
  readonly class?: string | number;
  /** Image features: a grid of blocks (default) or superpixels. */
  readonly segmentation?: Segmentation;
  /** Grid side (default 7: 7 × 7 blocks); with superpixels, about blocks² segments. */
  readonly blocks?: number;
  /** Absent image segments take the mean of the K background images (default) or each of them. */
  readonly imageBackground?: ImageBackground;
  /** Where the models run (default cpu). */
  readonly device?: string;
}

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

function whole(name: string, v: number | undefined, fallback: number, min: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new MlError('E_ML_ARGUMENT', `${name} must be a whole number ≥ ${min}, got ${String(v)}`);
  return x;
}

function oneOf<T extends string>(name: string, v: T | undefined, allowed: readonly T[]): T | undefined {
  if (v !== undefined && !allowed.includes(v)) throw new MlError('E_ML_ARGUMENT', `${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

/** The options checked, defaults filled in; nothing touches the store yet. */
function checkOptions(options: ExplainRunOptions): SubjectOptions {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', `explainRun: options must be an object, got ${String(options)}`);
  if (typeof options.run !== 'string' || options.run === '') throw new MlError('E_ML_ARGUMENT', `--run must be a run id, got ${JSON.stringify(options.run)}`);
  if ((options.row === undefined) === (options.prediction === undefined)) {
    throw new MlError('E_ML_ARGUMENT', 'give exactly one of --row N (a row of the run\'s data query) and --prediction ID (a stored prediction)');
  }
  if (options.row !== undefined && (!Number.isInteger(options.row) || options.row < 1)) throw new MlError('E_ML_ARGUMENT', `--row must be a whole number ≥ 1 (rows count from 1), got ${String(options.row)}`);
  if (options.seed !== undefined) checkSeed('--seed', options.seed);
  if (options.samples !== undefined) {
    checkCallSize('--samples', whole('--samples', options.samples, 0, 1), CALL_LIMITS.explainSamples, 'Kernel SHAP and permutation sampling settle far below that (the default is 2M + 2048); give fewer', 'coalitions');
  }
  if (options.background !== undefined) {
    checkCallSize('--background', whole('--background', options.background, 0, 1), CALL_LIMITS.explainBackground, 'E[f] over a few hundred rows is already close; draw fewer', 'rows');
  }
  if (options.class !== undefined && (typeof options.class !== 'string' || options.class === '') && typeof options.class !== 'number') {
    throw new MlError('E_ML_ARGUMENT', `--class must be a class label, got ${JSON.stringify(options.class)}`);
  }
  return {
    row: options.row,
    prediction: options.prediction,
    method: oneOf('--method', options.method, SHAP_METHODS),
    background: whole('--background', options.background, DEFAULT_BACKGROUND, 1),
    seed: options.seed ?? 0,
    output: oneOf('--output', options.output, EXPLAIN_OUTPUTS),
    class: options.class === undefined ? undefined : String(options.class),
    segmentation: oneOf('--segmentation', options.segmentation, SEGMENTATIONS) ?? 'blocks',
    blocks: whole('--blocks', options.blocks, DEFAULT_BLOCKS, 1),
    imageBackground: oneOf('--image-background', options.imageBackground, IMAGE_BACKGROUNDS) ?? 'mean',
    device: resolveDevice(options.device ?? 'cpu'),
  };
}

/** The builder of each kind of run; a kind missing here is refused. */
const SUBJECTS: Record<string, (store: Store, run: RunRecord, options: SubjectOptions) => Promise<ExplanationSubject>> = {
  classifier: classifierSubject,
  gan: ganSubject,
  regressor: regressorSubject,
};

/** A new explanation id: `shap-`, UTC time to the second and 4 random hex digits. */
function newExplanationId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `shap-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Explain one prediction of a run (see the file comment). */
export async function explainRun(store: Store, options: ExplainRunOptions): Promise<ExplanationResult> {
  const started = performance.now();
  const o = checkOptions(options);
  const registry = new RunRegistry(store);
  const run = await registry.get(options.run);
  if (run.status !== 'finished') {
    throw new MlError('E_ML_RUN', `run ${run.run_id} is ${run.state}, not finished; explanations are of finished runs${run.state === 'killed' || run.state === 'stopped' ? ` (resume it with dsi ml train --resume ${run.run_id})` : ''}`);
  }
  const build = SUBJECTS[run.kind];
  if (build === undefined) throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run; explanations take classifier, gan and regressor runs`);
  const subject = await build(store, run, o);
  let computed: ReturnType<typeof shapleyValues>;
  try {
    computed = shapleyValues(subject.game, { ...(o.method === undefined ? {} : { method: o.method }), ...(options.samples === undefined ? {} : { samples: options.samples }), seed: o.seed });
  } finally {
    subject.dispose();
  }

  const id = newExplanationId();
  let heatmap: { absolute: string; relative: string } | undefined;
  if (subject.image !== undefined) {
    const folder = registry.runPath(run.run_id, 'explanations');
    makeFolderSync(folder);
    const absolute = path.join(folder, `${id}.png`);
    const img = subject.image;
    writeFileAtomicSync(absolute, heatmapPng({ image: img.pixels, channels: img.channels, height: img.height, width: img.width, segmentation: img.segmentation, values: computed.values }));
    heatmap = { absolute, relative: registry.relative(absolute) };
  }
  const created = now();
  const rows: Row[] = subject.features.map((feature, j) => ({
    explanation_id: id,
    run_id: run.run_id,
    target: subject.target,
    feature,
    value: computed.values[j]!,
    base_value: computed.baseValue,
    prediction: computed.prediction,
    method: computed.method,
    output: subject.output,
    background: subject.backgroundRows,
    seed: o.seed,
    FILE_heatmap: heatmap?.relative ?? null,
    created_at: created,
  }));
  try {
    await store.managedTables().transaction(async (tx) => {
      await tx.ensure(ML_EXPLANATIONS);
      await tx.insert(ML_EXPLANATIONS.name, rows);
    });
  } catch (e) {
    if (heatmap !== undefined) fs.rmSync(heatmap.absolute, { force: true });
    throw e;
  }
  return {
    explanation_id: id,
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
    ...(heatmap === undefined ? {} : { file_heatmap: heatmap.relative }),
    details: { ...subject.details },
    seconds: (performance.now() - started) / 1000,
  };
}
