/**
 * What a model kind supplies to the training session (training-session.ts): a plan of the run
 * (options and data checked, every hyper-parameter settled, nothing written) and a trainer that
 * does the model's own work. The session owns everything else: the run row, heartbeats, stops,
 * checkpoints and their trimming, the epoch rows, the finish and the `failed` mark.
 *
 * A trainer is either epoch-wise (GAN, classifier: the session drives its steps and epochs,
 * writes and resumes its checkpoints) or one fit (an emulator: a classical fit has no steps to
 * stop between or resume from; it is handed the session and uses its heartbeat, checkpoint
 * write and finish). A new model kind is one file: its options, result, plan and trainer.
 */
import type { ErrorMessage } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Row } from '../../store/types.js';
import type * as torch from '../../torch/index.js';
import type { RunKind, RunRecord, RunRegistry } from '../registry/run-registry.js';
import type { TrainingSession } from './training-session.js';
import type { ImageRunResult } from './training-run-options.js';

/** Where an epoch-wise run stands; checkpoints record it (in their own format). */
export interface RunPosition {
  /** Epochs completed. */
  readonly epoch: number;
  /** Steps done within the next epoch (0 at an epoch boundary). */
  readonly stepInEpoch: number;
  /** Steps done in all. */
  readonly step: number;
  /** Running sums of the unfinished epoch's step losses, by name (`d_loss`, `loss`…). */
  readonly epochLosses: Readonly<Record<string, number>>;
  readonly epochSeconds: number;
}

/** The run a plan settles: the `ml_runs` row of a new run, or the one a resume reopens. */
export interface RunPlan {
  readonly kind: RunKind;
  readonly runId: string;
  readonly model: string;
  readonly seed: number;
  /** `ml_runs.params`. */
  readonly params: object;
  readonly device: string;
  readonly dataQuery: string;
  readonly dataRows: number;
  readonly dataHash: string;
  /** The run being resumed. */
  readonly resumeFrom?: RunRecord | undefined;
  /** A child run's parent and the predictions it includes. */
  readonly parent?: { readonly run: RunRecord; readonly included: readonly string[] } | undefined;
  /** Predictions a run without a parent trains on besides its query (`includeAcceptedFrom`). */
  readonly included?: readonly string[] | undefined;
}

/** The options the session itself reads. */
export interface SessionOptions {
  readonly onProgress?: ProgressCallback | undefined;
  readonly signal?: AbortSignal | undefined;
  /** The sweep (`ml_sweeps`) a new run belongs to, recorded in its row at creation. */
  readonly sweepId?: string | undefined;
  /** The run's point in that sweep (an index into its points). */
  readonly sweepPoint?: number | undefined;
  /**
   * A data-parallel run's (WORLD_SIZE above 1) bound on joining and on each collective, in
   * milliseconds (default 5 minutes): a worker that died or hung fails the run within it.
   */
  readonly distTimeoutMs?: number | undefined;
  /**
   * A data-parallel run's batch norm: statistics over every worker's samples (true, the default:
   * W workers at batch b then train as one process at batch b·W), or over each worker's own share
   * (false: PyTorch's DDP without SyncBatchNorm). One process ignores it.
   */
  readonly syncBatchNorm?: boolean | undefined;
}

/** What one step did. */
export interface StepOutcome {
  /** Images (rows) the step trained on. */
  readonly images: number;
  /** The step's losses by name; summed into the epoch's means. */
  readonly losses: Readonly<Record<string, number>>;
  /** More progress detail (a batch accuracy…). */
  readonly detail?: Readonly<Record<string, number>>;
}

/** What the session knows when a run ends: the result's common part, and the losses for the rest. */
/** What an epoch adds: columns of its `ml_epochs` row and of the run's `ml_runs` row. */
export interface EpochColumns {
  readonly epoch: Row;
  readonly run: Row;
}

