/**
 * Images from a generator for given seeds and parameter combinations, as uint8 planar pixels
 * (N × C × S × S, the layout `loadImages` gives). Image i's noise is `manualSeed(seeds[i]);
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
  const { noiseDim, channels, size, conditions } = gan.architecture;
  const total = request.seeds.length;
  if (conditions.length > 0 && request.combos.length !== total) throw new MlError('E_ML_ARGUMENT', `generateImages: ${total} seeds but ${request.combos.length} combinations`);
  const plane = channels * size * size;
  const out = new Uint8Array(total * plane);
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
      out.set(tanhToUint8(values), start * plane);
      request.onBatch?.(start + n, total);
    }
  } finally {
    gan.generator.train(wasTraining);
    torch.setRngState(rng);
    rng.dispose();
  }
  return out;
}
