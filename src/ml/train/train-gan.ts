/**
 * Train a GAN on the images a store query selects, with every run, epoch, sample grid and
 * checkpoint recorded in the store (DESIGN §4).
 *
 * ```ts
 * const result = await trainGan(store, {
 *   query: "SELECT * FROM mnist WHERE split = 'train'",
 *   conditionColumns: ['label'],
 *   epochs: 5,
 *   onProgress: (p) => console.error(p.detail),
 * });
 * ```
 *
 * Everything that can be wrong (data, options, device, the run to resume) is found before the run
 * row is written. A run is new, a resume, or a child of another run (its recipe and newest
 * checkpoint, plus its accepted predictions when asked); its steps are `ganTrainStep` on a batch
 * of the epoch's seeded permutation, each epoch draws a sample grid (sample-grid.ts), and the
 * lifecycle is the training session's (training-session.ts). A stop through `signal` (the CLI's Ctrl-C) writes a checkpoint at the current
 * step and marks the run `stopped`; an error marks it `failed`; either can be resumed with
 * `resume: RUN_ID`, which continues exactly where it left off (same batches, same random
 * numbers, same losses as an uninterrupted run on the CPU).
 */
import path from 'node:path';
import { makeFolderSync, writeFileAtomicSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import * as torch from '../../torch/index.js';
import { architectureOf, loadCheckpoint, pruneOptimizerState, saveCheckpoint } from '../checkpoints/gan-checkpoint.js';
import { loadRunData, predictionsToInclude } from '../data/included-predictions.js';
import { loadTrainingData, type TrainingData, type TrainingDataOptions } from '../data/training-data.js';
import { encodeConditions } from '../models/conditions.js';
import { checkSyntheticGenerations } from '../lineage/synthetic-generations.js';
import { createGan, GAN_MODELS, type GanModel } from '../models/gan.js';
import { presetSettings, SNGAN_DEFAULTS, snganRecipe, type GanRecipeOptions } from './gan-recipe.js';
import type { GanRunParams } from '../registry/run-params.js';
import { isRunOf } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { ganTrainStep } from './gan-train-step.js';
import { ConditionSampler } from './condition-sampler.js';
import { rankPositions, runWorld } from './distributed-run.js';
import { GeneratorAverage } from './generator-average.js';
import { snganTrainStep } from './sngan-train-step.js';
import { ImageBatches } from './image-batches.js';
import { gridConditionRows, renderSampleGrid } from './sample-grid.js';
import type { EpochTrainer, RunPlan, TrainerDefinition } from './trainer.js';
import { checkRunBasics, resumableRun, runSettings, type ImageRunResult, type Precision, type TrainingRunOptions } from './training-run-options.js';
import { runTraining } from './training-session.js';

export type { Precision };

export const GAN_DEFAULTS = { epochs: 50, batch: 256, lr: 1e-4, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;

export interface TrainGanOptions extends Omit<TrainingDataOptions, 'onProgress'>, TrainingRunOptions, Omit<GanRecipeOptions, 'epochs' | 'batch' | 'lr' | 'maxImages'> {
  /** The preset's model; without one, `cdcgan` when condition columns are given, `dcgan` otherwise. */
  readonly model?: GanModel;
  /**
   * Start a child of this run: its architecture, hyper-parameters and data query, beginning from
   * its newest checkpoint (weights and optimiser state). `epochs`, `batch`, `lr`, `precision`,
   * `checkpointEvery` and `seed` may be given anew; the data options may not.
   */
  readonly from?: string;
  /** With `from`: also train on the parent's accepted predictions (and those it included itself). */
  readonly includeAccepted?: boolean;
}

export interface TrainGanResult extends ImageRunResult {
  model: GanModel;
  d_loss: number | null;
  g_loss: number | null;
  data_rows: number;
  FILE_samples: string | null;
}

/** Train a GAN (see the file comment): the training session driving the GAN trainer. */
export function trainGan(store: Store, options: TrainGanOptions = {}): Promise<TrainGanResult> {
  return runTraining(store, ganTrainer, options);
}

export interface GanPlan extends RunPlan {
  readonly params: GanRunParams;
  readonly data: TrainingData;
}

const ganPlan = (runId: string, seed: number, data: TrainingData, params: GanRunParams, more: Pick<GanPlan, 'resumeFrom' | 'parent'> = {}): GanPlan =>
  ({ kind: 'gan', runId, model: params.model, seed, params, device: params.device, dataQuery: data.query, dataRows: data.images.count, dataHash: data.hash, data, ...more });

async function plan(store: Store, registry: RunRegistry, options: TrainGanOptions): Promise<GanPlan> {
  const { device } = checkRunBasics(options, GAN_DEFAULTS);
  if (options.resume !== undefined && (options.from !== undefined || options.includeAccepted)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('resume')} continues a run with its own data; ${o('from')} and ${o('includeAccepted')} start a new child run`);
  }
  if (options.resume !== undefined) {
    const { run, epochs } = await resumableRun(registry, options.resume, 'gan', 'a GAN', options.epochs, (r) => r.params.epochs);
    const data = await loadRunData(store, run.params, run.data_query, run.included_predictions, options.onProgress);
    if (data.hash !== run.data_hash) {
      throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or values); start a new run instead`);
    }
    return ganPlan(run.run_id, run.seed, data, { ...run.params, epochs, device }, { resumeFrom: run });
  }
  if (options.from !== undefined) return planChild(store, registry, options, device);
  if (options.includeAccepted) throw new MlError('E_ML_ARGUMENT', (o) => `${o('includeAccepted')} needs ${o('from')} (the run whose accepted predictions to add)`);

  const preset = options.preset === undefined ? undefined : presetSettings(options.preset);
  const conditionColumns = [...(options.conditionColumns ?? [])];
  const model = options.model ?? preset?.model ?? (conditionColumns.length > 0 ? 'cdcgan' : 'dcgan');
  if (!GAN_MODELS.includes(model)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('model')} must be one of ${GAN_MODELS.join(', ')}, got ${String(model)}`);
  const recipe = snganRecipe(model, options, preset);
  const defaults = recipe === undefined ? GAN_DEFAULTS : { ...GAN_DEFAULTS, batch: SNGAN_DEFAULTS.batch, lr: SNGAN_DEFAULTS.lr };
  const { epochs, batch, checkpointEvery, lr, precision, seed } = runSettings(options, { ...defaults, ...(preset === undefined ? {} : { epochs: preset.epochs, batch: preset.batch, lr: preset.lr }) });
  const maxImages = options.maxImages ?? preset?.maxImages ?? undefined;
  if (model === 'cdcgan' && conditionColumns.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `a cdcgan needs conditioning columns (${o('conditionColumns')})`);
  if (model === 'dcgan' && conditionColumns.length > 0) throw new MlError('E_ML_ARGUMENT', (o) => `a dcgan is unconditional; use ${o('model')} cdcgan with ${o('conditionColumns')}`);
  const data = await loadTrainingData(store, {
    ...options,
    conditionColumns,
    ...(maxImages === undefined ? {} : { maxImages }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  if (data.images.count < 2) throw new MlError('E_ML_DATA', `the training query selects ${data.images.count} image; a GAN needs at least 2`);
  if (recipe !== undefined && batch < 2) throw new MlError('E_ML_ARGUMENT', (o) => `an sngan trains on batches of at least 2 images; ${o('batch')} is ${batch}`);
  const params: GanRunParams = {
    model,
    source_table: data.sourceTable,
    image_column: options.imageColumn ?? null,
    condition_columns: conditionColumns,
    conditions: data.conditions,
    size: data.images.height,
    channels: data.images.channels as 1 | 3,
    noise_dim: 100,
    epochs,
    batch,
    lr,
    precision,
    device,
    checkpoint_every: checkpointEvery,
    max_images: maxImages ?? null,
    sample_rows: gridConditionRows(data.conditions),
    preset: options.preset ?? null,
    width: recipe?.width ?? null,
    loss: recipe?.loss ?? null,
    lr_d: recipe?.lrD ?? null,
    betas: recipe === undefined ? null : [recipe.betas[0], recipe.betas[1]],
    ema: recipe?.ema ?? 0,
    mode_seeking: recipe?.modeSeeking ?? 0,
    class_weight: recipe?.classWeight ?? 0,
    balanced_conditions: recipe?.balancedConditions ?? false,
  };
  return ganPlan(RunRegistry.newRunId('gan'), seed, data, params);
}

/** Options a child run may not change: its data and architecture are its parent's. */
const CHILD_FIXED = ['query', 'table', 'imageColumn', 'conditionColumns', 'categorical', 'continuous', 'model', 'size', 'channels', 'maxImages', 'resume', 'preset', 'width', 'loss', 'lrD', 'betas', 'ema', 'modeSeeking', 'classWeight', 'balancedConditions'] as const;

/** A child of `options.from`: the parent's recipe and data, plus its accepted predictions when asked. */
async function planChild(store: Store, registry: RunRegistry, options: TrainGanOptions, device: string): Promise<GanPlan> {
  const fixed = CHILD_FIXED.filter((k) => options[k] !== undefined);
  if (fixed.length > 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('from')} trains on the parent's data with its architecture; ${fixed.map(o).join(', ')} cannot be given with it`);
  const parent = await registry.get(options.from!);
  if (!isRunOf(parent, 'gan')) throw new MlError('E_ML_RUN', (o) => `run ${parent.run_id} is a ${parent.kind} run; ${o('from')} continues GAN runs`);
  if (parent.state === 'running') throw new MlError('E_ML_RUN', `run ${parent.run_id} is still running; wait for it to finish`);
  if (parent.FILE_checkpoint === null) throw new MlError('E_ML_RUN', `run ${parent.run_id} has no checkpoint to start from`);
  const p = parent.params;
  const settings = runSettings(options, { epochs: p.epochs, batch: p.batch, checkpointEvery: p.checkpoint_every, lr: p.lr, precision: p.precision, seed: parent.seed });
  let included = parent.included_predictions;
  if (options.includeAccepted) {
    const found = await predictionsToInclude(store, parent);
    if (found.accepted === 0) {
      throw new MlError('E_ML_DATA', `run ${parent.run_id} has no accepted predictions; accept some first (by a rule such as "score >= 0.9", or from the reviewers' verdicts)`);
    }
    included = found.ids;
  }
  await checkSyntheticGenerations(store, included, options);
  const data = await loadRunData(store, p, parent.data_query, included, options.onProgress);
  const { epochs, batch, lr, precision, checkpointEvery, seed } = settings;
  const params: GanRunParams = { ...p, epochs, batch, lr, precision, checkpoint_every: checkpointEvery, device };
  return ganPlan(RunRegistry.newRunId('gan'), seed, data, params, { parent: { run: parent, included } });
}

