/**
 * The tensor: a libtorch tensor held by the addon, with PyTorch's methods in TypeScript's case.
 * `Tensor` extends the addon's native class, so a tensor is one JavaScript object; every method is
 * one synchronous native call. Tensors made inside `tidy` are freed when it ends; otherwise call
 * `dispose()` (or declare them with `using`). Disposing twice is harmless; using a disposed tensor
 * throws a TorchError with code E_DISPOSED.
 */
import { native } from './native.js';
import { TorchError } from './errors.js';
import { deviceArg } from './device.js';
import { track, untrack, type Scope, type Scoped } from './scope.js';
import { DTYPE_CODES, DTYPE_SIZES, TYPED_ARRAY_OF, dtypeCode, dtypeName, type DType, type Device, type TypedArrayOf } from './dtype.js';

/** A second operand: a tensor, or a number that does not widen the tensor's dtype (as in PyTorch). */
export type Operand = Tensor | number;

/** Dimensions to reduce over: one, several, or all when omitted. */
export type Dims = number | readonly number[];

export interface ReduceOptions {
  keepdim?: boolean;
  dtype?: DType;
}

export interface VarOptions {
  dim?: Dims;
  /** Bessel's correction: 1 (default) for the unbiased estimate, 0 for the population one. */
  correction?: number;
  keepdim?: boolean;
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export interface ToOptions {
  dtype?: DType;
  device?: Device | string;
  /** Copy even when nothing changes. */
  copy?: boolean;
}

const code = dtypeCode;
const pair = (p: [Tensor, Tensor]): ValuesIndices => ({ values: p[0], indices: p[1] });

/** From this many elements on, toArray fills an uninitialised buffer (see toArray). */
const LARGE_COPY_ELEMENTS = 16 * 1024;

export class Tensor extends native.NativeTensor implements Scoped {
  /** The scope that frees this tensor, if any (maintained by scope.ts). */
  scope: Scope | undefined = undefined;

  /** Tensors are made by factories and operations, never with `new` by users. */
  constructor() {
    super();
    track(this);
  }

  /** Frees the tensor's native memory now (views keep their storage alive). Safe to call twice. */
  override dispose(): void {
    untrack(this);
    super.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // Properties -------------------------------------------------------------------------------

  get shape(): number[] {
    return native.shape(this);
  }
  get dtype(): DType {
    return dtypeName(native.dtype(this));
  }
  get device(): string {
    return native.device(this);
  }
  get ndim(): number {
    return native.dim(this);
  }
  numel(): number {
    return native.numel(this);
  }
  size(dim?: number): number | number[] {
    const shape = this.shape;
    if (dim === undefined) return shape;
    const d = dim < 0 ? shape.length + dim : dim;
    const s = shape[d];
    if (s === undefined) throw new TorchError(`dimension ${dim} out of range for a ${shape.length}-d tensor`, 'E_INDEX');
    return s;
  }
  isContiguous(): boolean {
    return native.isContiguous(this);
  }

  /**
   * A copy of the elements, row-major, in the TypedArray of the tensor's dtype; with `out` (of
   * that type and exactly numel elements), a copy into it.
   */
  toArray<D extends DType = DType>(out?: TypedArrayOf[D]): TypedArrayOf[D] {
    // Into the caller's array: a loop that reuses one buffer copies at memory speed.
    if (out !== undefined) return native.copyToArray(this, out);
    const n = native.numel(this);
    // The addon picks the array type from the tensor's dtype, which D names.
    if (n < LARGE_COPY_ELEMENTS) return native.toArray(this) as TypedArrayOf[D];
    // Large: an uninitialised buffer that libtorch fills in one pass (a new ArrayBuffer would be
    // zero-filled first).
    const dtype = this.dtype;
    const buffer = Buffer.allocUnsafeSlow(n * DTYPE_SIZES[dtype]).buffer;
    return native.copyToArray(this, new TYPED_ARRAY_OF[dtype](buffer, 0, n)) as TypedArrayOf[D];
  }
  /** The value of a one-element tensor. */
  item(): number {
    // A bool tensor's item is a boolean at run time; the declared type has always said number.
    return native.item(this) as number;
  }
  override toString(): string {
    return native.format(this);
  }

  // Autograd ---------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return native.requiresGrad(this);
  }
  requiresGrad_(on = true): this {
    return native.requiresGrad_(this, on);
  }
  /** The accumulated gradient, a new handle on it each time (dispose it or let a scope do so). */
  get grad(): Tensor | undefined {
    return native.grad(this);
  }
  set grad(g: Tensor | undefined) {
    native.setGrad(this, g);
  }
  get isLeaf(): boolean {
    return native.isLeaf(this);
  }
  retainGrad(): this {
    return native.retainGrad(this);
  }
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    native.backward(this, gradient, options.retainGraph, options.createGraph ?? false);
  }

