/**
 * The classifier trainer: plans a classifier run (a new one or a resume; its training and test
 * images and their labels checked) and does its steps (cross-entropy with Adam on a cosine
 * learning-rate schedule), its checkpoints (checkpoints/classifier-checkpoint.ts) and, when the
 * run finishes, its accuracy on the test and training images. The lifecycle is the training
 * session's.
 */
import { MlError } from '../../../errors.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/types.js';
import * as torch from '../../../torch/index.js';
import { checkSeed } from '../../call-limits.js';
import { classifierArchitectureOf, loadClassifierCheckpoint, pruneClassifierOptimizerState, saveClassifierCheckpoint } from '../../checkpoints/classifier-checkpoint.js';
import { loadTrainingData, type TrainingData } from '../../data/training-data.js';
import { CLASSIFIER_DROPOUT, CLASSIFIER_FEATURE_DIM, classifierOutputs, createClassifier, scaleClassifierPixels, type ClassifierArchitecture, type ImageClassifier } from '../../models/classifier.js';
import { now, RunRegistry, type RunRecord } from '../../registry/run-registry.js';
import type { ClassifierRunParams } from '../../registry/run-params.js';
import type { TrainClassifierOptions, TrainClassifierResult } from '../train-classifier.js';
import { checkLearningRate, checkPrecision, checkRunBasics, positiveInteger, resumableRun, resumeTarget } from '../training-run-options.js';
import type { Precision } from '../training-run-options.js';
import type { EpochTrainer, RunPlan, TrainerDefinition } from '../trainer.js';
import { ImageBatches } from '../image-batches.js';
import { classIndices, defaultTestQuery, labelledDataHash, labelValues, levelsOf, loadTestImages, type LabelledImages } from './classifier-data.js';

/** The recipe measured in docs/ml-classifier.md: 3 epochs give ≥ 99 % on MNIST and ≥ 90 % on Fashion-MNIST in about a minute each on two CPU cores. */
export const CLASSIFIER_DEFAULTS = { epochs: 3, batch: 128, lr: 2e-3, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;


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

const classifierPlan = (
  runId: string,
  seed: number,
  data: TrainingData,
  classes: Int32Array,
  hash: string,
  test: LabelledImages | undefined,
  params: ClassifierRunParams,
  resumeFrom: RunRecord | undefined,
): ClassifierPlan => ({ kind: 'classifier', runId, model: 'cnn', seed, params, device: params.device, dataQuery: data.query, dataRows: data.images.count, dataHash: hash, resumeFrom, data, classes, test });

/** Checks options and data, and settles every hyper-parameter, before anything is written. */
async function plan(store: Store, registry: RunRegistry, options: TrainClassifierOptions): Promise<ClassifierPlan> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'trainClassifier needs options (at least labelColumn and a query or table)');
  const { device } = checkRunBasics(options, CLASSIFIER_DEFAULTS);
  const progress = options.onProgress === undefined ? {} : { onProgress: options.onProgress };

  if (options.resume !== undefined) {
    const run = await resumableRun(registry, options.resume, 'classifier', 'a classifier');
    const p = run.params;
    const target = resumeTarget(run, options.epochs, p.epochs);
    const data = await loadTrainingData(store, { query: run.data_query, ...(p.image_column === null ? {} : { imageColumn: p.image_column }), size: p.size, channels: p.channels, ...progress });
    const classes = classIndices(labelValues(data.images, p.label_column, 'training query'), p.levels, p.label_column, 'training query');
    const hash = labelledDataHash(data, classes, p.levels);
    if (hash !== run.data_hash) throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or labels); start a new run instead`);
    const test = p.test_query === null ? undefined : await loadTestImages(store, p.test_query, true, p.label_column, p.levels, data.images, p.image_column ?? undefined, options.onProgress);
    return classifierPlan(run.run_id, run.seed, data, classes, hash, test, { ...p, epochs: target, device }, run);
  }

  const labelColumn = options.labelColumn;
  if (typeof labelColumn !== 'string' || labelColumn === '') throw new MlError('E_ML_ARGUMENT', `a classifier needs its label column (--label-col), got ${JSON.stringify(labelColumn)}`);
  const epochs = positiveInteger('--epochs', options.epochs, CLASSIFIER_DEFAULTS.epochs);
  const batch = positiveInteger('--batch', options.batch, CLASSIFIER_DEFAULTS.batch);
  if (batch < 2) throw new MlError('E_ML_ARGUMENT', `--batch must be at least 2 (BatchNorm trains on batch statistics), got ${batch}`);
  const checkpointEvery = positiveInteger('--checkpoint-every', options.checkpointEvery, CLASSIFIER_DEFAULTS.checkpointEvery);
  const lr = checkLearningRate(options.lr ?? CLASSIFIER_DEFAULTS.lr, options.lr);
  const precision = checkPrecision(options.precision ?? CLASSIFIER_DEFAULTS.precision);
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
  return classifierPlan(RunRegistry.newRunId('classifier'), seed, data, classes, labelledDataHash(data, classes, levels), test, params, undefined);
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


/** The network, optimiser and data of a planned classifier run. */
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
    divergence: (epoch, s, l) => `the loss diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${l['loss']}); try a lower --lr or fp32`,
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
      run_id: runId,
      status: r.status,
      model: 'cnn',
      epochs_done: r.position.epoch,
      steps_done: r.position.step,
      loss: r.lastEpoch?.['loss'] ?? null,
      test_accuracy: testAccuracy,
      train_accuracy: trainAccuracy,
      n_test: plan.test?.classes.length ?? 0,
      n_train: n,
      images_per_second: r.imagesPerSecond,
      seconds: r.seconds,
      FILE_checkpoint: r.checkpoint,
      FILE_loss_plot: r.lossPlot,
      resumed: plan.resumeFrom !== undefined,
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
