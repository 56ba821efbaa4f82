/**
 * The DCGAN of TensorFlow's tutorial (DESIGN §4) for 28×28 single-channel images, and its
 * training step.
 *
 * ```ts
 * const gen = dcganGenerator();
 * const disc = dcganDiscriminator();
 * const optG = new torch.optim.Adam(gen.parameters(), { lr: 1e-4 });
 * const optD = new torch.optim.Adam(disc.parameters(), { lr: 1e-4 });
 * const { dLoss, gLoss } = dcganTrainStep(gen, disc, optG, optD, images); // images: N×1×28×28 in [-1, 1]
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';

const { nn, F } = torch;
type Tensor = torch.Tensor;

/** Keras's default LeakyReLU slope, which the tutorial uses. */
export const DCGAN_LEAKY_SLOPE = 0.3;
export const DCGAN_NOISE_DIM = 100;
export const DCGAN_DROPOUT = 0.3;
export const DCGAN_IMAGE_SHAPE: readonly [number, number, number] = [1, 28, 28];

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
  /** Channels of the generated images (default 1: the tutorial's). */
  channels?: number;
}

export interface DcganDiscriminatorOptions {
  /** Channels of the images it reads (default 1: the tutorial's). */
  channels?: number;
}

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

/** What the step needs of an optimiser: `optim.Adam` and `optim.SGD` have it. */
export interface StepOptimizer {
  readonly params: readonly Tensor[];
  step(): void;
}

/** What the step needs of a model. */
export interface StepModule {
  forward(x: Tensor): Tensor;
  parameters(): Tensor[];
}

export interface DcganStepOptions {
  noiseDim?: number;
  /**
   * Runs the forward passes and the losses under `torch.autocast` with these options (bfloat16 on
   * the CPU, say); gradients and the optimiser steps stay float32.
   */
  autocast?: torch.amp.AutocastOptions;
  /** Loss scaling for float16: the losses are scaled before differentiation and each step is skipped on overflow. */
  scaler?: torch.amp.GradScaler;
}

export interface DcganStepLosses {
  /** BCE of D on real images (target 1) plus on generated ones (target 0). */
  dLoss: number;
  /** BCE of D on generated images against target 1: the generator wants them taken for real. */
  gLoss: number;
}

/**
 * One training step as TensorFlow's tutorial takes it: one batch of noise, one generator pass, the
 * discriminator on the real and the generated images once; both losses' gradients are taken from
 * that same graph (so the generator's gradient sees the discriminator before its update), then
 * each optimiser steps. Everything the step creates is freed before it returns; only the two loss
 * values come back to JavaScript.
 */
export function dcganTrainStep(
  gen: StepModule,
  disc: StepModule,
  optG: StepOptimizer,
  optD: StepOptimizer,
  realImages: Tensor,
  options: DcganStepOptions = {},
): DcganStepLosses {
  const noiseDim = options.noiseDim ?? DCGAN_NOISE_DIM;
  const shape = realImages.shape;
  if (shape.length !== 4 || shape[0] === 0) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('realImages')} must be N×C×H×W with N ≥ 1, got [${shape.join(', ')}]`);
  }
  const batch = shape[0] as number;
  const { scaler } = options;
  return torch.tidy(() => {
    const genParams = gen.parameters();
    const discParams = disc.parameters();
    const forward = (): { dLoss: Tensor; gLoss: Tensor } => {
      const noise = torch.randn([batch, noiseDim], { device: realImages.device });
      const fake = gen.forward(noise);
      const realLogits = disc.forward(realImages);
      const fakeLogits = disc.forward(fake);
      const ones = torch.onesLike(realLogits);
      const zeros = torch.zerosLike(fakeLogits);
      const gLoss = F.binaryCrossEntropyWithLogits(fakeLogits, ones);
      const dLoss = F.binaryCrossEntropyWithLogits(realLogits, ones).add(F.binaryCrossEntropyWithLogits(fakeLogits, zeros));
      return { dLoss, gLoss };
    };
    const { dLoss, gLoss } = options.autocast === undefined ? forward() : torch.autocast(forward, options.autocast);
    // Each loss differentiated only for its own network's parameters, as the tutorial's two tapes do.
    const genGrads = torch.grad([scaler ? scaler.scale(gLoss) : gLoss], genParams, { retainGraph: true });
    const discGrads = torch.grad([scaler ? scaler.scale(dLoss) : dLoss], discParams);
    // Assigning the gradients replaces the previous step's, so no zeroGrad is needed.
    genParams.forEach((p, i) => (p.grad = genGrads[i]));
    discParams.forEach((p, i) => (p.grad = discGrads[i]));
    if (scaler) {
      scaler.step(optD);
      scaler.step(optG);
      scaler.update();
    } else {
      optD.step();
      optG.step();
    }
    return { dLoss: dLoss.item(), gLoss: gLoss.item() };
  });
}
