/**
 * The training step of a GAN. `dcganTrainStep` is the step of TensorFlow's DCGAN tutorial on any
 * generator and discriminator; `ganTrainStep` is the same computation on a `Gan`, with the
 * batch's conditions given to both networks (the generated images are conditioned on the real
 * batch's conditions). For a 'dcgan' the two give the same losses for the same seed.
 *
 * ```ts
 * const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: 1e-4 });
 * const optD = new torch.optim.Adam(gan.discriminator.parameters(), { lr: 1e-4 });
 * const { dLoss, gLoss } = ganTrainStep(gan, optG, optD, images, cond); // cond undefined for 'dcgan'
 * const losses = dcganTrainStep(dcganGenerator(), dcganDiscriminator(), optG2, optD2, images); // N×1×28×28 in [-1, 1]
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { DCGAN_NOISE_DIM } from '../models/dcgan.js';
import type { Gan } from '../models/gan.js';
import { drawForRank, SINGLE_PROCESS, type RunWorld } from './distributed-run.js';

const { F } = torch;
type Tensor = torch.Tensor;

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

export interface GanStepOptions {
  /** Forward passes and losses under `torch.autocast` with these options; gradients and steps stay float32. */
  autocast?: torch.amp.AutocastOptions;
  /** Loss scaling for float16: the losses are scaled before differentiation and each step is skipped on overflow. */
  scaler?: torch.amp.GradScaler;
  /**
   * This worker's place in a data-parallel run (default one process): the noise is drawn for the
   * global batch and this worker keeps the rows of its samples (`drawForRank`), so W workers use
   * the noise one process at batch b·W draws.
   */
  world?: RunWorld;
}

export interface DcganStepOptions extends GanStepOptions {
  noiseDim?: number;
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
      const noise = drawForRank(batch, options.world ?? SINGLE_PROCESS, (rows) => torch.randn([rows, noiseDim], { device: realImages.device }));
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

/**
 * One noise draw, one generator pass, the discriminator on the real and the generated images
 * (both with `cond`), both losses (BCE on logits) from that one graph, each differentiated for its
 * own network only (`torch.grad`), the gradients assigned, then D's optimiser steps and G's. Runs
 * under `torch.tidy`: everything it creates is freed, only the two losses come back. For a
 * 'dcgan' it is `dcganTrainStep` itself: the same losses for the same seed.
 *
 * `real` is N × channels × size × size in [−1, 1]; `cond` N × conditions.length on the same
 * device (from `encodeConditions`), undefined for a 'dcgan'.
 */
export function ganTrainStep(gan: Gan, optG: StepOptimizer, optD: StepOptimizer, real: Tensor, cond: Tensor | undefined, options: GanStepOptions = {}): DcganStepLosses {
  const { channels, size, noiseDim, model, conditions } = gan.architecture;
  const s = real.shape;
  if (s.length !== 4 || s[0] === 0 || s[1] !== channels || s[2] !== size || s[3] !== size) {
    throw new MlError('E_ML_ARGUMENT', (o) => `ganTrainStep: ${o('real')} must be N×${channels}×${size}×${size} with N ≥ 1, got [${s.join(', ')}]`);
  }
  if (model === 'dcgan' && cond !== undefined) throw new MlError('E_ML_ARGUMENT', (o) => `ganTrainStep: a 'dcgan' takes no conditions, but ${o('cond')} was given`);
  if (model !== 'dcgan') {
    const c = cond?.shape;
    if (c === undefined || c.length !== 2 || c[0] !== s[0] || c[1] !== conditions.length) {
      const got = c === undefined ? 'none' : `[${c.join(', ')}]`;
      throw new MlError('E_ML_ARGUMENT', (o) => `ganTrainStep: ${o('cond')} must be ${s[0]}×${conditions.length} (${conditions.map((x) => x.name).join(', ')}), got ${got}`);
    }
  }
  if (cond !== undefined && cond.device !== real.device) {
    throw new torch.TorchError(`ganTrainStep: cond is on ${cond.device} but the images are on ${real.device}`, 'E_DEVICE');
  }
  // The networks as the step sees them, with the batch's conditions bound (generate and
  // discriminate check cond's shape against the architecture).
  const gen: StepModule = { forward: (noise) => gan.generate(noise, cond), parameters: () => gan.generator.parameters() };
  const disc: StepModule = { forward: (images) => gan.discriminate(images, cond), parameters: () => gan.discriminator.parameters() };
  return dcganTrainStep(gen, disc, optG, optD, real, { noiseDim, ...options });
}
