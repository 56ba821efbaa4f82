/**
 * The seeded draws of the metrics: the shuffle before IS's splits and KID's subsets. Both use
 * SeededRandom (SplitMix32), not libtorch's generator, so a value depends on its seed alone.
 *
 * ```ts
 * seededPermutation(5, 0);                      // Int32Array [ … 0…4 in a fixed order ]
 * const draw = subsetSampler(10_000, rng);      // draw(1000): 1000 distinct indices
 * ```
 */
import { SeededRandom } from '../../data/seeded-random.js';

export { seededPermutation } from '../../data/seeded-random.js';

/**
 * Draws of m distinct indices out of 0 … n−1 (a partial Fisher–Yates over a pool that persists
 * between draws, so each draw costs O(m) and is uniform over the m-subsets). The returned array
 * is a fresh copy.
 */
export function subsetSampler(n: number, rng: SeededRandom): (m: number) => Int32Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  return (m: number): Int32Array => {
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    return pool.slice(0, m);
  };
}
