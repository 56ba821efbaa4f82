/**
 * The networks of an 'sngan': a DCGAN-shaped generator and a spectrally normalised discriminator
 * with a projection head for the conditions (Miyato et al. 2018; Miyato & Koyama 2018, "cGANs
 * with Projection Discriminator"). It is the conditional model that trains stably at small
 * widths, which is what a CPU can afford; `width` sets the channel count of every layer.
 *
 * - Generator: Linear to (2^k·width)×s×s, BatchNorm, ReLU, then k transposed convolutions
 *   (4×4, stride 2) that double the side and halve the channels, BatchNorm and ReLU between
 *   them, tanh at the end. s is 7 for 28×28 images (7 → 14 → 28) and 4 for 32 and 64.
 * - Discriminator body: spectrally normalised convolutions (4×4, stride 2, LeakyReLU 0.2), the
 *   first with 2·width channels, doubling, until the side is 7 or 4; h is the flattened map. Its
 *   logit is ψ(h) + ⟨P·e(c), h⟩, where e is the condition encoder and P a spectrally normalised
 *   linear map: the conditions enter as an inner product with the features, not as an extra
 *   input plane, which is what lets the discriminator judge "is this a good image of *this*
 *   class".
 * - Class heads: for each categorical condition a spectrally normalised linear map from h to its
 *   levels' logits (the auxiliary classifier of Odena et al. 2017, "Conditional Image Synthesis
 *   with Auxiliary Classifier GANs"). Trained on real images and asked of generated ones, it
 *   teaches the generator the conditions within a few hundred steps, where the projection alone
 *   takes thousands.
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

/** The discriminator's convolutional body: images → N × features (the flattened last map). */
function snganBody(shape: SnganShape): { body: torch.nn.Sequential; features: number } {
  const { size, channels, width } = shape;
  checkWidth(width);
  const { start, steps } = ladder(size);
  const layers: torch.nn.Module[] = [];
  let c = channels;
  for (let i = 0; i < steps; i++) {
    const out = 2 * width * 2 ** i;
    layers.push(new nn.SpectralNormConv2d(c, out, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(SNGAN_LEAKY_SLOPE));
    c = out;
  }
  layers.push(new nn.Flatten());
  return { body: new nn.Sequential(...layers), features: c * start * start };
}

/** A categorical condition the discriminator classifies: its column in the condition tensor and its level count. */
export interface ClassHeadSpec {
  readonly column: number;
  readonly levels: number;
}

/** What the discriminator says of a batch: the adversarial logits and, per class head, its levels' logits. */
export interface Judgement {
  readonly logits: Tensor;
  readonly classes: readonly { readonly column: number; readonly logits: Tensor }[];
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
  readonly classHeads: readonly { readonly column: number; readonly head: torch.nn.SpectralNormLinear }[];

  constructor(shape: SnganShape, encoder?: ConditionEncoder) {
    super();
    const { body, features } = snganBody(shape);
    this.body = this.registerModule('body', body);
    this.head = this.registerModule('head', new nn.SpectralNormLinear(features, 1));
    this.encoder = encoder === undefined ? undefined : this.registerModule('encoder', encoder);
    this.projection = encoder === undefined ? undefined : this.registerModule('projection', new nn.SpectralNormLinear(encoder.outDim, features, { bias: false }));
    const specs: ClassHeadSpec[] = [];
    encoder?.specs.forEach((c, column) => {
      if (c.kind === 'categorical') specs.push({ column, levels: c.levels.length });
    });
    this.classHeads = Object.freeze(specs.map((c) => Object.freeze({ column: c.column, head: new nn.SpectralNormLinear(features, c.levels) })));
    if (this.classHeads.length > 0) this.registerModule('classes', new nn.ModuleList(this.classHeads.map((c) => c.head)));
  }

  /** Unconditional use: ψ(h). */
  override forward(images: Tensor): Tensor {
    if (this.encoder !== undefined) throw new torch.TorchError('ProjectionDiscriminator needs conditions: call forwardConditioned(images, cond)', 'E_ARGUMENT');
    return this.#logits(images, undefined);
  }

  forwardConditioned(images: Tensor, cond: Tensor): Tensor {
    return this.#logits(images, cond);
  }

  /** The logits and the class heads' logits from one pass of the body. */
  judge(images: Tensor, cond: Tensor | undefined): Judgement {
    const h = this.body.forward(images);
    return { logits: this.#project(h, cond), classes: this.classHeads.map((c) => ({ column: c.column, logits: c.head.forward(h) })) };
  }

  #logits(images: Tensor, cond: Tensor | undefined): Tensor {
    return this.#project(this.body.forward(images), cond);
  }

  #project(h: Tensor, cond: Tensor | undefined): Tensor {
    const out = this.head.forward(h);
    if (cond === undefined || this.encoder === undefined || this.projection === undefined) return out;
    const projected = this.projection.forward(this.encoder.forward(cond)).mul(h).sum(1, { keepdim: true });
    return out.add(projected);
  }
}
