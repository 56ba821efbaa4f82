/**
 * The standard DCGAN stack (Radford et al. 2016, as PyTorch's DCGAN tutorial builds it) for 32×32
 * and 64×64 images: 4×4 kernels, ngf = ndf = 64, BatchNorm + ReLU in the generator, BatchNorm +
 * LeakyReLU 0.2 in the discriminator (none on its first layer), tanh output, no biases, weights
 * from N(0, 0.02) (`dcganInit`).
 *
 * ```ts
 * const gen = standardDcganGenerator({ size: 64, channels: 3, inputDim: 100 });  // N×100 → N×3×64×64
 * const disc = standardDcganDiscriminator({ size: 64, channels: 3 });            // N×3×64×64 → N×1
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { dcganInit } from './weight-init.js';

const { nn } = torch;

/** Feature maps of the last generator layer and the first discriminator layer (ngf = ndf). */
export const STANDARD_DCGAN_FEATURES = 64;
export const STANDARD_DCGAN_LEAKY_SLOPE = 0.2;
export type StandardDcganSize = 32 | 64;

/** Feature multipliers of the generator's layers (the discriminator's, reversed). */
function multipliers(size: StandardDcganSize): number[] {
  if (size === 64) return [8, 4, 2, 1];
  if (size === 32) return [4, 2, 1];
  throw new MlError('E_ML_ARGUMENT', (o) => `${o('size')} must be 32 or 64 (the sizes the standard DCGAN stack is built for), got ${String(size)}`);
}

function positiveInt(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o(what)} must be a positive integer, got ${v}`);
  return v;
}

export interface StandardDcganGeneratorOptions {
  size: StandardDcganSize;
  /** Channels of the images (1 or 3). */
  channels: number;
  /** Length of the input vector: the noise, plus the condition vector for a conditional GAN. */
  inputDim: number;
  /** Feature maps of the last hidden layer (default 64). */
  features?: number;
}

/**
 * N × inputDim → N × channels × size × size in (−1, 1). For 64: Unflatten to inputDim×1×1 →
 * ConvT 512 (4, s1, p0) → BN → ReLU → ConvT 256 (4, s2, p1) → BN → ReLU → ConvT 128 → BN → ReLU →
 * ConvT 64 → BN → ReLU → ConvT channels → tanh; for 32 the same from ConvT 256. Initialised with
 * `dcganInit`.
 */
export function standardDcganGenerator(options: StandardDcganGeneratorOptions): torch.nn.Sequential {
  const mults = multipliers(options.size);
  const channels = positiveInt('channels', options.channels);
  const inputDim = positiveInt('inputDim', options.inputDim);
  const f = positiveInt('features', options.features ?? STANDARD_DCGAN_FEATURES);
  const layers: torch.nn.Module[] = [new nn.Unflatten(1, [inputDim, 1, 1])];
  let inC = inputDim;
  mults.forEach((m, i) => {
    const up = i === 0 ? { stride: 1, padding: 0, bias: false } : { stride: 2, padding: 1, bias: false };
    layers.push(new nn.ConvTranspose2d(inC, f * m, 4, up), new nn.BatchNorm2d(f * m), new nn.ReLU());
    inC = f * m;
  });
  layers.push(new nn.ConvTranspose2d(inC, channels, 4, { stride: 2, padding: 1, bias: false }), new nn.Tanh());
  return dcganInit(new nn.Sequential(...layers));
}

export interface StandardDcganDiscriminatorOptions {
  size: StandardDcganSize;
  /** Input channels: the images', plus one for a conditional GAN's condition plane. */
  channels: number;
  /** Feature maps of the first layer (default 64). */
  features?: number;
}

/**
 * N × channels × size × size → N × 1 logits. For 64: Conv 64 (4, s2, p1) → LeakyReLU 0.2 → Conv
 * 128 → BN → LeakyReLU → Conv 256 → BN → LeakyReLU → Conv 512 → BN → LeakyReLU → Conv 1 (4, s1,
 * p0) → Flatten; for 32 the same without Conv 512. No sigmoid: the losses take logits.
 * Initialised with `dcganInit`.
 */
export function standardDcganDiscriminator(options: StandardDcganDiscriminatorOptions): torch.nn.Sequential {
  const mults = multipliers(options.size).reverse();
  const channels = positiveInt('channels', options.channels);
  const f = positiveInt('features', options.features ?? STANDARD_DCGAN_FEATURES);
  const s = STANDARD_DCGAN_LEAKY_SLOPE;
  const down = { stride: 2, padding: 1, bias: false };
  const layers: torch.nn.Module[] = [new nn.Conv2d(channels, f, 4, down), new nn.LeakyReLU(s)];
  let inC = f;
  for (const m of mults.slice(1)) {
    layers.push(new nn.Conv2d(inC, f * m, 4, down), new nn.BatchNorm2d(f * m), new nn.LeakyReLU(s));
    inC = f * m;
  }
  layers.push(new nn.Conv2d(inC, 1, 4, { stride: 1, padding: 0, bias: false }), new nn.Flatten());
  return dcganInit(new nn.Sequential(...layers));
}
