/**
 * The training images of an image run on its device, and each step's batch: a slice of the
 * epoch's seeded permutation (`epochPermutation`), so a resumed run sees the same batches as an
 * uninterrupted one. A last batch of one image is dropped (BatchNorm cannot train on it). A
 * worker of a data-parallel run takes its share of each epoch's permutation (distributedShard).
 */
import type { LoadedImages } from '../../images/load-images.js';
import * as torch from '../../torch/index.js';
import { epochPermutation } from '../data/seeded-random.js';
import { distributedShard, runWorld, type RunWorld } from './distributed-run.js';

/** Steps in an epoch: a last batch of one image is dropped (BatchNorm cannot train on it). */
export function stepsPerEpoch(images: number, batch: number): number {
  const full = Math.floor(images / batch);
  return full + (images - full * batch >= 2 ? 1 : 0);
}

export class ImageBatches {
  /** N × channels × height × width, uint8, on the device. */
  readonly pixels: torch.Tensor;
  readonly count: number;
  readonly steps: number;
  /** Images an epoch trains on. */
  readonly epochImages: number;
  readonly #batch: number;
  readonly #seed: number;
  readonly #world: RunWorld;
  /** Images of an epoch's order this worker visits (all of them in one process). */
  readonly #share: number;
  #order: Int32Array | undefined;
  #orderEpoch = -1;

  constructor(images: LoadedImages, batch: number, seed: number, device: string) {
    const n = images.count;
    this.pixels = torch.keep(torch.tensor(images.pixels, { shape: [n, images.channels, images.height, images.width], dtype: 'uint8', device }));
    this.count = n;
    this.#world = runWorld();
    this.#share = Math.ceil(n / this.#world.worldSize);
    this.steps = stepsPerEpoch(this.#share, batch);
    this.epochImages = Math.min(this.#share, this.steps * batch);
    this.#batch = batch;
    this.#seed = seed;
  }

  /** The image indices of step `s` (0-based) of epoch `epoch` (0-based). */
  indices(epoch: number, s: number): Int32Array {
    if (this.#orderEpoch !== epoch) {
      this.#order = distributedShard(epochPermutation(this.count, this.#seed, epoch), this.#world);
      this.#orderEpoch = epoch;
    }
    return this.#order!.subarray(s * this.#batch, Math.min(this.#share, (s + 1) * this.#batch));
  }

  dispose(): void {
    this.pixels.dispose();
  }
}
