/**
 * The DCGAN of TensorFlow's tutorial (DESIGN §4) for 28×28 single-channel images; its training
 * step is `dcganTrainStep` (src/ml/train/gan-train-step.ts).
 *
 * ```ts
 * const gen = dcganGenerator();
 * const disc = dcganDiscriminator();
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';

const { nn } = torch;

/** Keras's default LeakyReLU slope, which the tutorial uses. */
export const DCGAN_LEAKY_SLOPE = 0.3;
export const DCGAN_NOISE_DIM = 100;
export const DCGAN_DROPOUT = 0.3;

/** What the tutorial's Keras summary reports, for the default noise dimension of 100. */
export const DCGAN_PARAMETER_COUNTS = Object.freeze({
  /** Trainable parameters of the generator. */
  generator: 2_305_472,
  /** The generator counting BatchNorm's running means and variances, as Keras reports. */
  generatorWithRunningStats: 2_330_944,
  discriminator: 212_865,
});

export interface DcganGeneratorOptions {
  /** Length of the noise vector (default 100). */
  noiseDim?: number;
  /** Channels of the images made or read (default 1: the tutorial's). */
  channels?: number;
}

export type DcganDiscriminatorOptions = Pick<DcganGeneratorOptions, 'channels'>;

/**
 * Noise (N × noiseDim) → images (N × channels × 28 × 28) in (−1, 1): Linear 7·7·256 → BatchNorm1d →
 * LeakyReLU → 256×7×7 → ConvTranspose 128 (5, s1) → BatchNorm2d → LeakyReLU → ConvTranspose 64
 * (5, s2) → BatchNorm2d → LeakyReLU → ConvTranspose 1 (5, s2) → tanh; no biases.
 */
export function dcganGenerator(options: DcganGeneratorOptions = {}): torch.nn.Sequential {
  const noiseDim = options.noiseDim ?? DCGAN_NOISE_DIM;
  if (!Number.isInteger(noiseDim) || noiseDim < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('noiseDim')} must be a positive integer, got ${noiseDim}`);
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('channels')} must be a positive integer, got ${channels}`);
  const s = DCGAN_LEAKY_SLOPE;
  return new nn.Sequential(
    new nn.Linear(noiseDim, 7 * 7 * 256, { bias: false }),
    new nn.BatchNorm1d(7 * 7 * 256),
    new nn.LeakyReLU(s),
    new nn.Unflatten(1, [256, 7, 7]),
    new nn.ConvTranspose2d(256, 128, 5, { stride: 1, padding: 2, bias: false }),
    new nn.BatchNorm2d(128),
    new nn.LeakyReLU(s),
    new nn.ConvTranspose2d(128, 64, 5, { stride: 2, padding: 2, outputPadding: 1, bias: false }),
    new nn.BatchNorm2d(64),
    new nn.LeakyReLU(s),
    new nn.ConvTranspose2d(64, channels, 5, { stride: 2, padding: 2, outputPadding: 1, bias: false }),
    new nn.Tanh(),
  );
}

/**
 * Images (N × channels × 28 × 28) → one logit each (N × 1): Conv 64 (5, s2) → LeakyReLU → Dropout
 * 0.3 → Conv 128 (5, s2) → LeakyReLU → Dropout 0.3 → Flatten → Linear 1.
 */
export function dcganDiscriminator(options: DcganDiscriminatorOptions = {}): torch.nn.Sequential {
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1) throw new MlError('E_ML_ARGUMENT', (o) => `${o('channels')} must be a positive integer, got ${channels}`);
  const s = DCGAN_LEAKY_SLOPE;
  return new nn.Sequential(
    new nn.Conv2d(channels, 64, 5, { stride: 2, padding: 2 }),
    new nn.LeakyReLU(s),
    new nn.Dropout(DCGAN_DROPOUT),
    new nn.Conv2d(64, 128, 5, { stride: 2, padding: 2 }),
    new nn.LeakyReLU(s),
    new nn.Dropout(DCGAN_DROPOUT),
    new nn.Flatten(),
    new nn.Linear(128 * 7 * 7, 1),
  );
}
