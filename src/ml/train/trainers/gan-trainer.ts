/**
 * The GAN trainer: plans a GAN run (a new one, a resume or a child of another run) and does its
 * steps (ganTrainStep on a batch of the epoch's seeded permutation), its epochs' sample grids and
 * its checkpoints (checkpoints/gan-checkpoint.ts). The lifecycle is the training session's.
 */
import path from 'node:path';
import { makeFolderSync, writeFileAtomicSync } from '../../../atomic-write.js';
import { MlError } from '../../../errors.js';
import type { Store } from '../../../store/store.js';
import * as torch from '../../../torch/index.js';
import { checkSeed } from '../../call-limits.js';
import { architectureOf, loadCheckpoint, pruneOptimizerState, saveCheckpoint } from '../../checkpoints/gan-checkpoint.js';
import { loadRunData, predictionsToInclude } from '../../data/included-predictions.js';
import { loadTrainingData, type TrainingData } from '../../data/training-data.js';
import { encodeConditions } from '../../models/conditions.js';
import { createGan } from '../../models/gan.js';
import { RunRegistry, type RunRecord } from '../../registry/run-registry.js';
import { ganTrainStep } from '../gan-train-step.js';
import { ImageBatches } from '../image-batches.js';
import { gridConditionRows, renderSampleGrid } from '../sample-grid.js';
import type { GanRunParams } from '../../registry/run-params.js';
import type { TrainGanOptions, TrainGanResult } from '../train-gan.js';
import { checkLearningRate, checkPrecision, checkRunBasics, positiveInteger, resumableRun, resumeTarget } from '../training-run-options.js';
import type { Precision } from '../training-run-options.js';
import type { EpochTrainer, RunPlan, TrainerDefinition } from '../trainer.js';

