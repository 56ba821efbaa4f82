/**
 * Train a tabular emulator: a regression model of one numeric column (the target) on others (the
 * features) of any store table or query, judged on held-out rows and recorded as a run of kind
 * `regressor` (DESIGN §4; docs/ml-emulators.md).
 *
 * ```ts
 * const r = await trainEmulator(store, { model: 'ridge', table: 'wildfire', target: 'burned_area',
 *   features: ['wind_speed', 'wdir', 'smois', 'fuels'], seed: 1, gridSearch: true });
 * r.metrics.r2; // on the held-out 20 %, also in ml_evaluations (metric r2, source test)
 * ```
 *
 * Everything that can be wrong (options, columns, NULLs, text where a number belongs, too few
 * rows) is found before the run row is written; an error while fitting marks the run `failed`.
 * A classical fit has no steps to stop between or resume from, so it is one fit (with a grid
 * search first when asked) that the training session (train/training-session.ts) gives its run
 * row, heartbeat (with the MLP's epoch rows), checkpoint (checkpoints/emulator-checkpoint.ts),
 * finish and `failed` mark.
 *
 * The held-out rows: `ceil(testSize × rows)` rows drawn by `seededPermutation(rows,
 * mixSeed(seed, 0x7e57))`; a drawn row whose text level occurs in no training row moves to the
 * training rows (a model cannot be judged on a level it has never seen). `params.split.test_rows`
 * lists the held-out rows (1-based, in the data query's order). With `includeAcceptedFrom`, the
 * accepted predictions of that run are appended as training rows after the query's (row n + k):
 * they are never held out, so the metrics are measured on real rows only.
 */
import crypto from 'node:crypto';
import { MlError, type OptionSpelling } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { Store } from '../../store/store.js';
import type { Cell, Row } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { checkSeed } from '../call-limits.js';
import { EMULATOR_CHECKPOINT_FORMAT, saveEmulatorCheckpoint, type EmulatorCheckpoint } from '../checkpoints/emulator-checkpoint.js';
import { acceptedPredictionsOf } from '../data/included-predictions.js';
import { mixSeed, seededPermutation } from '../data/seeded-random.js';
import { checkSyntheticGenerations } from '../lineage/synthetic-generations.js';
import type { EmulatorRunParams } from '../registry/run-params.js';
import { now, RunRegistry } from '../registry/run-registry.js';
import { evaluationRow, type FitTrainer, type RunPlan, type TrainerDefinition } from '../train/trainer.js';
import { dataParallelFit } from '../train/data-parallel-fit.js';
import { paramsInWorld } from '../train/run-world-record.js';
import { runTraining, yieldToEventLoop, type TrainingSession } from '../train/training-session.js';
import { encodeColumns, featureKinds, fitEncoding, type Encoding, type FeatureKind } from './feature-encoding.js';
import { CV_FOLDS, foldPositions, gridSearch, type Fold } from './grid-search.js';
import { regressorFamily, type EmulatorModel, type EncodedRows, type FittedRegressor, type HyperParameters, type RegressorFamily } from './models/index.js';
import { columnValues, resolveColumn } from './query-columns.js';
import { REGRESSION_METRICS, regressionMetrics, type RegressionMetrics } from './regression-metrics.js';

export type { EmulatorRunParams };

