/**
 * A process group: `size` processes, each with its rank, running collectives on tensors together,
 * with PyTorch's names and in-place semantics (the result lands in the tensor given).
 *
 * Guarantees: each collective returns when it is complete on this rank; a peer that died or did
 * not answer within the group's timeout makes it throw TorchError E_DISTRIBUTED naming the
 * operation, this rank, the world size and the timeout. Every rank must call the same
 * collectives in the same order, with tensors of the same shape and dtype. `destroy()` is
 * idempotent; a destroyed group throws E_DISTRIBUTED when used.
 */
import { native } from '../native.js';
import type { NativeGroup, NativeReduceOp } from '../native-binding.js';
import { check, TorchError } from '../errors.js';
import { isFloatingDtype } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { Store } from './store.js';

/** PyTorch's `ReduceOp` members, as the strings the functions take. */
export const ReduceOp = {
  SUM: 'sum',
  AVG: 'avg',
  PRODUCT: 'product',
  MIN: 'min',
  MAX: 'max',
} as const satisfies Record<string, NativeReduceOp>;
export type ReduceOp = NativeReduceOp;

export type Backend = 'gloo' | 'nccl';
export const BACKENDS: readonly Backend[] = ['gloo', 'nccl'];

/** PyTorch's default collective timeout for Gloo and NCCL: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 1_800_000;

export interface ProcessGroupOptions {
  readonly backend: Backend;
  readonly rank: number;
  readonly worldSize: number;
  /** For the rendezvous and for each collective (default 30 minutes). */
  readonly timeoutMs?: number;
  /**
   * Gloo: the address this rank listens on; by default this machine's hostname (the loopback
   * address when it does not resolve). `GLOO_SOCKET_IFNAME` names a network interface instead.
   */
  readonly glooHostname?: string;
}

function checkTensor(t: unknown, what: string): asserts t is Tensor {
  check(typeof t === 'object' && t !== null && 'dtype' in t, () => `${what}: expected a tensor`);
}

function checkDense(t: Tensor, what: string): void {
  check(t.isContiguous(), () => `${what}: the tensor must be contiguous (call .contiguous() first)`);
}

function checkOp(op: string, t: Tensor, what: string): asserts op is ReduceOp {
  check((Object.values(ReduceOp) as string[]).includes(op), () => `${what}: unknown op '${op}' (sum, avg, product, min, max)`);
  check(op !== 'avg' || isFloatingDtype(t.dtype), () => `${what}: op 'avg' needs a floating-point tensor, got ${t.dtype}`);
}

function checkLike(outputs: readonly Tensor[], t: Tensor, what: string): void {
  const shape = t.shape.join(',');
  outputs.forEach((o, i) => {
    checkTensor(o, `${what}[${i}]`);
    check(o.dtype === t.dtype && o.shape.join(',') === shape, () => `${what}[${i}]: expected ${t.dtype} [${shape}] like the input, got ${o.dtype} [${o.shape.join(',')}]`);
    checkDense(o, `${what}[${i}]`);
  });
}

export class ProcessGroup {
  readonly rank: number;
  readonly size: number;
  readonly backend: Backend;
  readonly timeoutMs: number;
  #handle: NativeGroup | undefined;

  /** Joins the group: returns once all `worldSize` ranks have made theirs on the same store. */
  constructor(store: Store, options: ProcessGroupOptions) {
    const { backend, rank, worldSize } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    checkProcessGroupOptions(backend, rank, worldSize, timeoutMs);
    if (backend === 'nccl') {
      checkNcclAvailable();
      this.#handle = native.processGroupNccl(store.handle, rank, worldSize, timeoutMs);
    } else {
      const iface = process.env['GLOO_SOCKET_IFNAME'] ?? '';
      this.#handle = native.processGroupGloo(store.handle, rank, worldSize, timeoutMs, options.glooHostname ?? '', iface);
    }
    this.rank = rank;
    this.size = worldSize;
    this.backend = backend;
    this.timeoutMs = timeoutMs;
  }

  get isDestroyed(): boolean {
    return this.#handle === undefined;
  }

  /** The addon's handle, for native users of the group (the gradient Reducer); throws once destroyed. */
  get nativeHandle(): NativeGroup {
    return this.handle;
  }