export const GAN_DEFAULTS = { epochs: 50, batch: 256, lr: 1e-4, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;


export interface GanPlan extends RunPlan {
  readonly params: GanRunParams;
  readonly data: TrainingData;
}

const ganPlan = (runId: string, seed: number, data: TrainingData, params: GanRunParams, more: Pick<GanPlan, 'resumeFrom' | 'parent'> = {}): GanPlan => ({
  kind: 'gan',
  runId,
  model: params.model,
  seed,
  params,
  device: params.device,
  dataQuery: data.query,
  dataRows: data.images.count,
  dataHash: data.hash,
  data,
  ...more,
});

/** Checks options and data, and settles every hyper-parameter, before anything is written. */
async function plan(store: Store, registry: RunRegistry, options: TrainGanOptions): Promise<GanPlan> {
  const { epochs, device } = checkRunBasics(options, GAN_DEFAULTS);
  if (options.resume !== undefined && (options.from !== undefined || options.includeAccepted)) {
    throw new MlError('E_ML_ARGUMENT', '--resume continues a run with its own data; --from and --include-accepted start a new child run');
  }
  if (options.resume !== undefined) {
    const run = await resumableRun(registry, options.resume, 'gan', 'a GAN');
    const p = run.params;
    const target = resumeTarget(run, options.epochs, p.epochs);
    const data = await loadRunData(store, p, run.data_query, run.included_predictions, options.onProgress);
    if (data.hash !== run.data_hash) {
      throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or values); start a new run instead`);
    }
    return ganPlan(run.run_id, run.seed, data, { ...p, epochs: target, device }, { resumeFrom: run });
  }

  if (options.from !== undefined) return planChild(store, registry, options, device);
  if (options.includeAccepted) throw new MlError('E_ML_ARGUMENT', '--include-accepted needs --from RUN (the run whose accepted predictions to add)');

  const batch = positiveInteger('--batch', options.batch, GAN_DEFAULTS.batch);
  const checkpointEvery = positiveInteger('--checkpoint-every', options.checkpointEvery, GAN_DEFAULTS.checkpointEvery);
  const lr = checkLearningRate(options.lr ?? GAN_DEFAULTS.lr, options.lr);
  const precision = checkPrecision(options.precision ?? GAN_DEFAULTS.precision);
  const conditionColumns = [...(options.conditionColumns ?? [])];
  const model = options.model ?? (conditionColumns.length > 0 ? 'cdcgan' : 'dcgan');
  if (model !== 'dcgan' && model !== 'cdcgan') throw new MlError('E_ML_ARGUMENT', `--model must be dcgan or cdcgan, got ${String(model)}`);
  if (model === 'cdcgan' && conditionColumns.length === 0) throw new MlError('E_ML_ARGUMENT', 'a cdcgan needs conditioning columns (--cond-cols)');
  if (model === 'dcgan' && conditionColumns.length > 0) throw new MlError('E_ML_ARGUMENT', 'a dcgan is unconditional; use --model cdcgan with --cond-cols');
  const seed = checkSeed('--seed', options.seed ?? Math.floor(Math.random() * 2 ** 31));
  const data = await loadTrainingData(store, {
    ...options,
    conditionColumns,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  if (data.images.count < 2) throw new MlError('E_ML_DATA', `the training query selects ${data.images.count} image; a GAN needs at least 2`);
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
    max_images: options.maxImages ?? null,
    sample_rows: gridConditionRows(data.conditions),
  };
  return ganPlan(RunRegistry.newRunId('gan'), seed, data, params);
}

/** Options a child run may not change: its data and architecture are its parent's. */
const CHILD_FIXED = ['query', 'table', 'imageColumn', 'conditionColumns', 'categorical', 'continuous', 'model', 'size', 'channels', 'maxImages', 'resume'] as const;

/** A child of `options.from`: the parent's recipe and data, plus its accepted predictions when asked. */
async function planChild(store: Store, registry: RunRegistry, options: TrainGanOptions, device: string): Promise<GanPlan> {
  const fixed = CHILD_FIXED.filter((k) => options[k] !== undefined);
  if (fixed.length > 0) throw new MlError('E_ML_ARGUMENT', `--from trains on the parent's data with its architecture; ${fixed.join(', ')} cannot be given with it`);
  const parent = await registry.getRun(options.from!, 'gan', '; --from continues GAN runs');
  if (parent.state === 'running') throw new MlError('E_ML_RUN', `run ${parent.run_id} is still running; wait for it to finish`);
  if (parent.FILE_checkpoint === null) throw new MlError('E_ML_RUN', `run ${parent.run_id} has no checkpoint to start from`);
  const p = parent.params;
  let included = parent.included_predictions;
  if (options.includeAccepted) {
    const found = await predictionsToInclude(store, parent);
    if (found.accepted === 0) {
      throw new MlError(
        'E_ML_DATA',
        `run ${parent.run_id} has no accepted predictions; accept some first (dsi ml accept --run ${parent.run_id} --rule "score >= 0.9", or --reviewed)`,
      );
    }
    included = found.ids;
  }
  const lr = checkLearningRate(options.lr ?? p.lr, options.lr);
  const seed = options.seed === undefined ? parent.seed : checkSeed('--seed', options.seed);
  const data = await loadRunData(store, p, parent.data_query, included, options.onProgress);
  const params: GanRunParams = {
    ...p,
    epochs: positiveInteger('--epochs', options.epochs, p.epochs),
    batch: positiveInteger('--batch', options.batch, p.batch),
    lr,
    precision: options.precision ?? p.precision,
    checkpoint_every: positiveInteger('--checkpoint-every', options.checkpointEvery, p.checkpoint_every),
    device,
  };
  return ganPlan(RunRegistry.newRunId('gan'), seed, data, params, { parent: { run: parent, included } });
}

/** The networks, optimisers and data of a planned GAN run. */
function create(plan: GanPlan, registry: RunRegistry, options: TrainGanOptions): EpochTrainer<TrainGanResult> {
  const { params, seed, data, runId } = plan;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';
  // Weights from the seed; a resumed run overwrites them (and the RNG state) from its checkpoint.
  torch.manualSeed(seed);
  const gan = createGan(architectureOf(params)).to(device);
  const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: params.lr });
  const optD = new torch.optim.Adam(gan.discriminator.parameters(), { lr: params.lr });
  const batches = new ImageBatches(data.images, params.batch, seed, device);
  const { pixels, count: n, steps } = batches;
  const conds = params.conditions.length === 0 ? undefined : torch.keep(torch.tidy(() => encodeConditions(params.conditions, data.conditionRows).to(device)));
  const dispose = (): void => {
    batches.dispose();
    conds?.dispose();
    optG.dispose();
    optD.dispose();
    gan.dispose();
  };
  // A child starts from its parent's newest weights and optimiser state, with its own batch order.
  if (plan.parent !== undefined) {
    try {
      loadCheckpoint(registry.absolute(plan.parent.run.FILE_checkpoint!), gan, { optG, optD });
    } catch (e) {
      dispose();
      throw e;
    }
    // Loading an optimiser's state restores its learning rate too (as in PyTorch): the child's may differ.
    optG.lr = params.lr;
    optD.lr = params.lr;
  }

  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  const folder = registry.runFolder(runId).absolute;
  let lastSamples: string | null = null;

  return {
    epochs: params.epochs,
    checkpointEvery: params.checkpoint_every,
    stepsPerEpoch: steps,
    epochImages: batches.epochImages,
    step(epoch, s) {
      const index = batches.indices(epoch, s);
      const { dLoss, gLoss } = torch.tidy(() => {
        const i = torch.tensor(index, { device });
        const real = pixels.indexSelect(0, i).float().div_(127.5).sub_(1);
        return ganTrainStep(gan, optG, optD, real, conds?.indexSelect(0, i), autocast === undefined ? {} : { autocast });
      });
      return { images: index.length, losses: { d_loss: dLoss, g_loss: gLoss } };
    },
    divergence: (epoch, s, l) => `the losses diverged at epoch ${epoch + 1}, step ${s + 1} (d_loss ${l['d_loss']}, g_loss ${l['g_loss']}); try a lower --lr or fp32`,
    endEpoch(done, means) {
      const samples = path.join(folder, 'samples', `epoch-${String(done).padStart(4, '0')}.png`);
      makeFolderSync(path.dirname(samples));
      writeFileAtomicSync(samples, renderSampleGrid(gan, seed, device));
      lastSamples = registry.relative(samples);
      const losses = { d_loss: means['d_loss']!, g_loss: means['g_loss']! };
      return { epoch: { ...losses, FILE_samples: lastSamples }, run: losses };
    },
    save: (target, p) => saveCheckpoint(target, gan, optG, optD, { epoch: p.epoch, stepInEpoch: p.stepInEpoch, step: p.step, epochDLoss: p.epochLosses['d_loss'] ?? 0, epochGLoss: p.epochLosses['g_loss'] ?? 0, epochSeconds: p.epochSeconds }),
    load(target) {
      const s = loadCheckpoint(target, gan, { optG, optD, rng: true });
      return { epoch: s.epoch, stepInEpoch: s.stepInEpoch, step: s.step, epochLosses: { d_loss: s.epochDLoss, g_loss: s.epochGLoss }, epochSeconds: s.epochSeconds };
    },
    prune: pruneOptimizerState,
    evaluate: () => ({ rows: [] }),
    result: (r) => ({
      run_id: runId,
      status: r.status,
      model: params.model,
      epochs_done: r.position.epoch,
      steps_done: r.position.step,
      d_loss: r.lastStep?.['d_loss'] ?? plan.resumeFrom?.d_loss ?? null,
      g_loss: r.lastStep?.['g_loss'] ?? plan.resumeFrom?.g_loss ?? null,
      images_per_second: r.imagesPerSecond,
      seconds: r.seconds,
      data_rows: n,
      FILE_checkpoint: r.checkpoint,
      FILE_samples: lastSamples,
      FILE_loss_plot: r.lossPlot,
      resumed: plan.resumeFrom !== undefined,
    }),
    dispose,
  };
}

export const ganTrainer: TrainerDefinition<TrainGanOptions, GanPlan, TrainGanResult> = { kind: 'gan', plan, create };
