/**
 * Latin hypercube points over a run's parameter ranges, for held-out validation points and
 * candidate simulation points: the sampler the simulated ensembles use
 * (src/datasets/simulations/latin-hypercube.ts), taking ranges as the ML layer lists them and
 * checking them first. Along every parameter each of the `n` equal slices of its range holds
 * exactly one point; the same seed, ranges and count give the same points on every machine.
 *
 * ```ts
 * latinHypercube([{ name: 'a', min: 0, max: 1 }, { name: 'b', min: 10, max: 20 }], 40, 7);
 * // [{ a: 0.61…, b: 13.2… }, …]: 40 points, one in each fortieth of each range
 * ```
 */
import { latinHypercube as sampleHypercube } from '../../datasets/simulations/latin-hypercube.js';
import { MlError } from '../../errors.js';

/** A parameter's range. */
export interface ParameterRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

/** `n` points of a Latin hypercube over `ranges` drawn with `seed` (see the file comment). */
export function latinHypercube(ranges: readonly ParameterRange[], n: number, seed: number): Record<string, number>[] {
  if (!Number.isInteger(n) || n < 1) throw new MlError('E_ML_ARGUMENT', `latinHypercube: the number of points must be a whole number ≥ 1, got ${String(n)}`);
  for (const r of ranges) {
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) {
      throw new MlError('E_ML_ARGUMENT', `latinHypercube: parameter ${r.name} needs a finite range min ≤ max, got [${r.min}, ${r.max}]`);
    }
  }
  const box = Object.fromEntries(ranges.map((r) => [r.name, [r.min, r.max] as const]));
  // The jitter can reach max only by rounding; a point stays inside its range.
  return sampleHypercube(n, box, seed).map((p) => Object.fromEntries(ranges.map((r) => [r.name, Math.min(r.max, p[r.name]!)])));
}
