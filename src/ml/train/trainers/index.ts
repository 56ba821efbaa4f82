/**
 * The model kinds that can be trained: run kind → its trainer definition. A new model kind is
 * its trainer file plus one entry here.
 */
import type { RunKind } from '../../registry/run-registry.js';
import type { RunPlan, SessionOptions, TrainerDefinition } from '../trainer.js';
import { classifierTrainer } from './classifier-trainer.js';
import { emulatorTrainer } from './emulator-trainer.js';
import { ganTrainer } from './gan-trainer.js';

export const TRAINERS = {
  gan: ganTrainer,
  classifier: classifierTrainer,
  regressor: emulatorTrainer,
} as const satisfies Record<RunKind, TrainerDefinition<SessionOptions, RunPlan, unknown>>;
