/**
 * Element-wise closeness of two tensors: |a − b| ≤ atol + rtol·|b|, naming the first element off.
 * The bound is either given as (rtol, atol) or derived from an error model (./tolerance.ts).
 */
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/torch/index.js';
import { tolerance, type ErrorModel } from './tolerance.js';

export function assertClose(actual: Tensor, expected: Tensor, what: string, rtolOrModel: number | ErrorModel = 1e-5, atolGiven = 1e-6): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const { rtol, atol } = typeof rtolOrModel === 'number' ? { rtol: rtolOrModel, atol: atolGiven } : tolerance(rtolOrModel);
  const a = actual.toArray();
  const b = expected.toArray();
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    const bound = atol + rtol * Math.abs(y);
    assert.ok(Math.abs(x - y) <= bound, `${what}[${i}]: ${x} vs PyTorch's ${y} (off by ${Math.abs(x - y)}, bound ${bound})`);
  }
}
