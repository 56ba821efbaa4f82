/**
 * Neural-network functions and losses (PyTorch's torch.nn.functional), each one native call.
 * Sizes may be given as one number (used for both spatial dimensions) or as [h, w].
 */
import { native } from './native.js';
import type { Tensor } from './tensor.js';
import type { ReductionCode } from './native-binding.js';
import { check } from './errors.js';

export type Size2 = number | readonly [number, number];
export type Reduction = 'none' | 'mean' | 'sum';

const pair = (v: Size2): number[] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const REDUCTIONS: Readonly<Record<Reduction, ReductionCode>> = { none: 0, mean: 1, sum: 2 };
const reduction = (r: Reduction | undefined): ReductionCode => {
  const code = REDUCTIONS[r ?? 'mean'];
  check(code !== undefined, () => `reduction must be 'none', 'mean' or 'sum', got '${r}'`);
  return code;
};

/** y = x·Wᵀ + b */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return native.linear(input, weight, bias);
}

export interface Conv2dOptions {
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  groups?: number;
}

export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor, o: Conv2dOptions = {}): Tensor {
  return native.conv2d(input, weight, bias, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1);
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: Size2;
}

export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor, o: ConvTranspose2dOptions = {}): Tensor {
  return native.convTranspose2d(
    input,
    weight,
    bias,
    pair(o.stride ?? 1),
    pair(o.padding ?? 0),
    pair(o.outputPadding ?? 0),
    o.groups ?? 1,
    pair(o.dilation ?? 1),
  );
}

export interface Pool2dOptions {
  stride?: Size2;
  padding?: Size2;
  ceilMode?: boolean;
}

export function maxPool2d(input: Tensor, kernelSize: Size2, o: Pool2dOptions & { dilation?: Size2 } = {}): Tensor {
  return native.maxPool2d(input, pair(kernelSize), pair(o.stride ?? kernelSize), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.ceilMode ?? false);
}

export function avgPool2d(input: Tensor, kernelSize: Size2, o: Pool2dOptions & { countIncludePad?: boolean } = {}): Tensor {
  return native.avgPool2d(input, pair(kernelSize), pair(o.stride ?? kernelSize), pair(o.padding ?? 0), o.ceilMode ?? false, o.countIncludePad ?? true);
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: Size2): Tensor {
  return native.adaptiveAvgPool2d(input, pair(outputSize));
}

export interface InterpolateOptions {
  size: Size2;
  mode?: 'nearest' | 'bilinear' | 'bicubic' | 'area';
  alignCorners?: boolean;
  /** Low-pass before downsampling (bilinear and bicubic), as PIL does. */
  antialias?: boolean;
}

/** Resizes N×C×H×W images. */
export function interpolate(input: Tensor, o: InterpolateOptions): Tensor {
  return native.interpolate(input, pair(o.size), o.mode ?? 'nearest', o.alignCorners ?? false, o.antialias ?? false);
}

export interface BatchNormOptions {
  weight?: Tensor;
  bias?: Tensor;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation. In training it normalises by the batch's statistics and updates
 * `runningMean`/`runningVar` in place (momentum 0.1); in evaluation it uses them.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | undefined, runningVar: Tensor | undefined, o: BatchNormOptions = {}): Tensor {
  return native.batchNorm(input, o.weight, o.bias, runningMean, runningVar, o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5);
}

export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  return native.layerNorm(input, normalizedShape, weight, bias, eps);
}

/** Zeroes elements with probability p and scales the rest by 1/(1−p); the identity when not training. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  check(p >= 0 && p <= 1, () => `dropout probability must be in [0, 1], got ${p}`);
  return native.dropout(input, p, training);
}

/** Rows of `weight` picked by int64 `indices`. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  return native.embedding(weight, indices);
}

/** int64 class indices → one-hot int64 rows. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return native.oneHot(indices, numClasses);
}

/** Constant padding; `pads` lists the last dimension first: [left, right, top, bottom, …]. */
export function pad(input: Tensor, pads: readonly number[], value = 0): Tensor {
  return native.pad(input, pads, value);
}

export function relu(x: Tensor): Tensor {
  return native.relu(x);
}
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return native.leakyRelu(x, negativeSlope);
}
export function sigmoid(x: Tensor): Tensor {
  return native.sigmoid(x);
}
export function tanh(x: Tensor): Tensor {
  return native.tanh(x);
}
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return native.gelu(x, approximate === 'tanh');
}
export function elu(x: Tensor, alpha = 1): Tensor {
  return native.elu(x, alpha);
}
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return native.softplus(x, beta, threshold);
}
export function silu(x: Tensor): Tensor {
  return native.silu(x);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return native.softmax(x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return native.logSoftmax(x, dim);
}

export interface LossOptions {
  reduction?: Reduction;
}

export function mseLoss(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return native.mseLoss(input, target, reduction(o.reduction));
}
export function l1Loss(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return native.l1Loss(input, target, reduction(o.reduction));
}
/** Binary cross-entropy on probabilities in [0, 1]. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, o: LossOptions & { weight?: Tensor } = {}): Tensor {
  return native.bce(input, target, o.weight, reduction(o.reduction));
}
/** Binary cross-entropy on logits, numerically stable (what GANs use). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  o: LossOptions & { weight?: Tensor; posWeight?: Tensor } = {},
): Tensor {
  return native.bceWithLogits(input, target, o.weight, o.posWeight, reduction(o.reduction));
}
/** Cross-entropy of logits against int64 class indices (or class probabilities). */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  o: LossOptions & { weight?: Tensor; ignoreIndex?: number; labelSmoothing?: number } = {},
): Tensor {
  return native.crossEntropy(input, target, o.weight, reduction(o.reduction), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0);
}
/** Negative log-likelihood of log-probabilities against int64 class indices. */
export function nllLoss(input: Tensor, target: Tensor, o: LossOptions & { weight?: Tensor; ignoreIndex?: number } = {}): Tensor {
  return native.nllLoss(input, target, o.weight, reduction(o.reduction), o.ignoreIndex ?? -100);
}