export interface TrainEmulatorOptions {
  readonly model: EmulatorModel;
  /** A table: all of its rows, in the order they were added (`data_query` says how). */
  readonly table?: string;
  /** A read-only query; its row order is the run's "row N" (give an ORDER BY to make it stable). */
  readonly query?: string;
  /** The numeric column to predict. */
  readonly target: string;
  /** The input columns: numbers (standardised) or text (one-hot). */
  readonly features: readonly string[];
  /** Share of the rows held out for the metrics (default 0.2); 0 < testSize < 1. */
  readonly testSize?: number;
  /** Seeds the split, the folds, the forest's bootstraps and the MLP (default: random, recorded). */
  readonly seed?: number;
  /** Choose the hyper-parameters by 5-fold cross-validation over the model's grid (docs/ml-emulators.md). */
  readonly gridSearch?: boolean;
  /** ridge, lasso: the penalty (default 1, scikit-learn's). */
  readonly alpha?: number;
  /** knn: neighbours (default 5). */
  readonly k?: number;
  /** knn: `uniform` (default) or `distance` weighting. */
  readonly weights?: 'uniform' | 'distance';
  /** random-forest: trees (default 100). */
  readonly trees?: number;
  /** random-forest: depth limit (default none). */
  readonly maxDepth?: number | null;
  /** mlp: hidden layer sizes (default [100]). */
  readonly hidden?: readonly number[];
  /** mlp: epochs (default 200). */
  readonly epochs?: number;
  /** mlp: Adam's learning rate (default 1e-3). */
  readonly lr?: number;
  /** mlp: rows per step (default 200). */
  readonly batch?: number;
  /**
   * mlp: libtorch's threads while it trains (default 1: layers this small gain nothing from more,
   * and more threads stall badly when another process holds a core). Restored afterwards.
   */
  readonly threads?: number;
  /**
   * Also fit on this run's accepted predictions: each one a training row whose target and
   * features are the prediction's own values of those columns (the conditioning parameters it
   * was generated for). They never join the held-out rows, so the metrics stay on real rows.
   */
  readonly includeAcceptedFrom?: string;
  /** Warn when the included predictions passed through more generations of synthetic data than this (default 1). */
  readonly maxSyntheticGenerations?: number;
  readonly onProgress?: ProgressCallback;
  /** The sweep (`ml_sweeps`) the run belongs to, recorded in its row at creation. */
  readonly sweepId?: string;
  /** The run's point in that sweep (an index into its points). */
  readonly sweepPoint?: number;
}

export interface TrainEmulatorResult {
  run_id: string;
  status: 'finished';
  model: EmulatorModel;
  target: string;
  features: string[];
  /** MSE, RMSE, MAE and R² on the held-out rows. */
  metrics: RegressionMetrics;
  /** The same on the training rows. */
  train_metrics: RegressionMetrics;
  n_rows: number;
  n_train: number;
  n_test: number;
  hyper: HyperParameters;
  /** Every candidate's cross-validation MSE, when grid-searched. */
  grid_search: EmulatorRunParams['grid_search'];
  /** mlp: epochs trained (0 for the other models). */
  epochs_done: number;
  seconds: number;
  FILE_checkpoint: string;
}

/**
 * Train an emulator (see the file comment): the training session driving the emulator trainer.
 * Returns when the run is finished; throws (after marking the run `failed`) on an error while
 * fitting.
 */
export function trainEmulator(store: Store, options: TrainEmulatorOptions): Promise<TrainEmulatorResult> {
  return runTraining(store, emulatorTrainer, options);
}

/** Hyper-parameter → the option that gives it. */
const OPTIONS = {
  alpha: 'alpha',
  k: 'k',
  weights: 'weights',
  trees: 'trees',
  max_depth: 'maxDepth',
  hidden: 'hidden',
  epochs: 'epochs',
  lr: 'lr',
  batch: 'batch',
} as const satisfies Record<keyof HyperParameters, keyof TrainEmulatorOptions>;

/** The SQL a `table` stands for: all of its rows in the order they were added. */
export function emulatorTableQuery(store: Store, table: string): Promise<string> {
  return store.tableQuery(table);
}

/** The hyper-parameters the options give. */
function givenHyper(options: TrainEmulatorOptions): HyperParameters {
  const given = Object.entries(OPTIONS).filter(([, o]) => options[o] !== undefined);
  return Object.fromEntries(given.map(([h, o]) => [h, o === 'hidden' ? [...options.hidden!] : options[o]])) as HyperParameters;
}

