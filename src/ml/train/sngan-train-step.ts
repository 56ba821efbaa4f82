/**
 * The training step of an 'sngan' (src/ml/models/sngan.ts): the discriminator and then the
 * generator, each on its own forward pass, as Miyato et al. train it, with the loss, the
 * mode-seeking term and the conditions of the generated half chosen by the caller.
 *
 * ```ts
 * const losses = snganTrainStep(gan, optG, optD, real, realCond, fakeCond, { loss: 'hinge', modeSeeking: 0 });
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { Gan } from '../models/gan.js';
import { ProjectionDiscriminator, type Judgement } from '../models/sngan.js';
import type { DcganStepLosses, GanStepOptions, StepOptimizer } from './gan-train-step.js';
import { drawForRank, SINGLE_PROCESS } from './distributed-run.js';

const { F } = torch;
type Tensor = torch.Tensor;

/**
 * 'hinge': D minimises relu(1 − D(x)) + relu(1 + D(G(z))), G minimises −D(G(z)) (the SNGAN
 * paper's choice); 'bce': the non-saturating loss of Goodfellow et al. (softplus(−D(x)) +
 * softplus(D(G(z))) for D, softplus(−D(G(z))) for G).
 */
export type GanLoss = 'hinge' | 'bce';
export const GAN_LOSSES: readonly GanLoss[] = Object.freeze(['hinge', 'bce']);

export interface SnganStepOptions extends Pick<GanStepOptions, 'autocast' | 'world'> {
  readonly loss: GanLoss;
  /**
   * Weight λ of the mode-seeking term of Mao et al. 2019 ("Mode Seeking Generative Adversarial
   * Networks"): G also maximises mean|G(z₁) − G(z₂)| / mean|z₁ − z₂| over pairs of the batch
   * that share their conditions, so nearby noise cannot collapse onto one image. 0 leaves it out.
   */
  readonly modeSeeking: number;
  /**
   * Weight of the auxiliary classification loss (Odena et al. 2017): the discriminator's class
   * heads learn each categorical condition from the real images, and the generator is asked to
   * make images the heads assign to the conditions it was given. 0 leaves it out.
   */
  readonly classWeight: number;
}

/** Σ over the class heads of the cross-entropy of their logits against the levels in `cond`. */
function classLoss(judgement: Judgement, cond: Tensor): Tensor | undefined {
  let total: Tensor | undefined;
  for (const c of judgement.classes) {
    const loss = F.crossEntropy(c.logits.float(), cond.select(1, c.column).long());
    total = total === undefined ? loss : total.add(loss);
  }
  return total;
}

function discriminatorLoss(loss: GanLoss, real: Tensor, fake: Tensor): Tensor {
  if (loss === 'hinge') return F.relu(real.neg().add(1)).mean().add(F.relu(fake.add(1)).mean());
  return F.softplus(real.neg()).mean().add(F.softplus(fake).mean());
}

function generatorLoss(loss: GanLoss, fake: Tensor): Tensor {
  return loss === 'hinge' ? fake.mean().neg() : F.softplus(fake.neg()).mean();
}

/** −mean|x₁ − x₂| / mean|z₁ − z₂| over the first and second halves of the batch (Mao et al.'s ratio, negated to be minimised). */
function modeSeekingTerm(images: Tensor, noise: Tensor): Tensor {
  const half = Math.floor((images.shape[0] as number) / 2);
  const dx = images.narrow(0, 0, half).sub(images.narrow(0, half, half)).abs().mean();
  const dz = noise.narrow(0, 0, half).sub(noise.narrow(0, half, half)).abs().mean();
  return dx.div(dz.add(1e-5)).neg();
}

/** Assigns `loss`'s gradient with respect to `params` (no zeroGrad needed: it replaces the last). */
function assignGradients(loss: Tensor, params: readonly Tensor[]): void {
  const grads = torch.grad([loss], [...params]);
  params.forEach((p, i) => (p.grad = grads[i]));
}

/**
 * One discriminator step on `real` (conditions `realCond`) against images generated for
 * `fakeCond`, then one generator step on fresh noise for the same `fakeCond`. `fakeCond` has the
 * batch's length; for a mode-seeking term its second half repeats its first. Runs under
 * `torch.tidy`; only the two losses come back.
 */
export function snganTrainStep(
  gan: Gan,
  optG: StepOptimizer,
  optD: StepOptimizer,
  real: Tensor,
  realCond: Tensor | undefined,
  fakeCond: Tensor | undefined,
  options: SnganStepOptions,
): DcganStepLosses {
  const { channels, size, noiseDim } = gan.architecture;
  const s = real.shape;
  if (s.length !== 4 || (s[0] as number) < 2 || s[1] !== channels || s[2] !== size || s[3] !== size) {
    throw new MlError('E_ML_ARGUMENT', (o) => `snganTrainStep: ${o('real')} must be N×${channels}×${size}×${size} with N ≥ 2, got [${s.join(', ')}]`);
  }
  const batch = s[0] as number;
  const run = <T>(fn: () => T): T => (options.autocast === undefined ? fn() : torch.autocast(fn, options.autocast));
  return torch.tidy(() => {
    const dParams = gan.discriminator.parameters();
    const gParams = gan.generator.parameters();
    const device = real.device;

    const d = gan.discriminator;
    // The class heads are asked only when they weigh in and there are categorical conditions to learn.
    const classify = options.classWeight > 0 && d instanceof ProjectionDiscriminator && d.classHeads.length > 0 && realCond !== undefined && fakeCond !== undefined ? d : undefined;

    // Noise for the global batch, this worker's rows kept (drawForRank), paired as fakeCond is when
    // mode seeking compares halves. The mode-seeking term itself is a ratio of this worker's batch
    // means over its own pairs: with several workers it is not the one of one process at b·W.
    const world = options.world ?? SINGLE_PROCESS;
    const paired = options.modeSeeking > 0;
    const randn = (): Tensor => drawForRank(batch, world, (rows) => torch.randn([rows, noiseDim], { device }), paired);
    const fake = torch.noGrad(() => gan.generate(randn(), fakeCond));
    const dLoss = run(() => {
      const realJudgement = classify?.judge(real, realCond);
      const realLogits = realJudgement?.logits ?? gan.discriminate(real, realCond);
      const adversarial = discriminatorLoss(options.loss, realLogits.float(), gan.discriminate(fake, fakeCond).float());
      const classes = realJudgement === undefined ? undefined : classLoss(realJudgement, realCond!);
      return classes === undefined ? adversarial : adversarial.add(classes.mul(options.classWeight));
    });
    assignGradients(dLoss, dParams);
    optD.step();

    const noise = randn();
    const gLoss = run(() => {
      const images = gan.generate(noise, fakeCond);
      const judgement = classify?.judge(images, fakeCond);
      let loss = generatorLoss(options.loss, (judgement?.logits ?? gan.discriminate(images, fakeCond)).float());
      const classes = judgement === undefined ? undefined : classLoss(judgement, fakeCond!);
      if (classes !== undefined) loss = loss.add(classes.mul(options.classWeight));
      return options.modeSeeking > 0 ? loss.add(modeSeekingTerm(images.float(), noise).mul(options.modeSeeking)) : loss;
    });
    assignGradients(gLoss, gParams);
    optG.step();
    return { dLoss: dLoss.item(), gLoss: gLoss.item() };
  });
}
