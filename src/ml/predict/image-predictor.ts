/**
 * One view of every model that predicts an image from parameter values, whatever its kind: a
 * conditional GAN (stochastic: an image depends on a seed too) or a surrogate (deterministic;
 * possibly an ensemble of independently trained members, whose spread measures its
 * uncertainty). Prediction at points, validation against a simulation and the choice of where
 * to simulate next are written once against this interface.
 *
 * ```ts
 * const p = await openImagePredictor(store, 'surrogate-20261203-101500-a1b2');
 * const images = p.predict([{ source_x: 0.4, source_y: 0.6, diffusivity: 0.01 }]); // 1 × C × S × S in [0, 1]
 * p.dispose();
 * ```
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { RunRecord } from '../registry/run-record.js';
import { RunRegistry } from '../registry/run-registry.js';
import { openGanPredictor } from './gan-predictor.js';
import { openSurrogatePredictor } from './surrogate-predictor.js';

export interface PredictOptions {
  /** One seed per combination: required by a stochastic predictor, ignored by a deterministic one. */
  readonly seeds?: readonly number[];
  /** One member of an ensemble (0-based); default the members' mean. */
  readonly member?: number;
}

export interface ImagePredictor {
  readonly run: RunRecord;
  readonly conditions: readonly ConditionSpec[];
  readonly size: number;
  readonly channels: 1 | 3;
  /** The epoch of the checkpoint loaded. */
  readonly epoch: number;
  /** The checkpoint loaded, relative to the store. */
  readonly checkpoint: string;
  /** True when an image depends on a seed as well as on the parameters (a GAN). */
  readonly stochastic: boolean;
  /** Independently trained members (a surrogate ensemble); 1 otherwise. */
  readonly members: number;
  /**
   * Images for `combos` (a value for every condition each), planar N × C × S × S floats in
   * [0, 1] (0 black), image i for combination i. No gradient is kept; libtorch's RNG state is
   * left as it was.
   */
  predict(combos: readonly Readonly<Record<string, Cell>>[], options?: PredictOptions): Float32Array;
  dispose(): void;
}

export interface OpenPredictorOptions {
  /** The checkpoint of this epoch instead of the run's latest. */
  readonly epoch?: number;
  /** Where the model runs (default cpu). */
  readonly device?: string;
}

/** Opens the predictor of a run of one kind; the run is already known to be of that kind. */
export type PredictorOpener = (store: Store, run: RunRecord, options: OpenPredictorOptions) => Promise<ImagePredictor>;

/** The kinds of run that predict images, and how each is opened. */
const OPENERS: Readonly<Record<string, PredictorOpener>> = {
  gan: openGanPredictor,
  surrogate: openSurrogatePredictor,
};

/** Openers added at run time, for kinds of model defined outside the library (and tests' stand-ins). */
const ADDED = new Map<string, PredictorOpener>();

/**
 * Lets `openImagePredictor` open runs of `kind` with `open`, until the returned function is
 * called. A kind the library opens itself cannot be replaced.
 *
 * ```ts
 * const remove = addImagePredictorKind('my-model', async (store, run) => myPredictor(store, run));
 * ```
 */
export function addImagePredictorKind(kind: string, open: PredictorOpener): () => void {
  if (Object.hasOwn(OPENERS, kind)) throw new MlError('E_ML_ARGUMENT', `${kind} runs are opened by the library itself; their opener cannot be replaced`);
  ADDED.set(kind, open);
  return () => {
    if (ADDED.get(kind) === open) ADDED.delete(kind);
  };
}

/** The predictor of run `runId`; an `E_ML_RUN` error when its kind predicts no images. */
export async function openImagePredictor(store: Store, runId: string, options: OpenPredictorOptions = {}): Promise<ImagePredictor> {
  const run = await new RunRegistry(store).get(runId);
  const open = Object.hasOwn(OPENERS, run.kind) ? OPENERS[run.kind] : ADDED.get(run.kind);
  const kinds = [...Object.keys(OPENERS), ...ADDED.keys()];
  if (open === undefined) throw new MlError('E_ML_RUN', `run ${run.run_id} is a ${run.kind} run; images are predicted by ${kinds.join(' and ') || 'no'} runs`);
  return open(store, run, options);
}
