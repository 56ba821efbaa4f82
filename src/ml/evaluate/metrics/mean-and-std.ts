/** How a metric drawn over several splits or subsets is summarised: their mean and population std. */

/**
 * Mean and population standard deviation (ddof 0) of the values.
 *
 * ```ts
 * meanAndStd([1, 3]); // { value: 2, std: 1 }
 * ```
 */
export function meanAndStd(values: readonly number[]): { value: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { value: mean, std: Math.sqrt(squares / values.length) };
}
