/**
 * The libtorch addon's surface, typed: every function native/src/*.cc registers, with its
 * parameters in the order the C++ reads them (`info[0]`, `info[1]`, …) and what it returns.
 *
 * The addon is one-to-one with libtorch and does little checking of its own, so these
 * declarations are where a wrong call is caught: at compile time. They are kept true by
 * test/torch-binding-types.test.ts, which checks that the addon exports exactly
 * `NATIVE_BINDING_NAMES`, and that each declared parameter list is as long as the C++ reads.
 * The compiler checks that `NATIVE_BINDING_NAMES` and `keyof NativeBinding` are the same set.
 *
 * Conventions of the C++ side, reflected in the types:
 * - `T` is the tensor class the addon instantiates (`setClasses` installs `Tensor`); a tensor
 *   argument must be one of its instances, which the `NativeTensorHandle` brand enforces.
 * - A dtype is libtorch's ScalarType code (`DtypeCode`); −1 or `undefined` means "keep/default".
 * - A size or dimension list (`IntList`) is one integer or an array of them.
 * - A loss's reduction is at::Reduction's code: 0 none, 1 mean, 2 sum.
 */
declare const nativeTensorBrand: unique symbol;

/** The addon's base tensor class; `Tensor` extends it so each tensor is a single object. */
export interface NativeTensorBase {
  dispose(): void;
  readonly isDisposed: boolean;
}

/** A tensor made by the addon: only instances of its tensor class carry the brand. */
export interface NativeTensorHandle extends NativeTensorBase {
  readonly [nativeTensorBrand]: true;
}

export type NativeTensorClass = new () => NativeTensorHandle;

/** c10::ScalarType's value, or −1 for "keep / default". */
export type DtypeCode = number;
/** A JavaScript integer or a BigInt within int64. */
export type Int = number | bigint;
/** One integer or a list of them (sizes, dimensions, strides). */
export type IntList = number | bigint | readonly number[];
/** A number beside a tensor: it takes part as a Python number does (it does not widen the dtype). */
export type NativeScalar = number | boolean | bigint;
/** at::Reduction: 0 none, 1 mean, 2 sum. */
export type ReductionCode = 0 | 1 | 2;
/** A device string: 'cpu', 'cuda', 'cuda:N'. */
export type DeviceString = string;
export type InterpolationMode = 'nearest' | 'bilinear' | 'bicubic' | 'area';
export type AutocastDevice = 'cpu' | 'cuda';
/** The TypedArrays a tensor copies to and from (Uint16Array: bfloat16 or float16 bits). */
export type NativeTypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array;

/** An optional tensor argument that comes before required ones. */
type Maybe<T> = T | undefined | null;
type Pair<T> = [T, T];

export interface NativeMemory {
  readonly tensors: number;
  readonly bytes: number;
  readonly storages: number;
}

export interface NativeCudaMemoryStats {
  readonly allocatedBytes: number;
  readonly peakAllocatedBytes: number;
  readonly reservedBytes: number;
  readonly peakReservedBytes: number;
  readonly activeBytes: number;
  readonly allocations: number;
  readonly allocRetries: number;
  readonly ooms: number;
}

export interface NativeBuildInfo {
  readonly version: string;
  readonly config: string;
  readonly parallel: string;
  readonly mkl: boolean;
  readonly mkldnn: boolean;
  readonly openmp: boolean;
  readonly cudaBuilt: boolean;
  readonly cxx11Abi: boolean;
}

export interface NativeAutocastState {
  readonly enabled: boolean;
  readonly dtype: DtypeCode;
}

/** The addon's exports. `T` is the tensor class that `setClasses` installed. */
declare const nativeStoreBrand: unique symbol;
declare const nativeGroupBrand: unique symbol;
declare const nativeReducerBrand: unique symbol;
/** A c10d store (TCPStore or FileStore) held by the addon. */
export interface NativeStore {
  readonly [nativeStoreBrand]: true;
}
/** A c10d process group held by the addon. */
export interface NativeGroup {
  readonly [nativeGroupBrand]: true;
}
/** A gradient reducer (reducer.cc) held by the addon. */
export interface NativeReducer {
  readonly [nativeReducerBrand]: true;
}
export interface NativeGroupInfo {
  readonly rank: number;
  readonly size: number;
  readonly backend: string;
  readonly timeoutMs: number;
}
/** c10d's ReduceOp by name; 'avg' on Gloo is a sum divided by the world size. */
export type NativeReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';

