/**
 * `torch.distributed`: c10d process groups (Gloo; NCCL with a CUDA libtorch) and their stores,
 * with PyTorch's names. See docs/torch-distributed.md.
 */
export { TCPStore, FileStore, Store, DEFAULT_STORE_TIMEOUT_MS, type TCPStoreOptions } from './store.js';
export { Reducer, DEFAULT_BUCKET_CAP_BYTES, DEFAULT_FIRST_BUCKET_CAP_BYTES, type ReducerOptions } from './reducer.js';
export { ProcessGroup, ReduceOp, BACKENDS, DEFAULT_TIMEOUT_MS, type Backend, type ProcessGroupOptions } from './process-group.js';
export {
  initProcessGroup,
  destroyProcessGroup,
  isInitialized,
  isAvailable,
  isGlooAvailable,
  isNcclAvailable,
  getRank,
  getWorldSize,
  getBackend,
  localRank,
  allReduce,
  broadcast,
  allGather,
  allGatherIntoTensor,
  reduceScatter,
  barrier,
  type InitProcessGroupOptions,
  type GroupOption,
} from './default-group.js';
/** Differentiable collectives (PyTorch's `torch.distributed.nn`): `nn.allReduce`. */
export * as nn from './differentiable.js';
export type { DifferentiableAllReduceOptions } from './differentiable.js';
