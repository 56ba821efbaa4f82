/**
 * The torch layer: libtorch from TypeScript with PyTorch's names.
 *
 * ```ts
 * import * as torch from 'dsi-ts/torch';
 * const x = torch.randn([64, 100]);
 * const y = torch.tidy(() => torch.F.leakyRelu(x.matmul(w), 0.3));
 * ```
 */
export { Tensor, type Operand, type Dims, type ReduceOptions, type VarOptions, type ValuesIndices, type BackwardOptions, type ToOptions } from './tensor.js';
export * from './factories.js';
export * as F from './functional.js';
export * as linalg from './linalg.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * from './io/safetensors.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, grad, type GradOptions } from './autograd.js';
export { tidy, keep, scopeDepth } from './scope.js';
export * as amp from './amp.js';
export * as distributed from './distributed/index.js';
export { profile, type Profile, type OpProfile } from './profile.js';
export { autocast } from './amp.js';
export {
  manualSeed,
  getRngState,
  setRngState,
  initialSeed,
  setNumThreads,
  getNumThreads,
  physicalCores,
  defaultNumThreads,
  cuda,
  type CudaMemoryStats,
  memory,
  buildInfo,
  type MemoryInfo,
  type BuildInfo,
} from './runtime.js';
export { TorchError, type TorchErrorCode } from './errors.js';
export { DTYPE_SIZES, isFloatingDtype, type DType, type Device, type TypedArrayOf, type AnyTypedArray } from './dtype.js';
