/**
 * What `ml_runs.params` holds for each kind of run, and its check. The registry checks a row's
 * params against its kind once, where the row is read ({@link checkRunParams}); everything past
 * that point uses the typed params and never casts. A value that does not match (a store written
 * by another program, a hand-edited row) is an `E_ML_RUN` error naming the run and the field.
 *
 * The check covers what the workflows read back: the shape of every field (types, allowed
 * words, lists), not the ranges the trainers enforce when they write them.
 */
import { MlError } from '../../errors.js';
import type { ClassifierArchitecture } from '../models/classifier.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { GanModel } from '../models/gan.js';
import type { FeatureEncoding } from '../tabular/feature-encoding.js';
import type { GridCandidate } from '../tabular/grid-search.js';
import { EMULATOR_MODELS, type EmulatorModel } from '../tabular/models/index.js';
import type { HyperParameters } from '../tabular/models/regressor.js';
import type { Precision } from '../train/training-run-options.js';

/** The hyper-parameters as `ml_runs.params` records them for a GAN. */
export interface GanRunParams {
  model: GanModel;
  /** The table the training rows come from (for finding a classifier trained on the same table). */
  source_table: string | null;
  image_column: string | null;
  condition_columns: string[];
  conditions: ConditionSpec[];
  size: number;
  channels: 1 | 3;
  noise_dim: number;
  epochs: number;
  batch: number;
  lr: number;
  precision: Precision;
  device: string;
  checkpoint_every: number;
  max_images: number | null;
  /** The condition values of the sample grids' rows. */
  sample_rows: Record<string, unknown>[];
}

/** The hyper-parameters as `ml_runs.params` records them for a classifier. */
export interface ClassifierRunParams {
  model: 'cnn';
  /** The table the training rows come from (how `defaultFeatureRun` finds a classifier for a GAN run's table). */
  source_table: string | null;
  image_column: string | null;
  label_column: string;
  /** The class labels in logit order, sorted as condition levels are (numbers numerically). */
  levels: (string | number)[];
  size: ClassifierArchitecture['size'];
  channels: 1 | 3;
  feature_dim: number;
  /** The SQL accuracy is measured on, or null when there is no test set. */
  test_query: string | null;
  epochs: number;
  batch: number;
  lr: number;
  lr_schedule: 'cosine';
  optimizer: 'adam';
  dropout: number;
  precision: Precision;
  device: string;
  checkpoint_every: number;
  max_images: number | null;
}

/** `ml_runs.params` of an emulator run (kind `regressor`). */
export interface EmulatorRunParams {
  model: EmulatorModel;
  target: string;
  features: string[];
  /** The table named by `table`, or null for a query. */
  source_table: string | null;
  /** Per feature: mean and population std (numeric), or levels (text), of the training rows. */
  encoding: FeatureEncoding[];
  /** The hyper-parameters the final model was fitted with (the grid's choice with a grid search). */
  hyper: HyperParameters;
  test_size: number;
  split: {
    seed: number;
    n_train: number;
    n_test: number;
    /** Held-out rows, 1-based in the data query's order. */
    test_rows: number[];
    /** Rows drawn for the test set but moved to training for a text level only they have. */
    moved_to_train: number[];
  };
  grid_search: null | { folds: number; candidates: GridCandidate[]; best: HyperParameters };
}

/** Each run kind's params. */
export interface RunParamsByKind {
  gan: GanRunParams;
  classifier: ClassifierRunParams;
  regressor: EmulatorRunParams;
}

export type RunKind = keyof RunParamsByKind;

/** The run kinds this version knows, in the order messages list them. */
export const RUN_KINDS: readonly RunKind[] = Object.freeze(['classifier', 'gan', 'regressor'] as const);

export function isRunKind(kind: string): kind is RunKind {
  return (RUN_KINDS as readonly string[]).includes(kind);
}

type Json = Readonly<Record<string, unknown>>;

const shown = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Field checks over one params object; each failure names the run and the field (`conditions[1].levels`). */
class ParamsReader {
  readonly #runId: string;
  readonly #kind: RunKind;

  constructor(runId: string, kind: RunKind) {
    this.#runId = runId;
    this.#kind = kind;
  }

