/** Checkpoint formats of every model kind: what training writes and prediction, evaluation and explanation load. */
export * from './gan-checkpoint.js';
export * from './classifier-checkpoint.js';
export * from './emulator-checkpoint.js';
export { checkpointName, STATE_FILE } from './training-state.js';
