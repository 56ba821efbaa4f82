/**
 * Validation of a model that predicts images from parameters (any {@link ImagePredictor}: a
 * surrogate, a conditional GAN) against the truth at points it was not trained on: a simulation
 * run again there, or held-out rows of an image table (validation-truth.ts).
 *
 * Per point it measures the prediction's MSE and SSIM against the truth (a stochastic model: the
 * mean over `samples` predictions with different seeds, their standard deviation beside it), and
 * the same two for the **baseline**, the image of the nearest training run in the run's scaled
 * parameter space (parameter-space.ts): what a scientist without a model would look at. It records
 * the distance to that training point and whether the point lies outside the trained ranges.
 * Overall: the means over points (standard deviation over points beside them) and
 * `mse_ratio` = mean model MSE ÷ mean baseline MSE (below 1: the model beats the baseline).
 *
 * What it leaves, all or nothing (the order of src/ml/evaluate/record-evaluation.ts):
 * - `ml_evaluations` rows in one transaction, all sharing a `validation_id`, the `source`
 *   (`simulation:NAME` or `holdout`) and one `created_at`: per point (`condition` = `a=0.25, b=3`)
 *   `validation_mse`, `validation_ssim`, `baseline_mse`, `baseline_ssim`, `nearest_distance`,
 *   `outside_range` (0 or 1), its error map in `FILE_image`; overall (`condition` NULL) the
 *   means of those and `mse_ratio`, the contact sheet in `FILE_image`.
 * - a folder `validations/VALIDATION_ID/` of the run's folder: `point-001.png`… (truth,
 *   prediction and error map of one point, error-map.ts), `contact-sheet.png` (the first
 *   {@link SHEET_POINTS} points), `error-vs-distance.svg` and `.png` (MSE against distance to
 *   the nearest training point, model and baseline). Written into a staging folder that takes
 *   its name only once the rows are committed: a failure leaves neither rows nor files.
 *
 * Every option is checked before anything runs; predictions go in batches (batched-predict.ts).
 *
 * ```ts
 * const v = await validateRun(store, { run: 'surrogate-…', simulate: 'heat-transfer', points: 40 });
 * v.overall.validation_mse; v.overall.baseline_mse; v.points[0].file;
 * ```
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beginAtomicFolderSync, FILE_MODE } from '../../atomic-write.js';
import { assignmentLabel } from '../../images/labelled-grid.js';
import { MlError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import { checkSeed, checkWholeNumber } from '../call-limits.js';
import { meanAndStd } from '../evaluate/metrics/mean-and-std.js';
import { ssim } from '../evaluate/metrics/ssim.js';
import { scatterPlotSvg } from '../plots/scatter-plot.js';
import { writePlot } from '../plots/write-plot.js';
import { openImagePredictor, type ImagePredictor } from '../predict/image-predictor.js';
import { readPointsFile } from '../predict/points-file.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { predictBatched } from './batched-predict.js';
import { errorMapPng, errorScale, panel } from './error-map.js';
import { ParameterSpace } from './parameter-space.js';
import { loadTrainingSet, unitPixels, type TrainingSet } from './training-set.js';
import { DEFAULT_POINTS, validationTruth, type TruthSet } from './validation-truth.js';

export interface ValidateRunOptions {
  readonly run: string;
  /** The simulation to run at the points (default: the one the training rows name in a `simulation` column). */
  readonly simulate?: string;
  /**
   * With a simulation: how many Latin hypercube points inside the trained ranges (default 40), or
   * the points themselves (a value for every condition each). With held-out rows: the first this
   * many rows the query selects (default 40; order the query to choose them).
   */
  readonly points?: number | readonly Readonly<Record<string, unknown>>[];
  /**
   * With a simulation: the points of this CSV file (a header naming the run's parameters, as
   * `predictImages`' `points` reads it), instead of `points`. Points outside the trained ranges
   * are allowed: each says so in `outside_range`.
   */
  readonly pointsFile?: string;
  /** A read-only query selecting held-out images with the run's condition columns (default: `split = 'test'` rows of the table trained on). */
  readonly truthQuery?: string;
  /** Seed of the Latin hypercube and of a stochastic model's predictions (point i, sample k: seed + i·samples + k); default 0. */
  readonly seed?: number;
  /** Predictions per point of a stochastic model (default 8); a deterministic one makes one. */
  readonly samples?: number;
  /** The checkpoint of this epoch instead of the newest. */
  readonly epoch?: number;
  readonly device?: string;
  readonly onProgress?: ProgressCallback;
}

