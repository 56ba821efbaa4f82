/**
 * The truth a run is validated against, at the model's size and channels, in one of two ways:
 *
 * - **A simulation** (`simulate: NAME`, or the training rows' `simulation` column when they all
 *   name one known simulation): run again at points nobody trained on, a seeded Latin hypercube
 *   inside the trained ranges (latin-hypercube.ts) or points given. It runs at the size of the
 *   training images and is resampled to the model's size exactly as training loaded those
 *   (src/images/load-images.ts `place`), so truth and training images went through the same
 *   steps. Every condition of the run must be a continuous parameter of the simulation; the
 *   simulation's other parameters take the one value they hold in every training row.
 * - **Held-out rows** of an image table (`truthQuery`, or by default the `split = 'test'` rows of
 *   the table trained on when it has a `split` column): any image table, simulated or not. The
 *   first `points` rows the query selects (default 40) are used.
 *
 * Everything is checked before a simulation runs or an image is read; each refusal is one
 * `E_ML_ARGUMENT` (or `E_ML_DATA` for the data) line saying what to give instead.
 */
import { MlError, StoreError } from '../../errors.js';
import { simulationNamed, simulationNames, type Simulation } from '../../datasets/simulations/index.js';
import { loadImages, place } from '../../images/load-images.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell } from '../../store/types.js';
import { sourceTableOf } from '../data/training-data.js';
import type { ImagePredictor } from '../predict/image-predictor.js';
import { storedParams, type RunRecord } from '../registry/run-record.js';
import { latinHypercube } from './latin-hypercube.js';
import type { ParameterSpace } from './parameter-space.js';
import { conditionPoints, unitPixels, type TrainingSet } from './training-set.js';

/** Where the truth came from and what it is. */
export interface TruthSet {
  /** `simulation:NAME` or `holdout`: the `source` of the stored rows. */
  readonly source: string;
  readonly simulation: string | null;
  /** The held-out rows' query, or null for a simulation. */
  readonly query: string | null;
  /** The size the simulation ran at (null for held-out rows). */
  readonly simulatedSize: number | null;
  readonly points: readonly Record<string, Cell>[];
  /** `points × channels × size × size` values in [0, 1]. */
  readonly images: Float32Array;
  readonly warnings: readonly string[];
}

export interface TruthRequest {
  readonly simulate?: string | undefined;
  /** How many points (a Latin hypercube, or the first rows held out), or the points themselves. */
  readonly points?: number | readonly Readonly<Record<string, unknown>>[] | undefined;
  readonly truthQuery?: string | undefined;
  readonly seed: number;
  readonly onProgress?: ProgressCallback | undefined;
}

/** Points by default: Latin hypercube points of a simulation, or the first held-out rows. */
export const DEFAULT_POINTS = 40;

/** The one simulation every training row names in a `simulation` column, if it is a known one. */
function inferredSimulation(training: TrainingSet): { name: string | undefined; warning?: string } {
  const column = Object.keys(training.columns).find((c) => c.toLowerCase() === 'simulation');
  if (column === undefined) return { name: undefined };
  const names = new Set(training.columns[column]!.filter((v) => v !== null).map(String));
  if (names.size !== 1) return { name: undefined };
  const [name] = [...names];
  if (simulationNames().includes(name!)) return { name: name! };
  return { name: undefined, warning: `the training rows name the simulation ${JSON.stringify(name)}, which this version cannot run; validated against held-out rows instead` };
}

