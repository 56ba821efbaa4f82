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
 * `failed`; either resumes with `resume: RUN_ID` exactly where it left off. With
 * `includeAcceptedFrom: GAN_RUN` it also trains on that run's accepted generated images, each
 * labelled by the condition it was generated for (docs/ml-review.md). Its steps are
 * cross-entropy with Adam on a cosine learning-rate schedule; the lifecycle is the training
 * session's (training-session.ts).
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { classifierArchitectureOf, loadClassifierCheckpoint, pruneClassifierOptimizerState, saveClassifierCheckpoint } from '../checkpoints/classifier-checkpoint.js';
import { acceptedPredictionsOf } from '../data/included-predictions.js';
import { loadTrainingData, type TrainingData, type TrainingDataOptions } from '../data/training-data.js';
import { checkSyntheticGenerations } from '../lineage/synthetic-generations.js';
import { CLASSIFIER_DROPOUT, CLASSIFIER_FEATURE_DIM, classifierOutputs, createClassifier, scaleClassifierPixels, type ClassifierArchitecture, type ImageClassifier } from '../models/classifier.js';
import type { ClassifierRunParams } from '../registry/run-params.js';
import { now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { classIndices, defaultTestQuery, labelledDataHash, labelValues, levelsOf, loadTestImages, withGeneratedImages, type LabelledImages } from './classifier-data.js';
import { ImageBatches } from './image-batches.js';
import { evaluationRow, type EpochTrainer, type RunPlan, type TrainerDefinition } from './trainer.js';
import { checkRunBasics, resumableRun, runSettings, type ImageRunResult, type Precision, type TrainingRunOptions } from './training-run-options.js';
import { runTraining } from './training-session.js';

/** The recipe measured in docs/ml-classifier.md: 3 epochs give ≥ 99 % on MNIST and ≥ 90 % on Fashion-MNIST in about a minute each on two CPU cores. */
export const CLASSIFIER_DEFAULTS = { epochs: 3, batch: 128, lr: 2e-3, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;

export interface TrainClassifierOptions extends Pick<TrainingDataOptions, 'query' | 'table' | 'imageColumn' | 'size' | 'channels' | 'maxImages'>, TrainingRunOptions {
  /** The column holding the class labels (required, except with `resume`). */
  readonly labelColumn?: string;
  /**
   * The images accuracy is measured on (default: the source table's `split = 'test'` rows when it
   * has a `split` column; none otherwise). Loaded at the training size and channels.
   */
  readonly testQuery?: string;
  /**
   * Also train on this run's accepted predictions (a conditional GAN's generated images), each
   * labelled by its own value of the label column, the condition it was generated for. They are
   * fixed when the run starts (`ml_runs.included_predictions`, `params.included_from`) and never
   * part of the test set.
   */
  readonly includeAcceptedFrom?: string;
}

export interface TrainClassifierResult extends ImageRunResult {
  model: 'cnn';
  /** Mean training loss of the last complete epoch. */
  loss: number | null;
  /** Share of the test images classified right (null when stopped or without a test set). */
  test_accuracy: number | null;
  /** The same on up to 10,000 training images spread evenly over the training set (eval mode). */
  train_accuracy: number | null;
  n_test: number;
  n_train: number;
}

/**
 * Train a classifier (see the file comment): the training session driving the classifier
 * trainer. Returns when the run is finished or stopped; throws (after marking the run `failed`)
 * on an error during training.
 */
export function trainClassifier(store: Store, options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  return runTraining(store, classifierTrainer, options);
}

const { F } = torch;

/** Training images whose accuracy is measured after training (spread evenly over the set). */
export const TRAIN_ACCURACY_IMAGES = 10_000;

/** Adam's learning rate at global step `step` of `total`: a cosine from `lr` down to 0. */
export function cosineLearningRate(lr: number, step: number, total: number): number {
  return total <= 0 ? lr : (lr * (1 + Math.cos((Math.PI * Math.min(step, total)) / total))) / 2;
}

export interface ClassifierPlan extends RunPlan {
  readonly params: ClassifierRunParams;
  readonly data: TrainingData;
  readonly classes: Int32Array;
  readonly test: LabelledImages | undefined;
}

const classifierPlan = (runId: string, seed: number, data: TrainingData, classes: Int32Array, hash: string, test: LabelledImages | undefined, params: ClassifierRunParams, included: readonly string[], resumeFrom?: RunRecord): ClassifierPlan =>
  ({ kind: 'classifier', runId, model: 'cnn', seed, params, device: params.device, dataQuery: data.query, dataRows: data.images.count, dataHash: hash, resumeFrom, included, data, classes, test });

async function plan(store: Store, registry: RunRegistry, options: TrainClassifierOptions): Promise<ClassifierPlan> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'trainClassifier needs options (at least labelColumn and a query or table)');
  const { device } = checkRunBasics(options, CLASSIFIER_DEFAULTS);
  const progress = options.onProgress === undefined ? {} : { onProgress: options.onProgress };

  if (options.resume !== undefined) {
    if (options.includeAcceptedFrom !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('resume')} continues a run with its own data; ${o('includeAcceptedFrom')} starts a new run`);
    const { run, epochs } = await resumableRun(registry, options.resume, 'classifier', 'a classifier', options.epochs, (r) => r.params.epochs);
    const p = run.params;
    const real = await loadTrainingData(store, { query: run.data_query, ...(p.image_column === null ? {} : { imageColumn: p.image_column }), size: p.size, channels: p.channels, ...progress });
    const realClasses = classIndices(labelValues(real.images, p.label_column, 'training query'), p.levels, p.label_column, 'training query');
    const { data, classes } = await withGeneratedImages(store, real, realClasses, run.included_predictions, p.included_from ?? 'a deleted run', p.label_column, p.levels);
    const hash = labelledDataHash(data, classes, p.levels);
    if (hash !== run.data_hash) throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or labels); start a new run instead`);
    const test = p.test_query === null ? undefined : await loadTestImages(store, p.test_query, true, p.label_column, p.levels, data.images, p.image_column ?? undefined, options.onProgress);
    return classifierPlan(run.run_id, run.seed, data, classes, hash, test, { ...p, epochs, device }, run.included_predictions, run);
  }

  const labelColumn = options.labelColumn;
  if (typeof labelColumn !== 'string' || labelColumn === '') throw new MlError('E_ML_ARGUMENT', (o) => `a classifier needs its label column (${o('labelColumn')}), got ${JSON.stringify(labelColumn)}`);
  const { epochs, batch, checkpointEvery, lr, precision, seed } = runSettings(options, CLASSIFIER_DEFAULTS);
  if (batch < 2) throw new MlError('E_ML_ARGUMENT', (o) => `${o('batch')} must be at least 2 (BatchNorm trains on batch statistics), got ${batch}`);
  if (options.testQuery !== undefined && (typeof options.testQuery !== 'string' || options.testQuery.trim() === '')) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('testQuery')} must be a query, got ${JSON.stringify(options.testQuery)}`);
  }
  // The run whose accepted images to add is checked before any image is read.
  const accepted = options.includeAcceptedFrom === undefined ? undefined : await acceptedPredictionsOf(store, options.includeAcceptedFrom, 'includeAcceptedFrom');
  const real = await loadTrainingData(store, { ...options, ...progress });
  if (real.images.count < 2) throw new MlError('E_ML_DATA', `the training query selects ${real.images.count} image; a classifier needs at least 2`);
  const values = labelValues(real.images, labelColumn, 'training query');
  const levels = levelsOf(labelColumn, values);
  const realClasses = classIndices(values, levels, labelColumn, 'training query');
  const included = accepted?.ids ?? [];
  await checkSyntheticGenerations(store, included, options);
  const { data, classes } = await withGeneratedImages(store, real, realClasses, included, accepted?.run.run_id ?? '', labelColumn, levels);

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
    included_from: accepted?.run.run_id ?? null,
  };
  return classifierPlan(RunRegistry.newRunId('classifier'), seed, data, classes, labelledDataHash(data, classes, levels), test, params, included);
}

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


function create(plan: ClassifierPlan, _registry: RunRegistry, options: TrainClassifierOptions): EpochTrainer<TrainClassifierResult> {
  const { params, seed, data, runId } = plan;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';
  torch.manualSeed(seed);
  const model = createClassifier(classifierArchitectureOf(params)).to(device);
  const opt = new torch.optim.Adam(model.parameters(), { lr: params.lr });
  const { channels, size } = params;
  const batches = new ImageBatches(data.images, params.batch, seed, device);
  const { pixels, count: n, steps } = batches;
  const labels = torch.keep(torch.tidy(() => torch.tensor(plan.classes).to('int64').to(device)));
  const totalSteps = steps * params.epochs;
  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  let testAccuracy: number | null = null;
  let trainAccuracy: number | null = null;
  model.train();

  return {
    epochs: params.epochs,
    checkpointEvery: params.checkpoint_every,
    stepsPerEpoch: steps,
    epochImages: batches.epochImages,
    optimizers: [opt],
    // Data-parallel: batch norm synchronised and the head's dropout layer drawn for the global
    // batch, so N workers at batch b are one process at b·N (test/ddp-gan.test.ts).
    modules: [model],
    step(epoch, s, step) {
      const index = batches.indices(epoch, s);
      opt.lr = cosineLearningRate(params.lr, step, totalSteps);
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
      return { images: index.length, losses: { loss }, detail: { batch_accuracy: correct / index.length } };
    },
    divergence: (epoch, s, l) => (o) => `the loss diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${l['loss']}); try a lower ${o('lr')} or fp32`,
    endEpoch: (_done, means) => ({ epoch: { loss: means['loss']! }, run: {} }),
    save: (target, p) => saveClassifierCheckpoint(target, model, opt, { epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, epochLoss: p.epochLosses['loss'] ?? 0, epochSeconds: p.epochSeconds }),
    load(target) {
      const s = loadClassifierCheckpoint(target, model, { optimizer: opt, rng: true });
      return { epoch: s.epoch, stepInEpoch: s.stepInEpoch, step: s.step, epochLosses: { loss: s.epochLoss }, epochSeconds: s.epochSeconds };
    },
    prune: pruneClassifierOptimizerState,
    evaluate(status, position) {
      if (status !== 'finished') return { rows: [] };
      model.eval();
      const at = now();
      const row = (value: number, nReal: number, source: string, condition: string | null): Row =>
        evaluationRow(runId, at, { metric: 'accuracy', value, n_real: nReal, source, condition, epoch: position.epoch, feature_run_id: runId });
      const rows: Row[] = [];
      if (plan.test !== undefined) {
        const t = accuracy(model, plan.test.images.pixels, plan.test.classes, device, params.levels.length);
        testAccuracy = t.overall;
        rows.push(row(t.overall, plan.test.classes.length, 'test', null));
        t.perClass.forEach((c, k) => c.n > 0 && rows.push(row(c.correct / c.n, c.n, 'test', `${params.label_column}=${String(params.levels[k])}`)));
      }
      const subset = evenSubset(data.images.pixels, plan.classes, channels * size * size, TRAIN_ACCURACY_IMAGES);
      trainAccuracy = accuracy(model, subset.pixels, subset.classes, device, params.levels.length).overall;
      rows.push(row(trainAccuracy, subset.classes.length, 'train', null));
      return { rows, replace: { run_id: runId, metric: 'accuracy', epoch: position.epoch } };
    },
    result: (r) => ({
      ...r.common,
      model: 'cnn',
      loss: r.lastEpoch?.['loss'] ?? null,
      test_accuracy: testAccuracy,
      train_accuracy: trainAccuracy,
      n_test: plan.test?.classes.length ?? 0,
      n_train: n,
    }),
    dispose() {
      batches.dispose();
      labels.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}

export const classifierTrainer: TrainerDefinition<TrainClassifierOptions, ClassifierPlan, TrainClassifierResult> = { kind: 'classifier', plan, create };
