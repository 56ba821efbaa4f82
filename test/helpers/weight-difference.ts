/** How far apart two checkpoints' weights are, element by element (the data-parallel tests' measure). */
import assert from 'node:assert/strict';

export interface WeightDifference {
  /** The largest absolute difference of any element. */
  readonly worst: number;
  /** The mean absolute difference over every element. */
  readonly mean: number;
  /** Elements compared. */
  readonly count: number;
}

/** Compares every tensor of `a` with the one of the same name in `b` (which must hold it). */
export function weightDifference(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): WeightDifference {
  let worst = 0;
  let total = 0;
  let count = 0;
  for (const [k, x] of a) {
    const y = b.get(k);
    assert.ok(y !== undefined, `${k} in both checkpoints`);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      worst = Math.max(worst, d);
      total += d;
      count++;
    }
  }
  return { worst, mean: total / count, count };
}
