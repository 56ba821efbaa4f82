/**
 * A classifier checkpoint: one folder holding the network, its optimiser and the state needed to
 * continue exactly (libtorch's RNG state, the position in the epoch, the epoch's running loss).
 * Written with `replaceFolderSync` (src/atomic-write.ts): a killed process leaves the previous
 * checkpoint or the new one, never half of one. Prediction, evaluation and explanation load it
 * from here, without any training code.
 *
 *   epoch-0003/model.safetensors        state dict, PyTorch's keys
 *   epoch-0003/optimizer.safetensors    Adam state, PyTorch's layout
 *   epoch-0003/state.safetensors        `rng` tensor + `state` and `architecture` metadata
 */
import type * as torch from '../../torch/index.js';
import { classifierArchitectureKey, type ClassifierArchitecture, type ImageClassifier } from '../models/classifier.js';
import { loadCheckpointFiles, readTrainingState, removeCheckpointFiles, saveTrainingCheckpoint, type CheckpointPosition } from './training-state.js';

/** Where training stood when a classifier checkpoint was written, with the unfinished epoch's loss sum. */
export interface ClassifierPosition extends CheckpointPosition {
  epochLoss: number;
}

export interface ClassifierCheckpointState extends ClassifierPosition {
  format: number;
  architecture: ClassifierArchitecture;
}

export const CLASSIFIER_CHECKPOINT_FORMAT = 1;

const FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors' } as const;

/** The architecture a classifier run's params (`ml_runs.params`) describe. */
export function classifierArchitectureOf(params: { readonly size: ClassifierArchitecture['size']; readonly channels: 1 | 3; readonly levels: readonly unknown[]; readonly feature_dim: number }): ClassifierArchitecture {
  return { model: 'cnn', size: params.size, channels: params.channels, classes: params.levels.length, featureDim: params.feature_dim };
}

/** Writes the network, its optimiser and the state (src/ml/checkpoints/training-state.ts) into `folder`, whole. */
export function saveClassifierCheckpoint(folder: string, model: ImageClassifier, optimizer: torch.optim.Optimizer, position: ClassifierPosition): void {
  const state: ClassifierCheckpointState = { format: CLASSIFIER_CHECKPOINT_FORMAT, architecture: model.architecture, ...position };
  saveTrainingCheckpoint(folder, { [FILES.model]: (f) => model.save(f), [FILES.optimizer]: (f) => optimizer.save(f) }, state, classifierArchitectureKey(model.architecture));
}

/** The state a classifier checkpoint records, without loading weights; refuses a folder that is not one. */
export function readClassifierCheckpointState(folder: string): ClassifierCheckpointState {
  return readTrainingState<ClassifierCheckpointState>(folder, CLASSIFIER_CHECKPOINT_FORMAT, 'classifier training state', (state) => {
    if (state.architecture?.model !== 'cnn') throw new Error(`it holds a ${JSON.stringify(state.architecture?.model ?? 'GAN')} model, not a classifier`);
  });
}

/**
 * Loads the weights (and, when asked, the optimiser and the RNG state) into `model`; a checkpoint
 * of another architecture is refused before anything is loaded.
 */
export function loadClassifierCheckpoint(folder: string, model: ImageClassifier, options: { optimizer?: torch.optim.Optimizer; rng?: boolean } = {}): ClassifierCheckpointState {
  const state = readClassifierCheckpointState(folder);
  loadCheckpointFiles(folder, classifierArchitectureKey(model.architecture), classifierArchitectureKey(state.architecture), (need) => {
    model.load(need(FILES.model));
    if (options.optimizer) options.optimizer.load(need(FILES.optimizer));
  }, options.rng);
  return state;
}

/** Drops the optimiser file of an older checkpoint: its weights stay, the resume state only in the newest. */
export function pruneClassifierOptimizerState(folder: string): void {
  removeCheckpointFiles(folder, [FILES.optimizer]);
}
