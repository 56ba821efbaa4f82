/**
 * The training session: the one run lifecycle every model kind shares (DESIGN §4). It plans the
 * run through the kind's definition (trainers/), then writes or reopens the run's `ml_runs` row,
 * beats its heartbeat every HEARTBEAT_INTERVAL_MS, drives an epoch-wise trainer's steps and
 * epochs (progress, epoch rows, checkpoints, loss plots), stops at an abort with a checkpoint
 * and status `stopped`, finishes with the trainer's evaluations, and marks the run `failed` with
 * the error's message when training throws.
 *
 * Each step's losses go to `ml_steps` in batches: with each heartbeat and with the epoch's row, so a
 * live view sees them within a heartbeat and a killed run loses at most the steps since the last.
 *
 * Guarantees: nothing is written before the plan and the trainer exist; a resumed run continues
 * from its checkpoint with the epoch and step rows after it removed; a superseded checkpoint is trimmed
 * only after the run row names the new one, so a killed process always resumes from a whole one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, removeTreeSync, sweepStaleSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { lossPlotSvg } from '../plots/loss-plot.js';
import { writePlot } from '../plots/write-plot.js';
import { runEnvironment } from '../registry/environment.js';
import { HEARTBEAT_INTERVAL_MS, now, RunRegistry } from '../registry/run-registry.js';
import { SweepRegistry } from '../sweep/sweep-registry.js';
import { checkpointName } from '../checkpoints/training-state.js';
import { agreeOnRun, averageGradients, broadcastParameters, describeFailure, joinRunWorld, leaveRunWorld, SINGLE_PROCESS, type RunWorld } from './distributed-run.js';
import { convertRankDropout } from './rank-dropout.js';
import { agreedStop, checkResumeWorld, paramsInWorld } from './run-world-record.js';
import type { EpochTrainer, FinishEvaluations, RunPlan, RunPosition, SessionOptions, TrainerDefinition } from './trainer.js';

/** Lets the event loop run (a signal handler, a progress bar) between steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Plans and trains one run of `definition`'s kind; returns its result, or throws after marking it `failed`.
 * With torchrun's WORLD_SIZE above 1 in the environment, this process is one worker of a
 * data-parallel run (distributed-run.ts): only rank 0 writes to the store and the run's folder.
 */
export async function runTraining<O extends SessionOptions, P extends RunPlan, R>(store: Store, definition: TrainerDefinition<O, P, R>, options: O): Promise<R> {
  const started = performance.now();
  const registry = new RunRegistry(store);
  let plan = await definition.plan(store, registry, options);
  const { world, joined } = joinRunWorld(plan.device, options.distTimeoutMs);
  try {
    if (world.worldSize > 1) plan = { ...plan, ...agreeOnRun(plan.runId, plan.seed) };
    return await train(registry, definition, plan, options, started, world);
  } catch (e) {
    if (world.worldSize > 1 && e instanceof Error && (e as { code?: string }).code === 'E_DISTRIBUTED') throw new MlError('E_ML_RUN', describeFailure(e, world), { cause: e });
    throw e;
  } finally {
    if (joined) leaveRunWorld();
  }
}

async function train<O extends SessionOptions, P extends RunPlan, R>(registry: RunRegistry, definition: TrainerDefinition<O, P, R>, plan: P, options: O, started: number, world: RunWorld): Promise<R> {
  const trainer = definition.create(plan, registry, options);
  try {
    const session = new TrainingSession(registry, plan, options, started, world);
    if ('fit' in trainer) {
      if (world.worldSize > 1 && trainer.dataParallel !== true) {
        const why = trainer.oneProcessOnly ?? `a ${plan.model} ${plan.kind} run is fitted in one process`;
        throw new MlError('E_ML_ARGUMENT', `${why}; it cannot run on ${world.worldSize} workers`);
      }
      await session.open();
      return await session.guard(() => trainer.fit(session));
    }
    // A resume loads its run's checkpoint; without one (stopped before the first) the seed's state stands.
    const resumed = plan.resumeFrom?.FILE_checkpoint ?? null;
    const position = resumed === null ? undefined : trainer.load(registry.absolute(resumed));
    if (position !== undefined && plan.resumeFrom !== undefined) checkResumeWorld(plan.resumeFrom, position, world);
    await session.open(position);
    return await session.guard(async () => {
      if (world.worldSize === 1) return trainEpochs(session, trainer, position);
      const optimizers = trainer.optimizers ?? [];
      if (optimizers.length === 0) throw new MlError('E_ML_ARGUMENT', `a ${plan.kind} run does not train data-parallel (its trainer names no optimisers)`);
      for (const m of trainer.modules ?? []) {
        if (options.syncBatchNorm !== false) torch.nn.SyncBatchNorm.convertSyncBatchnorm(m);
        convertRankDropout(m, world);
      }
      broadcastParameters(optimizers);
      const undo = averageGradients(optimizers);
      try {
        return await trainEpochs(session, trainer, position);
      } finally {
        undo();
      }
    });
  } finally {
    trainer.dispose();
  }
}

