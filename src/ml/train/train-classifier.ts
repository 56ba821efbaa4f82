/**
 * Train the small CNN classifier (models/classifier.ts) on the labelled images a store query
 * selects, and measure its accuracy on a test query; the run, its epochs, its checkpoints and its
 * accuracy are recorded in the store like any other run (DESIGN §4). A finished classifier is the
 * feature extractor of the GAN metrics (evaluate/feature-extractor.ts).
 *
 * ```ts
 * const r = await trainClassifier(store, { table: 'mnist', labelColumn: 'label', epochs: 2, seed: 1 });
 * r.test_accuracy; // 0.99…, measured on mnist's split = 'test' rows and stored in ml_evaluations
 * ```
 *
 * Everything that can be wrong (options, device, the training and test data, the label column and
 * its levels, the run to resume) is found before the run row is written. A stop through `signal`
 * writes a checkpoint at the current step and marks the run `stopped`; an error marks it
 * `failed`; either resumes with `resume: RUN_ID` exactly where it left off.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, removeTreeSync, replaceFolderSync, sweepStaleSync } from '../../atomic-write.js';
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { inferConditions } from '../data/condition-columns.js';
import { epochPermutation } from '../data/seeded-random.js';
import { loadTrainingData, type TrainingData } from '../data/training-data.js';
import {
  CLASSIFIER_DROPOUT,
  CLASSIFIER_FEATURE_DIM,
  MAX_CLASSES,
  classifierArchitectureKey,
  classifierOutputs,
  createClassifier,
  scaleClassifierPixels,
  type ClassifierArchitecture,
  type ImageClassifier,
} from '../models/classifier.js';
import { checkSeed } from '../call-limits.js';
import { runEnvironment } from '../registry/environment.js';
import { HEARTBEAT_INTERVAL_MS, now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { checkpointName } from './checkpoint.js';
import { resolveDevice } from './device.js';
import { checkpointFile, readTrainingState, restoreRngState, writeTrainingState } from './training-state.js';
import { writeLossPlots } from './loss-plots.js';
import type { Precision, TrainingRunOptions } from './training-run-options.js';

const { F } = torch;

export interface TrainClassifierOptions extends TrainingRunOptions {
  /** A read-only query selecting the training images and their labels. */
  readonly query?: string;
  /** A table: all of its rows, or its `split = 'train'` rows when it has a `split` column. */
  readonly table?: string;
  /** The column holding image paths (default: the query's one `FILE…` column). */
  readonly imageColumn?: string;
  /** The column holding the class labels (required, except with `resume`). */
  readonly labelColumn?: string;
  /**
   * The images accuracy is measured on (default: the source table's `split = 'test'` rows when it
   * has a `split` column; none otherwise). Loaded at the training size and channels.
   */
  readonly testQuery?: string;
  /** Resize the images to 28, 32 or 64 (default: their own size, which must be one of these). */
  readonly size?: number;
  readonly channels?: 1 | 3;
  /** Only the first N training rows. */
  readonly maxImages?: number;
  /** Adam's peak learning rate; it decays to 0 along a cosine over the run's steps. */
  readonly lr?: number;
  /** Seeds the weights, dropout and the batch order (default: a random one, recorded). */
  readonly seed?: number;
  /** Continue this classifier run from its last checkpoint (`epochs` may raise the target). */
  readonly resume?: string;
}

export interface TrainClassifierResult {
  run_id: string;
  status: 'finished' | 'stopped';
  model: 'cnn';
  epochs_done: number;
  steps_done: number;
  /** Mean training loss of the last complete epoch. */
  loss: number | null;
  /** Share of the test images classified right (null when stopped or without a test set). */
  test_accuracy: number | null;
  /** The same on up to 10,000 training images spread evenly over the training set (eval mode). */
  train_accuracy: number | null;
  n_test: number;
  n_train: number;
  /** Training images per second over this call's steps (data loading excluded). */
  images_per_second: number | null;
  /** Wall time of this call. */
  seconds: number;
  FILE_checkpoint: string | null;
  FILE_loss_plot: string | null;
  resumed: boolean;
}

