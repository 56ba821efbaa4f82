/**
 * What `ml_runs.params` holds for each kind of run, declared once as a schema from which the type
 * follows. The registry checks a row's params against its kind once, where the row is read
 * ({@link checkRunParams}); everything past that point uses the typed params and never casts. A
 * value that does not match (a store written by another program, a hand-edited row) is an
 * `E_ML_RUN` error naming the run and the field.
 *
 * The schemas cover what the workflows read back: the shape of every field (types, allowed words,
 * lists), not the ranges the trainers enforce when they write them. Fields a schema does not know
 * are left out of the typed params (`storedParams` shows the row as it is). zod does the checking:
 * it is made for exactly this (a schema that is also the static type).
 */
import { z } from 'zod';
import { MlError } from '../../errors.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { FeatureEncoding } from '../tabular/feature-encoding.js';
import type { GridCandidate } from '../tabular/grid-search.js';
import { EMULATOR_MODELS } from '../tabular/models/index.js';
import type { HyperParameters } from '../tabular/models/regressor.js';

const text = z.string();
const whole = z.number().int();
const finite = z.number();
const optionalText = text.nullable().default(null);
const level = z.union([text, finite]);
const precision = z.enum(['fp32', 'bf16']);
const channels = z.literal([1, 3]);

const condition: z.ZodType<ConditionSpec> = z.discriminatedUnion('kind', [
  z.object({ name: text, kind: z.literal('categorical'), levels: z.array(level) }),
  z.object({ name: text, kind: z.literal('continuous'), min: finite, max: finite }),
]);

const encoding: z.ZodType<FeatureEncoding> = z.discriminatedUnion('kind', [
  z.object({ name: text, kind: z.literal('numeric'), mean: finite, std: finite }),
  z.object({ name: text, kind: z.literal('text'), levels: z.array(text) }),
]);

const hyper: z.ZodType<HyperParameters> = z.looseObject({
  alpha: finite.optional(),
  k: whole.optional(),
  weights: z.enum(['uniform', 'distance']).optional(),
  trees: whole.optional(),
  max_depth: whole.nullable().optional(),
  hidden: z.array(whole).optional(),
  epochs: whole.optional(),
  lr: finite.optional(),
  batch: whole.optional(),
});

const candidate: z.ZodType<GridCandidate> = z.object({ hyper, mse: finite, mse_std: finite, fold_mse: z.array(finite) });

const ganParams = z.object({
  model: z.enum(['dcgan', 'cdcgan', 'sngan']),
  /** The table the training rows come from (for finding a classifier trained on the same table). */
  source_table: optionalText,
  image_column: optionalText,
  condition_columns: z.array(text),
  conditions: z.array(condition),
  size: whole,
  channels,
  noise_dim: whole,
  epochs: whole,
  batch: whole,
  lr: finite,
  precision,
  device: text,
  checkpoint_every: whole,
  max_images: whole.nullable().default(null),
  /** The condition values of the sample grids' rows. */
  sample_rows: z.array(z.record(z.string(), z.unknown())).default([]),
  /** The preset the settings came from ('quick', 'full'), or null. */
  preset: optionalText,
  /** 'sngan' only (null for the others): its channel width. */
  width: whole.nullable().default(null),
  /** 'sngan' only: its loss; null for 'dcgan' and 'cdcgan', which take the TensorFlow tutorial's step. */
  loss: z.enum(['hinge', 'bce']).nullable().default(null),
  /** The discriminator's learning rate when it differs from the generator's (`lr`). */
  lr_d: finite.nullable().default(null),
  /** Adam's β₁ and β₂ (null: libtorch's defaults, 0.9 and 0.999, as the tutorial uses). */
  betas: z.tuple([finite, finite]).nullable().default(null),
  /** Decay of the moving average of the generator's weights that samples (0: none). */
  ema: finite.default(0),
  /** Weight of the mode-seeking term (0: none). */
  mode_seeking: finite.default(0),
  /** Weight of the auxiliary classification loss of an sngan's class heads (0: none). */
  class_weight: finite.default(0),
  /** Whether the generated half of each batch draws its conditions balanced over the categorical combinations. */
  balanced_conditions: z.boolean().default(false),
});

