/**
 * The networks of an 'sngan': a DCGAN-shaped generator and a spectrally normalised discriminator
 * with a projection head for the conditions (Miyato et al. 2018; Miyato & Koyama 2018, "cGANs
 * with Projection Discriminator"). It is the conditional model that trains stably at small
 * widths, which is what a CPU can afford; `width` sets the channel count of every layer.
 *
 * - Generator: Linear to (2^k·width)×s×s, BatchNorm, ReLU, then k transposed convolutions
 *   (4×4, stride 2) that double the side and halve the channels, BatchNorm and ReLU between
 *   them, tanh at the end. s is 7 for 28×28 images (7 → 14 → 28) and 4 for 32 and 64.
 * - Discriminator body: spectrally normalised convolutions (4×4, stride 2, LeakyReLU 0.2) that
 *   halve the side until it is 7 or 4, then one 3×3 convolution; the features h are summed over
 *   the positions. Its logit is ψ(h) + ⟨P·e(c), h⟩, where e is the condition encoder and P a
 *   spectrally normalised linear map: the conditions enter as an inner product with the
 *   features, not as an extra input plane, which is what lets the discriminator judge
 *   "is this a good image of *this* class".
 *
 * ```ts
 * const g = snganGenerator({ size: 28, channels: 1, inputDim: 100 + 10, width: 32 });
 * const d = new ProjectionDiscriminator({ size: 28, channels: 1, width: 32 }, new ConditionEncoder(specs));
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { ConditionEncoder } from './condition-encoder.js';

const { nn } = torch;
type Tensor = torch.Tensor;

/** The discriminator's LeakyReLU slope (the SNGAN paper's). */
export const SNGAN_LEAKY_SLOPE = 0.2;
/** Channel width used when an architecture does not name one. */
export const SNGAN_DEFAULT_WIDTH = 64;

export interface SnganShape {
  /** 28, 32 or 64. */
  size: number;
  channels: number;
  /** Channels of the generator's last hidden layer and the discriminator's first. */
  width: number;
}

/** Side of the generator's first feature map, and how many doublings reach `size`. */
function ladder(size: number): { start: number; steps: number } {
  const start = size === 28 ? 7 : 4;
  const steps = Math.round(Math.log2(size / start));
  if (start * 2 ** steps !== size) throw new MlError('E_ML_ARGUMENT', (o) => `an sngan makes 28×28, 32×32 or 64×64 images; ${o('size')} ${size} is none of them`);
  return { start, steps };
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > 1024) throw new MlError('E_ML_ARGUMENT', (o) => `${o('width')} must be a whole number from 1 to 1024, got ${width}`);
}

/** (N × inputDim) → N × channels × size × size in (−1, 1). */
export function snganGenerator(shape: SnganShape & { inputDim: number }): torch.nn.Sequential {
  const { size, channels, width, inputDim } = shape;
  checkWidth(width);
  const { start, steps } = ladder(size);
  const top = width * 2 ** (steps - 1);
  const layers: torch.nn.Module[] = [new nn.Linear(inputDim, top * start * start), new nn.Unflatten(1, [top, start, start]), new nn.BatchNorm2d(top), new nn.ReLU()];
  let c = top;
  for (let i = 0; i < steps - 1; i++) {
    layers.push(new nn.ConvTranspose2d(c, c / 2, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(c / 2), new nn.ReLU());
    c /= 2;
  }
  layers.push(new nn.ConvTranspose2d(c, channels, 4, { stride: 2, padding: 1 }), new nn.Tanh());
  return new nn.Sequential(...layers);
}

/** The discriminator's convolutional body: images → N × features × s × s (s = 7 or 4). */
function snganBody(shape: SnganShape): { body: torch.nn.Sequential; features: number } {
  const { size, channels, width } = shape;
  checkWidth(width);
  const { steps } = ladder(size);
  const layers: torch.nn.Module[] = [];
  let c = channels;
  for (let i = 0; i < steps; i++) {
    const out = width * 2 ** i;
    layers.push(new nn.SpectralNormConv2d(c, out, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(SNGAN_LEAKY_SLOPE));
    c = out;
  }
  layers.push(new nn.SpectralNormConv2d(c, c, 3, { stride: 1, padding: 1 }), new nn.LeakyReLU(SNGAN_LEAKY_SLOPE));
  return { body: new nn.Sequential(...layers), features: c };
}

/**
 * Images (and, when it has an encoder, their conditions) → N × 1 logits. Keys: `body.…`,
 * `head.…`, and with conditions `encoder.…` and `projection.…`.
 */
export class ProjectionDiscriminator extends nn.Module {
  readonly body: torch.nn.Sequential;
  readonly head: torch.nn.SpectralNormLinear;
  readonly encoder: ConditionEncoder | undefined;
  readonly projection: torch.nn.SpectralNormLinear | undefined;

  constructor(shape: SnganShape, encoder?: ConditionEncoder) {
    super();
    const { body, features } = snganBody(shape);
    this.body = this.registerModule('body', body);
    this.head = this.registerModule('head', new nn.SpectralNormLinear(features, 1));
    this.encoder = encoder === undefined ? undefined : this.registerModule('encoder', encoder);
    this.projection = encoder === undefined ? undefined : this.registerModule('projection', new nn.SpectralNormLinear(encoder.outDim, features, { bias: false }));
  }

  /** Unconditional use: ψ(h). */
  override forward(images: Tensor): Tensor {
    if (this.encoder !== undefined) throw new torch.TorchError('ProjectionDiscriminator needs conditions: call forwardConditioned(images, cond)', 'E_ARGUMENT');
    return this.#logits(images, undefined);
  }

  forwardConditioned(images: Tensor, cond: Tensor): Tensor {
    return this.#logits(images, cond);
  }

  #logits(images: Tensor, cond: Tensor | undefined): Tensor {
    const h = this.body.forward(images).sum([2, 3]);
    const out = this.head.forward(h);
    if (cond === undefined || this.encoder === undefined || this.projection === undefined) return out;
    const projected = this.projection.forward(this.encoder.forward(cond)).mul(h).sum(1, { keepdim: true });
    return out.add(projected);
  }
}