import type { ClassifierRunParams } from '../registry/run-params.js';
export type { ClassifierRunParams };

/** The recipe measured in docs/ml-classifier.md: 3 epochs give ≥ 99 % on MNIST and ≥ 90 % on Fashion-MNIST in about a minute each on two CPU cores. */
export const CLASSIFIER_DEFAULTS = { epochs: 3, batch: 128, lr: 2e-3, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;

/** Training images whose accuracy is measured after training (spread evenly over the set). */
export const TRAIN_ACCURACY_IMAGES = 10_000;

/** Where training stood when a classifier checkpoint was written. */
export interface ClassifierPosition {
  /** Epochs completed. */
  epoch: number;
  /** Steps done within the next epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  /** Steps done in all. */
  step: number;
  /** Running sums of the unfinished epoch. */
  epochLoss: number;
  epochSeconds: number;
}

export interface ClassifierCheckpointState extends ClassifierPosition {
  format: number;
  architecture: ClassifierArchitecture;
}

export const CLASSIFIER_CHECKPOINT_FORMAT = 1;

const FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors' } as const;

// Checkpoints -------------------------------------------------------------------------------

/**
 * Writes `model.safetensors` (state dict, PyTorch's keys), `optimizer.safetensors` (Adam state,
 * PyTorch's layout) and `state.safetensors` (libtorch's RNG state as tensor `rng`; metadata
 * `state` and `architecture`) into `folder` with `replaceFolderSync` (src/atomic-write.ts): a
 * killed process leaves the previous checkpoint or the new one.
 */
export function saveClassifierCheckpoint(folder: string, model: ImageClassifier, optimizer: torch.optim.Optimizer, position: ClassifierPosition): void {
  replaceFolderSync(folder, (temp) => {
    model.save(path.join(temp, FILES.model));
    optimizer.save(path.join(temp, FILES.optimizer));
    const state: ClassifierCheckpointState = { format: CLASSIFIER_CHECKPOINT_FORMAT, architecture: model.architecture, ...position };
    writeTrainingState(temp, state, classifierArchitectureKey(model.architecture));
  });
}

/** The state a classifier checkpoint records, without loading weights; refuses a folder that is not one. */
export function readClassifierCheckpointState(folder: string): ClassifierCheckpointState {
  return readTrainingState<ClassifierCheckpointState>(folder, CLASSIFIER_CHECKPOINT_FORMAT, 'classifier training state', (state) => {
    if (state.architecture?.model !== 'cnn') throw new Error(`it holds a ${JSON.stringify(state.architecture?.model ?? 'GAN')} model, not a classifier`);
  });
}

/**
 * Loads the weights (and, when asked, the optimiser and the RNG state) into `model`; a checkpoint
 * of another architecture is refused before anything is loaded.
 */
export function loadClassifierCheckpoint(folder: string, model: ImageClassifier, options: { optimizer?: torch.optim.Optimizer; rng?: boolean } = {}): ClassifierCheckpointState {
  const state = readClassifierCheckpointState(folder);
  const want = classifierArchitectureKey(model.architecture);
  const have = classifierArchitectureKey(state.architecture);
  if (want !== have) throw new MlError('E_ML_CHECKPOINT', `${folder} holds another architecture: ${have}, not ${want}`);
  const need = (name: string): string => checkpointFile(folder, name);
  try {
    model.load(need(FILES.model));
    if (options.optimizer) options.optimizer.load(need(FILES.optimizer));
  } catch (e) {
    if (e instanceof MlError) throw e;
    throw new MlError('E_ML_CHECKPOINT', `${folder} cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (options.rng) restoreRngState(folder);
  return state;
}

// Data --------------------------------------------------------------------------------------

/** Images with each one's class index (into the levels). */
interface LabelledImages {
  readonly query: string;
  readonly images: LoadedImages;
  readonly classes: Int32Array;
}

const levelKey = (v: Cell): string | number => (typeof v === 'bigint' ? Number(v) : (v as string | number));

/** The label column's values of `images`, refused when missing or NULL; `what` names the query in messages. */
function labelValues(images: LoadedImages, labelColumn: string, what: string): Cell[] {
  const values = images.columns[labelColumn];
  if (values === undefined) {
    const others = Object.keys(images.columns);
    throw new MlError('E_ML_DATA', `the ${what} has no label column "${labelColumn}" (it returns ${others.join(', ') || 'only the image column'})`);
  }
  const nullRow = values.findIndex((v) => v === null);
  if (nullRow >= 0) throw new MlError('E_ML_DATA', `label column "${labelColumn}" is NULL in row ${nullRow + 1} of the ${what}; filter such rows out (WHERE ${labelColumn} IS NOT NULL)`);
  const odd = values.findIndex((v) => typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'string');
  if (odd >= 0) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds a ${typeof values[odd]} in row ${odd + 1} of the ${what}; labels are numbers or text`);
  return values;
}

/** The levels of a label column, sorted as conditioning levels are (numbers numerically). */
function levelsOf(labelColumn: string, values: Cell[]): (string | number)[] {
  const [spec] = inferConditions([labelColumn], { [labelColumn]: values }, { categorical: [labelColumn] });
  const levels = spec!.kind === 'categorical' ? [...spec!.levels] : [];
  if (levels.length < 2) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds ${levels.length === 1 ? `only one value (${JSON.stringify(levels[0])})` : 'no value'}; a classifier needs at least 2 classes`);
  if (levels.length > MAX_CLASSES) throw new MlError('E_ML_DATA', `label column "${labelColumn}" holds ${levels.length} distinct values; a classifier takes at most ${MAX_CLASSES} classes`);
  return levels;
}

function classIndices(values: Cell[], levels: readonly (string | number)[], labelColumn: string, what: string): Int32Array {
  const index = new Map<string | number, number>(levels.map((l, i) => [l, i]));
  const out = new Int32Array(values.length);
  values.forEach((v, i) => {
    const k = index.get(levelKey(v));
    if (k === undefined) {
      const shown = levels.length <= 12 ? levels.map((l) => JSON.stringify(l)).join(', ') : `${levels.slice(0, 10).map((l) => JSON.stringify(l)).join(', ')}, … (${levels.length})`;
      throw new MlError('E_ML_DATA', `label ${JSON.stringify(levelKey(v))} in row ${i + 1} of the ${what} was not in the training data (its labels: ${shown}); give a --test-query with only those labels`);
    }
    out[i] = k;
  });
  return out;
}

/** The default test query: the source table's `split = 'test'` rows when it has a `split` column. */
async function defaultTestQuery(store: Store, table: string | null): Promise<string | null> {
  if (table === null) return null;
  let info;
  try {
    info = await store.describe(table);
  } catch {
    return null;
  }
  if (!info.columns.some((c) => c.name.toLowerCase() === 'split')) return null;
  return `SELECT * FROM "${info.name.replace(/"/g, '""')}" WHERE split = 'test'`;
}

