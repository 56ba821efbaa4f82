/**
 * A GAN as the training workflow sees it (DESIGN §4): an architecture (plain JSON, stored with
 * runs and checkpoints), the two networks it builds, and how to call them with or without
 * conditions.
 *
 * ```ts
 * const gan = createGan({ model: 'cdcgan', size: 32, channels: 1, noiseDim: 100, conditions: specs });
 * const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
 * const images = torch.tidy(() => gan.generate(torch.randn([16, 100]), encodeConditions(specs, rows)));
 * gan.dispose();
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { checkConditionSpecs, type ConditionSpec } from './conditions.js';
import { ConditionEncoder } from './condition-encoder.js';
import { ConditionalDiscriminator, ConditionalGenerator } from './conditional-gan.js';
import { DCGAN_NOISE_DIM, dcganDiscriminator, dcganGenerator } from './dcgan.js';
import { standardDcganDiscriminator, standardDcganGenerator } from './standard-dcgan.js';
import { kerasInit } from './weight-init.js';
import { ProjectionDiscriminator, SNGAN_DEFAULT_WIDTH, snganGenerator } from './sngan.js';

type Tensor = torch.Tensor;

/**
 * 'dcgan': the TensorFlow tutorial's, unconditioned; 'cdcgan': the same conditioned on one or
 * more conditions, in both networks; 'sngan': a spectrally normalised GAN with a projection
 * discriminator (sngan.ts), with or without conditions.
 */
export type GanModel = 'dcgan' | 'cdcgan' | 'sngan';
export type GanImageSize = 28 | 32 | 64;

export const GAN_MODELS: readonly GanModel[] = Object.freeze(['dcgan', 'cdcgan', 'sngan']);
export const GAN_IMAGE_SIZES: readonly GanImageSize[] = Object.freeze([28, 32, 64]);

export interface GanArchitecture {
  /** 'cdcgan' requires at least one condition; 'dcgan' none. */
  model: GanModel;
  /**
   * 28: the TensorFlow-tutorial DCGAN of dcgan.ts; 32 and 64: the standard DCGAN stack of
   * Radford et al. (standard-dcgan.ts).
   */
  size: GanImageSize;
  channels: 1 | 3;
  /** Length of the noise vector (100 when left out). */
  noiseDim: number;
  /** In the order of the condition tensor's columns. */
  conditions: ConditionSpec[];
  /** 'sngan' only: the channel width of its layers ({@link SNGAN_DEFAULT_WIDTH} when left out). */
  width?: number;
}

/**
 * The architecture as a canonical JSON string (fixed key order, defaults filled in), so that a
 * checkpoint of another architecture is refused by comparing keys. `JSON.parse` of a key is the
 * architecture again, which the Python twin reads too.
 *
 * ```ts
 * if (architectureKey(saved) !== architectureKey(gan.architecture)) throw new Error('another architecture');
 * ```
 */
export function architectureKey(a: GanArchitecture): string {
  return JSON.stringify({
    model: a.model,
    size: a.size,
    channels: a.channels,
    noiseDim: a.noiseDim ?? DCGAN_NOISE_DIM,
    conditions: (a.conditions ?? []).map((c) =>
      c.kind === 'categorical' ? { name: c.name, kind: c.kind, levels: [...c.levels] } : { name: c.name, kind: c.kind, min: c.min, max: c.max },
    ),
    // Only an sngan has a width: the keys of the other models stay what they always were.
    ...(a.model === 'sngan' ? { width: a.width ?? SNGAN_DEFAULT_WIDTH } : {}),
  });
}

