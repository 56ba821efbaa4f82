/**
 * A finished emulator run, loaded for prediction: it encodes raw cells itself (the run's means,
 * stds and levels) and predicts in batches.
 *
 * ```ts
 * using emulator = await loadEmulator(store, 'regressor-20261127-053512-a1b2');
 * emulator.predict([[8, 225, 0.05, 'ST5_FFDUET_TLS']]); // Float64Array [169…]
 * ```
 */
import { MlError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { RunRegistry } from '../registry/run-registry.js';
import { encodeWith, encodingOf, type Encoding, type FeatureEncoding, type InputCell } from './feature-encoding.js';
import { linearFitOf, rawCoefficients, type RawCoefficients } from './models/linear-models.js';
import { regressorFamily, type FittedRegressor, type HyperParameters } from './models/index.js';
import { readEmulatorCheckpoint, type EmulatorCheckpoint } from '../checkpoints/emulator-checkpoint.js';

/** A trained tabular model of one run. */
export type Emulator = Omit<LoadedEmulator, 'predictRows'>;

/** The implementation behind {@link Emulator}; `predictRows` names the rows' source in its errors. */
export class LoadedEmulator implements Disposable {
  readonly runId: string;
  readonly model: string;
  readonly target: string;
  /** The input columns, in the order `predict` takes their values. */
  readonly features: readonly string[];
  /** The SQL whose result order defines "row N" of the run (`ml_runs.data_query`). */
  readonly dataQuery: string;
  /** How the features are encoded (means, stds, levels) and the encoded columns' names. */
  readonly encoding: Encoding;
  /** The hyper-parameters the model was fitted with. */
  readonly hyper: HyperParameters;
  /** linear, ridge and lasso: the intercept and coefficients in the features' own units; undefined otherwise. */
  readonly coefficients: RawCoefficients | undefined;
  readonly #regressor: FittedRegressor;
  #disposed = false;

  constructor(runId: string, dataQuery: string, checkpoint: EmulatorCheckpoint, encoding: Encoding, regressor: FittedRegressor) {
    this.runId = runId;
    this.model = checkpoint.model;
    this.target = checkpoint.target;
    this.features = Object.freeze([...checkpoint.features]);
    this.dataQuery = dataQuery;
    this.encoding = encoding;
    this.hyper = Object.freeze({ ...checkpoint.hyper });
    const fit = linearFitOf(regressor);
    this.coefficients = fit === undefined ? undefined : rawCoefficients(fit, encoding);
    this.#regressor = regressor;
  }

  /**
   * The target predicted for each row of raw cells (`features` order); text features take one of
   * their trained levels. An E_ML_DATA error names the row and column of a NULL, a text value in
   * a numeric feature or an unseen level.
   */
  predict(rows: readonly (readonly (number | string | null)[])[]): Float64Array {
    return this.predictRows(rows, 'the input');
  }

  /** `predict`, with `what` naming the rows' source in error messages (`the query`). */
  predictRows(rows: readonly (readonly InputCell[])[], what: string): Float64Array {
    if (this.#disposed) throw new MlError('E_ML_RUN', `the emulator of run ${this.runId} was disposed`);
    if (!Array.isArray(rows)) throw new MlError('E_ML_ARGUMENT', `predict takes an array of rows (arrays of ${this.features.length} values), got ${typeof rows}`);
    const width = this.features.length;
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== width) {
        throw new MlError('E_ML_ARGUMENT', `row ${i + 1} of ${what} has ${Array.isArray(r) ? r.length : 'no'} values; the emulator takes ${width} (${this.features.join(', ')})`);
      }
    });
    const x = encodeWith(this.encoding, rows.length, (i, j) => rows[i]![j], (i) => `row ${i + 1} of ${what}`);
    return this.#regressor.predict(x, rows.length);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#regressor.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The emulator of a finished `regressor` run; dispose it (or `using` it) when done. */
export async function loadEmulator(store: Store, runId: string): Promise<Emulator> {
  return loadEmulatorRun(store, runId);
}

/** {@link loadEmulator}, typed as the implementation (for this folder's predict). */
export async function loadEmulatorRun(store: Store, runId: string): Promise<LoadedEmulator> {
  if (typeof runId !== 'string' || runId === '') throw new MlError('E_ML_ARGUMENT', `give a run id, got ${JSON.stringify(runId)}`);
  const registry = new RunRegistry(store);
  const run = await registry.get(runId);
  if (run.kind !== 'regressor') throw new MlError('E_ML_RUN', `run ${runId} is a ${run.kind} run, not an emulator (kind regressor)`);
  if (run.status !== 'finished' || run.FILE_checkpoint === null) throw new MlError('E_ML_RUN', `run ${runId} is ${run.state}; only a finished emulator run predicts`);
  const folder = registry.absolute(run.FILE_checkpoint, `ml_runs.FILE_checkpoint of run ${run.run_id}`);
  const checkpoint = readEmulatorCheckpoint(folder);
  const encoding = encodingOf(checkpoint.encoding as FeatureEncoding[]);
  const regressor = regressorFamily(checkpoint.model).load(checkpoint.state ?? {}, checkpoint.hyper ?? {}, encoding.width, folder);
  return new LoadedEmulator(runId, run.data_query, checkpoint, encoding, regressor);
}