async function loadTestImages(
  store: Store,
  query: string,
  explicit: boolean,
  labelColumn: string,
  levels: readonly (string | number)[],
  train: LoadedImages,
  imageColumn: string | undefined,
  onProgress: ProgressCallback | undefined,
): Promise<LabelledImages | undefined> {
  let images: LoadedImages;
  try {
    images = await loadImages(store, query, {
      size: [train.height, train.width],
      channels: train.channels,
      ...(imageColumn === undefined ? {} : { imageColumn }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  } catch (e) {
    if (e instanceof StoreError && e.code !== 'E_SQL' && e.code !== 'E_READ_ONLY' && e.code !== 'E_TABLE_MISSING') {
      throw new MlError('E_ML_DATA', e.message.replace('loadImages: ', 'the test query: '), { cause: e });
    }
    throw e;
  }
  if (images.count === 0) {
    if (!explicit) return undefined; // the table has a split column but no test rows: no test set
    throw new MlError('E_ML_DATA', `the test query returned no rows: ${query}`);
  }
  const classes = classIndices(labelValues(images, labelColumn, 'test query'), levels, labelColumn, 'test query');
  return { query, images, classes };
}

function positiveInteger(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new MlError('E_ML_ARGUMENT', `${name} must be a positive whole number, got ${String(v)}`);
  return x;
}

/** Steps in an epoch: a last batch of one image is dropped (BatchNorm cannot train on it). */
function stepsPerEpoch(images: number, batch: number): number {
  const full = Math.floor(images / batch);
  return full + (images - full * batch >= 2 ? 1 : 0);
}

/** Adam's learning rate at global step `step` of `total`: a cosine from `lr` down to 0. */
export function cosineLearningRate(lr: number, step: number, total: number): number {
  return total <= 0 ? lr : (lr * (1 + Math.cos((Math.PI * Math.min(step, total)) / total))) / 2;
}

function dataHash(train: TrainingData, classes: Int32Array, levels: readonly (string | number)[]): string {
  return crypto.createHash('sha256').update(train.hash).update(JSON.stringify(levels)).update(new Uint8Array(classes.buffer, classes.byteOffset, classes.byteLength)).digest('hex');
}

interface Plan {
  runId: string;
  params: ClassifierRunParams;
  seed: number;
  data: TrainingData;
  classes: Int32Array;
  hash: string;
  test: LabelledImages | undefined;
  resumeFrom: RunRecord | undefined;
}

/** Checks options and data, and settles every hyper-parameter, before anything is written. */
async function plan(store: Store, registry: RunRegistry, options: TrainClassifierOptions): Promise<Plan> {
  positiveInteger('--epochs', options.epochs, CLASSIFIER_DEFAULTS.epochs);
  const device = resolveDevice(options.device ?? CLASSIFIER_DEFAULTS.device);
  if (options.threads !== undefined) positiveInteger('--threads', options.threads, 1);
  const progress = options.onProgress === undefined ? {} : { onProgress: options.onProgress };

  if (options.resume !== undefined) {
    const run = await registry.get(options.resume);
    if (run.kind !== 'classifier') throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run, not a classifier`);
    if (run.state === 'running') throw new MlError('E_ML_RUN', `run ${run.run_id} is still running (pid ${run.pid ?? '?'}); it cannot be resumed twice`);
    const p = run.params;
    const target = options.epochs ?? p.epochs;
    if (run.epochs_done >= target) throw new MlError('E_ML_RUN', `run ${run.run_id} has done ${run.epochs_done} of ${target} epochs; give --epochs above ${run.epochs_done} to train it further`);
    const data = await loadTrainingData(store, { query: run.data_query, ...(p.image_column === null ? {} : { imageColumn: p.image_column }), size: p.size, channels: p.channels, ...progress });
    const classes = classIndices(labelValues(data.images, p.label_column, 'training query'), p.levels, p.label_column, 'training query');
    const hash = dataHash(data, classes, p.levels);
    if (hash !== run.data_hash) throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or labels); start a new run instead`);
    const test = p.test_query === null ? undefined : await loadTestImages(store, p.test_query, true, p.label_column, p.levels, data.images, p.image_column ?? undefined, options.onProgress);
    return { runId: run.run_id, seed: run.seed, data, classes, hash, test, resumeFrom: run, params: { ...p, epochs: target, device } };
  }

  const labelColumn = options.labelColumn;
  if (typeof labelColumn !== 'string' || labelColumn === '') throw new MlError('E_ML_ARGUMENT', `a classifier needs its label column (--label-col), got ${JSON.stringify(labelColumn)}`);
  const epochs = positiveInteger('--epochs', options.epochs, CLASSIFIER_DEFAULTS.epochs);
  const batch = positiveInteger('--batch', options.batch, CLASSIFIER_DEFAULTS.batch);
  if (batch < 2) throw new MlError('E_ML_ARGUMENT', `--batch must be at least 2 (BatchNorm trains on batch statistics), got ${batch}`);
  const checkpointEvery = positiveInteger('--checkpoint-every', options.checkpointEvery, CLASSIFIER_DEFAULTS.checkpointEvery);
  const lr = options.lr ?? CLASSIFIER_DEFAULTS.lr;
  if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr))) throw new MlError('E_ML_ARGUMENT', `--lr must be a positive number, got ${String(options.lr)}`);
  const precision = options.precision ?? CLASSIFIER_DEFAULTS.precision;
  if (precision !== 'fp32' && precision !== 'bf16') throw new MlError('E_ML_ARGUMENT', `--precision must be fp32 or bf16, got ${String(precision)}`);
  const seed = checkSeed('--seed', options.seed ?? Math.floor(Math.random() * 2 ** 31));
  if (options.testQuery !== undefined && (typeof options.testQuery !== 'string' || options.testQuery.trim() === '')) {
    throw new MlError('E_ML_ARGUMENT', `--test-query must be a query, got ${JSON.stringify(options.testQuery)}`);
  }

  const data = await loadTrainingData(store, {
    ...(options.query === undefined ? {} : { query: options.query }),
    ...(options.table === undefined ? {} : { table: options.table }),
    ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
    ...(options.size === undefined ? {} : { size: options.size }),
    ...(options.channels === undefined ? {} : { channels: options.channels }),
    ...(options.maxImages === undefined ? {} : { maxImages: options.maxImages }),
    ...progress,
  });
  if (data.images.count < 2) throw new MlError('E_ML_DATA', `the training query selects ${data.images.count} image; a classifier needs at least 2`);
  const values = labelValues(data.images, labelColumn, 'training query');
  const levels = levelsOf(labelColumn, values);
  const classes = classIndices(values, levels, labelColumn, 'training query');

  const testQuery = options.testQuery ?? (await defaultTestQuery(store, data.sourceTable));
  const test =
    testQuery === null ? undefined : await loadTestImages(store, testQuery, options.testQuery !== undefined, labelColumn, levels, data.images, options.imageColumn, options.onProgress);

  const params: ClassifierRunParams = {
    model: 'cnn',
    source_table: data.sourceTable,
    image_column: options.imageColumn ?? null,
    label_column: labelColumn,
    levels,
    size: data.images.height as ClassifierArchitecture['size'],
    channels: data.images.channels as 1 | 3,
    feature_dim: CLASSIFIER_FEATURE_DIM,
    test_query: test === undefined ? null : test.query,
    epochs,
    batch,
    lr,
    lr_schedule: 'cosine',
    optimizer: 'adam',
    dropout: CLASSIFIER_DROPOUT,
    precision,
    device,
    checkpoint_every: checkpointEvery,
    max_images: options.maxImages ?? null,
  };
  return { runId: RunRegistry.newRunId('classifier'), seed, data, classes, hash: dataHash(data, classes, levels), test, resumeFrom: undefined, params };
}