/** One point's figures. */
export interface ValidationPoint {
  /** 1-based, as the files are numbered. */
  readonly index: number;
  readonly condition: string;
  readonly values: Readonly<Record<string, Cell>>;
  readonly mse: number;
  /** Standard deviation over the samples of a stochastic model; null for a deterministic one. */
  readonly mse_std: number | null;
  readonly ssim: number;
  readonly ssim_std: number | null;
  /** The nearest training image's MSE and SSIM against the truth (null when no training row shares the point's categorical levels). */
  readonly baseline_mse: number | null;
  readonly baseline_ssim: number | null;
  /** Distance to the nearest training point in the scaled space ([−1, 1] per continuous condition). */
  readonly nearest_distance: number | null;
  readonly nearest_training: Readonly<Record<string, Cell>> | null;
  readonly outside_range: boolean;
  /** Its truth, prediction and error map, relative to the store's folder. */
  readonly file: string;
}

export interface ValidationResult {
  readonly validation_id: string;
  readonly run_id: string;
  readonly epoch: number;
  readonly source: string;
  readonly simulation: string | null;
  readonly truth_query: string | null;
  readonly stochastic: boolean;
  /** Predictions per point (1 for a deterministic model). */
  readonly samples: number;
  readonly seed: number;
  readonly n_points: number;
  readonly n_training: number;
  /** `validation_mse`, `validation_ssim`, `baseline_mse`, `baseline_ssim`, `nearest_distance`, `outside_range` (means over points) and `mse_ratio`. */
  readonly overall: Readonly<Record<string, number>>;
  readonly points: readonly ValidationPoint[];
  /** The error maps' colour scale: ± this difference of pixel values in [0, 1] is the darkest colour. */
  readonly error_scale: number;
  /** `folder`, `contact_sheet`, `error_plot` (PNG) and `error_plot_svg`, relative to the store's folder. */
  readonly files: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  /** Seconds spent on the truth, the predictions, the metrics, the files, and in all. */
  readonly seconds: { truth: number; prediction: number; metrics: number; files: number; total: number };
}

/** Points on the contact sheet, at most (every point keeps its own file). */
export const SHEET_POINTS = 100;
/** Points one validation takes, at most. */
export const MAX_VALIDATION_POINTS = 10_000;

