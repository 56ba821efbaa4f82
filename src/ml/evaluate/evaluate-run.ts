/**
 * Evaluate a GAN run against real images with a classifier's features (DESIGN §5): FID, KID,
 * precision and recall on penultimate activations, Inception Score on logits, class faithfulness
 * of a conditional model, per-image score and distance to the nearest training image; overall, per
 * condition value (per bin of 10 equal-width bins for continuous conditions) and, on request, per
 * saved epoch. Values go to `ml_evaluations` with the feature run that produced them, per-image
 * values to the run's `ml_predictions` rows, plots to the run's folder.
 *
 * ```ts
 * const r = await evaluateRun(store, { run: 'gan-…', reference: "SELECT * FROM mnist WHERE split = 'test'" });
 * r.metrics.fid; r.per_condition[3].metrics.class_faithfulness;
 * ```
 *
 * Everything that can be wrong (the run, the features run, the reference query, the predictions
 * query) is found before anything is generated or stored; the rows go in one transaction.
 *
 * With `onProgress`, every phase reports: generation and feature extraction per batch of images,
 * then each metric (`FID`, `KID` per group of subsets, `precision and recall` and `nearest
 * training image` per block of rows, `Inception Score`), the condition groups, and each saved
 * epoch's metrics under `epoch N: …`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync } from '../../atomic-write.js';
import { MlError, StoreError } from '../../errors.js';
import { CALL_LIMITS, checkCallSize, checkSeed } from '../call-limits.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import { createGan } from '../models/gan.js';
import { barPlotSvg } from '../plots/bar-plot.js';
import { histogramSvg } from '../plots/histogram.js';
import { linePlotSvg } from '../plots/line-plot.js';
import { writePlot } from '../plots/write-plot.js';
import { generateImages } from '../predict/generate-images.js';
import { now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { architectureOf, loadCheckpoint } from '../checkpoints/gan-checkpoint.js';
import { resolveDevice } from '../device.js';
import { sqlText } from '../registry/id-list.js';
import type { GanRunParams } from '../train/train-gan.js';
import { defaultFeatureRun, loadFeatureExtractor, type FeatureExtractor } from './feature-extractor.js';
import {
  featureMatrix,
  featureStatistics,
  frechetDistance,
  inceptionScore,
  kernelInceptionDistance,
  nearestNeighbourDistances,
  precisionRecall,
  type FeatureMatrix,
} from './metrics/index.js';

export interface EvaluateRunOptions {
  readonly run: string;
  /** A read-only query selecting the real images to compare with (and their condition columns). */
  readonly reference: string;
  /** The classifier run whose features are used (default: the newest trained on the run's table). */
  readonly features?: string;
  /** Images to generate, spread evenly over the conditions (default 10,000). */
  readonly count?: number;
  /** Evaluate these stored predictions (a query over ml_predictions) instead of generating. */
  readonly predictions?: string;
  /** Also evaluate each saved epoch checkpoint (overall values, one set of rows per epoch). */
  readonly everyCheckpoint?: boolean;
  /** Seeds of the generated images (image i uses seed + i; default 0) and of IS/KID sampling. */
  readonly seed?: number;
  readonly device?: string;
  readonly splits?: number;
  readonly kidSubsets?: number;
  readonly kidSubsetSize?: number;
  readonly k?: number;
  /** Progress of every phase (see the file comment). */
  readonly onProgress?: ProgressCallback;
}

export type MetricValues = Record<string, number>;

export interface ConditionEvaluation {
  condition: string;
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
}

export interface EvaluationResult {
  run_id: string;
  feature_run_id: string;
  epoch: number;
  source: 'generated' | 'predictions';
  n_real: number;
  n_generated: number;
  metrics: MetricValues;
  per_condition: ConditionEvaluation[];
  per_epoch: { epoch: number; metrics: MetricValues }[];
  /** Stored predictions given a score and nn_distance by this call. */
  predictions_scored: number;
  warnings: string[];
  /** Seconds spent generating images, extracting features and computing metrics, and in all. */
  timings: { generation: number; features: number; metrics: number; total: number };
  /** Plots written, relative to the store's folder. */
  files: Record<string, string>;
}

/** Metrics whose standard deviation is stored beside them. */
const STD_OF: Record<string, string> = { kid: 'kid_std', is: 'is_std' };