/** Refuses hyper-parameters the model does not take, or that the grid search would choose. */
function checkHyper(family: RegressorFamily, given: HyperParameters, grid: boolean): HyperParameters {
  const keys = Object.keys(given) as (keyof HyperParameters)[];
  const names = (o: OptionSpelling, ks: readonly (keyof HyperParameters)[]): string => ks.map((k) => o(OPTIONS[k])).join(', ');
  const foreign = keys.filter((k) => !family.options.includes(k));
  if (foreign.length > 0) {
    const takes = (o: OptionSpelling): string => (family.options.length === 0 ? 'takes no hyper-parameters' : `takes ${names(o, family.options)}`);
    throw new MlError('E_ML_ARGUMENT', (o) => `${names(o, foreign)} ${foreign.length === 1 ? 'is' : 'are'} not for ${o('model')} ${family.name}, which ${takes(o)}`);
  }
  const chosen = grid ? keys.filter((k) => family.gridded.includes(k)) : [];
  if (chosen.length > 0) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${names(o, chosen)} ${chosen.length === 1 ? 'is' : 'are'} chosen by ${o('gridSearch')}; give one or the other`);
  }
  return family.resolve(given);
}

/** `alpha=0.1 k=5`: a candidate as `ml_evaluations.condition` names it. */
export function describeHyper(h: HyperParameters): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v === null ? 'none' : String(v)}`)
    .join(' ');
}

export interface EmulatorPlan extends RunPlan {
  readonly params: EmulatorRunParams;
  readonly family: RegressorFamily;
  readonly train: EncodedRows;
  readonly test: EncodedRows;
  readonly grid: { candidates: HyperParameters[]; folds: Fold[] } | undefined;
}

/** The target's values as numbers; text, NULL or a non-finite value is refused naming the row. */
function targetValues(values: readonly Cell[], target: string, what: string): Float64Array {
  const out = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (v === null) throw new MlError('E_ML_DATA', `target "${target}" is NULL in row ${i + 1} of the ${what}; filter such rows out (WHERE "${target}" IS NOT NULL)`);
    if (typeof v === 'string') {
      throw new MlError('E_ML_DATA', `target "${target}" holds text (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}) in row ${i + 1} of the ${what}; a regressor predicts a numeric column`);
    }
    const x = Number(v);
    if (!Number.isFinite(x)) throw new MlError('E_ML_DATA', `target "${target}" holds ${String(v)} in row ${i + 1} of the ${what}; it must be finite`);
    out[i] = x;
  });
  return out;
}

/** SHA-256 of the cells used: the column names, then each row's target and features, as JSON. */
function dataHash(target: string, features: readonly string[], y: Float64Array, columns: readonly (readonly Cell[])[]): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify([target, ...features]));
  for (let i = 0; i < y.length; i++) hash.update(`\n${JSON.stringify([y[i], ...columns.map((c) => (typeof c[i] === 'bigint' ? String(c[i]) : c[i]))])}`);
  return hash.digest('hex');
}

/** Test rows drawn by the seed; those with a text level absent from the training rows move to training. */
function splitRows(n: number, testSize: number, seed: number, kinds: readonly FeatureKind[], columns: readonly (readonly Cell[])[]): { train: Int32Array; test: Int32Array; moved: number[] } {
  const order = seededPermutation(n, mixSeed(seed, 0x7e57));
  const nTest = Math.ceil(testSize * n);
  const train = Array.from(order.subarray(nTest));
  const drawn = Array.from(order.subarray(0, nTest)).sort((a, b) => a - b);
  const text = kinds.map((k, j) => (k === 'text' ? j : -1)).filter((j) => j >= 0);
  const seen = text.map((j) => new Set(train.map((i) => String(columns[j]![i]))));
  const test: number[] = [];
  const moved: number[] = [];
  for (const i of drawn) {
    if (text.every((j, t) => seen[t]!.has(String(columns[j]![i])))) test.push(i);
    else {
      moved.push(i);
      train.push(i);
      text.forEach((j, t) => seen[t]!.add(String(columns[j]![i])));
    }
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test), moved };
}

function encodedRows(encoding: Encoding, columns: readonly (readonly Cell[])[], y: Float64Array, rows: Int32Array, what: string): EncodedRows {
  const ys = new Float64Array(rows.length);
  rows.forEach((r, i) => (ys[i] = y[r]!));
  return { x: encodeColumns(encoding, columns, rows, what), y: ys, rows: rows.length, width: encoding.width };
}