/** The truth of a validation (see the file comment). */
export async function validationTruth(store: Store, run: RunRecord, predictor: ImagePredictor, space: ParameterSpace, training: TrainingSet, request: TruthRequest): Promise<TruthSet> {
  if (request.truthQuery !== undefined && request.simulate !== undefined) {
    throw new MlError('E_ML_ARGUMENT', (o) => `give either ${o('simulate')} or ${o('truthQuery')}, not both: the truth comes from one of them`);
  }
  if (request.truthQuery === undefined) {
    const inferred = request.simulate === undefined ? inferredSimulation(training) : { name: request.simulate };
    const name = request.simulate ?? inferred.name;
    if (name !== undefined) return simulationTruth(run, predictor, space, training, name, request);
    if (typeof request.points === 'object') throw new MlError('E_ML_ARGUMENT', (o) => `${o('points')} as a list needs a simulation to run at them: give ${o('simulate')}`);
    const truth = await holdoutTruth(store, predictor, space, training, await defaultHoldout(store, run, training), request);
    return inferred.warning === undefined ? truth : { ...truth, warnings: [inferred.warning, ...truth.warnings] };
  }
  if (typeof request.truthQuery !== 'string' || request.truthQuery.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('truthQuery')} must be a query selecting held-out images, got ${JSON.stringify(request.truthQuery)}`);
  if (typeof request.points === 'object') throw new MlError('E_ML_ARGUMENT', (o) => `${o('points')} as a list needs a simulation; with ${o('truthQuery')} the points are the rows it selects`);
  return holdoutTruth(store, predictor, space, training, request.truthQuery, request);
}

/** The `split = 'test'` rows of the table trained on; refused when there is no such table or column. */
async function defaultHoldout(store: Store, run: RunRecord, training: TrainingSet): Promise<string> {
  const recorded = storedParams(run)['source_table'];
  const table = typeof recorded === 'string' && recorded !== '' ? recorded : sourceTableOf(training.query);
  const advice = (o: (s: string) => string) => `give ${o('simulate')} (a simulation to run) or ${o('truthQuery')} (a query selecting held-out images)`;
  if (table === null) throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id}'s training query names no table to take held-out rows from: ${advice(o)}`);
  let columns: readonly { name: string }[];
  try {
    columns = (await store.describe(table)).columns;
  } catch (e) {
    if (e instanceof StoreError && e.code === 'E_TABLE_MISSING') throw new MlError('E_ML_ARGUMENT', (o) => `the table run ${run.run_id} trained on (${table}) is gone: ${advice(o)}`, { cause: e });
    throw e;
  }
  const split = columns.find((c) => c.name.toLowerCase() === 'split');
  if (split === undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${table} has no split column to hold rows out, and the run names no simulation: ${advice(o)}`);
  return `SELECT * FROM "${table.replace(/"/g, '""')}" WHERE "${split.name.replace(/"/g, '""')}" = 'test'`;
}

async function holdoutTruth(store: Store, predictor: ImagePredictor, space: ParameterSpace, training: TrainingSet, query: string, request: TruthRequest): Promise<TruthSet> {
  const limit = typeof request.points === 'number' ? request.points : DEFAULT_POINTS;
  const sql = `SELECT * FROM (${query}) LIMIT ${limit}`;
  const loaded = await loadImages(store, sql, {
    ...(training.imageColumn === undefined ? {} : { imageColumn: training.imageColumn }),
    size: predictor.size,
    channels: predictor.channels,
    ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
  });
  if (loaded.count === 0) throw new MlError('E_ML_DATA', `the held-out query selects no images${(loaded.withheld ?? 0) > 0 ? ' the caller may read' : ''}: ${query}`);
  const points = space.check(conditionPoints(loaded.columns, loaded.count, space, 'the held-out query'), 'truthQuery');
  return { source: 'holdout', simulation: null, query, simulatedSize: null, points, images: unitPixels(loaded.pixels), warnings: [] };
}

/** The simulation's parameters that are not conditions of the run, with the one value each holds in the training rows. */
function fixedParameters(sim: Simulation, space: ParameterSpace, training: TrainingSet, runId: string): Record<string, number> {
  const fixed: Record<string, number> = {};
  for (const p of sim.parameters) {
    if (space.conditions.some((c) => c.name === p.name)) continue;
    const column = training.columns[p.name];
    const values = new Set((column ?? []).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    const [only] = [...values];
    if (column === undefined || values.size !== 1 || typeof only !== 'number' || !Number.isFinite(only)) {
      throw new MlError(
        'E_ML_ARGUMENT',
        `parameter ${p.name} of simulation ${sim.name} is not a condition of run ${runId}, and its training rows ${column === undefined ? 'have no such column' : 'do not hold one value of it'}: the simulation cannot be run as the training images were`,
      );
    }
    fixed[p.name] = only;
  }
  return fixed;
}

function simulationTruth(run: RunRecord, predictor: ImagePredictor, space: ParameterSpace, training: TrainingSet, name: string, request: TruthRequest): TruthSet {
  if (typeof name !== 'string' || !simulationNames().includes(name)) {
    const known = simulationNames();
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('simulate')}: unknown simulation ${JSON.stringify(name)}; ${known.length === 0 ? 'none is known' : `known: ${known.join(', ')}`}`);
  }
  const sim = simulationNamed(name)!;
  const categorical = space.conditions.filter((c) => c.kind === 'categorical').map((c) => c.name);
  if (categorical.length > 0) {
    throw new MlError('E_ML_ARGUMENT', (o) => `run ${run.run_id} has categorical conditions (${categorical.join(', ')}); simulation ${name} takes continuous parameters only: validate against held-out rows with ${o('truthQuery')}`);
  }
  const parameters = sim.parameters.map((p) => p.name);
  const foreign = space.conditions.map((c) => c.name).filter((n) => !parameters.includes(n));
  if (foreign.length > 0) {
    throw new MlError('E_ML_ARGUMENT', `the conditions of run ${run.run_id} (${space.conditions.map((c) => c.name).join(', ')}) do not match the parameters of simulation ${name} (${parameters.join(', ')}): ${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not among them`);
  }
  const fixed = fixedParameters(sim, space, training, run.run_id);
  const points =
    typeof request.points === 'object'
      ? space.check(request.points, 'points')
      : latinHypercube(space.conditions.flatMap((c) => (c.kind === 'continuous' ? [c] : [])), request.points ?? DEFAULT_POINTS, request.seed);
  const warnings: string[] = [];
  let size = training.nativeSize;
  if (!sim.sizes.includes(size)) {
    size = sim.sizes.reduce((best, s) => (Math.abs(s - training.nativeSize) < Math.abs(best - training.nativeSize) ? s : best), sim.defaultSize);
    warnings.push(`simulation ${name} does not run at ${training.nativeSize} pixels, the training images' size; it ran at ${size} and was resampled`);
  }
  const { channels, size: modelSize } = predictor;
  const plane = modelSize * modelSize;
  const pixels = new Uint8Array(points.length * channels * plane);
  const where = `simulation ${name}`;
  points.forEach((point, i) => {
    const out = sim.run({ ...fixed, ...(point as Record<string, number>) }, { size });
    if (out.pixels.length !== sim.channels * size * size) throw new MlError('E_ML_DATA', `simulation ${name} returned ${out.pixels.length} pixels at size ${size}; ${sim.channels} × ${size} × ${size} were expected`);
    place({ width: size, height: size, channels: sim.channels, depth: 8, data: interleaved(out.pixels, sim.channels, size * size), format: 'png' }, { height: modelSize, width: modelSize, channels, resize: true }, pixels, i, where, where);
    request.onProgress?.({ task: `simulation ${name}`, done: i + 1, total: points.length, unit: 'runs' });
  });
  return { source: `simulation:${name}`, simulation: name, query: null, simulatedSize: size, points, images: unitPixels(pixels), warnings };
}

/** Planar channels → interleaved samples, as a decoded file holds them. */
function interleaved(planar: Uint8Array, channels: number, plane: number): Uint8Array {
  if (channels === 1) return planar;
  const out = new Uint8Array(planar.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) out[p * channels + c] = planar[c * plane + p]!;
  return out;
}
