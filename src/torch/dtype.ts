/** Element types: PyTorch's names, libtorch's ScalarType codes and the TypedArrays that carry them. */
import { TorchError } from './errors.js';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** c10::ScalarType values. */
export const DTYPE_CODES: Readonly<Record<DType, number>> = Object.freeze({
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
});

const BY_CODE = new Map<number, DType>(Object.entries(DTYPE_CODES).map(([name, code]) => [code, name as DType]));

export function dtypeName(code: number): DType {
  const name = BY_CODE.get(code);
  if (name === undefined) throw new Error(`unsupported libtorch dtype code ${code}`);
  return name;
}

/** The TypedArray a tensor of each dtype copies out to. */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

type TypedArrayCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => AnyTypedArray;

/** The TypedArray constructor for each dtype (16-bit floats travel as their raw bits). */
export const TYPED_ARRAY_OF: Readonly<Record<DType, TypedArrayCtor>> = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
});

export function isFloatingDtype(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Bytes per element. */
export const DTYPE_SIZES: Readonly<Record<DType, number>> = Object.freeze({
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** The dtype a TypedArray holds when none is named. */
export function dtypeOfArray(a: AnyTypedArray | Uint8ClampedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError('a Uint16Array holds float16 or bfloat16 bits: name the dtype');
}

/** A device: 'cpu', 'cuda' or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** libtorch's code for a dtype (−1 for none), refusing names that are not dtypes. */
export function dtypeCode(dtype: DType | undefined): number {
  if (dtype === undefined) return -1;
  const c = (DTYPE_CODES as Record<string, number>)[dtype];
  if (c === undefined) {
    throw new TorchError(`unknown dtype '${String(dtype)}' (one of ${Object.keys(DTYPE_CODES).join(', ')})`, 'E_ARGUMENT');
  }
  return c;
}