/** One run's row, heartbeat, checkpoints and end. */
export class TrainingSession {
  readonly registry: RunRegistry;
  readonly plan: RunPlan;
  readonly options: SessionOptions;
  readonly runId: string;
  /** The run's folder (absolute). */
  readonly folder: string;
  readonly started: number;
  /** The columns a `failed` mark records with the error (epochs and steps done so far). */
  progress: Row = { epochs_done: 0 };
  #lastBeat = Date.now();
  #checkpoint: string | null;
  /** The checkpoint the store pointed at before the newest one; trimmed once the store points at the newest. */
  #superseded: string | undefined;
  /** This process's place in the run's world; only rank 0 writes (the run's rows, its folder). */
  readonly world: RunWorld;

  constructor(registry: RunRegistry, plan: RunPlan, options: SessionOptions, started: number, world: RunWorld = SINGLE_PROCESS) {
    this.registry = registry;
    this.plan = plan;
    this.options = options;
    this.runId = plan.runId;
    this.folder = registry.runFolder(plan.runId).absolute;
    this.started = started;
    this.#checkpoint = plan.resumeFrom?.FILE_checkpoint ?? null;
    this.world = world;
  }

  /** Whether this process writes the run (rank 0, or the only process). */
  get writes(): boolean {
    return this.world.rank === 0;
  }

  /** The newest checkpoint (relative to the store), or null. */
  get checkpoint(): string | null {
    return this.#checkpoint;
  }