/** Checks options and data, splits the rows and encodes them, before anything is written. */
async function plan(store: Store, registry: RunRegistry, options: TrainEmulatorOptions): Promise<EmulatorPlan> {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', 'trainEmulator needs options (model, a table or query, target and features)');
  const family = regressorFamily(options.model);
  if ((options.table === undefined) === (options.query === undefined)) throw new MlError('E_ML_ARGUMENT', (o) => `give exactly one of a table (${o('table')}) or a query (${o('query')})`);
  if (options.table !== undefined && (typeof options.table !== 'string' || options.table.trim() === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('table')} must be a table name, got ${JSON.stringify(options.table)}`);
  if (options.query !== undefined && (typeof options.query !== 'string' || options.query.trim() === '')) throw new MlError('E_ML_ARGUMENT', (o) => `${o('query')} must be a query, got ${JSON.stringify(options.query)}`);
  if (typeof options.target !== 'string' || options.target.trim() === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('target')} must name the column to predict, got ${JSON.stringify(options.target)}`);
  if (!Array.isArray(options.features) || options.features.length === 0 || options.features.some((f) => typeof f !== 'string' || f.trim() === '')) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('features')} must name one or more columns (a,b,c), got ${JSON.stringify(options.features)}`);
  }
  const lower = options.features.map((f) => f.toLowerCase());
  const twice = options.features.find((_, i) => lower.indexOf(lower[i]!) !== i);
  if (twice !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${o('features')} names "${twice}" twice`);
  if (lower.includes(options.target.toLowerCase())) throw new MlError('E_ML_ARGUMENT', (o) => `${o('target')} "${options.target}" is also among ${o('features')}; a model cannot take what it predicts as an input`);
  const testSize = options.testSize ?? 0.2;
  if (typeof testSize !== 'number' || !(testSize > 0 && testSize < 1)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('testSize')} must be a share between 0 and 1 (exclusive), got ${String(options.testSize)}`);
  const seed = checkSeed('seed', options.seed ?? Math.floor(Math.random() * 2 ** 31));
  if (options.threads !== undefined) {
    if (options.model !== 'mlp') throw new MlError('E_ML_ARGUMENT', (o) => `${o('threads')} is for ${o('model')} mlp (the other models do not use libtorch)`);
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('threads')} must be a whole number ≥ 1, got ${String(options.threads)}`);
  }
  const gridSearching = options.gridSearch === true;
  const hyper = checkHyper(family, givenHyper(options), gridSearching);
  // The run whose accepted predictions to add is checked before any row is read.
  const accepted = options.includeAcceptedFrom === undefined ? undefined : await acceptedPredictionsOf(store, options.includeAcceptedFrom, 'includeAcceptedFrom');
  await checkSyntheticGenerations(store, accepted?.ids ?? [], options);
  const runId = RunRegistry.newRunId('regressor');
  registry.runFolder(runId); // a store without a folder is refused here, before anything is read

  const sourceTable = options.table === undefined ? null : (await store.describe(options.table)).name;
  const dataQuery = sourceTable === null ? options.query! : await emulatorTableQuery(store, sourceTable);
  const what = sourceTable === null ? 'query' : `table "${sourceTable}"`;
  const rows: Row[] = await store.query(dataQuery);
  if (rows.length === 0) throw new MlError('E_ML_DATA', `the ${what} returned no rows${sourceTable === null ? `: ${dataQuery}` : ''}`);
  const available = Object.keys(rows[0]!);
  const target = resolveColumn(available, options.target, 'target', what);
  const features = options.features.map((f) => resolveColumn(available, f, 'feature', what));
  let y = targetValues(columnValues(rows, target), target, what);
  let columns = features.map((f) => columnValues(rows, f));
  const kinds = featureKinds(features, columns, what);

  const n = rows.length;
  const split = splitRows(n, testSize, seed, kinds, columns);
  const { test: testRows, moved } = split;
  let trainRows = split.train;
  let included: string[] = [];
  if (accepted !== undefined) {
    // Appended after the query's rows: row n + k is accepted prediction k; all of them train.
    included = accepted.ids;
    const generated = await store.query(registry.predictions.idsQuery(included));
    const from = `accepted predictions of run ${accepted.run.run_id}`;
    const have = Object.keys(generated[0] ?? {});
    const missing = [target, ...features].filter((c) => !have.some((h) => h.toLowerCase() === c.toLowerCase()));
    if (missing.length > 0) {
      throw new MlError(
        'E_ML_DATA',
        `the ${from} have no ${missing.map((c) => `"${c}"`).join(', ')}: an emulator learns from predictions whose conditioning parameters include its target and features (their columns: ${have.join(', ')})`,
      );
    }
    const position = new Map(generated.map((r, i) => [String(r['prediction_id']), i]));
    const ordered = included.map((id) => generated[position.get(id)!]!);
    const column = (c: string): Cell[] => columnValues(ordered, have.find((h) => h.toLowerCase() === c.toLowerCase())!);
    const extraY = targetValues(column(target), target, from);
    const extraColumns = features.map(column);
    featureKinds(features, extraColumns, from);
    const allY = new Float64Array(n + included.length);
    allY.set(y, 0);
    allY.set(extraY, n);
    y = allY;
    columns = columns.map((c, j) => [...c, ...extraColumns[j]!]);
    trainRows = Int32Array.from([...trainRows, ...included.map((_, k) => n + k)]);
  }
  const needTrain = Math.max(family.minRows(hyper), gridSearching ? 2 * CV_FOLDS : 2);
  if (trainRows.length < needTrain || testRows.length === 0) {
    throw new MlError(
      'E_ML_DATA',
      (o) =>
        `the ${what} has ${n} row${n === 1 ? '' : 's'}: with ${o('testSize')} ${testSize} that is ${trainRows.length} for training and ${testRows.length} held out; ` +
        `${o('model')} ${family.name}${gridSearching ? ` with ${o('gridSearch')}` : ''} needs at least ${needTrain} training rows and 1 held out`,
    );
  }
  const encoding = fitEncoding(features, kinds, columns, trainRows);
  const train = encodedRows(encoding, columns, y, trainRows, what);
  const test = encodedRows(encoding, columns, y, testRows, what);

  let grid: EmulatorPlan['grid'];
  if (gridSearching) {
    const positions = foldPositions(trainRows.length, CV_FOLDS, seed);
    const folds = positions.map((validatePositions): Fold => {
      const inFold = new Uint8Array(trainRows.length);
      for (const p of validatePositions) inFold[p] = 1;
      const validateRows = Int32Array.from(validatePositions, (p) => trainRows[p]!);
      const fitRows = trainRows.filter((_, p) => inFold[p] === 0);
      // Standardised on the fold's own fitting rows; levels from all training rows, so a level
      // that only the validation fold has is a column of zeros while fitting.
      const foldEncoding = fitEncoding(features, kinds, columns, fitRows, trainRows);
      return { fit: encodedRows(foldEncoding, columns, y, fitRows, what), validate: encodedRows(foldEncoding, columns, y, validateRows, what) };
    });
    grid = { candidates: family.grid(hyper, train), folds };
  }
  const params: EmulatorRunParams = {
    model: options.model,
    target,
    features,
    source_table: sourceTable,
    encoding: [...encoding.features],
    hyper,
    test_size: testSize,
    split: { seed, n_train: trainRows.length, n_test: testRows.length, test_rows: Array.from(testRows, (i) => i + 1), moved_to_train: moved.map((i) => i + 1) },
    grid_search: null,
    included_from: accepted?.run.run_id ?? null,
  };
  return {
    kind: 'regressor',
    model: options.model,
    params,
    device: 'cpu',
    dataRows: n + included.length,
    dataHash: dataHash(target, features, y, columns),
    included,
    runId,
    family,
    seed,
    dataQuery,
    train,
    test,
    grid,
  };
}


