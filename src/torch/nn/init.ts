/**
 * Weight initialisation (PyTorch's torch.nn.init), in place and without recording gradients.
 * Each draws from the global generator exactly as PyTorch does, so after the same `manualSeed`
 * the same calls give the same numbers. Only PyTorch's own functions live here; whole-model recipes
 * (the DCGAN paper's, Keras's) belong to the models that use them (src/ml/models/weight-init.ts).
 *
 * ```ts
 * nn.init.kaimingUniform_(layer.weight, { a: Math.sqrt(5) });
 * nn.init.normal_(layer.weight, 0, 0.02);
 * ```
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { check } from '../errors.js';

export type Nonlinearity = 'linear' | 'conv2d' | 'conv_transpose2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'conv_transpose2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4;
  }
  throw new RangeError(`unknown nonlinearity '${String(nonlinearity)}'`);
}

/** fan_in and fan_out as PyTorch computes them: dims 1 and 0 times the receptive field. */
export function fanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const shape = t.shape;
  check(shape.length >= 2, () => `fan in and fan out need a tensor of at least 2 dimensions, got [${shape.join(', ')}]`);
  let receptive = 1;
  for (const d of shape.slice(2)) receptive *= d;
  return { fanIn: (shape[1] as number) * receptive, fanOut: (shape[0] as number) * receptive };
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => t.uniform_(a, b));
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

/** He initialisation: U(−bound, bound) with bound = gain·√(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = fanInAndFanOut(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound);
}

/** Glorot initialisation: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a);
}

/** The default of Linear and Conv layers: kaiming_uniform_(a=√5) on the weight, U(±1/√fan_in) on the bias. */
export function defaultLayerInit(weight: Tensor, bias: Tensor | undefined): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== undefined) {
    const { fanIn } = fanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