/** The architecture a classifier run's params describe. */
export function classifierArchitectureOf(params: ClassifierRunParams): ClassifierArchitecture {
  return { model: 'cnn', size: params.size, channels: params.channels, classes: params.levels.length, featureDim: params.feature_dim };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Share of `pixels` that `model` (in eval mode) puts in their class; per class too. */
function accuracy(model: ImageClassifier, pixels: Uint8Array, classes: Int32Array, device: string, levels: number): { overall: number; perClass: { n: number; correct: number }[] } {
  const { logits } = classifierOutputs(model, pixels, classes.length, { device, features: false });
  const perClass = Array.from({ length: levels }, () => ({ n: 0, correct: 0 }));
  let correct = 0;
  for (let i = 0; i < classes.length; i++) {
    let best = 0;
    for (let j = 1; j < levels; j++) if (logits[i * levels + j]! > logits[i * levels + best]!) best = j;
    const c = perClass[classes[i]!]!;
    c.n++;
    if (best === classes[i]) {
      correct++;
      c.correct++;
    }
  }
  return { overall: correct / classes.length, perClass };
}

/** Up to `limit` images spread evenly over `images` (all of them when there are fewer). */
function evenSubset(pixels: Uint8Array, classes: Int32Array, perImage: number, limit: number): { pixels: Uint8Array; classes: Int32Array } {
  const n = classes.length;
  if (n <= limit) return { pixels, classes };
  const outPixels = new Uint8Array(limit * perImage);
  const outClasses = new Int32Array(limit);
  for (let k = 0; k < limit; k++) {
    const i = Math.floor((k * n) / limit);
    outPixels.set(pixels.subarray(i * perImage, (i + 1) * perImage), k * perImage);
    outClasses[k] = classes[i]!;
  }
  return { pixels: outPixels, classes: outClasses };
}

/**
 * Train a classifier (see the file comment). Returns when the run is finished or stopped; throws
 * (after marking the run `failed`) on an error during training.
 */
export async function trainClassifier(store: Store, options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'trainClassifier needs options (at least labelColumn and a query or table)');
  const registry = new RunRegistry(store);
  const p = await plan(store, registry, options);
  const { runId, params, seed, data } = p;
  const folder = registry.runFolder(runId).absolute;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';

  torch.manualSeed(seed);
  const model = createClassifier(classifierArchitectureOf(params)).to(device);
  const opt = new torch.optim.Adam(model.parameters(), { lr: params.lr });
  const n = data.images.count;
  const { channels, size } = params;
  const pixels = torch.keep(torch.tensor(data.images.pixels, { shape: [n, channels, size, size], dtype: 'uint8', device }));
  const labels = torch.keep(torch.tidy(() => torch.tensor(p.classes).to('int64').to(device)));
  const release = (): void => {
    pixels.dispose();
    labels.dispose();
    opt.dispose();
    model.dispose();
  };

  let position: ClassifierPosition = { epoch: 0, stepInEpoch: 0, step: 0, epochLoss: 0, epochSeconds: 0 };
  let checkpointFile: string | null = null;
  try {
    if (p.resumeFrom !== undefined) {
      const prev = p.resumeFrom;
      if (prev.FILE_checkpoint !== null) {
        position = loadClassifierCheckpoint(registry.absolute(prev.FILE_checkpoint), model, { optimizer: opt, rng: true });
        checkpointFile = prev.FILE_checkpoint;
      }
      // Without a checkpoint (stopped before the first) the weights and libtorch's generator are
      // where the seed put them, exactly as at the start of an uninterrupted run: no re-seeding.
      await registry.transaction(async (tx) => {
        const later = await tx.select('SELECT epoch FROM ml_epochs WHERE run_id = ? AND epoch > ?', [runId, position.epoch]);
        for (const r of later) await tx.remove('ml_epochs', { run_id: runId, epoch: r['epoch'] ?? null });
        await tx.update(
          'ml_runs',
          { status: 'running', error: null, finished_at: null, heartbeat_at: now(), pid: process.pid, params: JSON.stringify(params), epochs_done: position.epoch, steps_done: position.step, env: JSON.stringify(runEnvironment(device)) },
          { run_id: runId },
        );
      });
    } else {
      makeFolderSync(folder);
      sweepStaleSync(path.dirname(folder));
      await registry.create({
        run_id: runId,
        kind: 'classifier',
        model: 'cnn',
        parent_run_id: null,
        status: 'running',
        params: JSON.stringify(params),
        data_query: data.query,
        data_rows: n,
        data_hash: p.hash,
        env: JSON.stringify(runEnvironment(device)),
        seed,
        epochs_done: 0,
        steps_done: 0,
      });
    }
  } catch (e) {
    release();
    throw e;
  }

  const steps = stepsPerEpoch(n, params.batch);
  const totalSteps = steps * params.epochs;
  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  const checkpointsDir = path.join(folder, 'checkpoints');
  let lastBeat = Date.now();
  let stepSeconds = 0;
  let stepImages = 0;
  let lastLoss: number | null = null;
  let plot: string | null = p.resumeFrom?.FILE_loss_plot ?? null;

  /** The checkpoint the store pointed at before the newest one; trimmed once the store points at the newest. */
  let superseded: string | undefined;
  const writeCheckpoint = (pos: ClassifierPosition): string => {
    const target = path.join(checkpointsDir, checkpointName(pos));
    saveClassifierCheckpoint(target, model, opt, pos);
    const previous = checkpointFile === null ? undefined : registry.absolute(checkpointFile);
    if (previous !== target) superseded = previous;
    checkpointFile = registry.relative(target);
    return checkpointFile;
  };
  // Only after the run's row names the new checkpoint: a process killed before then resumes from
  // the previous one, which must still be whole.
  const trimSuperseded = (): void => {
    const previous = superseded;
    superseded = undefined;
    if (previous === undefined || !fs.existsSync(previous)) return;
    // Mid-epoch checkpoints only serve a resume; epoch ones keep their weights.
    if (/-step-\d+$/.test(previous)) removeTreeSync(previous);
    else fs.rmSync(path.join(previous, FILES.optimizer), { force: true });
  };

  const finishAs = async (status: 'finished' | 'stopped'): Promise<TrainClassifierResult> => {
    const ips = stepSeconds > 0 ? stepImages / stepSeconds : null;
    let testAccuracy: number | null = null;
    let trainAccuracy: number | null = null;
    const evaluations: Row[] = [];
    if (status === 'finished') {
      model.eval();
      const at = now();
      const row = (value: number, nReal: number, source: string, condition: string | null): Row => ({
        run_id: runId,
        metric: 'accuracy',
        value,
        std: null,
        n_real: nReal,
        n_generated: null,
        feature_run_id: runId,
        condition,
        epoch: position.epoch,
        source,
        created_at: at,
      });
      if (p.test !== undefined) {
        const t = accuracy(model, p.test.images.pixels, p.test.classes, device, params.levels.length);
        testAccuracy = t.overall;
        evaluations.push(row(t.overall, p.test.classes.length, 'test', null));
        t.perClass.forEach((c, k) => c.n > 0 && evaluations.push(row(c.correct / c.n, c.n, 'test', `${params.label_column}=${String(params.levels[k])}`)));
      }
      const perImage = channels * size * size;
      const subset = evenSubset(data.images.pixels, p.classes, perImage, TRAIN_ACCURACY_IMAGES);
      trainAccuracy = accuracy(model, subset.pixels, subset.classes, device, params.levels.length).overall;
      evaluations.push(row(trainAccuracy, subset.classes.length, 'train', null));
    }
    await registry.transaction(async (tx) => {
      if (evaluations.length > 0) {
        await tx.remove('ml_evaluations', { run_id: runId, metric: 'accuracy', epoch: position.epoch });
        await tx.insert('ml_evaluations', evaluations);
      }
      await tx.update(
        'ml_runs',
        {
          status,
          finished_at: now(),
          heartbeat_at: now(),
          epochs_done: position.epoch,
          steps_done: position.step,
          FILE_checkpoint: checkpointFile,
          ...(ips === null ? {} : { images_per_second: ips }),
        },
        { run_id: runId },
      );
    });
    trimSuperseded();
    return {
      run_id: runId,
      status,
      model: 'cnn',
      epochs_done: position.epoch,
      steps_done: position.step,
      loss: lastLoss,
      test_accuracy: testAccuracy,
      train_accuracy: trainAccuracy,
      n_test: p.test?.classes.length ?? 0,
      n_train: n,
      images_per_second: ips,
      seconds: (performance.now() - started) / 1000,
      FILE_checkpoint: checkpointFile,
      FILE_loss_plot: plot,
      resumed: p.resumeFrom !== undefined,
    };
  };

  try {
    model.train();
    for (let epoch = position.epoch; epoch < params.epochs; epoch++) {
      const order = epochPermutation(n, seed, epoch);
      for (let s = position.stepInEpoch; s < steps; s++) {
        const t0 = performance.now();
        const index = order.subarray(s * params.batch, Math.min(n, (s + 1) * params.batch));
        opt.lr = cosineLearningRate(params.lr, position.step, totalSteps);
        const { loss, correct } = torch.tidy(() => {
          const i = torch.tensor(index, { device });
          const x = scaleClassifierPixels(pixels.indexSelect(0, i));
          const y = labels.indexSelect(0, i);
          const forward = (): { logits: torch.Tensor; loss: torch.Tensor } => {
            const logits = model.forward(x);
            return { logits, loss: F.crossEntropy(logits, y) };
          };
          const out = autocast === undefined ? forward() : torch.autocast(forward, autocast);
          opt.zeroGrad();
          out.loss.backward();
          opt.step();
          return { loss: out.loss.item(), correct: out.logits.argmax(1).eq(y).sum().item() };
        });
        const seconds = (performance.now() - t0) / 1000;
        stepSeconds += seconds;
        stepImages += index.length;
        position = { epoch, stepInEpoch: s + 1, step: position.step + 1, epochLoss: position.epochLoss + loss, epochSeconds: position.epochSeconds + seconds };
        if (!Number.isFinite(loss)) throw new MlError('E_ML_RUN', `the loss diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${loss}); try a lower --lr or fp32`);
        options.onProgress?.({
          task: `train ${runId}`,
          done: epoch * steps + s + 1,
          total: totalSteps,
          unit: 'steps',
          detail: { epoch: epoch + 1, epochs: params.epochs, step: s + 1, steps, loss, batch_accuracy: correct / index.length, images_per_second: index.length / seconds },
        });
        if (Date.now() - lastBeat >= HEARTBEAT_INTERVAL_MS) {
          lastBeat = Date.now();
          await registry.heartbeat(runId);
        }
        await yieldToEventLoop();
        if (options.signal?.aborted && s + 1 < steps) {
          writeCheckpoint(position);
          return await finishAs('stopped');
        }
      }

      const done = epoch + 1;
      const mean = position.epochLoss / steps;
      const epochSeconds = position.epochSeconds;
      position = { epoch: done, stepInEpoch: 0, step: position.step, epochLoss: 0, epochSeconds: 0 };
      lastLoss = mean;
      const stopping = options.signal?.aborted === true;
      const keep = done % params.checkpoint_every === 0 || done === params.epochs || stopping;
      const ckpt = keep ? writeCheckpoint(position) : null;
      await registry.recordEpoch(
        {
          run_id: runId,
          epoch: done,
          d_loss: null,
          g_loss: null,
          loss: mean,
          steps,
          images_per_second: Math.min(n, steps * params.batch) / epochSeconds,
          seconds: epochSeconds,
          FILE_samples: null,
          FILE_checkpoint: ckpt,
        },
        { epochs_done: done, steps_done: position.step, ...(ckpt === null ? {} : { FILE_checkpoint: ckpt }) },
      );
      trimSuperseded();
      plot = await writeLossPlots(registry, runId, folder);
      if (stopping && done < params.epochs) return await finishAs('stopped');
    }
    return await finishAs('finished');
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await registry.update(runId, { status: 'failed', error: message, finished_at: now(), epochs_done: position.epoch, steps_done: position.step }).catch(() => undefined);
    throw e;
  } finally {
    release();
  }
}
