/**
 * Errors from the torch layer: every failure is a TorchError with a stable `code`, its message is
 * libtorch's (or the layer's own) without the C++ backtrace, and the process keeps working after it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.js';
import { F, TorchError, type TorchErrorCode } from '../src/torch/index.js';

interface ErrorCase {
  name: string;
  fn: () => unknown;
  code: TorchErrorCode;
  message: RegExp;
  /** Set while the binding gives another code; the case then runs as a TODO. */
  todo?: string;
}

const CASES: ErrorCase[] = [
  // shapes
  { name: 'matmul of 2×3 by 4×5', fn: () => torch.ones([2, 3]).matmul(torch.ones([4, 5])), code: 'E_SHAPE', message: /^mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)$/ },
  { name: 'adding shapes that do not broadcast', fn: () => torch.ones([2, 3]).add(torch.ones([4])), code: 'E_SHAPE', message: /size of tensor a \(3\) must match the size of tensor b \(4\)/ },
  { name: 'cat of mismatched rows', fn: () => torch.cat([torch.ones([2, 3]), torch.ones([2, 4])]), code: 'E_SHAPE', message: /Sizes of tensors must match except in dimension 0/ },
  { name: 'view to a size of another count', fn: () => torch.ones([2, 3]).view(4), code: 'E_SHAPE', message: /shape '\[4\]' is invalid for input of size 6/ },
  { name: 'conv2d with the wrong channel count', fn: () => F.conv2d(torch.ones([1, 3, 5, 5]), torch.ones([2, 4, 3, 3])), code: 'E_SHAPE', message: /expected input\[1, 3, 5, 5\] to have 4 channels, but got 3/ },
  { name: 'narrow past the end', fn: () => torch.ones([6]).narrow(0, 4, 5), code: 'E_SHAPE', message: /start \(4\) \+ length \(5\) exceeds dimension size \(6\)/ },
  // dtypes
  { name: 'indexSelect with a float index', fn: () => torch.ones([2, 3]).indexSelect(1, torch.tensor([0, 1])), code: 'E_DTYPE', message: /index_select\(\): Expected dtype int32 or int64 for index/ },
  { name: 'gather with a float index', fn: () => torch.ones([2, 3]).gather(1, torch.ones([2, 1])), code: 'E_DTYPE', message: /gather\(\): Expected dtype int32\/int64 for index/ },
  { name: 'crossEntropy with float class indices', fn: () => F.crossEntropy(torch.ones([2, 3]), torch.tensor([0, 1])), code: 'E_DTYPE', message: /expected target dtype to be Long or Byte, but got Float/ },
  { name: 'nllLoss with int32 targets', fn: () => F.nllLoss(torch.ones([2, 3]), torch.tensor([0, 1], { dtype: 'int32' })), code: 'E_DTYPE', message: /expected target dtype to be Long or Byte, but got Int/ },
  { name: 'embedding with float indices', fn: () => F.embedding(torch.tensor([0, 1]), torch.ones([3, 2])), code: 'E_DTYPE', message: /'indices' to have one of the following scalar types: Long, Int/ },
  { name: 'matmul of float32 by float64', fn: () => torch.ones([2, 3]).matmul(torch.ones([3, 2], { dtype: 'float64' })), code: 'E_DTYPE', message: /same dtype, but got: float != double/ },
  // indices and values
  { name: 'select past the end', fn: () => torch.ones([6]).select(0, 7), code: 'E_INDEX', message: /index 7 out of range for tensor of size \[6\]/ },
  { name: 'indexSelect with an index past the end', fn: () => torch.ones([6]).indexSelect(0, torch.tensor([9n])), code: 'E_INDEX', message: /index out of range in self/ },
  { name: 'size() of a dimension that is not there', fn: () => torch.ones([6]).size(3), code: 'E_INDEX', message: /dimension 3 out of range for a 1-d tensor/ },
  { name: 'item() of two elements', fn: () => torch.ones([2]).item(), code: 'E_VALUE', message: /exactly one element, this one has 2/ },
  // arguments
  { name: 'reshape to a non-integer size', fn: () => torch.ones([6]).reshape(2.5, 2), code: 'E_ARGUMENT', message: /expected integers, got 2\.5/ },
  { name: 'view to NaN', fn: () => torch.ones([6]).view(NaN), code: 'E_ARGUMENT', message: /expected integers, got nan/ },
  { name: 'a string where a number belongs', fn: () => torch.ones([2]).add('x' as unknown as number), code: 'E_ARGUMENT', message: /expected a number/ },
  {
    name: 'zeros with a non-integer size',
    fn: () => torch.zeros([2.5]),
    code: 'E_ARGUMENT',
    message: /shape \[2\.5\]: every size must be a non-negative integer/,
  },
  {
    name: 'randn with a negative size',
    fn: () => torch.randn([-1]),
    code: 'E_ARGUMENT',
    message: /every size must be a non-negative integer/,
  },
  {
    name: 'dropout with p = 2',
    fn: () => F.dropout(torch.ones([2]), 2),
    code: 'E_ARGUMENT',
    message: /dropout probability must be in \[0, 1\], got 2/,
  },
  {
    name: "a loss with reduction 'avg'",
    fn: () => F.mseLoss(torch.ones([2]), torch.ones([2]), { reduction: 'avg' as 'mean' }),
    code: 'E_ARGUMENT',
    message: /reduction must be 'none', 'mean' or 'sum', got 'avg'/,
  },
  {
    name: 'a ragged nested array',
    fn: () => torch.tensor([[1, 2], [3]]),
    code: 'E_ARGUMENT',
    message: /ragged nested array/,
  },
  {
    name: 'a Promise returned from tidy',
    fn: () => torch.tidy(async () => 1),
    code: 'E_ARGUMENT',
    message: /tidy\(\) cannot return a Promise/,
  },
  {
    name: "an unknown dtype 'float128'",
    fn: () => torch.zeros([2], { dtype: 'float128' as 'float32' }),
    code: 'E_ARGUMENT',
    message: /float128/,
  },
  { name: 'backward from a non-scalar without a gradient', fn: () => torch.ones([2], { requiresGrad: true }).mul(2).backward(), code: 'E_TORCH', message: /grad can be implicitly created only for scalar outputs/ },
  // devices
  { name: "an unknown device 'banana'", fn: () => torch.zeros([2], { device: 'banana' }), code: 'E_ARGUMENT', message: /unknown device 'banana'/ },
];

