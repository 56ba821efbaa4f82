/**
 * Images from a generator for given seeds and parameter combinations, as uint8 planar pixels
 * (N × C × S × S, the layout `loadImages` gives; `generateImages`) or as the generator's own
 * floats in [-1, 1] (`generateTanh`). Image i's noise is `manualSeed(seeds[i]);
 * randn([1, noiseDim])`, so it depends on its seed, its parameters and the weights alone; the
 * generator runs in eval mode and libtorch's RNG state is restored afterwards.
 */
import { MlError } from '../../errors.js';
import { tanhToUint8 } from '../../images/tanh-pixels.js';
import type { Cell } from '../../store/types.js';
import * as torch from '../../torch/index.js';
import { encodeConditions } from '../models/conditions.js';
import type { Gan } from '../models/gan.js';

/** Generated images per forward pass. */
export const GENERATE_BATCH = 256;

export interface GenerateRequest {
  readonly seeds: readonly number[];
  /** One combination per image (ignored by an unconditional model; may be empty then). */
  readonly combos: readonly Record<string, Cell>[];
  readonly device: string;
  /** Called after each batch with the images done so far. */
  readonly onBatch?: (done: number, total: number) => void;
}

export function generateImages(gan: Gan, request: GenerateRequest): Uint8Array {
  const out = new Uint8Array(request.seeds.length * planeOf(gan));
  forEachBatch(gan, request, (start, values) => out.set(tanhToUint8(values), start * planeOf(gan)));
  return out;
}

/** The generator's output itself (tanh, so in [-1, 1]), planar N × C × S × S; the same images as {@link generateImages} before rounding. */
export function generateTanh(gan: Gan, request: GenerateRequest): Float32Array {
  const out = new Float32Array(request.seeds.length * planeOf(gan));
  forEachBatch(gan, request, (start, values) => out.set(values, start * planeOf(gan)));
  return out;
}

function planeOf(gan: Gan): number {
  const { channels, size } = gan.architecture;
  return channels * size * size;
}

/** Runs the generator a batch at a time, handing each batch's floats to `take` with the index of its first image. */
function forEachBatch(gan: Gan, request: GenerateRequest, take: (start: number, values: Float32Array) => void): void {
  const { noiseDim, conditions } = gan.architecture;
  const total = request.seeds.length;
  if (conditions.length > 0 && request.combos.length !== total) throw new MlError('E_ML_ARGUMENT', `generateImages: ${total} seeds but ${request.combos.length} combinations`);
  const rng = torch.getRngState();
  const wasTraining = gan.generator.training;
  gan.generator.eval();
  try {
    for (let start = 0; start < total; start += GENERATE_BATCH) {
      const n = Math.min(GENERATE_BATCH, total - start);
      const values = torch.noGrad(() =>
        torch.tidy(() => {
          const noise = torch
            .cat(
              Array.from({ length: n }, (_, j) => {
                torch.manualSeed(request.seeds[start + j]!);
                return torch.randn([1, noiseDim]);
              }),
            )
            .to(request.device);
          const cond = conditions.length === 0 ? undefined : encodeConditions(conditions, request.combos.slice(start, start + n)).to(request.device);
          return gan.generate(noise, cond).float().cpu().toArray() as Float32Array;
        }),
      );
      take(start, values);
      request.onBatch?.(start + n, total);
    }
  } finally {
    gan.generator.train(wasTraining);
    torch.setRngState(rng);
    rng.dispose();
  }
}