const classifierParams = z.object({
  model: z.literal('cnn'),
  /** The table the training rows come from (how `defaultFeatureRun` finds a classifier for a GAN run's table). */
  source_table: optionalText,
  image_column: optionalText,
  label_column: text,
  /** The class labels in logit order, sorted as condition levels are (numbers numerically). */
  levels: z.array(level),
  size: z.literal([28, 32, 64]),
  channels,
  feature_dim: whole,
  /** The SQL accuracy is measured on, or null when there is no test set. */
  test_query: optionalText,
  epochs: whole,
  batch: whole,
  lr: finite,
  lr_schedule: z.literal('cosine'),
  optimizer: z.literal('adam'),
  dropout: finite,
  precision,
  device: text,
  checkpoint_every: whole,
  max_images: whole.nullable().default(null),
  /** The run whose accepted predictions were added to the training images (`ml_runs.included_predictions` lists them), or null. */
  included_from: optionalText,
});

const emulatorParams = z.object({
  model: z.enum(EMULATOR_MODELS),
  target: text,
  features: z.array(text),
  /** The table named by `table`, or null for a query. */
  source_table: optionalText,
  /** Per feature: mean and population std (numeric), or levels (text), of the training rows. */
  encoding: z.array(encoding),
  /** The hyper-parameters the final model was fitted with (the grid's choice with a grid search). */
  hyper,
  test_size: finite,
  split: z.object({
    seed: whole,
    n_train: whole,
    n_test: whole,
    /** Held-out rows, 1-based in the data query's order. */
    test_rows: z.array(whole),
    /** Rows drawn for the test set but moved to training for a text level only they have. */
    moved_to_train: z.array(whole),
  }),
  grid_search: z.object({ folds: whole, candidates: z.array(candidate), best: hyper }).nullable().default(null),
  /** The run whose accepted predictions were added as training rows (`ml_runs.included_predictions` lists them), or null. */
  included_from: optionalText,
});

const surrogateParams = z.object({
  model: z.literal('surrogate'),
  /** The table the training rows come from, or null for a query that names none plainly. */
  source_table: optionalText,
  image_column: optionalText,
  /** The parameter columns, in the order the model reads them. */
  condition_columns: z.array(text),
  /** Each parameter's training range (continuous: scaled to [−1, 1] over it) or levels (categorical). */
  conditions: z.array(condition),
  size: z.literal([28, 32, 64]),
  channels,
  /** Channels of the decoder's feature maps. */
  width: whole,
  /** Independently trained members of the ensemble. */
  members: whole,
  /** The SQL the held-out MSE is measured on, or null when there is no test set. */
  test_query: optionalText,
  epochs: whole,
  batch: whole,
  lr: finite,
  lr_schedule: z.literal('cosine'),
  optimizer: z.literal('adam'),
  loss: z.literal('mse'),
  precision,
  device: text,
  checkpoint_every: whole,
  max_images: whole.nullable().default(null),
});

/** The hyper-parameters as `ml_runs.params` records them for a GAN. */
export type GanRunParams = z.infer<typeof ganParams>;
/** The hyper-parameters as `ml_runs.params` records them for a classifier. */
export type ClassifierRunParams = z.infer<typeof classifierParams>;
/** `ml_runs.params` of an emulator run (kind `regressor`). */
export type EmulatorRunParams = z.infer<typeof emulatorParams>;

/** `ml_runs.params` of a surrogate run. */
export type SurrogateRunParams = z.infer<typeof surrogateParams>;

const SCHEMAS = { gan: ganParams, classifier: classifierParams, regressor: emulatorParams, surrogate: surrogateParams } as const;

/** Each run kind's params. */
export type RunParamsByKind = { [K in keyof typeof SCHEMAS]: z.infer<(typeof SCHEMAS)[K]> };

export type RunKind = keyof RunParamsByKind;

/** The run kinds this version knows, in the order messages list them. */
export const RUN_KINDS: readonly RunKind[] = Object.freeze(['classifier', 'gan', 'regressor', 'surrogate'] as const);

export function isRunKind(kind: string): kind is RunKind {
  return Object.hasOwn(SCHEMAS, kind);
}

const shown = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
};

/**
 * `params` (the parsed JSON of `ml_runs.params`) checked against `kind`: the typed params, or an
 * `E_ML_RUN` error naming run `runId` and the first field that does not match
 * (`params.conditions[1].levels: …, got …`).
 */
export function checkRunParams<K extends RunKind>(kind: K, params: unknown, runId: string): RunParamsByKind[K] {
  const parsed = SCHEMAS[kind].safeParse(params);
  if (parsed.success) return parsed.data as RunParamsByKind[K];
  const issue = parsed.error.issues[0]!;
  const field = ['params', ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('');
  let got: unknown = params;
  for (const p of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const expected = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message.replace(/^Invalid \w+: /, '');
  throw new MlError('E_ML_RUN', `run ${runId} has params that do not match its kind (${kind}): ${field}: ${expected}, got ${shown(got)}`);
}