export interface FinishSummary {
  readonly common: ImageRunResult;
  readonly position: RunPosition;
  /** The last step's losses of this call (undefined without steps). */
  readonly lastStep: Readonly<Record<string, number>> | undefined;
  /** The last complete epoch's mean losses of this call. */
  readonly lastEpoch: Readonly<Record<string, number>> | undefined;
}

/** An `ml_evaluations` row a run records about itself (no generated images; `std` only where measured). */
export function evaluationRow(
  runId: string,
  at: string,
  row: { readonly metric: string; readonly value: number; readonly n_real: number; readonly source: string; readonly condition: string | null; readonly epoch: number | null; readonly feature_run_id: string | null; readonly std?: number | null },
): Row {
  return { run_id: runId, std: null, n_generated: null, created_at: at, ...row };
}

/** Evaluation rows a finished run records, replacing those `replace` matches. */
export interface FinishEvaluations {
  readonly rows: Row[];
  readonly replace?: Row;
}

/** A model trained in steps and epochs by the session. */
export interface EpochTrainer<R> {
  readonly epochs: number;
  readonly checkpointEvery: number;
  readonly stepsPerEpoch: number;
  /** Images an epoch trains on (its throughput's numerator). */
  readonly epochImages: number;
  /**
   * The optimisers of its steps, for a data-parallel run (distributed-run.ts): their parameters
   * start as rank 0's, and each `step()` first averages their gradients over the workers.
   * A trainer without them trains in one process only.
   */
  readonly optimizers?: readonly torch.optim.Optimizer[];
  /**
   * The networks its steps train, for a data-parallel run: their BatchNorm layers become
   * SyncBatchNorm (statistics over every worker's samples) unless the run's `syncBatchNorm` is
   * false, and their nn.Dropout layers RankDropout (masks drawn for the global batch). The
   * conversion keeps their tensors and names, so optimisers and checkpoints are unaffected.
   */
  readonly modules?: readonly torch.nn.Module[];
  /** Step `stepInEpoch` (0-based) of epoch `epoch` (0-based); `step` counts all steps before it. */
  step(epoch: number, stepInEpoch: number, step: number): StepOutcome;
  /** The message of a step whose losses are not finite. */
  divergence(epoch: number, stepInEpoch: number, losses: Readonly<Record<string, number>>): ErrorMessage;
  /** After epoch `done` (1-based) with these mean losses: its artefacts, its row's columns and the run's. */
  endEpoch(done: number, means: Readonly<Record<string, number>>): EpochColumns | Promise<EpochColumns>;
  save(folder: string, position: RunPosition): void;
  /** Loads a checkpoint of this run to continue it (weights, optimiser state, RNG state). */
  load(folder: string): RunPosition;
  /** Thins an epoch checkpoint a newer one superseded (it keeps what evaluation needs). */
  prune(folder: string): void;
  /** The evaluations a run records as it ends. */
  evaluate(status: 'finished' | 'stopped', position: RunPosition): FinishEvaluations;
  result(summary: FinishSummary): R;
  dispose(): void;
}

/** A model fitted in one go; the session gives it the run's lifecycle. */
export interface FitTrainer<R> {
  /**
   * Whether the fit trains data-parallel in a world of several workers (through
   * `session.world` and data-parallel-fit.ts); without it such a world is refused.
   */
  readonly dataParallel?: boolean;
  /** Why it fits in one process only, for the refusal (default: its model fits in one go). */
  readonly oneProcessOnly?: string;
  fit(session: TrainingSession): Promise<R>;
  dispose(): void;
}

/** A model kind: how its runs are planned and trained. */
export interface TrainerDefinition<O extends SessionOptions, P extends RunPlan, R> {
  readonly kind: RunKind;
  /** Checks options and data and settles every hyper-parameter; writes nothing. */
  plan(store: Store, registry: RunRegistry, options: O): Promise<P>;
  /** The trainer of a planned run (its models built, a parent's weights loaded). */
  create(plan: P, registry: RunRegistry, options: O): EpochTrainer<R> | FitTrainer<R>;
}