  // Conversion and copies --------------------------------------------------------------------

  /** `t.to('float64')`, `t.to('cuda')` or `t.to({ dtype, device, copy })`. */
  to(target: DType | Device | string | ToOptions): Tensor {
    if (typeof target === 'string') {
      if (target in DTYPE_CODES) return native.to(this, DTYPE_CODES[target as DType], undefined, false);
      return native.to(this, -1, deviceArg(target), false);
    }
    return native.to(this, code(target.dtype), deviceArg(target.device), target.copy ?? false);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  cpu(): Tensor {
    return native.to(this, -1, 'cpu', false);
  }
  cuda(index = 0): Tensor {
    return native.to(this, -1, deviceArg(`cuda:${index}`), false);
  }
  detach(): Tensor {
    return native.detach(this);
  }
  clone(): Tensor {
    return native.clone(this);
  }
  contiguous(): Tensor {
    return native.contiguous(this);
  }
  /** Another handle on the same tensor, which may be disposed independently. */
  alias(): Tensor {
    return native.alias(this);
  }

  // Shape ------------------------------------------------------------------------------------

  reshape(...shape: number[]): Tensor {
    return native.reshape(this, shape);
  }
  view(...shape: number[]): Tensor {
    return native.view(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return native.flatten(this, startDim, endDim);
  }
  permute(...dims: number[]): Tensor {
    return native.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return native.transpose(this, dim0, dim1);
  }
  /** The transpose of a matrix. */
  t(): Tensor {
    return native.transpose(this, 0, 1);
  }
  squeeze(dim?: number): Tensor {
    return native.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return native.unsqueeze(this, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return native.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return native.select(this, dim, index);
  }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return native.slice(this, dim, start, end, step);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return native.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return native.gather(this, dim, index);
  }
  maskedSelect(mask: Tensor): Tensor {
    return native.maskedSelect(this, mask);
  }
  expand(...shape: number[]): Tensor {
    return native.expand(this, shape);
  }
  repeat(...repeats: number[]): Tensor {
    return native.repeat(this, repeats);
  }
  flip(...dims: number[]): Tensor {
    return native.flip(this, dims);
  }
  split(size: number, dim = 0): Tensor[] {
    return native.split(this, size, dim);
  }

  // Element-wise -----------------------------------------------------------------------------

  /** this + alpha·other */
  add(other: Operand, alpha = 1): Tensor {
    return native.add(this, other, alpha);
  }
  /** this − alpha·other */
  sub(other: Operand, alpha = 1): Tensor {
    return native.sub(this, other, alpha);
  }
  mul(other: Operand): Tensor {
    return native.mul(this, other);
  }
  div(other: Operand): Tensor {
    return native.div(this, other);
  }
  pow(exponent: Operand): Tensor {
    return native.pow(this, exponent);
  }
  remainder(other: Operand): Tensor {
    return native.remainder(this, other);
  }
  maximum(other: Operand): Tensor {
    return native.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return native.minimum(this, other);
  }
  neg(): Tensor {
    return native.neg(this);
  }
  abs(): Tensor {
    return native.abs(this);
  }
  sqrt(): Tensor {
    return native.sqrt(this);
  }
  rsqrt(): Tensor {
    return native.rsqrt(this);
  }
  exp(): Tensor {
    return native.exp(this);
  }
  log(): Tensor {
    return native.log(this);
  }
  log1p(): Tensor {
    return native.log1p(this);
  }
  expm1(): Tensor {
    return native.expm1(this);
  }
  sin(): Tensor {
    return native.sin(this);
  }
  cos(): Tensor {
    return native.cos(this);
  }
  floor(): Tensor {
    return native.floor(this);
  }
  ceil(): Tensor {
    return native.ceil(this);
  }
  round(): Tensor {
    return native.round(this);
  }
  sign(): Tensor {
    return native.sign(this);
  }
  square(): Tensor {
    return native.square(this);
  }
  reciprocal(): Tensor {
    return native.reciprocal(this);
  }
  erf(): Tensor {
    return native.erf(this);
  }
  sigmoid(): Tensor {
    return native.sigmoid(this);
  }
  tanh(): Tensor {
    return native.tanh(this);
  }
  relu(): Tensor {
    return native.relu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return native.leakyRelu(this, negativeSlope);
  }
  softmax(dim: number): Tensor {
    return native.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return native.logSoftmax(this, dim);
  }
  clamp(min?: number, max?: number): Tensor {
    return native.clamp(this, min, max);
  }
  lerp(end: Tensor, weight: Operand): Tensor {
    return native.lerp(this, end, weight);
  }
  eq(other: Operand): Tensor {
    return native.eq(this, other);
  }
  ne(other: Operand): Tensor {
    return native.ne(this, other);
  }
  lt(other: Operand): Tensor {
    return native.lt(this, other);
  }
  le(other: Operand): Tensor {
    return native.le(this, other);
  }
  gt(other: Operand): Tensor {
    return native.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return native.ge(this, other);
  }
  logicalNot(): Tensor {
    return native.logicalNot(this);
  }
  logicalAnd(other: Operand): Tensor {
    return native.logicalAnd(this, other);
  }
  logicalOr(other: Operand): Tensor {
    return native.logicalOr(this, other);
  }
  isnan(): Tensor {
    return native.isnan(this);
  }
  isfinite(): Tensor {
    return native.isfinite(this);
  }

  // Reductions -------------------------------------------------------------------------------

  sum(dim?: Dims, options: ReduceOptions = {}): Tensor {
    return native.sum(this, dim, options.keepdim ?? false, code(options.dtype));
  }
  mean(dim?: Dims, options: ReduceOptions = {}): Tensor {
    return native.mean(this, dim, options.keepdim ?? false, code(options.dtype));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return native.prod(this, dim, keepdim);
  }
  var(options: VarOptions = {}): Tensor {
    return native.var(this, options.dim, options.correction ?? 1, options.keepdim ?? false);
  }
  std(options: VarOptions = {}): Tensor {
    return native.std(this, options.dim, options.correction ?? 1, options.keepdim ?? false);
  }
  /** The largest element; with `dim`, the largest along it and where it is. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? native.max(this) : pair(native.maxDim(this, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? native.min(this) : pair(native.minDim(this, dim, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return native.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return native.argmin(this, dim, keepdim);
  }
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return native.logsumexp(this, dim, keepdim);
  }
  norm(p = 2, dim?: Dims, keepdim = false): Tensor {
    return native.norm(this, p, dim, keepdim);
  }
  all(): Tensor {
    return native.all(this);
  }
  any(): Tensor {
    return native.any(this);
  }
  cumsum(dim: number): Tensor {
    return native.cumsum(this, dim);
  }

  // Linear algebra and selection -------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return native.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return native.mm(this, other);
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return pair(native.topk(this, k, dim, largest, sorted));
  }
  /** The k-th smallest element along `dim` (k counts from 1, as in PyTorch). */
  kthvalue(k: number, dim = -1, keepdim = false): ValuesIndices {
    return pair(native.kthvalue(this, k, dim, keepdim));
  }
  sort(dim = -1, descending = false): ValuesIndices {
    return pair(native.sort(this, dim, descending));
  }
  diag(diagonal = 0): Tensor {
    return native.diag(this, diagonal);
  }
  trace(): Tensor {
    return native.trace(this);
  }

  // In place (return this) -------------------------------------------------------------------

  add_(other: Operand, alpha = 1): this {
    return native.add_(this, other, alpha);
  }
  sub_(other: Operand, alpha = 1): this {
    return native.sub_(this, other, alpha);
  }
  mul_(other: Operand): this {
    return native.mul_(this, other);
  }
  div_(other: Operand): this {
    return native.div_(this, other);
  }
  copy_(source: Tensor): this {
    return native.copy_(this, source);
  }
  fill_(value: number | boolean): this {
    return native.fill_(this, value);
  }
  zero_(): this {
    return native.zero_(this);
  }
  uniform_(from = 0, to = 1): this {
    return native.uniform_(this, from, to);
  }
  normal_(mean = 0, std = 1): this {
    return native.normal_(this, mean, std);
  }
  addcmul_(tensor1: Tensor, tensor2: Tensor, value = 1): this {
    return native.addcmul_(this, tensor1, tensor2, value);
  }
  addcdiv_(tensor1: Tensor, tensor2: Tensor, value = 1): this {
    return native.addcdiv_(this, tensor1, tensor2, value);
  }
  clamp_(min?: number, max?: number): this {
    return native.clamp_(this, min, max);
  }
  lerp_(end: Tensor, weight: number): this {
    return native.lerp_(this, end, weight);
  }
}

// The addon instantiates this class for every tensor it returns, and throws TorchError.
native.setClasses(Tensor, TorchError);