  /** Writes the run row (a new run) or reopens it at `position` (a resume: later epoch rows removed). */
  async open(position?: RunPosition): Promise<void> {
    if (!this.writes) return;
    const { plan, registry } = this;
    const env = JSON.stringify(runEnvironment(plan.device));
    if (plan.resumeFrom !== undefined) {
      const done = position?.epoch ?? 0;
      this.progress = { epochs_done: done, steps_done: position?.step ?? 0 };
      await registry.reopen(
        plan.runId,
        { status: 'running', error: null, finished_at: null, heartbeat_at: now(), pid: process.pid, params: JSON.stringify(paramsInWorld(plan.params, this.world)), ...this.progress, env },
        done,
        position?.step ?? 0,
      );
      return;
    }
    const sweepId = this.options.sweepId;
    const sweepPoint = this.options.sweepPoint;
    if (sweepId !== undefined) {
      const sweep = await new SweepRegistry(registry.store).get(sweepId);
      if (sweepPoint !== undefined && !(Number.isInteger(sweepPoint) && sweepPoint >= 0 && sweepPoint < sweep.points.length)) {
        throw new MlError('E_ML_ARGUMENT', (o) => `${o('sweepPoint')} must be a point of sweep ${sweepId} (0 to ${sweep.points.length - 1}), got ${String(sweepPoint)}`);
      }
    } else if (sweepPoint !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('sweepPoint')} goes with ${o('sweepId')}`);
    makeFolderSync(this.folder);
    sweepStaleSync(path.dirname(this.folder));
    const included = plan.parent?.included ?? plan.included ?? [];
    await registry.create({
      run_id: plan.runId,
      kind: plan.kind,
      model: plan.model,
      parent_run_id: plan.parent?.run.run_id ?? null,
      included_predictions: included.length === 0 ? null : JSON.stringify(included),
      status: 'running',
      params: JSON.stringify(paramsInWorld(plan.params, this.world)),
      data_query: plan.dataQuery,
      data_rows: plan.dataRows,
      data_hash: plan.dataHash,
      env,
      seed: plan.seed,
      epochs_done: 0,
      steps_done: 0,
      ...(sweepId === undefined ? {} : { sweep_id: sweepId, sweep_point: sweepPoint ?? null }),
    });
  }

  /** Runs `work`; when it throws, the run is marked `failed` with the message (and `progress`) first. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (!this.writes) throw e;
      const distributed = this.world.worldSize > 1 && e instanceof Error && (e as { code?: string }).code === 'E_DISTRIBUTED';
      const message = distributed ? describeFailure(e, this.world) : e instanceof Error ? e.message : String(e);
      await this.registry.update(this.runId, { status: 'failed', error: message, finished_at: now(), ...this.progress }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Beats the heartbeat when one is due; `due` adds the epoch rows, step rows and run columns to
   * write with it (called only then).
   */
  async heartbeat(due?: () => { epochs?: Row[]; steps?: Row[]; columns?: Row }): Promise<void> {
    if (!this.writes || Date.now() - this.#lastBeat < HEARTBEAT_INTERVAL_MS) return;
    this.#lastBeat = Date.now();
    const { epochs = [], steps = [], columns = {} } = due?.() ?? {};
    await this.registry.transaction(async (tx) => {
      if (epochs.length > 0) await tx.insert('ml_epochs', epochs);
      if (steps.length > 0) await tx.insert('ml_steps', steps);
      await tx.update('ml_runs', { heartbeat_at: now(), ...columns }, { run_id: this.runId });
    });
  }

  /** Writes a checkpoint folder `name` (relative to the run folder) with `save`; returns its store path. */
  writeCheckpoint(name: string, save: (folder: string) => void): string {
    const target = path.join(this.folder, name);
    if (this.writes) save(target);
    const previous = this.#checkpoint === null ? undefined : this.registry.absolute(this.#checkpoint);
    if (previous !== target) this.#superseded = previous;
    this.#checkpoint = this.registry.relative(target);
    return this.#checkpoint;
  }

  /**
   * Trims the superseded checkpoint: a mid-epoch one only served a resume and goes; an epoch one
   * is thinned by `prune`. Only after the run row names the newest: a process killed before then
   * resumes from the previous one, which must still be whole.
   */
  trimSuperseded(prune: (folder: string) => void): void {
    const previous = this.#superseded;
    this.#superseded = undefined;
    if (!this.writes || previous === undefined || !fs.existsSync(previous)) return;
    if (/-step-\d+$/.test(previous)) removeTreeSync(previous);
    else prune(previous);
  }

  /** Ends the run as `status`: its pending epoch and step rows, its evaluations and its row's final columns, together. */
  async finish(status: 'finished' | 'stopped', columns: Row, evaluations: FinishEvaluations = { rows: [] }, epochs: Row[] = [], steps: Row[] = []): Promise<void> {
    if (!this.writes) return;
    await this.registry.transaction(async (tx) => {
      if (epochs.length > 0) await tx.insert('ml_epochs', epochs);
      if (steps.length > 0) await tx.insert('ml_steps', steps);
      if (evaluations.rows.length > 0) {
        if (evaluations.replace !== undefined) await tx.remove('ml_evaluations', evaluations.replace);
        await tx.insert('ml_evaluations', evaluations.rows);
      }
      await tx.update('ml_runs', { status, finished_at: now(), heartbeat_at: now(), ...columns }, { run_id: this.runId });
    });
  }
}

const sumLosses = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, (a[k] ?? 0) + v]));

/** The epoch loop of an epoch-wise trainer, from `start` (a resumed checkpoint's position) to the trainer's target or a stop. */
async function trainEpochs<R>(session: TrainingSession, trainer: EpochTrainer<R>, start: RunPosition | undefined): Promise<R> {
  const { registry, runId, options, folder } = session;
  const { epochs, stepsPerEpoch: steps } = trainer;
  // Throughput counts every worker's images (each trains on its share of the batch).
  const workers = session.world.worldSize;
  let position: RunPosition = start ?? { epoch: 0, stepInEpoch: 0, step: 0, epochLosses: {}, epochSeconds: 0 };
  let stepSeconds = 0;
  let stepImages = 0;
  let lastStep: Record<string, number> | undefined;
  let lastEpoch: Record<string, number> | undefined;
  let plot: string | null = session.plan.resumeFrom?.FILE_loss_plot ?? null;
  // Step rows not yet written: flushed with the next heartbeat, the epoch's row or the run's end.
  let pendingSteps: Row[] = [];
  const takeSteps = (): Row[] => {
    const taken = pendingSteps;
    pendingSteps = [];
    return taken;
  };
  const setPosition = (p: RunPosition): void => {
    position = p;
    session.progress = { epochs_done: p.epoch, steps_done: p.step };
  };
  const save = (p: RunPosition): string => session.writeCheckpoint(path.join('checkpoints', checkpointName(p)), (target) => trainer.save(target, p));
  const finishAs = async (status: 'finished' | 'stopped'): Promise<R> => {
    const ips = stepSeconds > 0 ? stepImages / stepSeconds : null;
    const evaluations = session.writes ? trainer.evaluate(status, position) : { rows: [] };
    await session.finish(status, { epochs_done: position.epoch, steps_done: position.step, FILE_checkpoint: session.checkpoint, ...(ips === null ? {} : { images_per_second: ips }) }, evaluations, [], takeSteps());
    session.trimSuperseded((f) => trainer.prune(f));
    return trainer.result({
      common: {
        run_id: runId,
        status,
        epochs_done: position.epoch,
        steps_done: position.step,
        images_per_second: ips,
        seconds: (performance.now() - session.started) / 1000,
        FILE_checkpoint: session.checkpoint,
        FILE_loss_plot: plot,
        resumed: session.plan.resumeFrom !== undefined,
      },
      position,
      lastStep,
      lastEpoch,
    });
  };

  for (let epoch = position.epoch; epoch < epochs; epoch++) {
    for (let s = position.stepInEpoch; s < steps; s++) {
      const t0 = performance.now();
      const out = trainer.step(epoch, s, position.step);
      const seconds = (performance.now() - t0) / 1000;
      stepSeconds += seconds;
      stepImages += out.images * workers;
      setPosition({ epoch, stepInEpoch: s + 1, step: position.step + 1, epochLosses: sumLosses(position.epochLosses, out.losses), epochSeconds: position.epochSeconds + seconds });
      lastStep = { ...out.losses };
      if (!Object.values(out.losses).every(Number.isFinite)) throw new MlError('E_ML_RUN', trainer.divergence(epoch, s, out.losses));
      pendingSteps.push({ run_id: runId, step: position.step, epoch: epoch + 1, d_loss: out.losses['d_loss'] ?? null, g_loss: out.losses['g_loss'] ?? null, loss: out.losses['loss'] ?? null, created_at: now() });
      options.onProgress?.({
        task: `train ${runId}`,
        done: epoch * steps + s + 1,
        total: epochs * steps,
        unit: 'steps',
        detail: { epoch: epoch + 1, epochs, step: s + 1, steps, ...out.losses, ...out.detail, images_per_second: (out.images * workers) / seconds },
      });
      await session.heartbeat(() => ({ steps: takeSteps() }));
      await yieldToEventLoop();
      // Every worker asks the others, so all stop after the same step (run-world-record.ts).
      if (s + 1 < steps && agreedStop(options.signal, session.world)) {
        save(position);
        return await finishAs('stopped');
      }
    }

    // The epoch is complete: its artefacts, perhaps a checkpoint, its row, the loss plot.
    const done = epoch + 1;
    const means = Object.fromEntries(Object.entries(position.epochLosses).map(([k, v]) => [k, v / steps]));
    const epochSeconds = position.epochSeconds;
    setPosition({ epoch: done, stepInEpoch: 0, step: position.step, epochLosses: {}, epochSeconds: 0 });
    lastEpoch = means;
    // Another rank's epoch artefacts and rows are rank 0's to write.
    const columns = session.writes ? await trainer.endEpoch(done, means) : { epoch: {}, run: {} };
    const stopping = agreedStop(options.signal, session.world);
    const keep = done % trainer.checkpointEvery === 0 || done === epochs || stopping;
    const ckpt = keep ? save(position) : null;
    if (session.writes) await registry.recordEpoch(
      {
        run_id: runId,
        epoch: done,
        d_loss: null,
        g_loss: null,
        loss: null,
        FILE_samples: null,
        ...columns.epoch,
        steps,
        images_per_second: (trainer.epochImages * workers) / epochSeconds,
        seconds: epochSeconds,
        FILE_checkpoint: ckpt,
      },
      { epochs_done: done, steps_done: position.step, ...columns.run, ...(ckpt === null ? {} : { FILE_checkpoint: ckpt }) },
      takeSteps(),
    );
    session.trimSuperseded((f) => trainer.prune(f));
    if (session.writes) plot = await writeLossPlots(registry, runId, folder);
    if (stopping && done < epochs) return await finishAs('stopped');
  }
  // Resumed at its target (killed after its last epoch's row): its loss plot may predate that row.
  if (session.writes && start !== undefined && start.epoch >= epochs) plot = await writeLossPlots(registry, runId, folder);
  return await finishAs('finished');
}

/** Redraws the run's loss curves as `loss.svg` and `loss.png` in its folder; returns the PNG's store path. */
async function writeLossPlots(registry: RunRegistry, runId: string, folder: string): Promise<string> {
  const svg = await lossPlotSvg(await registry.epochs(runId), `Losses of ${runId}`);
  const png = path.join(folder, 'loss.png');
  await writePlot(svg, path.join(folder, 'loss.svg'));
  await writePlot(svg, png);
  const relative = registry.relative(png);
  await registry.update(runId, { FILE_loss_plot: relative });
  return relative;
}
