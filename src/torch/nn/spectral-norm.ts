/**
 * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
 * Networks"): a layer whose weight is divided by its largest singular value σ, estimated by one
 * step of power iteration per training forward pass, so the layer is 1-Lipschitz. It is what
 * keeps a GAN's discriminator from becoming arbitrarily steep.
 *
 * The computation and the state-dict keys are PyTorch's `torch.nn.utils.spectral_norm` (dim 0):
 * `weight_orig` (the learned weight), `weight_u` and `weight_v` (the power iteration's vectors,
 * buffers), and `bias`. A state dict saved here loads into a PyTorch module wrapped with
 * `spectral_norm`, and the other way round.
 *
 * ```ts
 * const conv = new nn.SpectralNormConv2d(1, 64, 4, { stride: 2, padding: 1 });
 * const y = conv.forward(x); // uses weight_orig / σ; in training mode u and v advance one step
 * ```
 */
import type { Tensor } from '../tensor.js';
import { empty } from '../factories.js';
import { conv2d, embedding, linear, type Size2 } from '../functional.js';
import { noGrad } from '../autograd.js';
import { Module } from './module.js';
import { normal_ } from './init.js';
import { Conv2d, type Conv2dOptions } from './conv.js';
import { Linear, type LinearOptions } from './linear.js';
import { Embedding } from './embedding.js';

/** PyTorch's default: a small constant that keeps a zero vector from being divided by zero. */
export const SPECTRAL_NORM_EPS = 1e-12;

/** x / max(‖x‖, eps), in place. */
function normalize_(x: Tensor): void {
  const norm = x.norm();
  const n = norm.clamp(SPECTRAL_NORM_EPS);
  x.div_(n);
  norm.dispose();
  n.dispose();
}

/**
 * The weight and vectors of one spectrally normalised layer, and the normalised weight. `orig`
 * is the parameter the layer learns; `u` (rows) and `v` (columns of orig as a matrix) are
 * buffers that persist between calls.
 */
class SpectralWeight {
  constructor(
    readonly orig: Tensor,
    readonly u: Tensor,
    readonly v: Tensor,
  ) {}

  /** Draws u and v as PyTorch does: N(0, 1), normalised. */
  init(): void {
    noGrad(() => {
      normal_(this.u);
      normalize_(this.u);
      normal_(this.v);
      normalize_(this.v);
    });
  }

  /** orig / σ(orig); in training, first one power-iteration step updates u and v in place. */
  weight(training: boolean): Tensor {
    const rows = this.orig.shape[0] as number;
    const matrix = this.orig.reshape(rows, -1);
    if (training) {
      noGrad(() => {
        const wtu = this.u.matmul(matrix);
        normalize_(wtu);
        this.v.copy_(wtu);
        const wv = matrix.matmul(this.v);
        normalize_(wv);
        this.u.copy_(wv);
        wtu.dispose();
        wv.dispose();
      });
    }
    // σ = uᵀ W v, differentiated through W only. The graph keeps copies of u and v, as PyTorch's
    // does: the next forward (D runs on real and generated images) updates them in place.
    const u = this.u.clone();
    const v = this.v.clone();
    const wv = matrix.matmul(v);
    const sigma = u.matmul(wv);
    const w = this.orig.div(sigma);
    for (const t of [u, v, wv, sigma, matrix]) t.dispose();
    return w;
  }
}

/**
 * What the three layers share: the spectrally normalised weight, taken over from a freshly built
 * plain layer (which validated the arguments and drew the initial weight as PyTorch's does):
 * weight_orig (a parameter, a copy of its weight), weight_u and weight_v (buffers, drawn), and
 * its bias when it has one; the plain layer is freed.
 */
abstract class SpectralNormLayer extends Module {
  #w: SpectralWeight | undefined;

  /** Registers the plain layer's weight (and bias, which it returns) as this layer's. */
  protected adopt(plain: { readonly weight: Tensor; readonly bias?: Tensor | undefined; dispose(): void }): Tensor | undefined {
    try {
      const shape = plain.weight.shape;
      const cols = shape.slice(1).reduce((a, b) => a * b, 1);
      const bias = plain.bias === undefined ? undefined : this.registerParameter('bias', noGrad(() => plain.bias!.clone()));
      const orig = this.registerParameter('weight_orig', noGrad(() => plain.weight.clone()));
      this.#w = new SpectralWeight(orig, this.registerBuffer('weight_u', empty([shape[0] as number])), this.registerBuffer('weight_v', empty([cols])));
      this.#w.init();
      return bias;
    } finally {
      plain.dispose();
    }
  }

  /** The learned weight before normalisation. */
  get weightOrig(): Tensor {
    return this.#w!.orig;
  }

  /** weight_orig / σ (one power-iteration step first in training mode); the caller disposes it. */
  protected normalizedWeight(): Tensor {
    return this.#w!.weight(this.training);
  }
}

/** nn.Conv2d with a spectrally normalised weight. Keys: weight_orig, weight_u, weight_v, bias. */
export class SpectralNormConv2d extends SpectralNormLayer {
  readonly options: Readonly<Required<Omit<Conv2dOptions, 'bias'>>>;
  readonly bias: Tensor | undefined;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dOptions = {}) {
    super();
    // The plain layer validates the arguments and draws the initial weight as PyTorch's does.
    const plain = new Conv2d(inChannels, outChannels, kernelSize, options);
    this.options = plain.options;
    this.bias = this.adopt(plain);
  }

  override forward(x: Tensor): Tensor {
    const w = this.normalizedWeight();
    const y = conv2d(x, w, this.bias, this.options);
    w.dispose();
    return y;
  }
}

/** nn.Linear with a spectrally normalised weight. Keys: weight_orig, weight_u, weight_v, bias. */
export class SpectralNormLinear extends SpectralNormLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: Tensor | undefined;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.bias = this.adopt(new Linear(inFeatures, outFeatures, options));
  }

  override forward(x: Tensor): Tensor {
    const w = this.normalizedWeight();
    const y = linear(x, w, this.bias);
    w.dispose();
    return y;
  }
}

/** nn.Embedding with a spectrally normalised table. Keys: weight_orig, weight_u, weight_v. */
export class SpectralNormEmbedding extends SpectralNormLayer {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.adopt(new Embedding(numEmbeddings, embeddingDim));
  }

  override forward(indices: Tensor): Tensor {
    const w = this.normalizedWeight();
    const y = embedding(indices, w);
    w.dispose();
    return y;
  }
}
