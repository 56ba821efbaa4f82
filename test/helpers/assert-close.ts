/** Element-wise closeness of two tensors: |a − b| ≤ atol + rtol·|b|, naming the first element off. */
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/torch/index.js';

export function assertClose(actual: Tensor, expected: Tensor, what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.toArray();
  const b = expected.toArray();
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: ${x} vs PyTorch's ${y}`);
  }
}
