/**
 * Integer arguments at the native boundary: a number that is NaN, infinite, fractional or outside
 * int64 is refused with an E_ARGUMENT TorchError naming the function and the argument, before
 * any cast (converting such a double to int64_t is undefined behaviour in C++). The edges of the
 * int64 range still pass the check and reach libtorch.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { TorchError } from '../src/torch/index.js';
import { native } from '../src/torch/native.js';

const refused = (message: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof TorchError, `a TorchError, got ${String(e)}`);
  assert.equal(e.code, 'E_ARGUMENT');
  assert.match(e.message, message);
  return true;
};

describe('integer arguments of native calls', () => {
  const t = torch.keep(torch.ones([2, 3]));

  const BAD_DIMS: readonly [string, number, RegExp][] = [
    ['NaN', NaN, /got nan$/],
    ['Infinity', Infinity, /got inf$/],
    ['-Infinity', -Infinity, /got -inf$/],
    ['2**63', 2 ** 63, /got 9\.223372036854776e\+18, outside the int64 range$/],
    ['-(2**64)', -(2 ** 64), /got -1\.8446744073709552e\+19, outside the int64 range$/],
    ['1.5', 1.5, /got 1\.5$/],
  ];

  for (const [label, value, tail] of BAD_DIMS) {
    it(`a dim of ${label} is refused, naming the function and the argument`, () => {
      assert.throws(() => t.unsqueeze(value), refused(new RegExp(`^unsqueeze: argument 2: expected an integer, ${tail.source}`)));
      assert.throws(() => t.transpose(0, value), refused(/^transpose: argument 3: expected an integer/));
      assert.throws(() => t.narrow(0, value, 1), refused(/^narrow: argument 3: expected an integer/));
      assert.throws(() => t.select(value, 0), refused(/^select: argument 2: expected an integer/));
      assert.throws(() => t.softmax(value), refused(/^softmax: argument 2: expected an integer/));
    });

    it(`a size of ${label} in a shape list is refused`, () => {
      assert.throws(() => t.reshape(value, 6), refused(new RegExp(`^reshape: argument 2: expected integers, ${tail.source}`)));
      assert.throws(() => t.view(3, value), refused(/^view: argument 2: expected integers/));
      assert.throws(() => native.zeros([2, value]), refused(/^zeros: argument 1: expected integers/));
    });
  }

  it('a BigInt outside int64 is refused, one inside it is taken', () => {
    assert.throws(() => native.unsqueeze(t, 2n ** 63n), refused(/^unsqueeze: argument 2: expected an integer, got a BigInt outside the int64 range/));
    assert.throws(() => native.unsqueeze(t, -(2n ** 63n) - 1n), refused(/outside the int64 range/));
    const u = native.unsqueeze(t, 1n);
    assert.deepEqual(u.shape, [2, 1, 3]);
    u.dispose();
  });

  it('the ends of the int64 range pass the check and reach libtorch', () => {
    // -2^63 is an int64: libtorch, not the conversion, refuses it as a dimension.
    assert.throws(() => t.select(0, -(2 ** 63)), (e) => e instanceof TorchError && e.code === 'E_INDEX');
    assert.throws(() => t.unsqueeze(-(2 ** 63)), (e) => e instanceof TorchError && e.code !== 'E_ARGUMENT');
    // The largest double below 2^63 is an int64 too.
    assert.throws(() => t.select(0, 2 ** 63 - 1024), (e) => e instanceof TorchError && e.code === 'E_INDEX');
  });

  it('optional integers, factories and runtime calls check the same way', () => {
    assert.throws(() => t.squeeze(NaN), refused(/^squeeze: argument 2: expected an integer, got nan/));
    assert.throws(() => t.argmax(0.5), refused(/^argmax: argument 2: expected an integer, got 0\.5/));
    assert.throws(() => torch.randperm(Infinity), refused(/^randperm: argument 1: expected an integer, got inf/));
    assert.throws(() => native.linspace(0, 1, NaN), refused(/^linspace: argument 3: expected an integer, got nan/));
    assert.throws(() => native.setNumThreads(2 ** 40), refused(/the thread count must fit in an int/));
    assert.throws(() => native.setAutocast('cpu', false, 1000), refused(/^setAutocast: argument 3 \(dtype\): unknown dtype code 1000/));
    assert.throws(() => native.setAutocast('cpu', false, NaN), refused(/^setAutocast: argument 3: expected an integer, got nan/));
  });

  it('a shape whose element count overflows int64 is refused before it is multiplied out', () => {
    assert.throws(() => native.fromArray(new Float32Array(0), [2 ** 62, 4]), refused(/has more elements than int64 counts/));
  });

  it('the process keeps working after every refusal', () => {
    assert.deepEqual(Array.from(t.unsqueeze(0).sum([0, 1]).toArray() as Float32Array), [2, 2, 2]);
    t.dispose();
  });
});
