/**
 * An emulator checkpoint: one folder holding `emulator.json` (the model, its target and
 * features, their encoding, the hyper-parameters and the fitted state) plus whatever files the
 * model family writes itself (the MLP's weights). Written with `replaceFolderSync`
 * (src/atomic-write.ts): a killed process leaves the previous folder or the new one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILE_MODE, replaceFolderSync } from '../../atomic-write.js';
import { MlError } from '../../errors.js';
import type { FeatureEncoding } from '../tabular/feature-encoding.js';
import { isEmulatorModel, type EmulatorModel, type HyperParameters } from '../tabular/models/index.js';

/** The checkpoint's description of the model, `emulator.json` in the checkpoint folder. */
export interface EmulatorCheckpoint {
  format: number;
  model: EmulatorModel;
  target: string;
  features: string[];
  encoding: FeatureEncoding[];
  hyper: HyperParameters;
  state: Record<string, unknown>;
}

export const EMULATOR_CHECKPOINT_FORMAT = 1;
export const EMULATOR_CHECKPOINT_FILE = 'emulator.json';

/** Writes `description` and the model's own files (`saveFiles`) into `folder`, replacing it whole. */
export function saveEmulatorCheckpoint(folder: string, description: EmulatorCheckpoint, saveFiles?: (temp: string) => void): void {
  replaceFolderSync(folder, (temp) => {
    fs.writeFileSync(path.join(temp, EMULATOR_CHECKPOINT_FILE), JSON.stringify(description), { mode: FILE_MODE });
    saveFiles?.(temp);
  });
}

/** The description an emulator checkpoint folder holds; refuses a folder that is not one. */
export function readEmulatorCheckpoint(folder: string): EmulatorCheckpoint {
  const file = path.join(folder, EMULATOR_CHECKPOINT_FILE);
  if (!fs.existsSync(file)) throw new MlError('E_ML_CHECKPOINT', `${folder} is not an emulator checkpoint (no ${EMULATOR_CHECKPOINT_FILE})`);
  let c: EmulatorCheckpoint;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8')) as EmulatorCheckpoint;
  } catch (e) {
    throw new MlError('E_ML_CHECKPOINT', `${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (c.format !== EMULATOR_CHECKPOINT_FORMAT) throw new MlError('E_ML_CHECKPOINT', `${file} has format ${String(c.format)}; this version reads ${EMULATOR_CHECKPOINT_FORMAT}`);
  if (!isEmulatorModel(c.model) || typeof c.target !== 'string' || !Array.isArray(c.features) || !Array.isArray(c.encoding) || c.encoding.length !== c.features.length) {
    throw new MlError('E_ML_CHECKPOINT', `${file} does not describe an emulator (model, target, features, encoding)`);
  }
  return c;
}
