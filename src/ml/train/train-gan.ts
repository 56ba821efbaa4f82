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
 * row is written. A stop through `signal` (the CLI's Ctrl-C) writes a checkpoint at the current
 * step and marks the run `stopped`; an error marks it `failed`; either can be resumed with
 * `resume: RUN_ID`, which continues exactly where it left off (same batches, same random
 * numbers, same losses as an uninterrupted run on the CPU).
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, removeTreeSync, sweepStaleSync, writeFileAtomicSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import * as torch from '../../torch/index.js';
import { epochPermutation } from '../data/seeded-random.js';
import { loadRunData, predictionsToInclude } from '../data/included-predictions.js';
import { loadTrainingData, type TrainingData, type TrainingDataOptions } from '../data/training-data.js';
import { encodeConditions, type ConditionSpec } from '../models/conditions.js';
import { createGan, type GanArchitecture, type GanModel } from '../models/gan.js';
import { ganTrainStep } from '../models/gan-train-step.js';
import { checkSeed } from '../call-limits.js';
import { runEnvironment } from '../registry/environment.js';
import { HEARTBEAT_INTERVAL_MS, now, RunRegistry, type RunRecord } from '../registry/run-registry.js';
import { checkpointName, loadCheckpoint, pruneOptimizerState, saveCheckpoint, type TrainingPosition } from './checkpoint.js';
import { writeLossPlots } from './loss-plots.js';
import { gridConditionRows, renderSampleGrid } from './sample-grid.js';
import { resolveDevice } from './device.js';
import type { Precision, TrainingRunOptions } from './training-run-options.js';

export type { Precision };

export interface TrainGanOptions extends Omit<TrainingDataOptions, 'onProgress'>, TrainingRunOptions {
  /** `cdcgan` when condition columns are given, `dcgan` otherwise. */
  readonly model?: GanModel;
  readonly lr?: number;
  /** Seeds the weights, the noise, dropout and the batch order (default: a random one, recorded). */
  readonly seed?: number;
  /** Continue this run from its last checkpoint (its data and hyper-parameters; `epochs` may raise the target). */
  readonly resume?: string;
  /**
   * Start a child of this run: its architecture, hyper-parameters and data query, beginning from
   * its newest checkpoint (weights and optimiser state). `epochs`, `batch`, `lr`, `precision`,
   * `checkpointEvery` and `seed` may be given anew; the data options may not.
   */
  readonly from?: string;
  /** With `from`: also train on the parent's accepted predictions (and those it included itself). */
  readonly includeAccepted?: boolean;
}

export interface TrainGanResult {
  run_id: string;
  status: 'finished' | 'stopped';
  model: GanModel;
  epochs_done: number;
  steps_done: number;
  d_loss: number | null;
  g_loss: number | null;
  /** Training images per second over this call's steps (data loading excluded). */
  images_per_second: number | null;
  /** Wall time of this call. */
  seconds: number;
  data_rows: number;
  FILE_checkpoint: string | null;
  FILE_samples: string | null;
  FILE_loss_plot: string | null;
  resumed: boolean;
}

import type { GanRunParams } from '../registry/run-params.js';
export type { GanRunParams };

export const GAN_DEFAULTS = { epochs: 50, batch: 256, lr: 1e-4, checkpointEvery: 1, precision: 'fp32' as Precision, device: 'cpu' } as const;

function positiveInteger(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new MlError('E_ML_ARGUMENT', `${name} must be a positive whole number, got ${String(v)}`);
  return x;
}

/** Steps in an epoch: a last batch of one image is dropped (BatchNorm cannot train on it). */
export function stepsPerEpoch(images: number, batch: number): number {
  const full = Math.floor(images / batch);
  const rest = images - full * batch;
  return full + (rest >= 2 ? 1 : 0);
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Plan {
  runId: string;
  params: GanRunParams;
  seed: number;
  data: TrainingData;
  resumeFrom: RunRecord | undefined;
  /** A child run's parent and the predictions it includes. */
  parent?: { run: RunRecord; included: string[] };
}

/** Checks options and data, and settles every hyper-parameter, before anything is written. */
async function plan(store: Store, registry: RunRegistry, options: TrainGanOptions): Promise<Plan> {
  const epochs = positiveInteger('--epochs', options.epochs, GAN_DEFAULTS.epochs);
  const device = resolveDevice(options.device ?? GAN_DEFAULTS.device);
  if (options.threads !== undefined) positiveInteger('--threads', options.threads, 1);
  if (options.resume !== undefined && (options.from !== undefined || options.includeAccepted)) {
    throw new MlError('E_ML_ARGUMENT', '--resume continues a run with its own data; --from and --include-accepted start a new child run');
  }
  if (options.resume !== undefined) {
    const run = await registry.get(options.resume);
    if (run.kind !== 'gan') throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run, not a GAN`);
    if (run.state === 'running') throw new MlError('E_ML_RUN', `run ${run.run_id} is still running (pid ${run.pid ?? '?'}); it cannot be resumed twice`);
    const p = run.params;
    const target = options.epochs ?? p.epochs;
    if (run.epochs_done >= target) throw new MlError('E_ML_RUN', `run ${run.run_id} has done ${run.epochs_done} of ${target} epochs; give --epochs above ${run.epochs_done} to train it further`);
    const data = await loadRunData(store, p, run.data_query, run.included_predictions, options.onProgress);
    if (data.hash !== run.data_hash) {
      throw new MlError('E_ML_DATA', `the data of run ${run.run_id} changed since it started (its query now selects other images or values); start a new run instead`);
    }
    return { runId: run.run_id, seed: run.seed, data, resumeFrom: run, params: { ...p, epochs: target, device } };
  }

  if (options.from !== undefined) return planChild(store, registry, options, device);
  if (options.includeAccepted) throw new MlError('E_ML_ARGUMENT', '--include-accepted needs --from RUN (the run whose accepted predictions to add)');

  const batch = positiveInteger('--batch', options.batch, GAN_DEFAULTS.batch);
  const checkpointEvery = positiveInteger('--checkpoint-every', options.checkpointEvery, GAN_DEFAULTS.checkpointEvery);
  const lr = options.lr ?? GAN_DEFAULTS.lr;
  if (!(lr > 0 && Number.isFinite(lr))) throw new MlError('E_ML_ARGUMENT', `--lr must be a positive number, got ${String(options.lr)}`);
  const precision = options.precision ?? GAN_DEFAULTS.precision;
  if (precision !== 'fp32' && precision !== 'bf16') throw new MlError('E_ML_ARGUMENT', `--precision must be fp32 or bf16, got ${String(precision)}`);
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
  return { runId: RunRegistry.newRunId('gan'), seed, data, resumeFrom: undefined, params };
}

/** Options a child run may not change: its data and architecture are its parent's. */
const CHILD_FIXED = ['query', 'table', 'imageColumn', 'conditionColumns', 'categorical', 'continuous', 'model', 'size', 'channels', 'maxImages', 'resume'] as const;

/** A child of `options.from`: the parent's recipe and data, plus its accepted predictions when asked. */
async function planChild(store: Store, registry: RunRegistry, options: TrainGanOptions, device: string): Promise<Plan> {
  const fixed = CHILD_FIXED.filter((k) => options[k] !== undefined);
  if (fixed.length > 0) throw new MlError('E_ML_ARGUMENT', `--from trains on the parent's data with its architecture; ${fixed.join(', ')} cannot be given with it`);
  const parent = await registry.get(options.from!);
  if (parent.kind !== 'gan') throw new MlError('E_ML_RUN', `run ${parent.run_id} is a ${parent.kind} run; --from continues GAN runs`);
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
  const lr = options.lr ?? p.lr;
  if (!(lr > 0 && Number.isFinite(lr))) throw new MlError('E_ML_ARGUMENT', `--lr must be a positive number, got ${String(options.lr)}`);
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
  return { runId: RunRegistry.newRunId('gan'), seed, data, resumeFrom: undefined, params, parent: { run: parent, included } };
}

export function architectureOf(params: GanRunParams): GanArchitecture {
  return { model: params.model, size: params.size as GanArchitecture['size'], channels: params.channels, noiseDim: params.noise_dim, conditions: params.conditions };
}

export async function trainGan(store: Store, options: TrainGanOptions = {}): Promise<TrainGanResult> {
  const started = performance.now();
  const registry = new RunRegistry(store);
  const p = await plan(store, registry, options);
  const { runId, params, seed, data } = p;
  const folder = registry.runFolder(runId).absolute;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  const device = params.device;
  const devType = device.startsWith('cuda') ? 'cuda' : 'cpu';

  // Weights from the seed; a resumed run overwrites them (and the RNG state) from its checkpoint.
  torch.manualSeed(seed);
  const gan = createGan(architectureOf(params)).to(device);
  const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: params.lr });
  const optD = new torch.optim.Adam(gan.discriminator.parameters(), { lr: params.lr });
  const n = data.images.count;
  const { channels, size } = params;
  const pixels = torch.keep(torch.tensor(data.images.pixels, { shape: [n, channels, size, size], dtype: 'uint8', device }));
  const conds = params.conditions.length === 0 ? undefined : torch.keep(torch.tidy(() => encodeConditions(params.conditions, data.conditionRows).to(device)));
  const release = (): void => {
    pixels.dispose();
    conds?.dispose();
    optG.dispose();
    optD.dispose();
    gan.dispose();
  };

  let position: TrainingPosition = { epoch: 0, stepInEpoch: 0, step: 0, epochDLoss: 0, epochGLoss: 0, epochSeconds: 0 };
  let checkpointFile: string | null = null;
  try {
    if (p.resumeFrom !== undefined) {
      const prev = p.resumeFrom;
      if (prev.FILE_checkpoint !== null) {
        position = loadCheckpoint(registry.absolute(prev.FILE_checkpoint), gan, { optG, optD, rng: true });
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
      // A child starts from its parent's newest weights and optimiser state, with its own batch order.
      if (p.parent !== undefined) {
        loadCheckpoint(registry.absolute(p.parent.run.FILE_checkpoint!), gan, { optG, optD });
        // Loading an optimiser's state restores its learning rate too (as in PyTorch): the child's may differ.
        optG.lr = params.lr;
        optD.lr = params.lr;
      }
      makeFolderSync(folder);
      sweepStaleSync(path.dirname(folder));
      await registry.create({
        run_id: runId,
        kind: 'gan',
        model: params.model,
        parent_run_id: p.parent?.run.run_id ?? null,
        included_predictions: p.parent === undefined || p.parent.included.length === 0 ? null : JSON.stringify(p.parent.included),
        status: 'running',
        params: JSON.stringify(params),
        data_query: data.query,
        data_rows: n,
        data_hash: data.hash,
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
  const autocast: torch.amp.AutocastOptions | undefined = params.precision === 'bf16' ? { device: devType, dtype: 'bfloat16' } : undefined;
  let lastBeat = Date.now();
  let stepSeconds = 0;
  let stepImages = 0;
  let lastSamples: string | null = null;
  let lastD: number | null = p.resumeFrom?.d_loss ?? null;
  let lastG: number | null = p.resumeFrom?.g_loss ?? null;
  const checkpointsDir = path.join(folder, 'checkpoints');

  /** The checkpoint the store pointed at before the newest one; trimmed once the store points at the newest. */
  let superseded: string | undefined;
  const writeCheckpoint = async (pos: TrainingPosition): Promise<string> => {
    const target = path.join(checkpointsDir, checkpointName(pos));
    saveCheckpoint(target, gan, optG, optD, pos);
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
    // Mid-epoch checkpoints only serve a resume; epoch ones keep their weights for evaluation.
    if (/-step-\d+$/.test(previous)) removeTreeSync(previous);
    else pruneOptimizerState(previous);
  };

  const finishAs = async (status: 'finished' | 'stopped'): Promise<TrainGanResult> => {
    const ips = stepSeconds > 0 ? stepImages / stepSeconds : null;
    await registry.update(runId, {
      status,
      finished_at: now(),
      heartbeat_at: now(),
      epochs_done: position.epoch,
      steps_done: position.step,
      FILE_checkpoint: checkpointFile,
      ...(ips === null ? {} : { images_per_second: ips }),
    });
    trimSuperseded();
    const run = await registry.get(runId);
    return {
      run_id: runId,
      status,
      model: params.model,
      epochs_done: position.epoch,
      steps_done: position.step,
      d_loss: lastD,
      g_loss: lastG,
      images_per_second: ips,
      seconds: (performance.now() - started) / 1000,
      data_rows: n,
      FILE_checkpoint: checkpointFile,
      FILE_samples: lastSamples,
      FILE_loss_plot: run.FILE_loss_plot,
      resumed: p.resumeFrom !== undefined,
    };
  };

  try {
    for (let epoch = position.epoch; epoch < params.epochs; epoch++) {
      const order = epochPermutation(n, seed, epoch);
      for (let s = position.stepInEpoch; s < steps; s++) {
        const t0 = performance.now();
        const index = order.subarray(s * params.batch, Math.min(n, (s + 1) * params.batch));
        const { dLoss, gLoss } = torch.tidy(() => {
          const i = torch.tensor(index, { device });
          const real = pixels.indexSelect(0, i).float().div_(127.5).sub_(1);
          return ganTrainStep(gan, optG, optD, real, conds?.indexSelect(0, i), autocast === undefined ? {} : { autocast });
        });
        const seconds = (performance.now() - t0) / 1000;
        stepSeconds += seconds;
        stepImages += index.length;
        position = {
          epoch,
          stepInEpoch: s + 1,
          step: position.step + 1,
          epochDLoss: position.epochDLoss + dLoss,
          epochGLoss: position.epochGLoss + gLoss,
          epochSeconds: position.epochSeconds + seconds,
        };
        lastD = dLoss;
        lastG = gLoss;
        if (!Number.isFinite(dLoss) || !Number.isFinite(gLoss)) {
          throw new MlError('E_ML_RUN', `the losses diverged at epoch ${epoch + 1}, step ${s + 1} (d_loss ${dLoss}, g_loss ${gLoss}); try a lower --lr or fp32`);
        }
        options.onProgress?.({
          task: `train ${runId}`,
          done: epoch * steps + s + 1,
          total: params.epochs * steps,
          unit: 'steps',
          detail: { epoch: epoch + 1, epochs: params.epochs, step: s + 1, steps, d_loss: dLoss, g_loss: gLoss, images_per_second: index.length / seconds },
        });
        if (Date.now() - lastBeat >= HEARTBEAT_INTERVAL_MS) {
          lastBeat = Date.now();
          await registry.heartbeat(runId);
        }
        await yieldToEventLoop();
        if (options.signal?.aborted && s + 1 < steps) {
          await writeCheckpoint(position);
          return await finishAs('stopped');
        }
      }

      // The epoch is complete: its row, its sample grid, perhaps a checkpoint, the loss plot.
      const done = epoch + 1;
      const dMean = position.epochDLoss / steps;
      const gMean = position.epochGLoss / steps;
      const epochSeconds = position.epochSeconds;
      position = { epoch: done, stepInEpoch: 0, step: position.step, epochDLoss: 0, epochGLoss: 0, epochSeconds: 0 };
      const samples = path.join(folder, 'samples', `epoch-${String(done).padStart(4, '0')}.png`);
      makeFolderSync(path.dirname(samples));
      writeFileAtomicSync(samples, renderSampleGrid(gan, seed, device));
      lastSamples = registry.relative(samples);
      const stopping = options.signal?.aborted === true;
      const keep = done % params.checkpoint_every === 0 || done === params.epochs || stopping;
      const ckpt = keep ? await writeCheckpoint(position) : null;
      await registry.recordEpoch(
        {
          run_id: runId,
          epoch: done,
          d_loss: dMean,
          g_loss: gMean,
          loss: null,
          steps,
          images_per_second: Math.min(n, steps * params.batch) / epochSeconds,
          seconds: epochSeconds,
          FILE_samples: lastSamples,
          FILE_checkpoint: ckpt,
        },
        { epochs_done: done, steps_done: position.step, d_loss: dMean, g_loss: gMean, ...(ckpt === null ? {} : { FILE_checkpoint: ckpt }) },
      );
      trimSuperseded();
      await writeLossPlots(registry, runId, folder);
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
