/**
 * Train a surrogate (models/surrogate.ts, docs/ml-surrogates.md): an ensemble of conditional
 * decoders learning the map from a simulation's parameters to its output image, on the images
 * and parameter columns a store query selects. The run, its epochs, steps, checkpoints and its
 * evaluations are recorded in the store like any other run (DESIGN §4).
 *
 * ```ts
 * const r = await trainSurrogate(store, { table: 'plumes', conditionColumns: ['x0', 'y0', 'width', 'elongation'], seed: 1 });
 * r.test_mse;        // on the table's split = 'test' rows
 * r.nearest_run_mse; // the same rows predicted by the training run nearest in parameter space
 * ```
 *
 * Every parameter is continuous (scaled to [−1, 1] over its training range) unless named in
 * `categorical`. Everything that can be wrong (options, device, the parameter columns: missing,
 * non-numeric, NaN or constant; images of different sizes; the run to resume or start from) is
 * found before the run row is written. A step trains every member on its own batch (each member
 * visits the data in its own seeded order) with the MSE of its [0, 1] pixels, Adam on a cosine
 * schedule. A stop through `signal` writes a checkpoint at the current step and marks the run
 * `stopped`; `resume: RUN_ID` continues exactly where it left off. `from: RUN_ID` starts a child
 * of a surrogate run from its newest checkpoint, with its architecture and scaling, on its data
 * query run again (rows added since join: the simulate-next loop). A finished run records the
 * ensemble's MSE on its training images and, with a test set, on the test images together with
 * the nearest-training-run baseline's (`ml_evaluations`).
 */
import crypto from 'node:crypto';
import { MlError, StoreError } from '../../errors.js';
import { loadImages, type LoadedImages } from '../../images/load-images.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { loadSurrogateCheckpoint, pruneSurrogateOptimizerState, saveSurrogateCheckpoint, surrogateArchitectureOf } from '../checkpoints/surrogate-checkpoint.js';
import { epochPermutation, mixSeed } from '../data/seeded-random.js';
import { loadTrainingData, type TrainingData, type TrainingDataOptions } from '../data/training-data.js';
import { encodeConditions, type ConditionSpec } from '../models/conditions.js';
import { createSurrogate, MAX_SURROGATE_MEMBERS, MAX_SURROGATE_WIDTH, type SurrogateEnsemble } from '../models/surrogate.js';
import type { SurrogateRunParams } from '../registry/run-params.js';
import { isRunOf } from '../registry/run-record.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { defaultTestQuery } from './classifier-data.js';
import { distributedShard, runWorld } from './distributed-run.js';
import { cosineLearningRate } from './train-classifier.js';
import { evaluationRow, type EpochTrainer, type RunPlan, type TrainerDefinition } from './trainer.js';
import { checkRunBasics, positiveInteger, resumableRun, runSettings, type ImageRunResult, type Precision, type TrainingRunOptions } from './training-run-options.js';
import { runTraining } from './training-session.js';

/**
 * The defaults measured in docs/ml-surrogates.md: on the shipped heat-transfer ensemble (256
 * runs, 32 × 32, 4 parameters) 57 s on two shared CPU cores and a validated MSE 0.046 of the
 * nearest training run's; on the stand-in plumes (bench/surrogate-stand-in.ts) 0.019 (the
 * target: at most half, within 3 minutes).
 */
export const SURROGATE_DEFAULTS = { epochs: 25, batch: 16, lr: 2e-3, width: 32, members: 2, checkpointEvery: 10, precision: 'fp32' as Precision, device: 'cpu' } as const;