function create(plan: GanPlan, registry: RunRegistry, options: TrainGanOptions): EpochTrainer<TrainGanResult> {
  const { params, seed, data, runId } = plan;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';
  // Weights from the seed; a resumed run overwrites them (and the RNG state) from its checkpoint.
  torch.manualSeed(seed);
  const gan = createGan(architectureOf(params)).to(device);
  const betas = params.betas === null ? {} : { betas: [params.betas[0], params.betas[1]] as const };
  const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: params.lr, ...betas });
  const optD = new torch.optim.Adam(gan.discriminator.parameters(), { lr: params.lr_d ?? params.lr, ...betas });
  // The moving average of the generator that samples (grids, checkpoints' sampling weights).
  const average = params.ema > 0 ? new GeneratorAverage(gan, params.ema, device) : undefined;
  const batches = new ImageBatches(data.images, params.batch, seed, device);
  const { pixels, count: n, steps } = batches;
  const conds = params.conditions.length === 0 ? undefined : torch.keep(torch.tidy(() => encodeConditions(params.conditions, data.conditionRows).to(device)));
  const sampler = params.model === 'sngan' && params.balanced_conditions && conds !== undefined ? new ConditionSampler(params.conditions, data.conditionRows) : undefined;
  const dispose = (): void => {
    batches.dispose();
    conds?.dispose();
    optG.dispose();
    optD.dispose();
    average?.dispose();
    gan.dispose();
  };
  // A child starts from its parent's newest weights and optimiser state, with its own batch order.
  if (plan.parent !== undefined) {
    try {
      const state = loadCheckpoint(registry.absolute(plan.parent.run.FILE_checkpoint!), gan, { optG, optD, ...(average === undefined ? {} : { averaged: average.generator }) });
      if (state.averaged !== true) average?.reset();
    } catch (e) {
      dispose();
      throw e;
    }
    // Loading an optimiser's state restores its learning rate too (as in PyTorch): the child's may differ.
    optG.lr = params.lr;
    optD.lr = params.lr_d ?? params.lr;
  }

  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  // A data-parallel worker draws each step's per-sample random numbers (noise, sampled fake
  // conditions) for the global batch and keeps its rows (distributed-run.ts `drawForRank`).
  const world = runWorld();
  const drawFakeConditions = (s: ConditionSampler, count: number, paired: boolean): number[] => {
    if (world.worldSize === 1) return s.draw(count, paired);
    const all = s.draw(count * world.worldSize, paired);
    return rankPositions(count, world, paired).map((p) => all[p]!);
  };
  const folder = registry.runFolder(runId).absolute;
  let lastSamples: string | null = null;

  return {
    epochs: params.epochs,
    checkpointEvery: params.checkpoint_every,
    stepsPerEpoch: steps,
    epochImages: batches.epochImages,
    optimizers: [optG, optD],
    modules: [gan.generator, gan.discriminator],
    step(epoch, s) {
      const index = batches.indices(epoch, s);
      const { dLoss, gLoss } = torch.tidy(() => {
        const i = torch.tensor(index, { device });
        const real = pixels.indexSelect(0, i).float().div_(127.5).sub_(1);
        const realCond = conds?.indexSelect(0, i);
        if (params.model !== 'sngan') return ganTrainStep(gan, optG, optD, real, realCond, { world, ...(autocast === undefined ? {} : { autocast }) });
        const fakeCond = sampler === undefined || conds === undefined ? realCond : conds.indexSelect(0, torch.tensor(drawFakeConditions(sampler, index.length, params.mode_seeking > 0), { dtype: 'int64', device }));
        const losses = snganTrainStep(gan, optG, optD, real, realCond, fakeCond, { loss: params.loss ?? 'hinge', modeSeeking: params.mode_seeking, classWeight: params.class_weight, world, ...(autocast === undefined ? {} : { autocast }) });
        average?.update(epoch * steps + s);
        return losses;
      });
      return { images: index.length, losses: { d_loss: dLoss, g_loss: gLoss } };
    },
    divergence: (epoch, s, l) => (o) => `the losses diverged at epoch ${epoch + 1}, step ${s + 1} (d_loss ${l['d_loss']}, g_loss ${l['g_loss']}); try a lower ${o('lr')} or fp32`,
    async endEpoch(done, means) {
      const samples = path.join(folder, 'samples', `epoch-${String(done).padStart(4, '0')}.png`);
      makeFolderSync(path.dirname(samples));
      writeFileAtomicSync(samples, await renderSampleGrid(average?.gan ?? gan, seed, device));
      lastSamples = registry.relative(samples);
      const losses = { d_loss: means['d_loss']!, g_loss: means['g_loss']! };
      return { epoch: { ...losses, FILE_samples: lastSamples }, run: losses };
    },
    save: (target, p) =>
      saveCheckpoint(
        target,
        gan,
        optG,
        optD,
        { epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, epochDLoss: p.epochLosses['d_loss'] ?? 0, epochGLoss: p.epochLosses['g_loss'] ?? 0, epochSeconds: p.epochSeconds },
        average?.generator,
      ),
    load(target) {
      const s = loadCheckpoint(target, gan, { optG, optD, rng: true, ...(average === undefined ? {} : { averaged: average.generator }) });
      if (s.averaged !== true) average?.reset();
      return { epoch: s.epoch, stepInEpoch: s.stepInEpoch, step: s.step, epochLosses: { d_loss: s.epochDLoss, g_loss: s.epochGLoss }, epochSeconds: s.epochSeconds };
    },
    prune: pruneOptimizerState,
    evaluate: () => ({ rows: [] }),
    result: (r) => ({
      ...r.common,
      model: params.model,
      d_loss: r.lastStep?.['d_loss'] ?? plan.resumeFrom?.d_loss ?? null,
      g_loss: r.lastStep?.['g_loss'] ?? plan.resumeFrom?.g_loss ?? null,
      data_rows: n,
      FILE_samples: lastSamples,
    }),
    dispose,
  };
}

export const ganTrainer: TrainerDefinition<TrainGanOptions, GanPlan, TrainGanResult> = { kind: 'gan', plan, create };