function positive(name: string, v: number | undefined, fallback: number, min = 1): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new MlError('E_ML_ARGUMENT', `${name} must be a whole number ≥ ${min}, got ${String(v)}`);
  return x;
}

/** Condition values spread evenly: every level, 10 bin centres of a continuous range, all combinations. */
export function evenCombinations(conditions: readonly ConditionSpec[]): Record<string, Cell>[] {
  let combos: Record<string, Cell>[] = [{}];
  for (const c of conditions) {
    const values: Cell[] =
      c.kind === 'categorical' ? (c.levels as Cell[]) : c.min === c.max ? [c.min] : Array.from({ length: 10 }, (_, i) => c.min + ((c.max - c.min) * (i + 0.5)) / 10);
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [c.name]: v })));
  }
  return combos;
}

/** The group a value falls in: `label=3`, or `speed in [1.5, 2)` for the 10 equal-width bins of a continuous range. */
export function conditionGroup(spec: ConditionSpec, value: Cell): string | undefined {
  if (value === null) return undefined;
  if (spec.kind === 'categorical') return `${spec.name}=${String(value)}`;
  const x = Number(value);
  if (!Number.isFinite(x) || x < spec.min || x > spec.max) return undefined;
  const width = (spec.max - spec.min) / 10;
  const bin = width === 0 ? 0 : Math.min(9, Math.floor((x - spec.min) / width));
  const lo = spec.min + bin * width;
  const hi = bin === 9 ? spec.max : spec.min + (bin + 1) * width;
  return `${spec.name} in [${round(lo)}, ${round(hi)}${bin === 9 ? ']' : ')'}`;
}

const round = (x: number): number => Number(x.toPrecision(6));

function softmaxRow(logits: Float32Array, row: number, k: number): Float64Array {
  const out = new Float64Array(k);
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[row * k + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += out[j] = Math.exp(logits[row * k + j]! - max);
  for (let j = 0; j < k; j++) out[j]! /= sum;
  return out;
}

interface Scored {
  /** Per image: the classifier's probability of the conditioned class, or of its own top class. */
  scores: Float64Array;
  /** Per image: 1 when the top class is the conditioned one, 0 when not, NaN when not conditioned on the label. */
  correct: Float64Array;
}

/** Scores and faithfulness of generated images conditioned on `combos` (the label condition, when the model has one). */
function scoreImages(extractor: FeatureExtractor, logits: Float32Array, count: number, combos: readonly Record<string, Cell>[] | undefined): Scored {
  const k = extractor.levels.length;
  const index = new Map(extractor.levels.map((l, i) => [String(l), i]));
  const scores = new Float64Array(count);
  const correct = new Float64Array(count).fill(NaN);
  for (let i = 0; i < count; i++) {
    const p = softmaxRow(logits, i, k);
    let top = 0;
    for (let j = 1; j < k; j++) if (p[j]! > p[top]!) top = j;
    const wanted = combos?.[i]?.[extractor.labelColumn];
    const target = wanted === undefined || wanted === null ? undefined : index.get(String(wanted));
    if (target === undefined) scores[i] = p[top]!;
    else {
      scores[i] = p[target]!;
      correct[i] = top === target ? 1 : 0;
    }
  }
  return { scores, correct };
}

/** The mean of the values that are not NaN (NaN when none is). */
function mean(values: Float64Array | number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    s += v;
    n++;
  }
  return n === 0 ? NaN : s / n;
}