/** The options checked, before the run is opened. */
function checkOptions(options: ValidateRunOptions): { seed: number; samples: number } {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'validateRun: options must be an object');
  if (typeof options.run !== 'string' || options.run === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('run')} must be a run id, got ${JSON.stringify(options.run)}`);
  const { points } = options;
  if (typeof points === 'number' || (points !== undefined && !Array.isArray(points))) {
    checkWholeNumber('points', points as number, DEFAULT_POINTS, 1);
    if ((points as number) > MAX_VALIDATION_POINTS) throw new MlError('E_ML_ARGUMENT', (o) => `${o('points')} asks for ${String(points)} points; one validation takes at most ${MAX_VALIDATION_POINTS}`);
  } else if (Array.isArray(points)) {
    if (points.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('points')} is an empty list: give at least one point`);
    if (points.length > MAX_VALIDATION_POINTS) throw new MlError('E_ML_ARGUMENT', (o) => `${o('points')} lists ${points.length} points; one validation takes at most ${MAX_VALIDATION_POINTS}`);
  }
  if (options.simulate !== undefined && (typeof options.simulate !== 'string' || options.simulate === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('simulate')} must be a simulation's name, got ${JSON.stringify(options.simulate)}`);
  if (options.simulate !== undefined && options.truthQuery !== undefined) {
    throw new MlError('E_ML_ARGUMENT', (o) => `give either ${o('simulate')} or ${o('truthQuery')}, not both: the truth comes from one of them`);
  }
  if (options.pointsFile !== undefined) {
    if (typeof options.pointsFile !== 'string' || options.pointsFile === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('pointsFile')} must be a file name, got ${JSON.stringify(options.pointsFile)}`);
    if (options.points !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `give either ${o('points')} or ${o('pointsFile')}, not both`);
    if (options.truthQuery !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('pointsFile')} gives points to simulate; held-out rows (${o('truthQuery')}) bring their own`);
  }
  const samples = checkWholeNumber('samples', options.samples, 8, 1);
  if (samples > 1000) throw new MlError('E_ML_ARGUMENT', (o) => `${o('samples')} must be at most 1000 (the mean settles long before), got ${samples}`);
  const seed = checkSeed('seed', options.seed ?? 0);
  return { seed, samples };
}

