/**
 * The options of `explainRun`, checked at the edge and with their defaults: exactly one of a row
 * and a prediction, whole numbers within their limits (src/ml/call-limits.ts), names from their
 * closed lists, an existing device. Nothing touches the store here.
 */
import { MlError } from '../../errors.js';
import { CALL_LIMITS, checkCallSize, checkWholeNumber, checkSeed } from '../call-limits.js';
import { resolveDevice } from '../device.js';
import { DEFAULT_BACKGROUND } from './background.js';
import { checkRegionShape, type ImageRegion } from './image-region.js';
import { DEFAULT_BLOCKS } from './image-segmentation.js';
import { SHAP_METHODS, type ShapMethod } from './shapley-values.js';

/** Which scalar of a GAN is explained. */
export type ExplainOutput = 'score' | 'mean-intensity' | 'discriminator';
export const EXPLAIN_OUTPUTS: readonly ExplainOutput[] = Object.freeze(['score', 'mean-intensity', 'discriminator']);

/** How absent image segments are filled: the mean of the K background images, or each of them. */
export type ImageBackground = 'mean' | 'images';
export const IMAGE_BACKGROUNDS: readonly ImageBackground[] = Object.freeze(['mean', 'images']);

export type Segmentation = 'blocks' | 'superpixels';
export const SEGMENTATIONS: readonly Segmentation[] = Object.freeze(['blocks', 'superpixels']);

export interface ExplainRunOptions {
  readonly run: string;
  /** Row N (1-based) of the run's data query. Give exactly one of `row` and `prediction`. */
  readonly row?: number;
  /** A stored prediction (`ml_predictions.prediction_id`): its image, or its parameters and seed. */
  readonly prediction?: string;
  /** Default: exact for up to 12 features that differ from the background, kernel beyond. */
  readonly method?: ShapMethod;
  /** K background rows drawn from the run's data (default 100; all rows when K ≥ their number). */
  readonly background?: number;
  /** Seed of the background draw, of Kernel and permutation sampling and of a generator's noise (default 0). */
  readonly seed?: number;
  /** Coalition budget of kernel and permutation (default 2M + 2048). */
  readonly samples?: number;
  /** GAN runs: `discriminator`, or for a conditional generator `score` (default when a classifier exists) or `mean-intensity`. */
  readonly output?: ExplainOutput;
  /**
   * Surrogate runs and a GAN's `mean-intensity`: the region whose mean pixel value is explained,
   * x0, y0, x1, y1 in pixels (inclusive-exclusive); default the whole image.
   */
  readonly region?: ImageRegion;
  /** The class whose probability is explained (classifier runs, and GAN `score`); default: the predicted one. */
  readonly class?: string | number;
  /** Image features: a grid of blocks (default) or superpixels. */
  readonly segmentation?: Segmentation;
  /** Grid side (default 7: 7 × 7 blocks); with superpixels, about blocks² segments. */
  readonly blocks?: number;
  /** Absent image segments take the mean of the K background images (default) or each of them. */
  readonly imageBackground?: ImageBackground;
  /** Where the models run (default cpu). */
  readonly device?: string;
}

/** The options every subject builder receives: checked, defaults filled in, `class` as text. */
export type SubjectOptions = { readonly [K in 'row' | 'prediction' | 'method' | 'output' | 'region']: ExplainRunOptions[K] } & Readonly<Required<Omit<ExplainRunOptions, 'run' | 'row' | 'prediction' | 'method' | 'output' | 'region' | 'samples' | 'class'>>> & { readonly class: string | undefined };

function oneOf<T extends string>(name: string, v: T | undefined, allowed: readonly T[]): T | undefined {
  if (v !== undefined && !allowed.includes(v)) throw new MlError('E_ML_ARGUMENT', (o) => `${o(name)} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

/** The options checked, defaults filled in; nothing touches the store yet. */
export function checkExplainOptions(options: ExplainRunOptions): SubjectOptions {
  if (options === null || typeof options !== 'object') throw new MlError('E_ML_ARGUMENT', `explainRun: options must be an object, got ${String(options)}`);
  if (typeof options.run !== 'string' || options.run === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('run')} must be a run id, got ${JSON.stringify(options.run)}`);
  if ((options.row === undefined) === (options.prediction === undefined)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `give exactly one of ${o('row')} N (a row of the run's data query) and ${o('prediction')} ID (a stored prediction)`);
  }
  if (options.row !== undefined && (!Number.isInteger(options.row) || options.row < 1)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('row')} must be a whole number ≥ 1 (rows count from 1), got ${String(options.row)}`);
  if (options.seed !== undefined) checkSeed('seed', options.seed);
  if (options.samples !== undefined) {
    checkCallSize('samples', checkWholeNumber('samples', options.samples, 0, 1), CALL_LIMITS.explainSamples, 'Kernel SHAP and permutation sampling settle far below that (the default is 2M + 2048); give fewer', 'coalitions');
  }
  if (options.background !== undefined) {
    checkCallSize('background', checkWholeNumber('background', options.background, 0, 1), CALL_LIMITS.explainBackground, 'E[f] over a few hundred rows is already close; draw fewer', 'rows');
  }
  if (options.class !== undefined && (typeof options.class !== 'string' || options.class === '') && typeof options.class !== 'number') {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('class')} must be a class label, got ${JSON.stringify(options.class)}`);
  }
  return {
    row: options.row,
    prediction: options.prediction,
    method: oneOf('method', options.method, SHAP_METHODS),
    background: checkWholeNumber('background', options.background, DEFAULT_BACKGROUND, 1),
    seed: options.seed ?? 0,
    output: oneOf('output', options.output, EXPLAIN_OUTPUTS),
    region: options.region === undefined ? undefined : checkRegionShape(options.region),
    class: options.class === undefined ? undefined : String(options.class),
    segmentation: oneOf('segmentation', options.segmentation, SEGMENTATIONS) ?? 'blocks',
    blocks: checkWholeNumber('blocks', options.blocks, DEFAULT_BLOCKS, 1),
    imageBackground: oneOf('imageBackground', options.imageBackground, IMAGE_BACKGROUNDS) ?? 'mean',
    device: resolveDevice(options.device ?? 'cpu'),
  };
}