function rowsOf(m: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

interface SetMetricsOptions {
  splits: number;
  kidSubsets: number;
  kidSubsetSize: number;
  k: number;
  seed: number;
}

/** Where `setMetrics` reports each metric: tasks `${prefix}FID`, `${prefix}KID`, … */
interface MetricProgress {
  readonly onProgress: ProgressCallback;
  readonly prefix: string;
}

/** FID, KID, precision/recall and IS of one generated set against one real set, leaving out what too few samples cannot give. */
function setMetrics(real: FeatureMatrix, gen: FeatureMatrix, genLogits: FeatureMatrix, o: SetMetricsOptions, warnings: string[], label: string, progress?: MetricProgress): MetricValues {
  const m: MetricValues = {};
  const step = (name: string, done: number): void => progress?.onProgress({ task: `${progress.prefix}${name}`, done, total: 1, unit: 'steps' });
  const tracked = (name: string) => (progress === undefined ? {} : { onProgress: progress.onProgress, task: `${progress.prefix}${name}` });
  if (real.rows >= 2 && gen.rows >= 2) {
    step('FID', 0);
    const f = frechetDistance(featureStatistics(real), featureStatistics(gen));
    step('FID', 1);
    m['fid'] = f.value;
    for (const w of f.warnings) warnings.push(`${label}: ${w}`);
    const kid = kernelInceptionDistance(real, gen, { subsets: o.kidSubsets, subsetSize: o.kidSubsetSize, seed: o.seed, ...tracked('KID') });
    m['kid'] = kid.value;
    m['kid_std'] = kid.std;
  }
  if (real.rows > o.k && gen.rows > o.k) {
    const pr = precisionRecall(real, gen, { k: o.k, ...tracked('precision and recall') });
    m['precision'] = pr.precision;
    m['recall'] = pr.recall;
  }
  if (genLogits.rows >= 1) {
    step('Inception Score', 0);
    const is = inceptionScore(genLogits, { splits: Math.min(o.splits, genLogits.rows), seed: o.seed });
    step('Inception Score', 1);
    m['is'] = is.value;
    m['is_std'] = is.std;
  }
  return m;
}

interface LoadedSet {
  images: LoadedImages;
  features: FeatureMatrix;
  logits: FeatureMatrix;
}

export async function evaluateRun(store: Store, options: EvaluateRunOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const registry = new RunRegistry(store);
  const run = await registry.get(options.run);
  if (run.kind !== 'gan') throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run; evaluate takes a GAN run`);
  const params = run.params as unknown as GanRunParams;
  if (run.FILE_checkpoint === null) throw new MlError('E_ML_CHECKPOINT', `run ${run.run_id} has no checkpoint yet (status ${run.state}); train it first`);
  const count = positive('--count', options.count, 10_000, 2);
  checkCallSize('--count', count, CALL_LIMITS.evaluateImages, 'FID and KID settle far below that (10,000 is the usual count); evaluate fewer images', 'images');
  const seed = checkSeed('--seed', options.seed ?? 0, count);
  const kidSubsets = positive('--kid-subsets', options.kidSubsets, 100);
  checkCallSize('--kid-subsets', kidSubsets, CALL_LIMITS.kidSubsets, 'the mean over 100 subsets (the default) is already stable; give fewer', 'subsets');
  const o: SetMetricsOptions = {
    splits: positive('--splits', options.splits, 10),
    kidSubsets,
    kidSubsetSize: positive('--kid-subset-size', options.kidSubsetSize, 1000, 2),
    k: positive('--k', options.k, 3),
    seed,
  };
  const device = resolveDevice(options.device ?? 'cpu');
  const featureRunId = options.features ?? (await defaultFeatureRun(store, params.source_table ?? null));
  if (featureRunId === undefined) {
    const table = params.source_table ?? 'its table';
    throw new MlError('E_ML_RUN', `no classifier has been trained on ${table} to give features; train one (dsi ml train --model classifier --table ${table} --label-col label) or name one with --features`);
  }
  const extractor = await loadFeatureExtractor(store, featureRunId, { device });
  const warnings: string[] = [];
  const timings = { generation: 0, features: 0, metrics: 0, total: 0 };
  const onProgress = options.onProgress;
  const progress = (task: string, done: number, total: number): void => onProgress?.({ task, done, total, unit: 'images' });
  const metricProgress = (prefix: string): MetricProgress | undefined => (onProgress === undefined ? undefined : { onProgress, prefix });
  try {
    const at = { size: extractor.size, channels: extractor.channels };
    const extract = (images: LoadedImages, what: string): LoadedSet => {
      const t = performance.now();
      const out = extractor.extract(images.pixels, images.count, onProgress === undefined ? {} : { onProgress, task: `features of ${what}` });
      timings.features += (performance.now() - t) / 1000;
      return { images, features: featureMatrix(out.features, images.count, extractor.featureDim), logits: featureMatrix(out.logits, images.count, extractor.levels.length) };
    };
    const load = async (sql: string, what: string, imageColumn?: string): Promise<LoadedImages> => {
      // Predictions are files the store wrote: they must lie inside its data folder.
      const within = what === 'predictions' && store.dataFolder !== undefined ? { within: store.dataFolder } : {};
      const images = await loadImages(store, sql, { ...at, ...within, ...(imageColumn === undefined ? {} : { imageColumn }) }).catch((e: unknown) => {
        if (e instanceof StoreError && e.code === 'E_UNSAFE_PATH') throw e;
        throw new MlError('E_ML_DATA', `the ${what} query: ${e instanceof Error ? e.message.replace(/^loadImages: /, '') : String(e)}`, { cause: e });
      });
      if (images.count === 0) throw new MlError('E_ML_DATA', `the ${what} query selects no images: ${sql}`);
      return images;
    };

    // Everything that can fail on input, first.
    const reference = extract(await load(options.reference, 'reference'), 'reference images');
    const stored = options.predictions === undefined ? undefined : await load(options.predictions, 'predictions', 'FILE');
    if (stored !== undefined && !('prediction_id' in stored.columns)) throw new MlError('E_ML_DATA', 'the predictions query must select rows of ml_predictions with their prediction_id and FILE columns');
    const training = extract(await load(run.data_query, 'training'), 'training images');

    const gan = createGan(architectureOf(params));
    try {
      const combosOf = (n: number): Record<string, Cell>[] => {
        const all = evenCombinations(params.conditions);
        return Array.from({ length: n }, (_, i) => all[i % all.length]!);
      };
      const generate = (checkpoint: string, n: number): { set: LoadedSet; combos: Record<string, Cell>[]; epoch: number } => {
        const epoch = loadCheckpoint(checkpoint, gan).epoch;
        gan.to(device);
        const combos = combosOf(n);
        const t = performance.now();
        const pixels = generateImages(gan, { seeds: Array.from({ length: n }, (_, i) => seed + i), combos, device, onBatch: (done, total) => progress(`generate (epoch ${epoch})`, done, total) });
        timings.generation += (performance.now() - t) / 1000;
        const images: LoadedImages = { pixels, count: n, channels: extractor.channels, height: extractor.size, width: extractor.size, columns: {}, files: [], cache: 'off', decoded: 0 };
        return { set: extract(images, `generated images (epoch ${epoch})`), combos, epoch };
      };

      // The evaluated set: stored predictions, or images generated from the newest checkpoint.
      let evaluated: LoadedSet;
      let combos: Record<string, Cell>[];
      let epoch: number;
      if (stored !== undefined) {
        if (stored.height !== extractor.size || stored.channels !== extractor.channels) throw new MlError('E_ML_DATA', 'the predictions are not the size the classifier takes');
        evaluated = extract(stored, 'stored predictions');
        combos = stored.columns['params']!.map((p) => (p === null ? {} : (JSON.parse(String(p)) as Record<string, Cell>)));
        const epochs = stored.columns['epoch']?.filter((e) => e !== null).map(Number) ?? [];
        epoch = epochs.length > 0 ? Math.max(...epochs) : run.epochs_done;
      } else {
        if (architectureOf(params).size !== extractor.size || params.channels !== extractor.channels) {
          throw new MlError('E_ML_RUN', `the classifier ${featureRunId} takes ${extractor.size}×${extractor.size}×${extractor.channels} images, the GAN makes ${params.size}×${params.size}×${params.channels}`);
        }
        const g = generate(registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`), count);
        evaluated = g.set;
        combos = g.combos;
        epoch = g.epoch;
      }

      const t0 = performance.now();
      const metrics = setMetrics(reference.features, evaluated.features, evaluated.logits, o, warnings, 'overall', metricProgress(''));
      const scored = scoreImages(extractor, new Float32Array(evaluated.logits.data), evaluated.features.rows, params.conditions.length > 0 ? combos : undefined);
      const faithful = mean(scored.correct);
      if (!Number.isNaN(faithful)) metrics['class_faithfulness'] = faithful;
      metrics['mean_score'] = mean(scored.scores);
      const nn = nearestNeighbourDistances(evaluated.features, training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image' });
      metrics['mean_nn_distance'] = mean(nn);

      // Per condition value: generated images by their combination, real ones by their columns.
      const perCondition: ConditionEvaluation[] = [];
      const groupWarnings: string[] = [];
      const groupTotal = params.conditions.reduce((n, spec) => n + new Set(combos.map((c) => conditionGroup(spec, c[spec.name] ?? null)).filter((g) => g !== undefined)).size, 0);
      const groupDone = (): void => onProgress?.({ task: 'metrics per condition', done: perCondition.length, total: groupTotal, unit: 'groups' });
      if (groupTotal > 0) groupDone();
      for (const spec of params.conditions) {
        const genGroups = new Map<string, number[]>();
        combos.forEach((c, i) => {
          const g = conditionGroup(spec, c[spec.name] ?? null);
          if (g !== undefined) (genGroups.get(g) ?? genGroups.set(g, []).get(g)!).push(i);
        });
        const refValues = reference.images.columns[spec.name];
        const refGroups = new Map<string, number[]>();
        refValues?.forEach((v, i) => {
          const g = conditionGroup(spec, v);
          if (g !== undefined) (refGroups.get(g) ?? refGroups.set(g, []).get(g)!).push(i);
        });
        if (refValues === undefined) warnings.push(`the reference query has no column "${spec.name}": per-condition FID, KID and precision/recall left out`);
        for (const [group, rows] of [...genGroups].sort((a, b) => a[1][0]! - b[1][0]!)) {
          const refRows = refGroups.get(group) ?? [];
          const m = setMetrics(rowsOf(reference.features, refRows), rowsOf(evaluated.features, rows), rowsOf(evaluated.logits, rows), o, groupWarnings, group);
          const f = mean(rows.map((i) => scored.correct[i]!));
          if (!Number.isNaN(f)) m['class_faithfulness'] = f;
          m['mean_score'] = mean(rows.map((i) => scored.scores[i]!));
          perCondition.push({ condition: group, n_real: refRows.length, n_generated: rows.length, metrics: m });
          groupDone();
        }
      }
      const small = new Set(groupWarnings.map((w) => w.slice(0, w.indexOf(':'))));
      if (small.size > 0) {
        warnings.push(`${small.size} of ${perCondition.length} condition groups have no more samples than the ${extractor.featureDim} features (real or generated), so their FID is biased; evaluate more images (--count) for per-condition FID`);
      }
      timings.metrics += (performance.now() - t0) / 1000;

      // Every saved epoch, overall values only.
      const perEpoch: { epoch: number; metrics: MetricValues }[] = [];
      if (options.everyCheckpoint) {
        const dir = registry.runPath(run.run_id, 'checkpoints');
        const saved = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^epoch-\d{4}$/.test(d)).sort() : [];
        for (const name of saved) {
          const g = generate(path.join(dir, name), count);
          const t = performance.now();
          const m = setMetrics(reference.features, g.set.features, g.set.logits, o, warnings, `epoch ${g.epoch}`, metricProgress(`epoch ${g.epoch}: `));
          const s = scoreImages(extractor, new Float32Array(g.set.logits.data), g.set.features.rows, params.conditions.length > 0 ? g.combos : undefined);
          const f = mean(s.correct);
          if (!Number.isNaN(f)) m['class_faithfulness'] = f;
          m['mean_score'] = mean(s.scores);
          timings.metrics += (performance.now() - t) / 1000;
          perEpoch.push({ epoch: g.epoch, metrics: m });
        }
      }

      // Stored predictions of the run get their per-image score and nn_distance.
      let scoredPredictions: { ids: Cell[]; scores: Float64Array; nn: Float64Array } | undefined;
      if (stored !== undefined) {
        scoredPredictions = { ids: stored.columns['prediction_id']!, scores: scored.scores, nn };
      } else if ((await store.tables()).includes('ml_predictions')) {
        const sql = `SELECT * FROM ml_predictions WHERE run_id = ${sqlText(run.run_id)}`;
        const rows = await store.query(`SELECT count(*) AS n FROM ml_predictions WHERE run_id = ?`, [run.run_id]);
        if (Number(rows[0]?.['n'] ?? 0) > 0) {
          const own = extract(await load(sql, 'predictions', 'FILE'), 'stored predictions');
          const ownCombos = own.images.columns['params']!.map((p) => (p === null ? {} : (JSON.parse(String(p)) as Record<string, Cell>)));
          const s = scoreImages(extractor, new Float32Array(own.logits.data), own.features.rows, params.conditions.length > 0 ? ownCombos : undefined);
          const ownNn = nearestNeighbourDistances(own.features, training.features, onProgress === undefined ? {} : { onProgress, task: 'nearest training image of stored predictions' });
          scoredPredictions = { ids: own.images.columns['prediction_id']!, scores: s.scores, nn: ownNn };
        }
      }

      const source = stored !== undefined ? 'predictions' : 'generated';
      const files = await writeEvaluationPlots(registry, run, metrics, perCondition, perEpoch, scored.scores);
      const created = now();
      const rowsFor = (m: MetricValues, condition: string | null, nReal: number, nGen: number, ep: number): Row[] =>
        Object.entries(m)
          .filter(([name]) => !Object.values(STD_OF).includes(name))
          .map(([metric, value]) => ({
            run_id: run.run_id,
            metric,
            value: Number.isFinite(value) ? value : null,
            std: STD_OF[metric] !== undefined ? (m[STD_OF[metric]!] ?? null) : null,
            n_real: nReal,
            n_generated: nGen,
            feature_run_id: featureRunId,
            condition,
            epoch: ep,
            source,
            created_at: created,
          }));
      await registry.transaction(async (tx) => {
        await tx.insert('ml_evaluations', [
          ...rowsFor(metrics, null, reference.features.rows, evaluated.features.rows, epoch),
          ...perCondition.flatMap((c) => rowsFor(c.metrics, c.condition, c.n_real, c.n_generated, epoch)),
          ...perEpoch.flatMap((e) => rowsFor(e.metrics, null, reference.features.rows, count, e.epoch)),
        ]);
        if (scoredPredictions !== undefined) {
          const { ids, scores, nn: d } = scoredPredictions;
          for (let i = 0; i < ids.length; i++) await tx.update('ml_predictions', { score: scores[i]!, nn_distance: d[i]! }, { prediction_id: ids[i]! });
        }
      });
      timings.total = (performance.now() - started) / 1000;
      return {
        run_id: run.run_id,
        feature_run_id: featureRunId,
        epoch,
        source,
        n_real: reference.features.rows,
        n_generated: evaluated.features.rows,
        metrics,
        per_condition: perCondition,
        per_epoch: perEpoch,
        predictions_scored: scoredPredictions?.ids.length ?? 0,
        warnings: [...new Set(warnings)],
        timings,
        files,
      };
    } finally {
      gan.dispose();
    }
  } finally {
    extractor.dispose();
  }
}

