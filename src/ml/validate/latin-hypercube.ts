/**
 * Seeded Latin hypercube samples inside a box: `n` points in `d` continuous parameters such that,
 * along every parameter, each of the `n` equal slices of its range holds exactly one point. The
 * points cover a range evenly with far fewer of them than a grid needs (a grid of 40 points in 3
 * parameters has 3 or 4 values per parameter; a hypercube has 40), which is what held-out
 * validation points and candidate simulation points need.
 *
 * The same seed, ranges and count give the same points on every machine (SplitMix32 of
 * data/seeded-random.ts, one independent stream per parameter). A point lies inside [min, max] of
 * every parameter, endpoints included only when min = max.
 *
 * ```ts
 * latinHypercube([{ name: 'a', min: 0, max: 1 }, { name: 'b', min: 10, max: 20 }], 40, 7);
 * // [{ a: 0.61…, b: 13.2… }, …]: 40 points, one in each tenth… fortieth of each range
 * ```
 */
import { MlError } from '../../errors.js';
import { mixSeed, SeededRandom, seededPermutation } from '../data/seeded-random.js';

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
  const points = Array.from({ length: n }, () => ({}) as Record<string, number>);
  ranges.forEach((r, d) => {
    const strata = seededPermutation(n, mixSeed(seed, d, 0x1a7e));
    const rng = new SeededRandom(mixSeed(seed, d, 0x0ff5));
    for (let i = 0; i < n; i++) {
      const u = (strata[i]! + rng.next()) / n;
      points[i]![r.name] = r.min === r.max ? r.min : Math.min(r.max, r.min + u * (r.max - r.min));
    }
  });
  return points;
}
