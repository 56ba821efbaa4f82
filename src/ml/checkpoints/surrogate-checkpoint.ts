/**
 * A surrogate checkpoint: one folder holding every member of the ensemble, their optimiser and
 * the state needed to continue exactly (libtorch's RNG state, the position in the epoch, the
 * epoch's running loss). Written with `replaceFolderSync` (src/atomic-write.ts): a killed process
 * leaves the previous checkpoint or the new one, never half of one. Prediction and explanation
 * load it from here, without any training code.
 *
 *   epoch-0040/model.safetensors        all members' state dicts (`members.<m>.…`)
 *   epoch-0040/optimizer.safetensors    Adam state over all members, PyTorch's layout
 *   epoch-0040/state.safetensors        `rng` tensor + `state` and `architecture` metadata
 */
import type * as torch from '../../torch/index.js';
import { surrogateArchitectureKey, type SurrogateArchitecture, type SurrogateEnsemble } from '../models/surrogate.js';
import type { ConditionSpec } from '../models/conditions.js';
import { loadCheckpointFiles, readTrainingState, removeCheckpointFiles, saveTrainingCheckpoint, type CheckpointPosition } from './training-state.js';

/** Where training stood when a surrogate checkpoint was written, with the unfinished epoch's loss sum. */
export interface SurrogatePosition extends CheckpointPosition {
  epochLoss: number;
}

export interface SurrogateCheckpointState extends SurrogatePosition {
  format: number;
  architecture: SurrogateArchitecture;
}

export const SURROGATE_CHECKPOINT_FORMAT = 1;

const FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors' } as const;

/** The architecture a surrogate run's params (`ml_runs.params`) describe. */
export function surrogateArchitectureOf(params: { readonly size: number; readonly channels: 1 | 3; readonly conditions: ConditionSpec[]; readonly width: number; readonly members: number }): SurrogateArchitecture {
  return { model: 'surrogate', size: params.size as SurrogateArchitecture['size'], channels: params.channels, conditions: params.conditions, width: params.width, members: params.members };
}

/** Writes the ensemble, its optimiser and the state (training-state.ts) into `folder`, whole. */
export function saveSurrogateCheckpoint(folder: string, model: SurrogateEnsemble, optimizer: torch.optim.Optimizer, position: SurrogatePosition): void {
  const state: SurrogateCheckpointState = { format: SURROGATE_CHECKPOINT_FORMAT, architecture: model.architecture, ...position };
  saveTrainingCheckpoint(folder, { [FILES.model]: (f) => model.save(f), [FILES.optimizer]: (f) => optimizer.save(f) }, state, surrogateArchitectureKey(model.architecture));
}

/** The state a surrogate checkpoint records, without loading weights; refuses a folder that is not one. */
export function readSurrogateCheckpointState(folder: string): SurrogateCheckpointState {
  return readTrainingState<SurrogateCheckpointState>(folder, SURROGATE_CHECKPOINT_FORMAT, 'surrogate training state', (state) => {
    if (state.architecture?.model !== 'surrogate') throw new Error(`it holds a ${JSON.stringify(state.architecture?.model ?? 'GAN')} model, not a surrogate`);
  });
}

/**
 * Loads the members' weights (and, when asked, the optimiser and the RNG state) into `model`; a
 * checkpoint of another architecture is refused before anything is loaded.
 */
export function loadSurrogateCheckpoint(folder: string, model: SurrogateEnsemble, options: { optimizer?: torch.optim.Optimizer; rng?: boolean } = {}): SurrogateCheckpointState {
  const state = readSurrogateCheckpointState(folder);
  loadCheckpointFiles(folder, surrogateArchitectureKey(model.architecture), surrogateArchitectureKey(state.architecture), (need) => {
    model.load(need(FILES.model));
    if (options.optimizer) options.optimizer.load(need(FILES.optimizer));
  }, options.rng);
  return state;
}

/** Drops the optimiser file of an older checkpoint: its weights stay, the resume state only in the newest. */
export function pruneSurrogateOptimizerState(folder: string): void {
  removeCheckpointFiles(folder, [FILES.optimizer]);
}