/** Per-condition bars, the score histogram and, with several epochs, metrics per epoch, as PNGs in the run's folder. */
async function writeEvaluationPlots(
  registry: RunRegistry,
  run: RunRecord,
  metrics: MetricValues,
  perCondition: readonly ConditionEvaluation[],
  perEpoch: readonly { epoch: number; metrics: MetricValues }[],
  scores: Float64Array,
): Promise<Record<string, string>> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = registry.runPath(run.run_id, 'evaluations', stamp);
  makeFolderSync(dir);
  const files: Record<string, string> = {};
  const put = async (name: string, svg: Promise<string>): Promise<void> => {
    const file = path.join(dir, `${name}.png`);
    await writePlot(await svg, file);
    files[name] = registry.relative(file);
  };
  await put('score_histogram', histogramSvg(Array.from(scores), { title: `Classifier score of generated images (${run.run_id})`, xLabel: 'score', bins: 20 }));
  const withFid = perCondition.filter((c) => Number.isFinite(c.metrics['fid']));
  if (withFid.length > 0) {
    await put('fid_per_condition', barPlotSvg(withFid.map((c) => ({ label: c.condition, value: c.metrics['fid']! })), { title: `FID per condition (overall ${round(metrics['fid'] ?? NaN)})`, xLabel: 'condition', yLabel: 'FID' }));
  }
  const withFaith = perCondition.filter((c) => Number.isFinite(c.metrics['class_faithfulness']));
  if (withFaith.length > 0) {
    await put('faithfulness_per_condition', barPlotSvg(withFaith.map((c) => ({ label: c.condition, value: c.metrics['class_faithfulness']! })), { title: 'Class faithfulness per condition', xLabel: 'condition', yLabel: 'accuracy of the classifier' }));
  }
  if (perEpoch.length > 0) {
    const series = (name: string) => ({ name, points: perEpoch.filter((e) => Number.isFinite(e.metrics[name])).map((e) => ({ x: e.epoch, y: e.metrics[name]! })) });
    await put('fid_per_epoch', linePlotSvg([series('fid')], { title: 'FID per epoch', xLabel: 'epoch', yLabel: 'FID' }));
    await put('is_per_epoch', linePlotSvg([series('is')], { title: 'Inception Score per epoch', xLabel: 'epoch', yLabel: 'IS' }));
    const pr = [series('precision'), series('recall'), series('class_faithfulness')].filter((s) => s.points.length > 0);
    if (pr.length > 0) await put('precision_recall_per_epoch', linePlotSvg(pr, { title: 'Precision, recall and faithfulness per epoch', xLabel: 'epoch', yLabel: 'share' }));
  }
  return files;
}

