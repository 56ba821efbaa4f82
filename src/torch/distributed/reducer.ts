/**
 * The gradient reducer: averages parameters' gradients over a process group while the backward
 * pass still runs, as PyTorch's DistributedDataParallel does (its C++ `Reducer`). Native side:
 * native/src/reducer.cc; see docs/torch-distributed.md.
 *
 * Parameters are bucketed in reverse order (gradients arrive roughly from the last layer first),
 * up to `bucketCapBytes` each (25 MB, DDP's default; the first, which the last layers fill and
 * which is ready first, up to `firstBucketCapBytes`, 1 MiB as DDP's). A hook on each parameter copies its gradient
 * into its bucket; a full bucket's all-reduce starts at once, asynchronously, while the backward
 * pass goes on; at the end of the pass the rest start, all are awaited, and every parameter that
 * got a gradient holds the world's mean:
 *
 * - after `loss.backward()`, in `p.grad` (what was there before the pass is kept: the pass's
 *   average is added to it);
 * - after `torch.grad(...)`, in the returned gradients.
 *
 * Guarantees: in a world of one nothing is registered (gradients stay local and exact). A failed
 * collective throws TorchError E_DISTRIBUTED from the `backward`/`grad` call. A pass with
 * `createGraph` is refused (E_ARGUMENT): remove the reducer for such passes. Every rank must run
 * the same program: the same parameters get gradients in the same passes. `remove()` is
 * idempotent.
 *
 * @example
 * const reducer = new torch.distributed.Reducer(model.parameters());
 * loss.backward();   // p.grad: the mean over the ranks
 * opt.step();
 * reducer.remove();
 */
import { check } from '../errors.js';
import { isFloatingDtype } from '../dtype.js';
import { native } from '../native.js';
import type { NativeReducer } from '../native-binding.js';
import type { Tensor } from '../tensor.js';
import { groupOrDefault } from './default-group.js';
import type { ProcessGroup } from './process-group.js';

/** DDP's `bucket_cap_mb` default: 25 MB. */
export const DEFAULT_BUCKET_CAP_BYTES = 25 * 1024 * 1024;

/** DDP's first bucket (`_DEFAULT_FIRST_BUCKET_BYTES`): 1 MiB, so communication starts early in the pass. */
export const DEFAULT_FIRST_BUCKET_CAP_BYTES = 1024 * 1024;

export interface ReducerOptions {
  /** The most bytes of gradients in one bucket (one all-reduce); a larger parameter gets its own. */
  readonly bucketCapBytes?: number;
  /** The most bytes in the first bucket (the last layers'); at most `bucketCapBytes`. Default 1 MiB. */
  readonly firstBucketCapBytes?: number;
  /** Default: the default process group. */
  readonly group?: ProcessGroup;
}

export class Reducer {
  /** The group's size; 1 means the reducer does nothing. */
  readonly worldSize: number;
  #handle: NativeReducer | undefined;
  #removed = false;

  constructor(params: readonly Tensor[], options: ReducerOptions = {}) {
    check(Array.isArray(params), () => `Reducer: params: expected an array of tensors, got ${typeof params}`);
    const cap = options.bucketCapBytes ?? DEFAULT_BUCKET_CAP_BYTES;
    check(Number.isInteger(cap) && cap >= 1, () => `Reducer: bucketCapBytes: expected a positive integer, got ${cap}`);
    const firstCap = options.firstBucketCapBytes ?? DEFAULT_FIRST_BUCKET_CAP_BYTES;
    check(Number.isInteger(firstCap) && firstCap >= 1, () => `Reducer: firstBucketCapBytes: expected a positive integer, got ${firstCap}`);
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      check(typeof p === 'object' && p !== null && 'dtype' in p, () => `Reducer: params[${i}]: expected a tensor`);
      check(p.isLeaf && p.requiresGrad, () => `Reducer: params[${i}]: expected a leaf tensor that requires grad (a parameter)`);
      check(isFloatingDtype(p.dtype), () => `Reducer: params[${i}]: expected a floating-point tensor, got ${p.dtype}`);
      check(!seen.has(p), () => `Reducer: params[${i}]: the same parameter twice`);
      seen.add(p);
    });
    const group = groupOrDefault(options.group, 'Reducer');
    this.worldSize = group.size;
    if (group.size > 1) this.#handle = native.reducerNew(group.nativeHandle, params, cap, firstCap);
  }

  /** Each bucket's parameter indices (into `params`), in the order their all-reduces start. */
  get buckets(): number[][] {
    return this.#handle === undefined ? [] : native.reducerBuckets(this.#handle);
  }

  get isRemoved(): boolean {
    return this.#removed;
  }

  /** Unregisters the hooks and frees the buckets; later passes leave gradients local. Idempotent. */
  remove(): void {
    this.#removed = true;
    if (this.#handle === undefined) return;
    native.reducerRemove(this.#handle);
    this.#handle = undefined;
  }

  [Symbol.dispose](): void {
    this.remove();
  }
}
