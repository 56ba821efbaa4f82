/** A fully connected layer, y = x·Wᵀ + b (PyTorch's nn.Linear). */
import type { Tensor } from '../tensor.js';
import { empty } from '../factories.js';
import { linear } from '../functional.js';
import { check } from '../errors.js';
import { Module } from './module.js';
import { defaultLayerInit } from './init.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;

/**
 * `weight` is out×in, `bias` out; both initialised as PyTorch's (the same draws after the same seed).
 *
 * ```ts
 * const fc = new nn.Linear(784, 10);
 * const logits = fc.forward(x); // x: N×784
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    check(positiveInt(inFeatures), () => `Linear: inFeatures must be a positive integer, got ${inFeatures}`);
    check(positiveInt(outFeatures), () => `Linear: outFeatures must be a positive integer, got ${outFeatures}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', empty([outFeatures])) : undefined;
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
