/**
 * The two networks of a conditional DCGAN: an unconditioned image network (`net`) with a
 * `ConditionEncoder` in front of it.
 *
 * - Generator: the condition vector c is concatenated to the noise, so `net`'s first layer reads
 *   noiseDim + c's length values (Mirza & Osindero's cGAN).
 * - Discriminator: c goes through a Linear to one size×size plane, concatenated to the image as an
 *   extra input channel, so `net`'s first convolution reads channels + 1 planes.
 *
 * ```ts
 * const g = new ConditionalGenerator(new ConditionEncoder(specs), net);  // keys encoder.…, net.…
 * const images = g.forwardConditioned(noise, cond);
 * ```
 */
import * as torch from '../../torch/index.js';
import type { ConditionEncoder } from './condition-encoder.js';

const { nn } = torch;
type Tensor = torch.Tensor;

function needsConditions(name: string): never {
  throw new torch.TorchError(`${name} needs conditions: call forwardConditioned(input, cond) (or Gan's generate/discriminate)`, 'E_ARGUMENT');
}

/** (noise N × noiseDim, cond N × k) → net(cat(noise, encoder(cond))). Keys: `encoder.…`, `net.…`. */
export class ConditionalGenerator extends nn.Module {
  readonly encoder: ConditionEncoder;
  readonly net: torch.nn.Module;

  constructor(encoder: ConditionEncoder, net: torch.nn.Module) {
    super();
    this.encoder = this.registerModule('encoder', encoder);
    this.net = this.registerModule('net', net);
  }

  /** Always throws: a conditional generator takes two inputs. */
  override forward(): Tensor {
    return needsConditions('ConditionalGenerator');
  }

  forwardConditioned(noise: Tensor, cond: Tensor): Tensor {
    return this.net.forward(torch.cat([noise, this.encoder.forward(cond)], 1));
  }
}

/**
 * (images N × C × S × S, cond N × k) → net(cat(images, plane(encoder(cond)) as N × 1 × S × S)).
 * Keys: `encoder.…`, `plane.weight`, `plane.bias`, `net.…`.
 */
export class ConditionalDiscriminator extends nn.Module {
  readonly encoder: ConditionEncoder;
  readonly plane: torch.nn.Linear;
  readonly net: torch.nn.Module;
  /** Side of the images (and of the condition plane). */
  readonly size: number;

  constructor(encoder: ConditionEncoder, size: number, net: torch.nn.Module) {
    super();
    this.size = size;
    this.encoder = this.registerModule('encoder', encoder);
    this.plane = this.registerModule('plane', new nn.Linear(encoder.outDim, size * size));
    this.net = this.registerModule('net', net);
  }

  /** Always throws: a conditional discriminator takes two inputs. */
  override forward(): Tensor {
    return needsConditions('ConditionalDiscriminator');
  }

  forwardConditioned(images: Tensor, cond: Tensor): Tensor {
    const n = images.shape[0] as number;
    const plane = this.plane.forward(this.encoder.forward(cond)).reshape(n, 1, this.size, this.size);
    return this.net.forward(torch.cat([images, plane], 1));
  }
}