const CUDA_CASES: ErrorCase[] = [
  { name: "zeros on device 'cuda'", fn: () => torch.zeros([2], { device: 'cuda' }), code: 'E_DEVICE', message: /cuda/i },
  { name: "to('cuda')", fn: () => torch.zeros([2]).to('cuda'), code: 'E_DEVICE', message: /cuda/i },
  { name: 'cuda()', fn: () => torch.zeros([2]).cuda(), code: 'E_DEVICE', message: /cuda/i },
];

/** No C++ backtrace: no "Exception raised from", no "frame #n" lines; with `oneLine`, no newline. */
function assertCleanMessage(e: TorchError, oneLine = true): void {
  assert.doesNotMatch(e.message, /Exception raised from/);
  assert.doesNotMatch(e.message, /frame #\d+/);
  if (oneLine) assert.doesNotMatch(e.message, /\n/);
}

/** After any error, the next op still computes. */
function assertStillWorks(): void {
  torch.tidy(() => assert.deepEqual(Array.from(torch.tensor([1, 2]).mul(3).add(1).toArray() as Float32Array), [4, 7]));
}

function thrown(fn: () => unknown): TorchError {
  let error: unknown;
  torch.tidy(() => {
    try {
      fn();
    } catch (e) {
      error = e;
    }
  });
  assert.ok(error instanceof TorchError, `expected a TorchError, got ${String(error)}`);
  return error;
}

describe('torch errors', () => {
  for (const c of CASES) {
    it(`${c.name} throws ${c.code} with the message and no backtrace; the next op works`, c.todo === undefined ? {} : { todo: c.todo }, () => {
      const e = thrown(c.fn);
      assert.match(e.message, c.message);
      assertCleanMessage(e);
      assertStillWorks();
      assert.equal(e.code, c.code, `code for: ${e.message}`);
    });
  }

  it('errors from libtorch keep the full native text, backtrace included, in `detail`', () => {
    const e = thrown(() => torch.ones([2, 3]).matmul(torch.ones([4, 5])));
    assert.match(e.detail, /mat1 and mat2 shapes cannot be multiplied/);
    assert.match(e.detail, /Exception raised from/);
    assert.equal(e.name, 'TorchError');
  });

  it('a failed op leaves no tensors behind', () => {
    const before = torch.memory().tensors;
    const a = torch.ones([2, 3]);
    const b = torch.ones([4, 5]);
    assert.throws(() => a.matmul(b), TorchError);
    a.dispose();
    b.dispose();
    assert.equal(torch.memory().tensors, before);
  });

  it('a failing function inside noGrad restores grad mode', () => {
    assert.throws(() => torch.noGrad(() => torch.ones([2]).view(3)), TorchError);
    assert.equal(torch.isGradEnabled(), true);
  });
});

describe('CUDA availability', () => {
  it('isAvailable() is deviceCount() > 0, false for a build without CUDA, and decides whether a CUDA tensor can be made', () => {
    const count = torch.cuda.deviceCount();
    assert.ok(Number.isInteger(count) && count >= 0, `deviceCount() ${count}`);
    assert.equal(torch.cuda.isAvailable(), count > 0);
    if (!torch.buildInfo().cuda) assert.equal(torch.cuda.isAvailable(), false, 'a libtorch built without CUDA sees no device');
    if (torch.cuda.isAvailable()) {
      torch.tidy(() => assert.match(torch.zeros([2], { device: 'cuda' }).device, /^cuda/));
    } else {
      assert.equal(thrown(() => torch.zeros([2], { device: 'cuda' })).code, 'E_DEVICE');
    }
  });
});

describe('torch errors for CUDA on a machine without it', { skip: torch.cuda.isAvailable() ? 'CUDA is available here' : false }, () => {

  for (const c of CUDA_CASES) {
    it(`${c.name} throws a TorchError that names CUDA, and the next op works`, () => {
      const e = thrown(c.fn);
      assert.match(e.message, c.message);
      assertCleanMessage(e, false);
      assertStillWorks();
    });
    it(`${c.name} throws E_DEVICE with a one-line message`, () => {
      const e = thrown(c.fn);
      assertCleanMessage(e);
      assert.equal(e.code, c.code);
    });
  }
});