export interface NativeBinding<T extends NativeTensorHandle = NativeTensorHandle> {
  // addon.cc
  NativeTensor: NativeTensorClass;
  /** Installs the tensor subclass the addon instantiates and the error class it throws. */
  setClasses(tensorClass: abstract new () => NativeTensorHandle, errorClass: new (message: string, code: string, detail: string) => Error): void;

  // create.cc: tensors in and out of JavaScript, factories, properties
  fromArray(array: NativeTypedArray, shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  /** A copy of the elements in the TypedArray of the tensor's dtype. */
  toArray(t: T): NativeTypedArray;
  copyToArray<A extends NativeTypedArray>(t: T, array: A): A;
  /** A boolean for a bool tensor, a number otherwise. */
  item(t: T): number | boolean;
  shape(t: T): number[];
  dtype(t: T): DtypeCode;
  device(t: T): DeviceString;
  numel(t: T): number;
  dim(t: T): number;
  isContiguous(t: T): boolean;
  format(t: T): string;
  empty(shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  zeros(shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  ones(shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  rand(shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  randn(shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  full(shape: IntList, value: NativeScalar, dtype?: DtypeCode, device?: DeviceString): T;
  arange(start: NativeScalar, end: NativeScalar, step: NativeScalar, dtype?: DtypeCode, device?: DeviceString): T;
  linspace(start: NativeScalar, end: NativeScalar, steps: Int, dtype?: DtypeCode, device?: DeviceString): T;
  randint(low: Int, high: Int, shape: IntList, dtype?: DtypeCode, device?: DeviceString): T;
  randperm(n: Int, dtype?: DtypeCode, device?: DeviceString): T;

  // shape.cc: shapes, indexing, conversions
  reshape(t: T, shape: IntList): T;
  view(t: T, shape: IntList): T;
  flatten(t: T, startDim?: Int, endDim?: Int): T;
  permute(t: T, dims: IntList): T;
  transpose(t: T, dim0: Int, dim1: Int): T;
  squeeze(t: T, dim?: Int): T;
  unsqueeze(t: T, dim: Int): T;
  cat(tensors: readonly T[], dim: Int): T;
  stack(tensors: readonly T[], dim: Int): T;
  narrow(t: T, dim: Int, start: Int, length: Int): T;
  select(t: T, dim: Int, index: Int): T;
  slice(t: T, dim: Int, start?: Int, end?: Int, step?: Int): T;
  indexSelect(t: T, dim: Int, index: T): T;
  gather(t: T, dim: Int, index: T): T;
  maskedSelect(t: T, mask: T): T;
  expand(t: T, shape: IntList): T;
  repeat(t: T, repeats: IntList): T;
  flip(t: T, dims: IntList): T;
  split(t: T, size: Int, dim: Int): T[];
  contiguous(t: T): T;
  clone(t: T): T;
  detach(t: T): T;
  /** Same tensor, new handle that may be disposed independently. */
  alias(t: T): T;
  to(t: T, dtype: Maybe<DtypeCode>, device: Maybe<DeviceString>, copy?: boolean): T;
  /** Replaces `t`'s data keeping its identity; returns `t`. */
  setData<U extends T>(t: U, source: T): U;

  // math.cc: element-wise operations; in-place ones (trailing `_`) return their first argument
  neg(x: T): T;
  abs(x: T): T;
  sqrt(x: T): T;
  rsqrt(x: T): T;
  exp(x: T): T;
  log(x: T): T;
  log1p(x: T): T;
  expm1(x: T): T;
  sin(x: T): T;
  cos(x: T): T;
  floor(x: T): T;
  ceil(x: T): T;
  round(x: T): T;
  sign(x: T): T;
  square(x: T): T;
  reciprocal(x: T): T;
  erf(x: T): T;
  sigmoid(x: T): T;
  tanh(x: T): T;
  relu(x: T): T;
  logicalNot(x: T): T;
  isnan(x: T): T;
  isfinite(x: T): T;
  logSigmoid(x: T): T;
  silu(x: T): T;
  /** a + alpha·b */
  add(a: T, b: T | NativeScalar, alpha?: NativeScalar): T;
  /** a − alpha·b */
  sub(a: T, b: T | NativeScalar, alpha?: NativeScalar): T;
  mul(a: T, b: T | NativeScalar): T;
  div(a: T, b: T | NativeScalar): T;
  pow(a: T, b: T | NativeScalar): T;
  remainder(a: T, b: T | NativeScalar): T;
  maximum(a: T, b: T | NativeScalar): T;
  minimum(a: T, b: T | NativeScalar): T;
  eq(a: T, b: T | NativeScalar): T;
  ne(a: T, b: T | NativeScalar): T;
  lt(a: T, b: T | NativeScalar): T;
  le(a: T, b: T | NativeScalar): T;
  gt(a: T, b: T | NativeScalar): T;
  ge(a: T, b: T | NativeScalar): T;
  logicalAnd(a: T, b: T | NativeScalar): T;
  logicalOr(a: T, b: T | NativeScalar): T;
  logicalXor(a: T, b: T | NativeScalar): T;
  where(condition: T, a: T | NativeScalar, b: T | NativeScalar): T;
  clamp(t: T, min?: number | null, max?: number | null): T;
  leakyRelu(t: T, negativeSlope?: number): T;
  gelu(t: T, tanhApproximation?: boolean): T;
  elu(t: T, alpha?: number): T;
  softplus(t: T, beta?: number, threshold?: number): T;
  softmax(t: T, dim: Int, dtype?: DtypeCode): T;
  logSoftmax(t: T, dim: Int, dtype?: DtypeCode): T;
  lerp(start: T, end: T, weight: T | NativeScalar): T;
  add_<U extends T>(a: U, b: T | NativeScalar, alpha?: NativeScalar): U;
  sub_<U extends T>(a: U, b: T | NativeScalar, alpha?: NativeScalar): U;
  mul_<U extends T>(a: U, b: T | NativeScalar): U;
  div_<U extends T>(a: U, b: T | NativeScalar): U;
  copy_<U extends T>(t: U, source: T): U;
  fill_<U extends T>(t: U, value: NativeScalar): U;
  zero_<U extends T>(t: U): U;
  uniform_<U extends T>(t: U, from?: number, to?: number): U;
  normal_<U extends T>(t: U, mean?: number, std?: number): U;
  addcmul_<U extends T>(t: U, tensor1: T, tensor2: T, value?: number): U;
  addcdiv_<U extends T>(t: U, tensor1: T, tensor2: T, value?: number): U;
  clamp_<U extends T>(t: U, min?: number | null, max?: number | null): U;
  lerp_<U extends T>(t: U, end: T, weight: NativeScalar): U;

  // reduce.cc: `dims` undefined reduces over every dimension
  sum(t: T, dims?: Maybe<IntList>, keepdim?: boolean, dtype?: DtypeCode): T;
  mean(t: T, dims?: Maybe<IntList>, keepdim?: boolean, dtype?: DtypeCode): T;
  prod(t: T, dim?: Int, keepdim?: boolean): T;
  var(t: T, dims?: Maybe<IntList>, correction?: number, keepdim?: boolean): T;
  std(t: T, dims?: Maybe<IntList>, correction?: number, keepdim?: boolean): T;
  max(t: T): T;
  min(t: T): T;
  /** [values, indices] */
  maxDim(t: T, dim: Int, keepdim?: boolean): Pair<T>;
  /** [values, indices] */
  minDim(t: T, dim: Int, keepdim?: boolean): Pair<T>;
  argmax(t: T, dim?: Int, keepdim?: boolean): T;
  argmin(t: T, dim?: Int, keepdim?: boolean): T;
  logsumexp(t: T, dims: IntList, keepdim?: boolean): T;
  norm(t: T, p?: number, dims?: Maybe<IntList>, keepdim?: boolean): T;
  all(t: T): T;
  any(t: T): T;
  cumsum(t: T, dim: Int): T;

  // nn.cc: layers' functions and losses
  matmul(a: T, b: T): T;
  linear(input: T, weight: T, bias?: Maybe<T>): T;
  conv2d(input: T, weight: T, bias: Maybe<T>, stride: IntList, padding: IntList, dilation: IntList, groups: Int): T;
  convTranspose2d(input: T, weight: T, bias: Maybe<T>, stride: IntList, padding: IntList, outputPadding: IntList, groups: Int, dilation: IntList): T;
  maxPool2d(input: T, kernelSize: IntList, stride: IntList, padding: IntList, dilation: IntList, ceilMode?: boolean): T;
  avgPool2d(input: T, kernelSize: IntList, stride: IntList, padding: IntList, ceilMode?: boolean, countIncludePad?: boolean): T;
  adaptiveAvgPool2d(input: T, outputSize: IntList): T;
  interpolate(input: T, size: IntList, mode?: InterpolationMode, alignCorners?: boolean, antialias?: boolean): T;
  batchNorm(input: T, weight: Maybe<T>, bias: Maybe<T>, runningMean: Maybe<T>, runningVar: Maybe<T>, training: boolean, momentum: number, eps: number): T;
  layerNorm(input: T, normalizedShape: IntList, weight: Maybe<T>, bias: Maybe<T>, eps: number): T;
  dropout(input: T, p: number, training?: boolean): T;
  embedding(weight: T, indices: T): T;
  oneHot(indices: T, numClasses?: Int): T;
  /** Constant padding, pads as in F.pad (last dimension first). */
  pad(input: T, pads: IntList, value?: number): T;
  mseLoss(input: T, target: T, reduction?: ReductionCode): T;
  l1Loss(input: T, target: T, reduction?: ReductionCode): T;
  bce(input: T, target: T, weight: Maybe<T>, reduction?: ReductionCode): T;
  bceWithLogits(input: T, target: T, weight: Maybe<T>, posWeight: Maybe<T>, reduction?: ReductionCode): T;
  crossEntropy(input: T, target: T, weight: Maybe<T>, reduction: ReductionCode, ignoreIndex?: Int, labelSmoothing?: number): T;
  nllLoss(input: T, target: T, weight: Maybe<T>, reduction: ReductionCode, ignoreIndex?: Int): T;

  // linalg.cc
  mm(a: T, b: T): T;
  /** [eigenvalues ascending, eigenvectors as columns] */
  eigh(a: T, upper?: boolean): Pair<T>;
  cdist(x1: T, x2: T, p?: number): T;
  /** [values, indices] */
  topk(t: T, k: Int, dim?: Int, largest?: boolean, sorted?: boolean): Pair<T>;
  /** [values, indices]; k is 1-based. */
  kthvalue(t: T, k: Int, dim?: Int, keepdim?: boolean): Pair<T>;
  /** [values, indices] */
  sort(t: T, dim?: Int, descending?: boolean): Pair<T>;
  diag(t: T, diagonal?: Int): T;
  trace(t: T): T;
  outer(a: T, b: T): T;
  det(a: T): T;
  inv(a: T): T;

  // autograd.cc
  backward(t: T, gradient?: Maybe<T>, retainGraph?: Maybe<boolean>, createGraph?: boolean): void;
  grad(t: T): T | undefined;
  /** `undefined` clears the gradient. */
  setGrad(t: T, gradient: Maybe<T>): void;
  requiresGrad(t: T): boolean;
  requiresGrad_<U extends T>(t: U, on?: boolean): U;
  isLeaf(t: T): boolean;
  retainGrad<U extends T>(t: U): U;
  isGradEnabled(): boolean;
  /** Returns the previous setting. */
  setGradEnabled(on?: boolean): boolean;
  /** One gradient per input; `undefined` where an unused input has none. */
  autogradGrad(
    outputs: readonly T[],
    inputs: readonly T[],
    gradOutputs: Maybe<readonly T[]>,
    retainGraph: Maybe<boolean>,
    createGraph?: boolean,
    allowUnused?: boolean,
  ): (T | undefined)[];

  // optim.cc: one call per step for all parameters; state lists are parallel to `params`
  adamStep(
    params: readonly T[],
    expAvg: readonly T[],
    expAvgSq: readonly T[],
    maxExpAvgSq: Maybe<readonly T[]>,
    steps: Float64Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    amsgrad: boolean,
    maximize: boolean,
    decoupledWeightDecay: boolean,
  ): void;
  sgdStep(
    params: readonly T[],
    momentumBuffers: readonly T[],
    initialised: Uint8Array,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
  ): void;

  // runtime.cc
  manualSeed(seed: Int): void;
  getRngState(): T;
  setRngState(state: T): void;
  initialSeed(): bigint;
  setNumThreads(n: Int): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(device?: Int): void;
  cudaMemoryStats(device?: Int): NativeCudaMemoryStats;
  cudaEmptyCache(): void;
  cudaResetPeakStats(device?: Int): void;
  buildInfo(): NativeBuildInfo;
  memory(): NativeMemory;
  /** V8's external-memory count in bytes, after reporting what the collector freed. */
  externalMemory(): number;

  // amp.cc
  autocastState(device: AutocastDevice): NativeAutocastState;
  setAutocast(device: AutocastDevice, enabled: boolean, dtype: DtypeCode): void;
  /** Returns the nesting depth after entering. */
  autocastEnter(): number;
  /** Returns the nesting depth after leaving; leaving the outermost scope clears the cast cache. */
  autocastExit(): number;
  /** grads *= invScale in place; foundInf becomes 1 if any gradient is not finite. */
  ampUnscale(grads: readonly T[], foundInf: T, invScale: T): void;
  ampUpdateScale(scale: T, growthTracker: T, foundInf: T, growthFactor: number, backoffFactor: number, growthInterval: Int): void;

  // distributed.cc
  /** A TCPStore; worldSize < 0 leaves the number of workers open; port 0 on a server picks one. */
  storeTcp(host: string, port: Int, isServer: boolean, worldSize: Int, timeoutMs: Int, waitWorkers: boolean): NativeStore;
  storeFile(path: string, worldSize: Int): NativeStore;
  /** The TCPStore's port, −1 for other stores. */
  storePort(store: NativeStore): number;
  storeSet(store: NativeStore, key: string, value: string | Uint8Array): void;
  storeGet(store: NativeStore, key: string): Uint8Array;
  storeAdd(store: NativeStore, key: string, amount: Int): number;
  storeWait(store: NativeStore, keys: readonly string[], timeoutMs: Int): void;
  storeClose(store: NativeStore): void;
  /** hostname and iface: '' for none (the default device). */
  processGroupGloo(store: NativeStore, rank: Int, size: Int, timeoutMs: Int, hostname: string, iface: string): NativeGroup;
  processGroupNccl(store: NativeStore, rank: Int, size: Int, timeoutMs: Int): NativeGroup;
  groupInfo(group: NativeGroup): NativeGroupInfo;
  groupDestroy(group: NativeGroup): void;
  allReduce(group: NativeGroup, tensor: T, op: NativeReduceOp): void;
  broadcast(group: NativeGroup, tensor: T, src: Int): void;
  allGather(group: NativeGroup, outputs: readonly T[], tensor: T): void;
  allGatherInto(group: NativeGroup, output: T, tensor: T): void;
  reduceScatter(group: NativeGroup, output: T, inputs: readonly T[], op: NativeReduceOp): void;
  barrier(group: NativeGroup): void;
  // distributed-autograd.cc
  /** A new tensor: the sum or average over the group of every rank's tensor, differentiable (its backward all-reduces the gradients). */
  allReduceAutograd(group: NativeGroup, tensor: T, op: 'sum' | 'avg'): T;

  // reducer.cc
  /** Registers a gradient hook on each parameter; buckets of at most bucketCapBytes (the first of at most firstBucketCapBytes), in reverse order. */
  reducerNew(group: NativeGroup, params: readonly T[], bucketCapBytes: Int, firstBucketCapBytes: Int): NativeReducer;
  /** Each bucket's parameter indices, in launch order. */
  reducerBuckets(reducer: NativeReducer): number[][];
  /** Unregisters the hooks and frees the buffers; idempotent. */
  reducerRemove(reducer: NativeReducer): void;
}

/** Every export of the addon, in native/src order. Compared with `Object.keys(addon)` by the test. */
export const NATIVE_BINDING_NAMES = [
  'NativeTensor', 'setClasses',
  // create.cc
  'fromArray', 'toArray', 'copyToArray', 'item', 'shape', 'dtype', 'device', 'numel', 'dim', 'isContiguous',
  'format', 'empty', 'zeros', 'ones', 'rand', 'randn', 'full', 'arange', 'linspace', 'randint', 'randperm',
  // shape.cc
  'reshape', 'view', 'flatten', 'permute', 'transpose', 'squeeze', 'unsqueeze', 'cat', 'stack', 'narrow',
  'select', 'slice', 'indexSelect', 'gather', 'maskedSelect', 'expand', 'repeat', 'flip', 'split', 'contiguous',
  'clone', 'detach', 'alias', 'to', 'setData',
  // math.cc
  'neg', 'abs', 'sqrt', 'rsqrt', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'floor', 'ceil', 'round', 'sign',
  'square', 'reciprocal', 'erf', 'sigmoid', 'tanh', 'relu', 'logicalNot', 'isnan', 'isfinite', 'logSigmoid',
  'silu', 'add', 'sub', 'mul', 'div', 'pow', 'remainder', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt',
  'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'where', 'clamp', 'leakyRelu', 'gelu', 'elu', 'softplus',
  'softmax', 'logSoftmax', 'lerp', 'add_', 'sub_', 'mul_', 'div_', 'copy_', 'fill_', 'zero_', 'uniform_',
  'normal_', 'addcmul_', 'addcdiv_', 'clamp_', 'lerp_',
  // reduce.cc
  'sum', 'mean', 'prod', 'var', 'std', 'max', 'min', 'maxDim', 'minDim', 'argmax', 'argmin', 'logsumexp', 'norm',
  'all', 'any', 'cumsum',
  // nn.cc
  'matmul', 'linear', 'conv2d', 'convTranspose2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'interpolate',
  'batchNorm', 'layerNorm', 'dropout', 'embedding', 'oneHot', 'pad', 'mseLoss', 'l1Loss', 'bce', 'bceWithLogits',
  'crossEntropy', 'nllLoss',
  // linalg.cc
  'mm', 'eigh', 'cdist', 'topk', 'kthvalue', 'sort', 'diag', 'trace', 'outer', 'det', 'inv',
  // autograd.cc
  'backward', 'grad', 'setGrad', 'requiresGrad', 'requiresGrad_', 'isLeaf', 'retainGrad', 'isGradEnabled',
  'setGradEnabled', 'autogradGrad',
  // optim.cc
  'adamStep', 'sgdStep',
  // runtime.cc
  'manualSeed', 'getRngState', 'setRngState', 'initialSeed', 'setNumThreads', 'getNumThreads', 'cudaIsAvailable',
  'cudaDeviceCount', 'cudaSynchronize', 'cudaMemoryStats', 'cudaEmptyCache', 'cudaResetPeakStats', 'buildInfo',
  'memory', 'externalMemory',
  // amp.cc
  'autocastState', 'setAutocast', 'autocastEnter', 'autocastExit', 'ampUnscale', 'ampUpdateScale',
  // distributed.cc
  'storeTcp', 'storeFile', 'storePort', 'storeSet', 'storeGet', 'storeAdd', 'storeWait', 'storeClose',
  'processGroupGloo', 'processGroupNccl', 'groupInfo', 'groupDestroy', 'allReduce', 'broadcast', 'allGather',
  'allGatherInto', 'reduceScatter', 'barrier',
  // distributed-autograd.cc
  'allReduceAutograd',
  // reducer.cc
  'reducerNew', 'reducerBuckets', 'reducerRemove',
] as const satisfies readonly (keyof NativeBinding)[];

/** Compiles only while every key of NativeBinding is in NATIVE_BINDING_NAMES (the converse is `satisfies` above). */
type Undeclared = Exclude<keyof NativeBinding, (typeof NATIVE_BINDING_NAMES)[number]>;
const everyKeyListed: [Undeclared] extends [never] ? true : { readonly missing: Undeclared } = true;
void everyKeyListed;