/** The fit of a planned emulator run: libtorch's threads set for an MLP (restored at dispose). */
function create(p: EmulatorPlan, _registry: RunRegistry, options: TrainEmulatorOptions): FitTrainer<TrainEmulatorResult> {
  const { runId, family, seed, params } = p;
  const threadsBefore = torch.getNumThreads();
  if (options.model === 'mlp') torch.setNumThreads(options.threads ?? 1);
  let model: FittedRegressor | undefined;

  const fit = async (session: TrainingSession): Promise<TrainEmulatorResult> => {
    const task = `train ${runId}`;
    const pendingEpochs: Row[] = [];
    let epochsDone = 0;
    const flushEpochs = (): Promise<void> => session.heartbeat(() => ({ epochs: pendingEpochs.splice(0), columns: { epochs_done: epochsDone } }));

    let hyper = params.hyper;
    if (p.grid !== undefined) {
      const searched = await gridSearch(family, p.grid.candidates, p.grid.folds, {
        seed,
        between: async (done, total) => {
          options.onProgress?.({ task: `${task}: grid search`, done, total, unit: 'fits' });
          await flushEpochs();
          await yieldToEventLoop();
        },
        onEpoch: () => flushEpochs(),
      });
      hyper = searched.best.hyper;
      params.hyper = hyper;
      params.grid_search = { folds: CV_FOLDS, candidates: searched.candidates, best: hyper };
    }
    const totalEpochs = hyper.epochs;
    model = await family.fit(p.train, hyper, {
      seed,
      ...(session.world.worldSize > 1 ? { dataParallel: dataParallelFit(session.world) } : {}),
      onEpoch: async (epoch, loss, seconds) => {
        epochsDone = epoch;
        session.progress = { epochs_done: epochsDone };
        pendingEpochs.push({ run_id: runId, epoch, d_loss: null, g_loss: null, loss, steps: Math.ceil(Math.ceil(p.train.rows / session.world.worldSize) / Math.min(hyper.batch ?? p.train.rows, p.train.rows)), seconds, created_at: now() });
        options.onProgress?.({ task, done: epoch, ...(totalEpochs === undefined ? {} : { total: totalEpochs }), unit: 'epochs', detail: { loss } });
        await flushEpochs();
      },
    });
    const testMetrics = regressionMetrics(p.test.y, model.predict(p.test.x, p.test.rows));
    const trainMetrics = regressionMetrics(p.train.y, model.predict(p.train.x, p.train.rows));

    const description: EmulatorCheckpoint = {
      format: EMULATOR_CHECKPOINT_FORMAT,
      model: options.model,
      target: params.target,
      features: params.features,
      encoding: [...params.encoding],
      hyper,
      state: model.state(),
    };
    const fitted = model;
    const checkpointFile = session.writeCheckpoint('checkpoint', (folder) => saveEmulatorCheckpoint(folder, description, (temp) => fitted.saveFiles?.(temp)));

    const at = now();
    const epochColumn = epochsDone > 0 ? epochsDone : null;
    const evaluation = (metric: string, value: number, n: number, source: string, condition: string | null, std: number | null = null): Row =>
      evaluationRow(runId, at, { metric, value, std, n_real: n, source, condition, epoch: epochColumn, feature_run_id: null });
    const evaluations: Row[] = [
      ...REGRESSION_METRICS.map((m) => evaluation(m, testMetrics[m], p.test.rows, 'test', null)),
      ...REGRESSION_METRICS.map((m) => evaluation(m, trainMetrics[m], p.train.rows, 'train', null)),
      ...(params.grid_search?.candidates ?? []).map((c) => evaluation('mse', c.mse, p.train.rows, 'cv', `cv ${describeHyper(c.hyper)}`, c.mse_std)),
    ];
    await session.finish('finished', { params: JSON.stringify(paramsInWorld(params, session.world)), epochs_done: epochsDone, FILE_checkpoint: checkpointFile }, { rows: evaluations }, pendingEpochs.splice(0));
    return {
      run_id: runId,
      status: 'finished',
      model: options.model,
      target: params.target,
      features: params.features,
      metrics: testMetrics,
      train_metrics: trainMetrics,
      n_rows: p.dataRows,
      n_train: p.train.rows,
      n_test: p.test.rows,
      hyper,
      grid_search: params.grid_search,
      epochs_done: epochsDone,
      seconds: (performance.now() - session.started) / 1000,
      FILE_checkpoint: checkpointFile,
    };
  };

  return {
    dataParallel: options.model === 'mlp' && p.grid === undefined,
    ...(options.model === 'mlp' && p.grid !== undefined ? { oneProcessOnly: 'a grid search fits its candidates in one process' } : {}),
    fit,
    dispose() {
      model?.dispose();
      if (torch.getNumThreads() !== threadsBefore) torch.setNumThreads(threadsBefore);
    },
  };
}

export const emulatorTrainer: TrainerDefinition<TrainEmulatorOptions, EmulatorPlan, TrainEmulatorResult> = { kind: 'regressor', plan, create };