  private get handle(): NativeGroup {
    if (this.#handle === undefined) throw new TorchError(`the ${this.backend} process group (rank ${this.rank}) was destroyed`, 'E_DISTRIBUTED');
    return this.#handle;
  }

  /** Reduces `tensor` across ranks in place (`op` default 'sum'; 'avg' on Gloo sums, then divides). */
  allReduce(tensor: Tensor, op: ReduceOp = 'sum'): void {
    checkTensor(tensor, 'allReduce: tensor');
    checkOp(op, tensor, 'allReduce');
    checkDense(tensor, 'allReduce');
    native.allReduce(this.handle, tensor, op);
  }

  /**
   * A new tensor holding the sum ('sum') or mean ('avg') over ranks of every rank's `tensor`, as a
   * node of the autograd graph: its backward all-reduces the gradients the same way. See
   * `distributed.nn.allReduce`.
   */
  allReduceAutograd(tensor: Tensor, op: 'sum' | 'avg' = 'sum'): Tensor {
    checkTensor(tensor, 'allReduce (differentiable): tensor');
    check(op === 'sum' || op === 'avg', () => `allReduce (differentiable): op must be 'sum' or 'avg' (the reductions with a gradient that is itself an all-reduce), got '${String(op)}'`);
    checkOp(op, tensor, 'allReduce (differentiable)');
    return native.allReduceAutograd(this.handle, tensor, op);
  }

  /** Copies rank `src`'s `tensor` into every rank's `tensor`. */
  broadcast(tensor: Tensor, src: number): void {
    checkTensor(tensor, 'broadcast: tensor');
    check(Number.isInteger(src) && src >= 0 && src < this.size, () => `broadcast: src: expected a rank in [0, ${this.size}), got ${src}`);
    checkDense(tensor, 'broadcast');
    native.broadcast(this.handle, tensor, src);
  }

  /** `outputs[r]` receives rank r's `tensor`; one output per rank, each shaped like `tensor`. */
  allGather(outputs: readonly Tensor[], tensor: Tensor): void {
    checkTensor(tensor, 'allGather: tensor');
    check(Array.isArray(outputs) && outputs.length === this.size, () => `allGather: outputs: expected ${this.size} tensors (one per rank), got ${Array.isArray(outputs) ? outputs.length : typeof outputs}`);
    checkLike(outputs, tensor, 'allGather: outputs');
    checkDense(tensor, 'allGather');
    native.allGather(this.handle, outputs, tensor);
  }

  /** `output` (size × tensor's shape, rank-major, e.g. [size·n] for [n]) receives every rank's tensor. */
  allGatherIntoTensor(output: Tensor, tensor: Tensor): void {
    checkTensor(output, 'allGatherIntoTensor: output');
    checkTensor(tensor, 'allGatherIntoTensor: tensor');
    check(output.dtype === tensor.dtype && output.numel() === tensor.numel() * this.size, () => `allGatherIntoTensor: output: expected ${tensor.dtype} with ${tensor.numel() * this.size} elements (${this.size} × the input), got ${output.dtype} with ${output.numel()}`);
    checkDense(output, 'allGatherIntoTensor');
    checkDense(tensor, 'allGatherIntoTensor');
    native.allGatherInto(this.handle, output, tensor);
  }

  /** `output` receives the reduction over ranks of their `inputs[rank]` (one input per rank). */
  reduceScatter(output: Tensor, inputs: readonly Tensor[], op: ReduceOp = 'sum'): void {
    checkTensor(output, 'reduceScatter: output');
    checkOp(op, output, 'reduceScatter');
    check(Array.isArray(inputs) && inputs.length === this.size, () => `reduceScatter: inputs: expected ${this.size} tensors (one per rank), got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
    checkLike(inputs, output, 'reduceScatter: inputs');
    checkDense(output, 'reduceScatter');
    native.reduceScatter(this.handle, output, inputs, op);
  }

  /** Returns when every rank has reached it. */
  barrier(): void {
    native.barrier(this.handle);
  }

  /** Frees the group (its threads and connections) now. Idempotent. */
  destroy(): void {
    if (this.#handle === undefined) return;
    native.groupDestroy(this.#handle);
    this.#handle = undefined;
  }
}

export function checkProcessGroupOptions(backend: string, rank: number, worldSize: number, timeoutMs: number): void {
  check((BACKENDS as readonly string[]).includes(backend), () => `initProcessGroup: unknown backend '${backend}' (gloo, nccl)`);
  check(Number.isInteger(worldSize) && worldSize >= 1, () => `initProcessGroup: worldSize: expected an integer ≥ 1, got ${worldSize}`);
  check(Number.isInteger(rank) && rank >= 0 && rank < worldSize, () => `initProcessGroup: rank: expected an integer in [0, ${worldSize}) for a world of ${worldSize}, got ${rank}`);
  check(Number.isInteger(timeoutMs) && timeoutMs >= 1, () => `initProcessGroup: timeoutMs: expected a positive integer, got ${timeoutMs}`);
}

/** NCCL needs an addon built against a CUDA libtorch and a GPU: said before any rendezvous. */
export function checkNcclAvailable(): void {
  if (!native.cudaIsAvailable()) {
    throw new TorchError("the nccl backend needs CUDA (a CUDA libtorch and a GPU), which this process does not have: use 'gloo'", 'E_DISTRIBUTED');
  }
}