  fail(field: string, what: string, got: unknown): never {
    throw new MlError('E_ML_RUN', `run ${this.#runId} has params that do not match its kind (${this.#kind}): params.${field} must be ${what}, got ${shown(got)}`);
  }

  object(v: unknown, field: string): Json {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Json;
  }

  string(v: unknown, field: string): string {
    return typeof v === 'string' ? v : this.fail(field, 'a string', v);
  }

  stringOrNull(v: unknown, field: string): string | null {
    return v === null || typeof v === 'string' ? v : this.fail(field, 'a string or null', v);
  }

  number(v: unknown, field: string): number {
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(field, 'a finite number', v);
  }

  integer(v: unknown, field: string): number {
    return Number.isInteger(v) ? (v as number) : this.fail(field, 'a whole number', v);
  }

  integerOrNull(v: unknown, field: string): number | null {
    return v === null ? null : this.integer(v, field);
  }

  oneOf<T extends string | number>(v: unknown, field: string, allowed: readonly T[]): T {
    return (allowed as readonly unknown[]).includes(v) ? (v as T) : this.fail(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, v);
  }

  list<T>(v: unknown, field: string, item: (x: unknown, field: string) => T): T[] {
    if (!Array.isArray(v)) this.fail(field, 'a list', v);
    return (v as unknown[]).map((x, i) => item(x, `${field}[${i}]`));
  }

  level(v: unknown, field: string): string | number {
    return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? v : this.fail(field, 'a string or a finite number', v);
  }

  condition(v: unknown, field: string): ConditionSpec {
    const c = this.object(v, field);
    const name = this.string(c['name'], `${field}.name`);
    const kind = this.oneOf(c['kind'], `${field}.kind`, ['categorical', 'continuous'] as const);
    if (kind === 'categorical') return { name, kind, levels: this.list(c['levels'], `${field}.levels`, (x, f) => this.level(x, f)) };
    return { name, kind, min: this.number(c['min'], `${field}.min`), max: this.number(c['max'], `${field}.max`) };
  }

  hyper(v: unknown, field: string): HyperParameters {
    return { ...this.object(v, field) };
  }

  candidate(v: unknown, field: string): GridCandidate {
    const c = this.object(v, field);
    return {
      hyper: this.hyper(c['hyper'], `${field}.hyper`),
      mse: this.number(c['mse'], `${field}.mse`),
      mse_std: this.number(c['mse_std'], `${field}.mse_std`),
      fold_mse: this.list(c['fold_mse'], `${field}.fold_mse`, (x, f) => this.number(x, f)),
    };
  }

  encoding(v: unknown, field: string): FeatureEncoding {
    const e = this.object(v, field);
    const name = this.string(e['name'], `${field}.name`);
    const kind = this.oneOf(e['kind'], `${field}.kind`, ['numeric', 'text'] as const);
    if (kind === 'text') return { name, kind, levels: this.list(e['levels'], `${field}.levels`, (x, f) => this.string(x, f)) };
    return { name, kind, mean: this.number(e['mean'], `${field}.mean`), std: this.number(e['std'], `${field}.std`) };
  }
}

const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];
const CHANNELS = [1, 3] as const;

function ganParams(r: ParamsReader, p: Json): GanRunParams {
  return {
    ...p,
    model: r.oneOf(p['model'], 'model', ['dcgan', 'cdcgan'] as const),
    source_table: r.stringOrNull(p['source_table'] ?? null, 'source_table'),
    image_column: r.stringOrNull(p['image_column'] ?? null, 'image_column'),
    condition_columns: r.list(p['condition_columns'], 'condition_columns', (x, f) => r.string(x, f)),
    conditions: r.list(p['conditions'], 'conditions', (x, f) => r.condition(x, f)),
    size: r.integer(p['size'], 'size'),
    channels: r.oneOf(p['channels'], 'channels', CHANNELS),
    noise_dim: r.integer(p['noise_dim'], 'noise_dim'),
    epochs: r.integer(p['epochs'], 'epochs'),
    batch: r.integer(p['batch'], 'batch'),
    lr: r.number(p['lr'], 'lr'),
    precision: r.oneOf(p['precision'], 'precision', PRECISIONS),
    device: r.string(p['device'], 'device'),
    checkpoint_every: r.integer(p['checkpoint_every'], 'checkpoint_every'),
    max_images: r.integerOrNull(p['max_images'] ?? null, 'max_images'),
    sample_rows: r.list(p['sample_rows'] ?? [], 'sample_rows', (x, f) => ({ ...r.object(x, f) })),
  };
}

