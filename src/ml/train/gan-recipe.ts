/**
 * How an 'sngan' is trained (its recipe) and the presets that choose every setting for a budget.
 * The defaults are the ones measured best (docs/ml-gan-recipe.md has the ablation); a preset
 * fills in what the caller leaves out, and anything the caller gives wins.
 *
 * ```ts
 * const r = ganRecipe({ preset: 'quick', conditionColumns: ['label'] }); // model sngan, width 32, …
 * ```
 */
import { MlError } from '../../errors.js';
import type { GanModel } from '../models/gan.js';
import { GAN_LOSSES, type GanLoss } from './sngan-train-step.js';

export type GanPreset = 'quick' | 'full';
export const GAN_PRESETS: readonly GanPreset[] = Object.freeze(['quick', 'full']);

/** The settings of an 'sngan' run beside the common ones (epochs, batch, lr, …). */
export interface SnganRecipe {
  readonly width: number;
  readonly loss: GanLoss;
  /** The discriminator's learning rate. */
  readonly lrD: number;
  readonly betas: readonly [number, number];
  /** Decay of the generator's moving average (0: none). */
  readonly ema: number;
  readonly modeSeeking: number;
  /** Weight of the auxiliary classification loss on categorical conditions (0: none). */
  readonly classWeight: number;
  readonly balancedConditions: boolean;
}

/** What the caller may set of a recipe (each overrides the preset's and the defaults). */
export interface GanRecipeOptions {
  /** Settings chosen for a budget: 'quick' (minutes on a laptop CPU), 'full' (the seed's full runs, on a GPU). */
  readonly preset?: GanPreset;
  readonly model?: GanModel;
  readonly width?: number;
  readonly loss?: GanLoss;
  readonly lrD?: number;
  readonly betas?: readonly [number, number];
  readonly ema?: number;
  readonly modeSeeking?: number;
  readonly classWeight?: number;
  readonly balancedConditions?: boolean;
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly maxImages?: number;
}

/** An sngan's recipe when neither the caller nor a preset says otherwise. */
export const SNGAN_DEFAULTS: SnganRecipe & { readonly lr: number; readonly batch: number } = Object.freeze({
  width: 64,
  loss: 'hinge',
  lr: 2e-4,
  lrD: 2e-4,
  betas: Object.freeze([0.5, 0.999]) as readonly [number, number],
  ema: 0.999,
  modeSeeking: 0,
  classWeight: 2,
  balancedConditions: true,
  batch: 64,
});

export interface PresetSettings extends Partial<SnganRecipe> {
  readonly model: GanModel;
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  /** null: every image the query selects. */
  readonly maxImages: number | null;
}

/**
 * The presets. 'quick' is sized for an idle 2-core CPU to finish in under 5 minutes on MNIST:
 * 2,880 steps of 64 images (9 passes over the first 20,480 images) by a 32-wide sngan;
 * docs/ml-gan-recipe.md has the measurements. 'full' is the seed's full run (every image, 50
 * epochs) with the 64-wide sngan.
 */
export const GAN_PRESET_SETTINGS: Readonly<Record<GanPreset, PresetSettings>> = Object.freeze({
  quick: Object.freeze({ model: 'sngan', width: 32, epochs: 9, batch: 64, lr: 2e-4, lrD: 2e-4, maxImages: 20_480 }),
  full: Object.freeze({ model: 'sngan', width: 64, epochs: 50, batch: 64, lr: 2e-4, lrD: 2e-4, maxImages: null }),
} satisfies Record<GanPreset, PresetSettings>);

/** The preset's settings, or an E_ML_ARGUMENT error naming the presets there are. */
export function presetSettings(preset: string): PresetSettings {
  if (!(GAN_PRESETS as readonly string[]).includes(preset)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('preset')} must be one of ${GAN_PRESETS.map((p) => `'${p}'`).join(', ')}, got ${JSON.stringify(preset)}`);
  }
  return GAN_PRESET_SETTINGS[preset as GanPreset];
}

function checkRate(option: string, v: number): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a positive number, got ${String(v)}`);
  return v;
}

function checkUnit(option: string, v: number, closed: boolean): number {
  if (!(typeof v === 'number' && v >= 0 && (closed ? v <= 1 : v < 1))) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a number from 0 to ${closed ? '1' : 'below 1'}, got ${String(v)}`);
  }
  return v;
}

/** Options that only an sngan takes: named in an error when given for another model. */
const SNGAN_ONLY = ['width', 'loss', 'lrD', 'betas', 'ema', 'modeSeeking', 'classWeight', 'balancedConditions'] as const;

/**
 * The sngan recipe of a new run (defaults, then the preset, then the caller's options), each
 * checked; undefined for the other models, which take none of its options.
 */
export function snganRecipe(model: GanModel, options: GanRecipeOptions, preset: PresetSettings | undefined): SnganRecipe | undefined {
  if (model !== 'sngan') {
    const given = SNGAN_ONLY.filter((k) => options[k] !== undefined);
    if (given.length > 0) throw new MlError('E_ML_ARGUMENT', (o) => `${given.map(o).join(', ')} ${given.length === 1 ? 'is' : 'are'} for an sngan; a ${model} trains as its paper does`);
    return undefined;
  }
  const pick = <K extends keyof SnganRecipe>(k: K): SnganRecipe[K] => (options[k] ?? preset?.[k] ?? SNGAN_DEFAULTS[k]) as SnganRecipe[K];
  const width = pick('width');
  if (!Number.isInteger(width) || width < 1 || width > 1024) throw new MlError('E_ML_ARGUMENT', (o) => `${o('width')} must be a whole number from 1 to 1024, got ${String(width)}`);
  const loss = pick('loss');
  if (!GAN_LOSSES.includes(loss)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('loss')} must be one of ${GAN_LOSSES.join(', ')}, got ${JSON.stringify(loss)}`);
  const betas = pick('betas');
  if (!Array.isArray(betas) || betas.length !== 2) throw new MlError('E_ML_ARGUMENT', (o) => `${o('betas')} must be two numbers [β₁, β₂], got ${JSON.stringify(betas)}`);
  betas.forEach((b) => checkUnit('betas', b, false));
  const [modeSeeking, classWeight] = (['modeSeeking', 'classWeight'] as const).map((k) => {
    const v = pick(k);
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new MlError('E_ML_ARGUMENT', (o) => `${o(k)} must be a number ≥ 0, got ${String(v)}`);
    return v;
  }) as [number, number];
  const balanced = pick('balancedConditions');
  if (typeof balanced !== 'boolean') throw new MlError('E_ML_ARGUMENT', (o) => `${o('balancedConditions')} must be true or false, got ${String(balanced)}`);
  return {
    width,
    loss,
    lrD: checkRate('lrD', pick('lrD')),
    betas: [betas[0], betas[1]],
    ema: checkUnit('ema', pick('ema'), false),
    modeSeeking,
    classWeight,
    balancedConditions: balanced,
  };
}
