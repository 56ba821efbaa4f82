/**
 * The most one call of predict, evaluate or explain may ask for, checked before anything is
 * allocated: each of these options makes the call hold memory per item (images, feature rows,
 * subsets, coalitions), so a typo such as `count: 1000000000` would otherwise run until V8 runs
 * out of memory. A call over a limit is refused with an `E_ML_ARGUMENT` error naming the option,
 * what it asks for, the limit, and how to get the work done anyway (several calls, or a smaller
 * value that measures the same thing).
 *
 * Seeds are checked here too: a seed is recorded with every item it reproduces, so it must be one
 * the generators tell apart. libtorch's CPU generator (a Mersenne Twister) and the ML layer's own
 * sampler (`data/seeded-random.ts`) keep only a seed's low 32 bits, so 2^32 would draw what 0
 * draws: a seed is a whole number from 0 to {@link SEED_MAX}, and so is item k's seed S + k.
 *
 * ```ts
 * checkCallSize('count', 1e9, CALL_LIMITS.predictImages, (o) => `make several calls, each with its own ${o('seed')}`);
 * ```
 */
import { type ErrorMessage, MlError } from '../errors.js';

/** The largest seed: 2^32 − 1, the 32-bit seeds libtorch's generator and every sampler here take. */
export const SEED_MAX = 0xffffffff;

export const CALL_LIMITS = {
  /** Images one `predict` call generates (combinations × `count`); each is a PNG and a row. */
  predictImages: 100_000,
  /** Images one `evaluate` generates per checkpoint (pixels, features and logits held at once). */
  evaluateImages: 100_000,
  /** KID subsets of one evaluation (one value kept per subset). */
  kidSubsets: 10_000,
  /** Coalitions one explanation values (a mask per coalition, each valued over the background). */
  explainSamples: 100_000,
  /** Background rows of one explanation (each coalition is valued once per row). */
  explainBackground: 10_000,
} as const;

/**
 * Refuses `asked` items of `option` (its library name) when over `limit`; `advice` says how to do
 * the work anyway. `what` names the items (default: the option's own unit).
 */
export function checkCallSize(option: string, asked: number, limit: number, advice: ErrorMessage, what = 'items'): void {
  if (asked > limit) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} asks for ${asked} ${what}; one call takes at most ${limit}: ${typeof advice === 'string' ? advice : advice(o)}`);
  }
}

/**
 * `value`, or `fallback` when absent: a whole number ≥ `min`; throws `E_ML_ARGUMENT` naming
 * `option` (its library name) otherwise.
 */
export function checkWholeNumber(option: string, value: number | undefined, fallback: number, min = 1): number {
  const x = value ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a whole number ≥ ${min}, got ${String(value)}`);
  return x;
}

/**
 * A seed for `items` consecutive items (item k uses `seed + k`): a whole number from 0 whose last
 * item's seed is still at most {@link SEED_MAX}. Returns the seed; throws `E_ML_ARGUMENT` naming
 * `option` (its library name) otherwise.
 */
export function checkSeed(option: string, seed: number, items = 1): number {
  const last = SEED_MAX - Math.max(0, items - 1);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0 || seed > last) {
    const range =
      items > 1
        ? `0 to ${last} (item k uses seed + k, and the ${items} seeds must stay within the generators' 32-bit seeds, at most ${SEED_MAX})`
        : `0 to ${last} (the generators' 32-bit seeds)`;
    throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} must be a whole number from ${range}, got ${String(seed)}`);
  }
  return seed;
}
