/** Making tensors: from JavaScript data, filled, ranges and random. Options name dtype and device. */
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { TorchError, check } from './errors.js';
import { deviceArg } from './device.js';
import { dtypeCode, dtypeOfArray, type AnyTypedArray, type DType, type Device } from './dtype.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device | string;
  requiresGrad?: boolean;
}

const dt = (o: TensorOptions): number => dtypeCode(o.dtype);
const dev = (o: TensorOptions): string | undefined => deviceArg(o.device);

function finish(t: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkShape(shape: readonly number[]): number[] {
  for (const d of shape) {
    check(Number.isInteger(d) && d >= 0, () => `shape [${shape.join(', ')}]: every size must be a non-negative integer`);
  }
  return [...shape];
}

type Nested = number | boolean | bigint | readonly Nested[];

function shapeOf(data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as Nested;
  }
  return shape;
}

function flattenInto(data: Nested, shape: readonly number[], depth: number, out: (number | boolean | bigint)[]): void {
  if (depth === shape.length) {
    check(!Array.isArray(data), () => 'ragged nested array: rows of different lengths');
    out.push(data as number | boolean | bigint);
    return;
  }
  check(Array.isArray(data) && data.length === shape[depth], () => `ragged nested array at depth ${depth}: expected ${shape[depth]} elements`);
  for (const v of data as readonly Nested[]) flattenInto(v, shape, depth + 1, out);
}

/**
 * A tensor from JavaScript data (copied): a TypedArray (with `shape`, default 1-d), a number, or
 * nested arrays of numbers, booleans or bigints. Numbers default to float32, bigints to int64,
 * booleans to bool, a TypedArray to its own type.
 *
 * ```ts
 * const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);            // float32, 4×2
 * const y = tensor(new BigInt64Array([3n, 1n]), { dtype: 'int64' });
 * ```
 */
export function tensor(
  data: Nested | AnyTypedArray | Uint8ClampedArray,
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const array = data as AnyTypedArray;
    const shape = options.shape === undefined ? [array.length] : checkShape(options.shape);
    const dtype = options.dtype ?? dtypeOfArray(array);
    return finish(native.fromArray(array, shape, dtypeCode(dtype), dev(options)), options);
  }
  const shape = options.shape ?? shapeOf(data);
  const flat: (number | boolean | bigint)[] = [];
  if (options.shape !== undefined && Array.isArray(data)) {
    const all: (number | boolean | bigint)[] = [];
    flattenInto(data, shapeOf(data), 0, all);
    flat.push(...all);
  } else {
    flattenInto(data, shape, 0, flat);
  }
  const first = flat[0];
  const kind: DType =
    typeof first === 'bigint' ? 'int64' : typeof first === 'boolean' ? 'bool' : 'float32';
  let array: AnyTypedArray;
  if (kind === 'int64') {
    array = BigInt64Array.from(flat as bigint[]);
  } else if (kind === 'bool') {
    array = Uint8Array.from(flat as boolean[], (b) => (b ? 1 : 0));
  } else {
    for (const v of flat) {
      if (typeof v !== 'number') throw new TorchError('nested arrays must hold only numbers, only booleans or only bigints', 'E_ARGUMENT');
    }
    array = options.dtype === 'float64' ? Float64Array.from(flat as number[]) : Float32Array.from(flat as number[]);
  }
  return finish(native.fromArray(array, shape, dtypeCode(options.dtype ?? kind), dev(options)), options);
}

export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.empty(checkShape(shape), dt(options), dev(options)), options);
}
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.zeros(checkShape(shape), dt(options), dev(options)), options);
}
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.ones(checkShape(shape), dt(options), dev(options)), options);
}
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(native.full(checkShape(shape), value, dt(options), dev(options)), options);
}
/** Uniform on [0, 1). */
export function rand(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.rand(checkShape(shape), dt(options), dev(options)), options);
}
/** Standard normal; with the same seed, the same numbers as PyTorch's `torch.randn`. */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.randn(checkShape(shape), dt(options), dev(options)), options);
}
/** Integers uniform on [low, high); int64 unless a dtype is named. */
export function randint(low: number, high: number, shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(native.randint(low, high, checkShape(shape), dt(options), dev(options)), options);
}
/** A random permutation of 0 … n−1 (int64). */
export function randperm(n: number, options: TensorOptions = {}): Tensor {
  return finish(native.randperm(n, dt(options), dev(options)), options);
}
/** start, start + step, … below end; integers give int64 unless a dtype is named. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  return finish(native.arange(start, end, step, dt(options), dev(options)), options);
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(native.linspace(start, end, steps, dt(options), dev(options)), options);
}
export function eye(n: number, options: TensorOptions = {}): Tensor {
  const diagonal = native.ones([n], dt(options), dev(options));
  const identity = diagonal.diag();
  diagonal.dispose();
  return finish(identity, options);
}

const like = (t: Tensor, o: TensorOptions): TensorOptions => ({ dtype: o.dtype ?? t.dtype, device: o.device ?? t.device, requiresGrad: o.requiresGrad });
export const zerosLike = (t: Tensor, o: TensorOptions = {}): Tensor => zeros(t.shape, like(t, o));
export const onesLike = (t: Tensor, o: TensorOptions = {}): Tensor => ones(t.shape, like(t, o));
export const emptyLike = (t: Tensor, o: TensorOptions = {}): Tensor => empty(t.shape, like(t, o));
export const fullLike = (t: Tensor, value: number, o: TensorOptions = {}): Tensor => full(t.shape, value, like(t, o));
export const randLike = (t: Tensor, o: TensorOptions = {}): Tensor => rand(t.shape, like(t, o));
export const randnLike = (t: Tensor, o: TensorOptions = {}): Tensor => randn(t.shape, like(t, o));
export const randintLike = (t: Tensor, low: number, high: number, o: TensorOptions = {}): Tensor =>
  randint(low, high, t.shape, like(t, o));

/** Joins tensors along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return native.cat(tensors, dim);
}
/** Joins tensors along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return native.stack(tensors, dim);
}
/** Element-wise choice: `a` where `condition` holds, else `b` (either may be a number). */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return native.where(condition, a, b);
}
