/**
 * One training step of any `Gan`: `dcganTrainStep`'s computation, with the batch's conditions
 * given to both networks (the generated images are conditioned on the real batch's conditions).
 *
 * ```ts
 * const optG = new torch.optim.Adam(gan.generator.parameters(), { lr: 1e-4 });
 * const optD = new torch.optim.Adam(gan.discriminator.parameters(), { lr: 1e-4 });
 * const { dLoss, gLoss } = ganTrainStep(gan, optG, optD, images, cond); // cond undefined for 'dcgan'
 * ```
 */
import * as torch from '../../torch/index.js';
import { dcganTrainStep, type StepModule, type StepOptimizer, type DcganStepLosses } from '../models/dcgan.js';
import type { Gan } from '../models/gan.js';

type Tensor = torch.Tensor;

export interface GanStepOptions {
  /** Forward passes and losses under `torch.autocast` with these options; gradients and steps stay float32. */
  autocast?: torch.amp.AutocastOptions;
  /** Loss scaling for float16: the losses are scaled before differentiation and each step is skipped on overflow. */
  scaler?: torch.amp.GradScaler;
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
export function ganTrainStep(
  gan: Gan,
  optG: StepOptimizer,
  optD: StepOptimizer,
  real: Tensor,
  cond: Tensor | undefined,
  options: GanStepOptions = {},
): DcganStepLosses {
  const { channels, size, noiseDim } = gan.architecture;
  const s = real.shape;
  if (s.length !== 4 || s[0] === 0 || s[1] !== channels || s[2] !== size || s[3] !== size) {
    throw new RangeError(`ganTrainStep: real must be N×${channels}×${size}×${size} with N ≥ 1, got [${s.join(', ')}]`);
  }
  const { model, conditions } = gan.architecture;
  if (model === 'dcgan' && cond !== undefined) throw new RangeError("ganTrainStep: a 'dcgan' takes no conditions, but cond was given");
  if (model !== 'dcgan') {
    const c = cond?.shape;
    if (c === undefined || c.length !== 2 || c[0] !== s[0] || c[1] !== conditions.length) {
      throw new RangeError(`ganTrainStep: cond must be ${s[0]}×${conditions.length} (${conditions.map((x) => x.name).join(', ')}), got ${c === undefined ? 'none' : `[${c.join(', ')}]`}`);
    }
  }
  if (cond !== undefined && cond.device !== real.device) {
    throw new torch.TorchError(`ganTrainStep: cond is on ${cond.device} but the images are on ${real.device}`, 'E_DEVICE');
  }
  // The networks as the step sees them, with the batch's conditions bound (generate and
  // discriminate check cond's shape against the architecture).
  const gen: StepModule = { forward: (noise) => gan.generate(noise, cond), parameters: () => gan.generator.parameters() };
  const disc: StepModule = { forward: (images) => gan.discriminate(images, cond), parameters: () => gan.discriminator.parameters() };
  return dcganTrainStep(gen, disc, optG, optD, real, { noiseDim, autocast: options.autocast, scaler: options.scaler });
}
