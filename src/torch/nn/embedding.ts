/** A lookup table of learned vectors (PyTorch's nn.Embedding). */
import type { Tensor } from '../tensor.js';
import { empty } from '../factories.js';
import { embedding } from '../functional.js';
import { check } from '../errors.js';
import { Module } from './module.js';
import { normal_ } from './init.js';
import { noGrad } from '../autograd.js';

export interface EmbeddingOptions {
  /** A row kept at zero (its initial value; PyTorch also leaves its gradient out). */
  paddingIdx?: number;
}

/**
 * `weight` is numEmbeddings×embeddingDim, drawn from N(0, 1) as PyTorch's.
 *
 * ```ts
 * const emb = new nn.Embedding(10, 3);
 * const v = emb.forward(torch.tensor([1n, 4n])); // 2×3
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    check(Number.isInteger(numEmbeddings) && numEmbeddings > 0, () => `Embedding: numEmbeddings must be a positive integer, got ${numEmbeddings}`);
    check(Number.isInteger(embeddingDim) && embeddingDim > 0, () => `Embedding: embeddingDim must be a positive integer, got ${embeddingDim}`);
    let pad = options.paddingIdx;
    if (pad !== undefined) {
      check(Number.isInteger(pad) && pad >= -numEmbeddings && pad < numEmbeddings, () => `Embedding: paddingIdx must be within the ${numEmbeddings} rows, got ${pad}`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.weight = this.registerParameter('weight', empty([numEmbeddings, embeddingDim]));
    normal_(this.weight);
    if (pad !== undefined) {
      const row = pad;
      noGrad(() => {
        const r = this.weight.select(0, row);
        r.zero_();
        r.dispose();
      });
    }
  }

  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
}