function classifierParams(r: ParamsReader, p: Json): ClassifierRunParams {
  return {
    ...p,
    model: r.oneOf(p['model'], 'model', ['cnn'] as const),
    source_table: r.stringOrNull(p['source_table'] ?? null, 'source_table'),
    image_column: r.stringOrNull(p['image_column'] ?? null, 'image_column'),
    label_column: r.string(p['label_column'], 'label_column'),
    levels: r.list(p['levels'], 'levels', (x, f) => r.level(x, f)),
    size: r.integer(p['size'], 'size') as ClassifierArchitecture['size'],
    channels: r.oneOf(p['channels'], 'channels', CHANNELS),
    feature_dim: r.integer(p['feature_dim'], 'feature_dim'),
    test_query: r.stringOrNull(p['test_query'] ?? null, 'test_query'),
    epochs: r.integer(p['epochs'], 'epochs'),
    batch: r.integer(p['batch'], 'batch'),
    lr: r.number(p['lr'], 'lr'),
    lr_schedule: r.oneOf(p['lr_schedule'], 'lr_schedule', ['cosine'] as const),
    optimizer: r.oneOf(p['optimizer'], 'optimizer', ['adam'] as const),
    dropout: r.number(p['dropout'], 'dropout'),
    precision: r.oneOf(p['precision'], 'precision', PRECISIONS),
    device: r.string(p['device'], 'device'),
    checkpoint_every: r.integer(p['checkpoint_every'], 'checkpoint_every'),
    max_images: r.integerOrNull(p['max_images'] ?? null, 'max_images'),
  };
}

function emulatorParams(r: ParamsReader, p: Json): EmulatorRunParams {
  const split = r.object(p['split'], 'split');
  const rows = (field: string): number[] => r.list(split[field], `split.${field}`, (x, f) => r.integer(x, f));
  const grid = p['grid_search'] ?? null;
  return {
    ...p,
    model: r.oneOf<EmulatorModel>(p['model'], 'model', EMULATOR_MODELS),
    target: r.string(p['target'], 'target'),
    features: r.list(p['features'], 'features', (x, f) => r.string(x, f)),
    source_table: r.stringOrNull(p['source_table'] ?? null, 'source_table'),
    encoding: r.list(p['encoding'], 'encoding', (x, f) => r.encoding(x, f)),
    hyper: r.hyper(p['hyper'], 'hyper'),
    test_size: r.number(p['test_size'], 'test_size'),
    split: {
      seed: r.integer(split['seed'], 'split.seed'),
      n_train: r.integer(split['n_train'], 'split.n_train'),
      n_test: r.integer(split['n_test'], 'split.n_test'),
      test_rows: rows('test_rows'),
      moved_to_train: rows('moved_to_train'),
    },
    grid_search:
      grid === null
        ? null
        : (() => {
            const g = r.object(grid, 'grid_search');
            return {
              folds: r.integer(g['folds'], 'grid_search.folds'),
              candidates: r.list(g['candidates'], 'grid_search.candidates', (x, f) => r.candidate(x, f)),
              best: r.hyper(g['best'], 'grid_search.best'),
            };
          })(),
  };
}

const CHECKS: { readonly [K in RunKind]: (r: ParamsReader, p: Json) => RunParamsByKind[K] } = {
  gan: ganParams,
  classifier: classifierParams,
  regressor: emulatorParams,
};

/**
 * `params` (the parsed JSON of `ml_runs.params`) checked against `kind`: the typed params, or an
 * `E_ML_RUN` error naming run `runId` and the first field that does not match. Fields the check
 * does not know are kept as they are.
 */
export function checkRunParams<K extends RunKind>(kind: K, params: Json, runId: string): RunParamsByKind[K] {
  return CHECKS[kind](new ParamsReader(runId, kind), params);
}
