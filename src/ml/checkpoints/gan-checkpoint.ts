/**
 * A training checkpoint: one folder holding both networks, both optimisers and the state needed
 * to continue exactly (libtorch's RNG state, the position in the epoch, the epoch's running loss
 * sums). Written with `replaceFolderSync` (src/atomic-write.ts): a killed process leaves the
 * previous checkpoint or the new one, never half of one.
 *
 *   epoch-0003/generator.safetensors              Module state dict (loads in PyTorch as is)
 *   epoch-0003/discriminator.safetensors
 *   epoch-0003/generator-optimizer.safetensors    Adam state, PyTorch's layout
 *   epoch-0003/discriminator-optimizer.safetensors
 *   epoch-0003/generator-average.safetensors      the moving average of the generator's weights
 *                                                 (runs that keep one: state `averaged` true)
 *   epoch-0003/state.safetensors                  `rng` tensor + `state` JSON metadata
 *
 * A checkpoint with a moving average samples with it: loaded for prediction or evaluation (no
 * optimisers asked for), the average goes into `gan.generator`; loaded to continue training, the
 * trained weights go there and the average into the module given as `averaged`.
 */
import type * as torch from '../../torch/index.js';
import { architectureKey, type Gan, type GanArchitecture } from '../models/gan.js';
import type { ConditionSpec } from '../models/conditions.js';
import { loadCheckpointFiles, readTrainingState, removeCheckpointFiles, saveTrainingCheckpoint, type CheckpointPosition } from './training-state.js';

export { checkpointName } from './training-state.js';

export const CHECKPOINT_FORMAT = 1;

/** Where training stood when the checkpoint was written, with the unfinished epoch's loss sums (so its row comes out as it would have without a stop). */
export interface TrainingPosition extends CheckpointPosition {
  epochDLoss: number;
  epochGLoss: number;
}

export interface CheckpointState extends TrainingPosition {
  format: number;
  architecture: GanArchitecture;
  /** Whether the folder holds a moving average of the generator (absent in older checkpoints: false). */
  averaged?: boolean;
}

const FILES = {
  generator: 'generator.safetensors',
  discriminator: 'discriminator.safetensors',
  optG: 'generator-optimizer.safetensors',
  optD: 'discriminator-optimizer.safetensors',
  averaged: 'generator-average.safetensors',
} as const;

/** The architecture a GAN run's params (`ml_runs.params`) describe. */
export function architectureOf(params: {
  readonly model: GanArchitecture['model'];
  readonly size: number;
  readonly channels: 1 | 3;
  readonly noise_dim: number;
  readonly conditions: ConditionSpec[];
  readonly width?: number | null;
}): GanArchitecture {
  const a: GanArchitecture = { model: params.model, size: params.size as GanArchitecture['size'], channels: params.channels, noiseDim: params.noise_dim, conditions: params.conditions };
  return params.model === 'sngan' && params.width !== null && params.width !== undefined ? { ...a, width: params.width } : a;
}

/** `averaged`: the moving average of the generator's weights, when the run keeps one. */
export function saveCheckpoint(folder: string, gan: Gan, optG: torch.optim.Optimizer, optD: torch.optim.Optimizer, position: TrainingPosition, averaged?: torch.nn.Module): void {
  const state: CheckpointState = { format: CHECKPOINT_FORMAT, architecture: gan.architecture, ...position, ...(averaged === undefined ? {} : { averaged: true }) };
  const files: Record<string, (file: string) => void> = {
    [FILES.generator]: (f) => gan.generator.save(f),
    [FILES.discriminator]: (f) => gan.discriminator.save(f),
    [FILES.optG]: (f) => optG.save(f),
    [FILES.optD]: (f) => optD.save(f),
    ...(averaged === undefined ? {} : { [FILES.averaged]: (f: string) => averaged.save(f) }),
  };
  saveTrainingCheckpoint(folder, files, state, architectureKey(gan.architecture));
}

/** The state a checkpoint records (without loading any weights); refuses a folder that is not one. */
export function readCheckpointState(folder: string): CheckpointState {
  return readTrainingState<CheckpointState>(folder, CHECKPOINT_FORMAT, 'usable training state');
}

export interface LoadCheckpointOptions {
  /** Also restore the optimisers (to continue training). */
  optG?: torch.optim.Optimizer;
  optD?: torch.optim.Optimizer;
  /** Also restore libtorch's RNG state. */
  rng?: boolean;
  /** With the optimisers: where the checkpoint's moving average of the generator goes (a checkpoint without one leaves it as it is). */
  averaged?: torch.nn.Module;
}

/**
 * Loads the networks (and, when asked, the optimisers and the RNG state) into `gan`; a
 * checkpoint of another architecture is refused before anything is loaded.
 */
export function loadCheckpoint(folder: string, gan: Gan, options: LoadCheckpointOptions = {}): CheckpointState {
  const state = readCheckpointState(folder);
  loadCheckpointFiles(folder, architectureKey(gan.architecture), architectureKey(state.architecture), (need) => {
    const training = options.optG !== undefined || options.optD !== undefined;
    // To sample, the average is the generator; to train on, it is kept beside the trained one.
    gan.generator.load(need(state.averaged === true && !training ? FILES.averaged : FILES.generator));
    if (state.averaged === true && training && options.averaged !== undefined) options.averaged.load(need(FILES.averaged));
    gan.discriminator.load(need(FILES.discriminator));
    if (options.optG) options.optG.load(need(FILES.optG));
    if (options.optD) options.optD.load(need(FILES.optD));
  }, options.rng);
  return state;
}

/** Drops the optimiser files of an older checkpoint: its weights stay for evaluation, the resume state only in the newest. */
export function pruneOptimizerState(folder: string): void {
  removeCheckpointFiles(folder, [FILES.optG, FILES.optD]);
}