export interface TrainSurrogateOptions extends Pick<TrainingDataOptions, 'query' | 'table' | 'imageColumn' | 'size' | 'channels' | 'maxImages' | 'categorical'>, TrainingRunOptions {
  /** The parameter columns (required, except with `resume` and `from`). */
  readonly conditionColumns?: readonly string[];
  /** Independently trained members of the ensemble (default 2). */
  readonly members?: number;
  /** Channels of the decoder's feature maps (default 32). */
  readonly width?: number;
  /**
   * The images the held-out MSE is measured on (default: the source table's `split = 'test'`
   * rows when it has a `split` column; none otherwise). Loaded at the training size and channels.
   */
  readonly testQuery?: string;
  /**
   * Start a child of this surrogate run: its architecture, parameter scaling and data query (run
   * again, so rows added since join), from its newest checkpoint (weights and optimiser state).
   * `epochs`, `batch`, `lr`, `precision`, `checkpointEvery` and `seed` may be given anew.
   */
  readonly from?: string;
}

export interface TrainSurrogateResult extends ImageRunResult {
  model: 'surrogate';
  members: number;
  /** Mean training loss (MSE, averaged over the members) of the last complete epoch. */
  loss: number | null;
  /** The ensemble mean's MSE on the training images (null when stopped). */
  train_mse: number | null;
  /** The same on the test images (null when stopped or without a test set). */
  test_mse: number | null;
  /** The MSE of predicting each test image by the training image nearest in scaled parameter space. */
  nearest_run_mse: number | null;
  n_train: number;
  n_test: number;
}

/** Train a surrogate (see the file comment): the training session driving the surrogate trainer. */
export function trainSurrogate(store: Store, options: TrainSurrogateOptions): Promise<TrainSurrogateResult> {
  return runTraining(store, surrogateTrainer, options);
}

const { F } = torch;

/** Held-out images with their parameter rows. */
interface TestImages {
  readonly query: string;
  readonly images: LoadedImages;
  readonly rows: Record<string, Cell>[];
}

export interface SurrogatePlan extends RunPlan {
  readonly params: SurrogateRunParams;
  readonly data: TrainingData;
  readonly test: TestImages | undefined;
}

const surrogatePlan = (runId: string, seed: number, data: TrainingData, hash: string, test: TestImages | undefined, params: SurrogateRunParams, more: Pick<SurrogatePlan, 'resumeFrom' | 'parent'> = {}): SurrogatePlan =>
  ({ kind: 'surrogate', runId, model: 'surrogate', seed, params, device: params.device, dataQuery: data.query, dataRows: data.images.count, dataHash: hash, data, test, ...more });