/** `validation-20261203-101500-a1b2`: UTC time and 4 random hex digits. */
function newValidationId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `validation-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Mean squared difference of two equal-length arrays. */
function mse(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return sum / a.length;
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** Validate a run (see the file comment). */
export async function validateRun(store: Store, options: ValidateRunOptions): Promise<ValidationResult> {
  const started = performance.now();
  const { seed, samples: asked } = checkOptions(options);
  const predictor = await openImagePredictor(store, options.run, {
    ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
    ...(options.device === undefined ? {} : { device: options.device }),
  });
  try {
    const space = new ParameterSpace(predictor.conditions);
    const training = await loadTrainingSet(store, predictor.run, predictor, space);
    const points = options.pointsFile === undefined ? options.points : (await readPointsFile(options.pointsFile, predictor.conditions, { allowExtrapolation: true })).points;
    const truth = await validationTruth(store, predictor.run, predictor, space, training, {
      simulate: options.simulate,
      points,
      truthQuery: options.truthQuery,
      seed,
      onProgress: options.onProgress,
    });
    const samples = predictor.stochastic ? asked : 1;
    checkSeed('seed', seed, truth.points.length * samples);
    const tTruth = (performance.now() - started) / 1000;
    const t1 = performance.now();
    const predictions = predictAll(predictor, truth, samples, seed, options.onProgress);
    const tPrediction = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    const measured = measure(predictor, space, training, truth, predictions, samples);
    const tMetrics = (performance.now() - t2) / 1000;
    const t3 = performance.now();
    const result = await record(store, predictor, space, training, truth, predictions, samples, seed, measured);
    const tFiles = (performance.now() - t3) / 1000;
    return { ...result, seconds: { truth: tTruth, prediction: tPrediction, metrics: tMetrics, files: tFiles, total: (performance.now() - started) / 1000 } };
  } finally {
    predictor.dispose();
  }
}

/** Every point's predictions: `points × samples` images, point i's sample k at i·samples + k. */
function predictAll(predictor: ImagePredictor, truth: TruthSet, samples: number, seed: number, onProgress: ProgressCallback | undefined): Float32Array {
  const combos = truth.points.flatMap((p) => Array.from({ length: samples }, () => p));
  const total = combos.length;
  return predictBatched(predictor, combos, {
    ...(predictor.stochastic ? { seeds: combos.map((_, j) => seed + j) } : {}),
    onBatch: (done) => onProgress?.({ task: 'predictions', done, total, unit: 'images' }),
  });
}

/** A point's figures before its file is named. */
type Measured = Omit<ValidationPoint, 'file'> & { readonly nearestIndex: number };

function measure(predictor: ImagePredictor, space: ParameterSpace, training: TrainingSet, truth: TruthSet, predictions: Float32Array, samples: number): Measured[] {
  const { channels, size } = predictor;
  const per = channels * size * size;
  const shape = { channels, height: size, width: size };
  return truth.points.map((values, i) => {
    const t = truth.images.subarray(i * per, (i + 1) * per);
    const mses: number[] = [];
    const ssims: number[] = [];
    for (let k = 0; k < samples; k++) {
      const p = predictions.subarray((i * samples + k) * per, (i * samples + k + 1) * per);
      mses.push(mse(p, t));
      ssims.push(ssim(p, t, shape));
    }
    const m = meanAndStd(mses);
    const s = meanAndStd(ssims);
    const nearest = space.nearest(space.scaled(values), training.scaled);
    const found = nearest.index >= 0 && Number.isFinite(nearest.distance);
    const base = found ? unitPixels(training.pixels.subarray(nearest.index * per, (nearest.index + 1) * per)) : undefined;
    return {
      index: i + 1,
      condition: space.label(values),
      values,
      mse: m.value,
      mse_std: samples > 1 ? m.std : null,
      ssim: s.value,
      ssim_std: samples > 1 ? s.std : null,
      baseline_mse: base === undefined ? null : mse(base, t),
      baseline_ssim: base === undefined ? null : ssim(base, t, shape),
      nearest_distance: found ? nearest.distance : null,
      nearest_training: found ? training.points[nearest.index]! : null,
      outside_range: space.outside(values),
      nearestIndex: found ? nearest.index : -1,
    };
  });
}

/** Mean (and population std) over points of the values that exist; NaN when none does. */
function over(values: readonly (number | null)[]): { value: number; std: number } {
  const present = values.filter(finite);
  return present.length === 0 ? { value: NaN, std: NaN } : meanAndStd(present);
}

/** Overall figures: means over points, and the ratio of the model's mean MSE to the baseline's over the points that have a baseline. */
function overallOf(points: readonly Measured[]): Record<string, { value: number; std: number | null }> {
  const withBase = points.filter((p) => finite(p.baseline_mse));
  const baseMse = over(withBase.map((p) => p.baseline_mse));
  const modelOnBase = over(withBase.map((p) => p.mse));
  return {
    validation_mse: over(points.map((p) => p.mse)),
    validation_ssim: over(points.map((p) => p.ssim)),
    baseline_mse: baseMse,
    baseline_ssim: over(points.map((p) => p.baseline_ssim)),
    mse_ratio: { value: baseMse.value > 0 ? modelOnBase.value / baseMse.value : NaN, std: null },
    nearest_distance: over(points.map((p) => p.nearest_distance)),
    outside_range: { value: points.filter((p) => p.outside_range).length / points.length, std: null },
  };
}

/** Files staged, rows committed, files renamed into place (see the file comment). */
async function record(
  store: Store,
  predictor: ImagePredictor,
  space: ParameterSpace,
  training: TrainingSet,
  truth: TruthSet,
  predictions: Float32Array,
  samples: number,
  seed: number,
  measured: readonly Measured[],
): Promise<Omit<ValidationResult, 'seconds'>> {
  const registry = new RunRegistry(store);
  const runId = predictor.run.run_id;
  const id = newValidationId();
  const dir = registry.runPath(runId, 'validations', id);
  const { channels, size } = predictor;
  const per = channels * size * size;
  const shape = { channels, size };
  // The first sample of each point is the one drawn.
  const firstSamples = new Float32Array(truth.points.length * per);
  for (let i = 0; i < truth.points.length; i++) firstSamples.set(predictions.subarray(i * samples * per, (i * samples + 1) * per), i * per);
  const scale = errorScale(firstSamples, truth.images);
  const scaleText = `error ±${Number(scale.toPrecision(3))}`;
  const rel = (name: string): string => registry.relative(path.join(dir, name));
  const points: ValidationPoint[] = measured.map(({ nearestIndex: _, ...p }) => ({ ...p, file: rel(`point-${String(p.index).padStart(3, '0')}.png`) }));
  const overall = overallOf(measured);
  const files: Record<string, string> = { folder: registry.relative(dir), contact_sheet: rel('contact-sheet.png') };

  const staging = beginAtomicFolderSync(dir);
  try {
    const panels = truth.points.map((_, i) => panel(truth.images.subarray(i * per, (i + 1) * per), firstSamples.subarray(i * per, (i + 1) * per), shape, scale));
    for (const p of points) {
      const png = await errorMapPng([panels[p.index - 1]!], [`${assignmentLabel(Object.entries(p.values))}; ${scaleText}`], shape);
      fs.writeFileSync(path.join(staging.temp, path.basename(p.file)), png, { mode: FILE_MODE });
    }
    const shown = points.slice(0, SHEET_POINTS);
    const sheet = await errorMapPng(panels.slice(0, shown.length), shown.map((p) => `${p.index}: ${assignmentLabel(Object.entries(p.values))}`), shape, 96);
    fs.writeFileSync(path.join(staging.temp, 'contact-sheet.png'), sheet, { mode: FILE_MODE });
    const series = (name: string, y: (p: ValidationPoint) => number | null) => ({
      name,
      points: points.flatMap((p) => (finite(p.nearest_distance) && finite(y(p)) ? [{ x: p.nearest_distance, y: y(p)! }] : [])),
    });
    const drawn = [series('model', (p) => p.mse), series('nearest training run (baseline)', (p) => p.baseline_mse)].filter((s) => s.points.length > 0);
    if (drawn.length > 0) {
      const svg = await scatterPlotSvg(drawn, { title: `Error against distance to the nearest training point (${runId})`, xLabel: 'distance to the nearest training point (scaled, [−1, 1] per parameter)', yLabel: 'MSE against the truth' });
      await writePlot(svg, path.join(staging.temp, 'error-vs-distance.svg'));
      await writePlot(svg, path.join(staging.temp, 'error-vs-distance.png'));
      files['error_plot'] = rel('error-vs-distance.png');
      files['error_plot_svg'] = rel('error-vs-distance.svg');
    }
    const created = now();
    const row = (metric: string, value: number | null, std: number | null, condition: string | null, file: string, nReal: number): Row => ({
      run_id: runId,
      metric,
      value: finite(value) ? value : null,
      std: finite(std) ? std : null,
      n_real: nReal,
      n_generated: nReal * samples,
      feature_run_id: null,
      condition,
      epoch: predictor.epoch,
      source: truth.source,
      validation_id: id,
      FILE_image: file,
      created_at: created,
    });
    const rows: Row[] = points.flatMap((p) => [
      row('validation_mse', p.mse, p.mse_std, p.condition, p.file, 1),
      row('validation_ssim', p.ssim, p.ssim_std, p.condition, p.file, 1),
      row('baseline_mse', p.baseline_mse, null, p.condition, p.file, 1),
      row('baseline_ssim', p.baseline_ssim, null, p.condition, p.file, 1),
      row('nearest_distance', p.nearest_distance, null, p.condition, p.file, 1),
      row('outside_range', p.outside_range ? 1 : 0, null, p.condition, p.file, 1),
    ]);
    for (const [metric, v] of Object.entries(overall)) rows.push(row(metric, v.value, v.std, null, files['contact_sheet']!, points.length));
    await registry.transaction((tx) => tx.insert('ml_evaluations', rows));
  } catch (err) {
    staging.abort();
    throw err;
  }
  staging.commit();
  return {
    validation_id: id,
    run_id: runId,
    epoch: predictor.epoch,
    source: truth.source,
    simulation: truth.simulation,
    truth_query: truth.query,
    stochastic: predictor.stochastic,
    samples,
    seed,
    n_points: points.length,
    n_training: training.count,
    overall: Object.fromEntries(Object.entries(overall).map(([k, v]) => [k, v.value])),
    points,
    error_scale: scale,
    files,
    warnings: truth.warnings,
  };
}
