/** 2-d convolution and transposed convolution (PyTorch's nn.Conv2d and nn.ConvTranspose2d). */
import type { Tensor } from '../tensor.js';
import { empty } from '../factories.js';
import { conv2d, convTranspose2d, type Size2 } from '../functional.js';
import { check } from '../errors.js';
import { Module } from './module.js';
import { defaultLayerInit } from './init.js';

export interface Conv2dOptions {
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows and columns on one side of the output, to pick among the sizes a stride allows. */
  outputPadding?: Size2;
}

const pair = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;

function checkChannels(layer: string, inChannels: number, outChannels: number, kernel: [number, number], groups: number): void {
  check(positiveInt(inChannels), () => `${layer}: inChannels must be a positive integer, got ${inChannels}`);
  check(positiveInt(outChannels), () => `${layer}: outChannels must be a positive integer, got ${outChannels}`);
  check(kernel.every(positiveInt), () => `${layer}: kernelSize must be positive integers, got [${kernel.join(', ')}]`);
  check(positiveInt(groups), () => `${layer}: groups must be a positive integer, got ${groups}`);
  check(inChannels % groups === 0, () => `${layer}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
  check(outChannels % groups === 0, () => `${layer}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
}

/**
 * `weight` is out×(in/groups)×kh×kw. Initialised as PyTorch's.
 *
 * ```ts
 * const conv = new nn.Conv2d(1, 64, 5, { stride: 2, padding: 2 });
 * ```
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly options: Readonly<Required<Omit<Conv2dOptions, 'bias'>>>;
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dOptions = {}) {
    super();
    const kernel = pair(kernelSize);
    const groups = options.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, kernel, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = Object.freeze(kernel);
    this.options = Object.freeze({ stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups });
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / groups, ...kernel]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outChannels])) : undefined;
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }
}

/**
 * `weight` is in×(out/groups)×kh×kw, as PyTorch's; its fan-in for initialisation is therefore
 * (out/groups)·kh·kw, again as PyTorch computes it.
 *
 * ```ts
 * const up = new nn.ConvTranspose2d(128, 64, 5, { stride: 2, padding: 2, outputPadding: 1, bias: false });
 * ```
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly options: Readonly<Required<Omit<ConvTranspose2dOptions, 'bias'>>>;
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: ConvTranspose2dOptions = {}) {
    super();
    const kernel = pair(kernelSize);
    const groups = options.groups ?? 1;
    checkChannels('ConvTranspose2d', inChannels, outChannels, kernel, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = Object.freeze(kernel);
    this.options = Object.freeze({
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      outputPadding: options.outputPadding ?? 0,
      dilation: options.dilation ?? 1,
      groups,
    });
    this.weight = this.registerParameter('weight', empty([inChannels, outChannels / groups, ...kernel]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outChannels])) : undefined;
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.options);
  }
}
