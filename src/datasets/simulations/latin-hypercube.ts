/**
 * Seeded Latin hypercube sampling over a box of parameter ranges: `n` points such that each
 * parameter's range, cut into `n` equal strata, has exactly one point in each stratum (a spread
 * no plain random sample guarantees), jittered within its stratum. Deterministic for a seed: the
 * same seed, count and ranges give the same points on every machine (mulberry32, a 32-bit
 * generator in plain integer arithmetic).
 */

/** A generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` points over `ranges` (name → [min, max]), one per stratum of every range.
 *
 * @example latinHypercube(4, { x: [0, 1] }, 1) // four x values, one in each quarter of [0, 1]
 */
export function latinHypercube(n: number, ranges: Readonly<Record<string, readonly [number, number]>>, seed: number): Record<string, number>[] {
  const random = seededUniform(seed);
  const points: Record<string, number>[] = Array.from({ length: n }, () => ({}));
  for (const [name, [min, max]] of Object.entries(ranges)) {
    // A random permutation of the strata (Fisher–Yates), then a jitter inside each.
    const strata = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [strata[i], strata[j]] = [strata[j]!, strata[i]!];
    }
    for (let i = 0; i < n; i++) points[i]![name] = min + ((strata[i]! + random()) / n) * (max - min);
  }
  return points;
}