/** The data a surrogate run of `params` trains on: `query`'s images at its size and channels, with its parameter columns. */
function loadSurrogateData(store: Store, params: SurrogateRunParams, query: string, options: TrainSurrogateOptions): Promise<TrainingData> {
  return loadTrainingData(store, {
    query,
    ...(params.image_column === null ? {} : { imageColumn: params.image_column }),
    conditionColumns: params.condition_columns,
    categorical: params.conditions.filter((c) => c.kind === 'categorical').map((c) => c.name),
    continuous: params.conditions.filter((c) => c.kind === 'continuous').map((c) => c.name),
    size: params.size,
    channels: params.channels,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

/** The rows' parameters encoded with `specs` (E_ML_DATA naming `what` and the row when one cannot be). */
function encodeRows(specs: readonly ConditionSpec[], rows: readonly Record<string, Cell>[], what: string): torch.Tensor {
  try {
    return encodeConditions(specs, rows);
  } catch (e) {
    if (e instanceof MlError) throw new MlError('E_ML_DATA', `${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The test images of `query` with their parameter rows, or undefined for a default query without rows or without a parameter column. */
async function loadTestImages(store: Store, query: string, explicit: boolean, params: SurrogateRunParams, options: TrainSurrogateOptions): Promise<TestImages | undefined> {
  let images: LoadedImages;
  try {
    images = await loadImages(store, query, {
      size: params.size,
      channels: params.channels,
      ...(params.image_column === null ? {} : { imageColumn: params.image_column }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  } catch (e) {
    if (e instanceof StoreError && e.code !== 'E_SQL' && e.code !== 'E_READ_ONLY' && e.code !== 'E_TABLE_MISSING') {
      throw new MlError('E_ML_DATA', e.message.replace('loadImages: ', 'the test query: '), { cause: e });
    }
    throw e;
  }
  if (images.count === 0) {
    if (!explicit) return undefined;
    throw new MlError('E_ML_DATA', `the test query returned no rows: ${query}`);
  }
  const absent = params.condition_columns.find((n) => images.columns[n] === undefined);
  if (absent !== undefined) {
    // The source table's test rows of a query that computes a parameter: no test set unless asked for.
    if (!explicit) return undefined;
    throw new MlError('E_ML_DATA', `the test query has no parameter column "${absent}" (it returns ${Object.keys(images.columns).join(', ')}): ${query}`);
  }
  const rows = Array.from({ length: images.count }, (_, i) => Object.fromEntries(params.condition_columns.map((n) => [n, images.columns[n]![i] ?? null])) as Record<string, Cell>);
  encodeRows(params.conditions, rows, 'the test query').dispose();
  return { query, images, rows };
}

/** Refuses a continuous parameter that holds one value only: nothing could be learnt from it, and it cannot be scaled. */
function checkVarying(conditions: readonly ConditionSpec[]): void {
  for (const c of conditions) {
    if (c.kind === 'continuous' && c.min === c.max) {
      throw new MlError('E_ML_DATA', (o) => `parameter column "${c.name}" is constant (every training row holds ${c.min}); a surrogate learns from parameters that vary: leave it out of ${o('conditionColumns')}`);
    }
  }
}

/** The default test set of a run's table, or the one asked for. */
async function testSet(store: Store, asked: string | undefined, table: string | null, params: SurrogateRunParams, options: TrainSurrogateOptions): Promise<TestImages | undefined> {
  if (asked !== undefined && (typeof asked !== 'string' || asked.trim() === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('testQuery')} must be a query, got ${JSON.stringify(asked)}`);
  const query = asked ?? (await defaultTestQuery(store, table));
  return query === null ? undefined : loadTestImages(store, query, asked !== undefined, params, options);
}

/** SHA-256 of the training data's hash and the scaling its parameters are encoded with. */
const surrogateDataHash = (data: TrainingData, conditions: readonly ConditionSpec[]): string => crypto.createHash('sha256').update(data.hash).update(JSON.stringify(conditions)).digest('hex');

async function plan(store: Store, registry: RunRegistry, options: TrainSurrogateOptions): Promise<SurrogatePlan> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'trainSurrogate needs options (at least conditionColumns and a query or table)');
  const { device } = checkRunBasics(options, SURROGATE_DEFAULTS);
  if (options.resume !== undefined && options.from !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('resume')} continues a run; ${o('from')} starts a new child run: give one of them`);

  if (options.resume !== undefined) {
    const { run, epochs } = await resumableRun(registry, options.resume, 'surrogate', 'a surrogate', options.epochs, (r) => r.params.epochs);
    const p = run.params;
    const data = await loadSurrogateData(store, p, run.data_query, options);
    const hash = surrogateDataHash(data, p.conditions);
    if (hash !== run.data_hash) throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or parameters); start a new run instead, or a child with from`);
    const test = p.test_query === null ? undefined : await loadTestImages(store, p.test_query, true, p, options);
    return surrogatePlan(run.run_id, run.seed, data, hash, test, { ...p, epochs, device }, { resumeFrom: run });
  }
  if (options.from !== undefined) return planChild(store, registry, options, device);

  const names = options.conditionColumns ?? [];
  if (!Array.isArray(names) || names.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `a surrogate needs its parameter columns (${o('conditionColumns')}): the simulation inputs each image depends on`);
  const { epochs, batch, checkpointEvery, lr, precision, seed } = runSettings(options, SURROGATE_DEFAULTS);
  const members = positiveInteger('members', options.members, SURROGATE_DEFAULTS.members);
  if (members > MAX_SURROGATE_MEMBERS) throw new MlError('E_ML_ARGUMENT', (o) => `${o('members')} must be at most ${MAX_SURROGATE_MEMBERS}, got ${members}`);
  const width = positiveInteger('width', options.width, SURROGATE_DEFAULTS.width);
  if (width > MAX_SURROGATE_WIDTH) throw new MlError('E_ML_ARGUMENT', (o) => `${o('width')} must be at most ${MAX_SURROGATE_WIDTH}, got ${width}`);
  const categorical = new Set(options.categorical ?? []);
  const data = await loadTrainingData(store, {
    ...options,
    conditionColumns: names,
    continuous: names.filter((n) => !categorical.has(n)),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  checkVarying(data.conditions);
  if (data.images.count < 2) throw new MlError('E_ML_DATA', `the training query selects ${data.images.count} image; a surrogate needs at least 2`);
  const params: SurrogateRunParams = {
    model: 'surrogate',
    source_table: data.sourceTable,
    image_column: options.imageColumn ?? null,
    condition_columns: [...names],
    conditions: data.conditions,
    size: data.images.height as SurrogateRunParams['size'],
    channels: data.images.channels as 1 | 3,
    width,
    members,
    test_query: null,
    epochs,
    batch,
    lr,
    lr_schedule: 'cosine',
    optimizer: 'adam',
    loss: 'mse',
    precision,
    device,
    checkpoint_every: checkpointEvery,
    max_images: options.maxImages ?? null,
  };
  const test = await testSet(store, options.testQuery, data.sourceTable, params, options);
  const settled = { ...params, test_query: test?.query ?? null };
  return surrogatePlan(RunRegistry.newRunId('surrogate'), seed, data, surrogateDataHash(data, settled.conditions), test, settled);
}

/** Options a child run may not change: its data, scaling and architecture are its parent's. */
const CHILD_FIXED = ['query', 'table', 'imageColumn', 'conditionColumns', 'categorical', 'size', 'channels', 'maxImages', 'members', 'width', 'testQuery'] as const;

/** A child of `options.from`: the parent's architecture and scaling, its data query run again, from its newest checkpoint. */
async function planChild(store: Store, registry: RunRegistry, options: TrainSurrogateOptions, device: string): Promise<SurrogatePlan> {
  const fixed = CHILD_FIXED.filter((k) => options[k] !== undefined);
  if (fixed.length > 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('from')} trains on the parent's data with its architecture; ${fixed.map(o).join(', ')} cannot be given with it`);
  const parent = await registry.get(options.from!);
  if (!isRunOf(parent, 'surrogate')) throw new MlError('E_ML_RUN', (o) => `run ${parent.run_id} is a ${parent.kind} run; ${o('from')} continues surrogate runs here`);
  if (parent.state === 'running') throw new MlError('E_ML_RUN', `run ${parent.run_id} is still running; wait for it to finish`);
  if (parent.FILE_checkpoint === null) throw new MlError('E_ML_RUN', `run ${parent.run_id} has no checkpoint to start from`);
  const p = parent.params;
  const settings = runSettings(options, { epochs: p.epochs, batch: p.batch, checkpointEvery: p.checkpoint_every, lr: p.lr, precision: p.precision, seed: parent.seed });
  const data = await loadSurrogateData(store, p, parent.data_query, options);
  const { epochs, batch, lr, precision, checkpointEvery, seed } = settings;
  const params: SurrogateRunParams = { ...p, epochs, batch, lr, precision, checkpoint_every: checkpointEvery, device };
  const test = p.test_query === null ? undefined : await loadTestImages(store, p.test_query, false, p, options);
  return surrogatePlan(RunRegistry.newRunId('surrogate'), seed, data, surrogateDataHash(data, p.conditions), test, params, { parent: { run: parent, included: [] } });
}

/** Images per forward pass when measuring. */
const EVAL_BATCH = 256;

/** The ensemble mean's MSE (on [0, 1] pixels) on `count` images of `pixels` (uint8, planar) at encoded parameters `cond`. */
function ensembleMse(model: SurrogateEnsemble, cond: torch.Tensor, pixels: Uint8Array, count: number, device: string): number {
  const { channels, size } = model.architecture;
  let sum = 0;
  torch.noGrad(() => {
    for (let start = 0; start < count; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, count - start);
      sum += torch.tidy(() => {
        const truth = torch.tensor(pixels.subarray(start * channels * size * size, (start + n) * channels * size * size), { shape: [n, channels, size, size], dtype: 'uint8', device }).float().div_(255);
        return F.mseLoss(model.forward(cond.narrow(0, start, n).to(device)), truth, { reduction: 'sum' }).item();
      });
    }
  });
  return sum / (count * channels * size * size);
}

/**
 * The MSE of predicting each test image by the training image whose parameters are nearest
 * (squared distance of the scaled values; a categorical parameter that differs counts 4, the
 * widest gap of a scaled continuous one).
 */
export function nearestRunMse(specs: readonly ConditionSpec[], train: Float32Array, trainPixels: Uint8Array, test: Float32Array, testPixels: Uint8Array, plane: number): number {
  const k = specs.length;
  const nTrain = train.length / k;
  const nTest = test.length / k;
  let total = 0;
  for (let t = 0; t < nTest; t++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let i = 0; i < nTrain; i++) {
      let d = 0;
      for (let c = 0; c < k; c++) {
        const a = test[t * k + c]!;
        const b = train[i * k + c]!;
        d += specs[c]!.kind === 'categorical' ? (a === b ? 0 : 4) : (a - b) ** 2;
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    let e = 0;
    for (let p = 0; p < plane; p++) e += ((testPixels[t * plane + p]! - trainPixels[best * plane + p]!) / 255) ** 2;
    total += e / plane;
  }
  return total / nTest;
}

function create(plan: SurrogatePlan, registry: RunRegistry, options: TrainSurrogateOptions): EpochTrainer<TrainSurrogateResult> {
  const { params, seed, data, runId } = plan;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';
  // Weights from the seed (each member after the previous: different starts); a resume overwrites them and the RNG state.
  torch.manualSeed(seed);
  const model = createSurrogate(surrogateArchitectureOf(params)).to(device);
  const opt = new torch.optim.Adam(model.parameters(), { lr: params.lr });
  const n = data.images.count;
  const { channels, size, members } = params;
  const conds = torch.keep(torch.tidy(() => encodeRows(params.conditions, data.conditionRows, 'the training query').to(device)));
  const targets = torch.keep(torch.tidy(() => torch.tensor(data.images.pixels, { shape: [n, channels, size, size], dtype: 'uint8', device }).float().div_(255)));
  const dispose = (): void => {
    conds.dispose();
    targets.dispose();
    opt.dispose();
    model.dispose();
  };
  // A child starts from its parent's newest weights and optimiser state.
  if (plan.parent !== undefined) {
    try {
      loadSurrogateCheckpoint(registry.absolute(plan.parent.run.FILE_checkpoint!), model, { optimizer: opt });
    } catch (e) {
      dispose();
      throw e;
    }
    opt.lr = params.lr;
  }
  // A worker of a data-parallel run visits its share of each order (distributed-run.ts).
  const world = runWorld();
  const share = Math.ceil(n / world.worldSize);
  const steps = Math.ceil(share / params.batch);
  const totalSteps = steps * params.epochs;
  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  // Each member visits the data in its own order: a permutation of seed, member and epoch.
  let orders: Int32Array[] = [];
  let ordersEpoch = -1;
  const batchOf = (m: number, epoch: number, s: number): Int32Array => {
    if (ordersEpoch !== epoch) {
      orders = Array.from({ length: members }, (_, k) => distributedShard(epochPermutation(n, mixSeed(seed, k), epoch), world));
      ordersEpoch = epoch;
    }
    return orders[m]!.subarray(s * params.batch, Math.min(share, (s + 1) * params.batch));
  };
  let trainMse: number | null = null;
  let testMse: number | null = null;
  let nearest: number | null = null;

  return {
    epochs: params.epochs,
    checkpointEvery: params.checkpoint_every,
    stepsPerEpoch: steps,
    epochImages: share * members,
    optimizers: [opt],
    step(epoch, s, step) {
      opt.lr = cosineLearningRate(params.lr, step, totalSteps);
      let images = 0;
      const loss = torch.tidy(() => {
        opt.zeroGrad();
        let total: torch.Tensor | undefined;
        for (let m = 0; m < members; m++) {
          const index = batchOf(m, epoch, s);
          images += index.length;
          const i = torch.tensor(index, { device });
          const forward = (): torch.Tensor => F.mseLoss(model.memberOutput(m, conds.indexSelect(0, i)).float(), targets.indexSelect(0, i));
          const l = autocast === undefined ? forward() : torch.autocast(forward, autocast);
          total = total === undefined ? l : total.add(l);
        }
        total!.backward();
        opt.step();
        return total!.item() / members;
      });
      return { images, losses: { loss } };
    },
    divergence: (epoch, s, l) => (o) => `the loss diverged at epoch ${epoch + 1}, step ${s + 1} (loss ${l['loss']}); try a lower ${o('lr')} or fp32`,
    endEpoch: (_done, means) => ({ epoch: { loss: means['loss']! }, run: {} }),
    save: (target, p) => saveSurrogateCheckpoint(target, model, opt, { epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, epochLoss: p.epochLosses['loss'] ?? 0, epochSeconds: p.epochSeconds }),
    load(target) {
      const s = loadSurrogateCheckpoint(target, model, { optimizer: opt, rng: true });
      return { epoch: s.epoch, stepInEpoch: s.stepInEpoch, step: s.step, epochLosses: { loss: s.epochLoss }, epochSeconds: s.epochSeconds };
    },
    prune: pruneSurrogateOptimizerState,
    evaluate(status, position) {
      if (status !== 'finished') return { rows: [] };
      const at = now();
      const row = (metric: string, value: number, nReal: number, source: string): Row =>
        evaluationRow(runId, at, { metric, value, n_real: nReal, source, condition: null, epoch: position.epoch, feature_run_id: null });
      trainMse = ensembleMse(model, conds, data.images.pixels, n, device);
      const rows: Row[] = [row('mse', trainMse, n, 'train')];
      if (plan.test !== undefined) {
        const { images, rows: testRows } = plan.test;
        const testConds = encodeRows(params.conditions, testRows, 'the test query');
        try {
          testMse = ensembleMse(model, testConds, images.pixels, images.count, device);
          const trainCpu = conds.cpu();
          try {
            nearest = nearestRunMse(params.conditions, trainCpu.toArray() as Float32Array, data.images.pixels, testConds.toArray() as Float32Array, images.pixels, channels * size * size);
          } finally {
            trainCpu.dispose();
          }
        } finally {
          testConds.dispose();
        }
        rows.push(row('mse', testMse, images.count, 'test'), row('nearest_run_mse', nearest, images.count, 'test'));
      }
      return { rows };
    },
    result: (r) => ({
      ...r.common,
      model: 'surrogate',
      members,
      loss: r.lastEpoch?.['loss'] ?? null,
      train_mse: trainMse,
      test_mse: testMse,
      nearest_run_mse: nearest,
      n_train: n,
      n_test: plan.test?.images.count ?? 0,
    }),
    dispose,
  };
}

export const surrogateTrainer: TrainerDefinition<TrainSurrogateOptions, SurrogatePlan, TrainSurrogateResult> = { kind: 'surrogate', plan, create };