/** Validates an architecture (an E_ML_ARGUMENT MlError naming the field) and returns a frozen copy with defaults. */
export function checkGanArchitecture(a: GanArchitecture): GanArchitecture {
  if (a === null || typeof a !== 'object') throw new MlError('E_ML_ARGUMENT', (o) => `a GAN ${o('architecture')} must be an object, got ${String(a)}`);
  if (!GAN_MODELS.includes(a.model)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.model')} must be one of ${GAN_MODELS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(a.model)}`);
  if (!GAN_IMAGE_SIZES.includes(a.size)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.size')} must be one of ${GAN_IMAGE_SIZES.join(', ')}, got ${JSON.stringify(a.size)}`);
  if (a.channels !== 1 && a.channels !== 3) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.channels')} must be 1 or 3, got ${JSON.stringify(a.channels)}`);
  const noiseDim = a.noiseDim ?? DCGAN_NOISE_DIM;
  if (!Number.isInteger(noiseDim) || noiseDim < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.noiseDim')} must be a positive integer, got ${JSON.stringify(noiseDim)}`);
  const conditions = a.conditions ?? [];
  checkConditionSpecs(conditions);
  if (a.model === 'cdcgan' && conditions.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.model')} 'cdcgan' needs at least one condition, got none`);
  if (a.width !== undefined && a.model !== 'sngan') throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.width')} is for an 'sngan'; a '${a.model}' has the fixed widths of its paper`);
  if (a.model === 'sngan' && (!Number.isInteger(a.width ?? SNGAN_DEFAULT_WIDTH) || (a.width ?? SNGAN_DEFAULT_WIDTH) < 1 || (a.width ?? SNGAN_DEFAULT_WIDTH) > 1024)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.width')} must be a whole number from 1 to 1024, got ${JSON.stringify(a.width)}`);
  }
  if (a.model === 'dcgan' && conditions.length > 0) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('architecture.model')} 'dcgan' takes no conditions, got ${conditions.map((c) => `'${c.name}'`).join(', ')} (use 'cdcgan')`);
  }
  // A deep copy, so the caller's later edits cannot change a built GAN's description.
  return deepFreeze(JSON.parse(architectureKey({ ...a, noiseDim, conditions })) as GanArchitecture);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The two networks of an architecture, built by {@link createGan}. */
class Gan implements Disposable {
  /** The validated architecture, frozen, with defaults filled in. */
  readonly architecture: GanArchitecture;
  /**
   * An nn.Sequential for 'dcgan' (for 28×28×1 exactly `dcganGenerator()`), a
   * `ConditionalGenerator` for 'cdcgan'. Its state dict loads into the Python twin's
   * (scripts/python/dsi_gan.py).
   */
  readonly generator: torch.nn.Module;
  /** An nn.Sequential for 'dcgan' (for 28×28×1 exactly `dcganDiscriminator()`), a `ConditionalDiscriminator` for 'cdcgan'. */
  readonly discriminator: torch.nn.Module;
  #disposed = false;

  constructor(architecture: GanArchitecture) {
    this.architecture = architecture;
    const { size, channels, noiseDim, conditions } = architecture;
    if (architecture.model === 'sngan') {
      const width = architecture.width ?? SNGAN_DEFAULT_WIDTH;
      const gEncoder = conditions.length > 0 ? new ConditionEncoder(conditions) : undefined;
      const gNet = snganGenerator({ size, channels, width, inputDim: noiseDim + (gEncoder?.outDim ?? 0) });
      this.generator = gEncoder === undefined ? gNet : new ConditionalGenerator(gEncoder, gNet);
      this.discriminator = new ProjectionDiscriminator({ size, channels, width }, conditions.length > 0 ? new ConditionEncoder(conditions) : undefined);
      return;
    }
    // Generator first, then discriminator: after the same seed, the same weights as building them by hand.
    const gEncoder = architecture.model === 'cdcgan' ? new ConditionEncoder(conditions) : undefined;
    const inputDim = noiseDim + (gEncoder?.outDim ?? 0);
    const gNet = size === 28 ? dcganGenerator({ noiseDim: inputDim, channels }) : standardDcganGenerator({ size, channels, inputDim });
    this.generator = gEncoder === undefined ? gNet : new ConditionalGenerator(gEncoder, gNet);
    const dEncoder = gEncoder === undefined ? undefined : new ConditionEncoder(conditions);
    // A conditional discriminator reads the condition plane as one more channel.
    const dChannels = dEncoder === undefined ? channels : channels + 1;
    const dNet = size === 28 ? dcganDiscriminator({ channels: dChannels }) : standardDcganDiscriminator({ size, channels: dChannels });
    this.discriminator = dEncoder === undefined ? dNet : new ConditionalDiscriminator(dEncoder, size, dNet);
    if (size === 28) {
      // TensorFlow's tutorial network, initialised as its Keras layers are (kerasInit).
      kerasInit(this.generator);
      kerasInit(this.discriminator);
    }
  }

  #alive(): void {
    if (this.#disposed) throw new torch.TorchError('this GAN was disposed', 'E_DISPOSED');
  }

  #checkCond(what: string, n: number, cond: Tensor | undefined): void {
    const { model, conditions } = this.architecture;
    if (conditions.length === 0) {
      if (cond !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${what}: a '${model}' without conditions takes none, but ${o('cond')} was given`);
      return;
    }
    if (cond === undefined) throw new MlError('E_ML_ARGUMENT', (o) => `${what}: a '${model}' needs ${o('cond')}, N×${conditions.length} (${conditions.map((c) => c.name).join(', ')}) from encodeConditions`);
    const s = cond.shape;
    if (s.length !== 2 || s[0] !== n || s[1] !== conditions.length) {
      throw new MlError('E_ML_ARGUMENT', (o) => `${what}: ${o('cond')} must be ${n}×${conditions.length} (${conditions.map((c) => c.name).join(', ')}), got [${s.join(', ')}]`);
    }
  }

  /**
   * noise N × noiseDim, cond N × conditions.length (from `encodeConditions`, on the same device;
   * left out for 'dcgan') → N × channels × size × size in (−1, 1). Call it inside `torch.tidy`:
   * the intermediates belong to the enclosing scope.
   */
  generate(noise: Tensor, cond?: Tensor): Tensor {
    this.#alive();
    const { noiseDim } = this.architecture;
    const s = noise.shape;
    if (s.length !== 2 || s[1] !== noiseDim) throw new MlError('E_ML_ARGUMENT', (o) => `generate: ${o('noise')} must be N×${noiseDim}, got [${s.join(', ')}]`);
    this.#checkCond('generate', s[0] as number, cond);
    return this.generator instanceof ConditionalGenerator ? this.generator.forwardConditioned(noise, cond as Tensor) : this.generator.forward(noise);
  }

  /** images N × channels × size × size, cond as for `generate` → N × 1 logits. */
  discriminate(images: Tensor, cond?: Tensor): Tensor {
    this.#alive();
    const { channels, size } = this.architecture;
    const s = images.shape;
    if (s.length !== 4 || s[1] !== channels || s[2] !== size || s[3] !== size) {
      throw new MlError('E_ML_ARGUMENT', (o) => `discriminate: ${o('images')} must be N×${channels}×${size}×${size}, got [${s.join(', ')}]`);
    }
    this.#checkCond('discriminate', s[0] as number, cond);
    const d = this.discriminator;
    if (cond === undefined) return d.forward(images);
    if (d instanceof ConditionalDiscriminator || d instanceof ProjectionDiscriminator) return d.forwardConditioned(images, cond);
    throw new MlError('E_ML_ARGUMENT', 'discriminate: this discriminator takes no conditions');
  }

  /** Moves both networks (parameters keep their identity, so optimisers built before still hold them). */
  to(device: string): this {
    this.#alive();
    this.generator.to(device);
    this.discriminator.to(device);
    return this;
  }

  /** Training mode (batch statistics, dropout) on both networks, or evaluation mode with `false`. */
  train(on = true): this {
    this.#alive();
    this.generator.train(on);
    this.discriminator.train(on);
    return this;
  }

  /** Evaluation mode on both networks. */
  eval(): this {
    return this.train(false);
  }

  /** Frees both networks' tensors; twice is harmless, any other use afterwards throws E_DISPOSED. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.generator.dispose();
    this.discriminator.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Builds the two networks of an architecture after validating it (an E_ML_ARGUMENT MlError naming the field).
 * The networks start in training mode on the CPU; move them with `to`.
 *
 * ```ts
 * using gan = createGan({ model: 'dcgan', size: 28, channels: 1, noiseDim: 100, conditions: [] });
 * gan.generator.numParameters(); // 2,305,472: dcganGenerator() itself
 * ```
 */
export function createGan(architecture: GanArchitecture): Gan {
  return new Gan(checkGanArchitecture(architecture));
}

export type { Gan };
