/**
 * The part every checkpoint folder shares, whatever it trains: `state.safetensors`, holding
 * libtorch's RNG state as the tensor `rng` and the training position as JSON metadata `state`
 * (with an `architecture` key), and the lookup of the folder's other files with a clear error
 * when one is missing, and the folder's whole-or-nothing write (`replaceFolderSync`,
 * src/atomic-write.ts: a killed process leaves the previous checkpoint or the new one, never half
 * of one). GAN and classifier checkpoints differ only in their weight files and loss sums.
 */
import fs from 'node:fs';
import path from 'node:path';
import { recoverFolderSync, replaceFolderSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';

export const STATE_FILE = 'state.safetensors';

/** Where training stood when a checkpoint was written; each kind adds its epoch's running loss sums. */
export interface CheckpointPosition {
  /** Epochs completed. */
  epoch: number;
  /** Steps done within the next epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  /** Steps done in all. */
  step: number;
  epochSeconds: number;
}

/**
 * Writes a checkpoint folder whole: each of `files` by its writer, then the state file (libtorch's
 * RNG state as tensor `rng`; metadata `state` as JSON and `architecture`).
 */
export function saveTrainingCheckpoint(folder: string, files: Readonly<Record<string, (file: string) => void>>, state: object, architectureKey: string): void {
  replaceFolderSync(folder, (temp) => {
    for (const [name, save] of Object.entries(files)) save(path.join(temp, name));
    const rng = torch.getRngState();
    try {
      torch.saveSafetensors(path.join(temp, STATE_FILE), { rng }, { state: JSON.stringify(state), architecture: architectureKey });
    } finally {
      rng.dispose();
    }
  });
}

/** Drops files of an older checkpoint (its optimiser state: the weights stay, the resume state only in the newest). */
export function removeCheckpointFiles(folder: string, names: readonly string[]): void {
  for (const name of names) fs.rmSync(path.join(folder, name), { force: true });
}

/**
 * The `state` JSON of a checkpoint folder, without loading weights. A folder that is not a
 * checkpoint, an unreadable file, another format, or a state `check` refuses (it throws an Error
 * saying why) is an `E_ML_CHECKPOINT` error saying which `what` it holds none of.
 */
export function readTrainingState<S extends { format: number }>(folder: string, format: number, what: string, check?: (state: S) => void): S {
  // A write of this folder killed halfway through replacing it is rolled back first.
  recoverFolderSync(folder);
  const file = path.join(folder, STATE_FILE);
  if (!fs.existsSync(file)) throw new MlError('E_ML_CHECKPOINT', `${folder} is not a checkpoint (no ${STATE_FILE})`);
  let contents: torch.SafetensorsContents;
  try {
    contents = torch.loadSafetensors(file);
  } catch (e) {
    throw new MlError('E_ML_CHECKPOINT', `${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  for (const t of contents.tensors.values()) t.dispose();
  try {
    const state = JSON.parse(contents.metadata['state'] ?? '') as S;
    if (state.format !== format) throw new Error(`format ${state.format}, this version reads ${format}`);
    check?.(state);
    return state;
  } catch (e) {
    throw new MlError('E_ML_CHECKPOINT', `${file} holds no ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The name of the checkpoint after `epoch` complete epochs and `stepInEpoch` steps of the next. */
export function checkpointName(position: { readonly epoch: number; readonly stepInEpoch: number }): string {
  const e = `epoch-${String(position.epoch).padStart(4, '0')}`;
  return position.stepInEpoch === 0 ? e : `${e}-step-${String(position.stepInEpoch).padStart(6, '0')}`;
}

/**
 * Loads a checkpoint's files with `load` once its architecture key `have` is the model's `want`
 * (nothing is loaded otherwise), then the RNG state when asked; a missing file or one that cannot
 * be loaded is an `E_ML_CHECKPOINT` error.
 */
export function loadCheckpointFiles(folder: string, want: string, have: string, load: (need: (name: string) => string) => void, rng: boolean | undefined): void {
  if (want !== have) throw new MlError('E_ML_CHECKPOINT', `${folder} holds another architecture: ${have}, not ${want}`);
  const need = (name: string): string => {
    const f = path.join(folder, name);
    if (!fs.existsSync(f)) throw new MlError('E_ML_CHECKPOINT', `${folder} lacks ${name}`);
    return f;
  };
  try {
    load(need);
  } catch (e) {
    if (e instanceof MlError) throw e;
    throw new MlError('E_ML_CHECKPOINT', `${folder} cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!rng) return;
  const { tensors } = torch.loadSafetensors(path.join(folder, STATE_FILE));
  try {
    const state = tensors.get('rng');
    if (state === undefined) throw new MlError('E_ML_CHECKPOINT', `${folder}: ${STATE_FILE} has no rng tensor`);
    torch.setRngState(state);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
