/**
 * An exponential moving average of a generator's weights (Yazıcı et al. 2019, "The Unusual
 * Effectiveness of Averaging in GAN Training"; used by ProGAN, BigGAN and StyleGAN): after step t
 * θ̄ ← d·θ̄ + (1 − d)·θ with d = min(decay, (1 + t)/(10 + t)), and the BatchNorm statistics are
 * copied. The warm-up (TensorFlow's ExponentialMovingAverage with num_updates) keeps the random
 * initial weights from lingering in the average of a short run. Sampling with θ̄
 * smooths out the oscillation of adversarial training, so the images are cleaner than those of the
 * weights of any single step.
 *
 * ```ts
 * const average = new GeneratorAverage(gan, 0.999, 'cpu');
 * // after each training step:
 * average.update(step);
 * renderSampleGrid(average.gan, seed, device);
 * ```
 */
import * as torch from '../../torch/index.js';
import { createGan, type Gan } from '../models/gan.js';

export class GeneratorAverage implements Disposable {
  /** A GAN of the same architecture whose generator holds the average (its discriminator is unused). */
  readonly gan: Gan;
  readonly #source: Gan;
  readonly #decay: number;

  constructor(source: Gan, decay: number, device: string) {
    this.#source = source;
    this.#decay = decay;
    this.gan = createGan(source.architecture).to(device);
    this.reset();
  }

  /** The averaged generator (what checkpoints save beside the trained one). */
  get generator(): torch.nn.Module {
    return this.gan.generator;
  }

  /** Restarts the average at the current weights. */
  reset(): void {
    torch.tidy(() =>
      torch.noGrad(() => {
        const to = this.gan.generator.stateDict();
        for (const [name, t] of this.#source.generator.stateDict()) to.get(name)!.copy_(t);
      }),
    );
  }

  /** The average after training step `step` (counted from 0 over the whole run): parameters blended, buffers (BatchNorm statistics) copied. */
  update(step: number): void {
    const weight = 1 - Math.min(this.#decay, (1 + step) / (10 + step));
    torch.noGrad(() => {
      const avg = this.gan.generator.parameters();
      this.#source.generator.parameters().forEach((p, i) => avg[i]!.lerp_(p, weight));
      const avgBuffers = this.gan.generator.buffers();
      this.#source.generator.buffers().forEach((b, i) => avgBuffers[i]!.copy_(b));
    });
  }

  dispose(): void {
    this.gan.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
