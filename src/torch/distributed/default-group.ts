/**
 * `torch.distributed`'s module-level API: one default process group per process, made by
 * `initProcessGroup` from an init method (`env://`, `tcp://host:port`, `file:///path`), and the
 * collectives on it (or on a group passed as `group`), with PyTorch's names.
 *
 * Guarantees: bad arguments (unknown backend, rank outside the world, a missing environment
 * variable) throw TorchError E_ARGUMENT before any rendezvous; `initProcessGroup` twice without
 * `destroyProcessGroup` throws E_DISTRIBUTED; `destroyProcessGroup` is idempotent.
 */
import { check, TorchError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { native } from '../native.js';
import { DEFAULT_TIMEOUT_MS, ProcessGroup, checkNcclAvailable, checkProcessGroupOptions, type Backend, type ReduceOp } from './process-group.js';
import { FileStore, TCPStore, type Store } from './store.js';

export interface InitProcessGroupOptions {
  readonly backend: Backend;
  /** 'env://' (default), 'tcp://HOST:PORT' or 'file:///PATH'. */
  readonly initMethod?: string;
  /** A store to rendezvous through instead of an init method. */
  readonly store?: Store;
  /** Default: the `RANK` environment variable. */
  readonly rank?: number;
  /** Default: the `WORLD_SIZE` environment variable. */
  readonly worldSize?: number;
  /** For the rendezvous and each collective (default 30 minutes, as PyTorch). */
  readonly timeoutMs?: number;
  /** See ProcessGroupOptions.glooHostname; by default the loopback address when the master is local. */
  readonly glooHostname?: string;
}

let defaultGroup: ProcessGroup | undefined;
let defaultStore: Store | undefined;

function envInt(name: string, given: number | undefined, why: string): number {
  if (given !== undefined) return given;
  const raw = process.env[name];
  check(raw !== undefined && raw !== '', () => `initProcessGroup: ${why} needs ${name} in the environment (or the option)`);
  const n = Number(raw);
  check(Number.isInteger(n), () => `initProcessGroup: ${name}='${raw}' is not an integer`);
  return n;
}

const isLoopback = (host: string): boolean => host === 'localhost' || /^127\./.test(host) || host === '::1';

/**
 * Joins the default process group; returns it once all ranks have joined. `env://` reads
 * torchrun's variables: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (LOCAL_RANK: see `localRank`).
 */
export function initProcessGroup(options: InitProcessGroupOptions): ProcessGroup {
  if (defaultGroup !== undefined) {
    throw new TorchError('initProcessGroup: the default process group is already initialised (call destroyProcessGroup first)', 'E_DISTRIBUTED');
  }
  const { backend } = options;
  const initMethod = options.initMethod ?? (options.store ? undefined : 'env://');
  const why = initMethod ?? 'a store';
  const rank = envInt('RANK', options.rank, why);
  const worldSize = envInt('WORLD_SIZE', options.worldSize, why);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkProcessGroupOptions(backend, rank, worldSize, timeoutMs);
  if (backend === 'nccl') checkNcclAvailable();

  let store = options.store;
  let owned: Store | undefined;
  let glooHostname = options.glooHostname;
  if (store === undefined) {
    check(initMethod !== undefined, () => 'initProcessGroup: give initMethod or store');
    let host: string;
    let port: number;
    if (initMethod === 'env://') {
      host = process.env['MASTER_ADDR'] ?? '';
      check(host !== '', () => 'initProcessGroup: env:// needs MASTER_ADDR in the environment');
      port = envInt('MASTER_PORT', undefined, 'env://');
    } else if (initMethod.startsWith('tcp://')) {
      const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(initMethod);
      check(m !== null, () => `initProcessGroup: initMethod '${initMethod}': expected tcp://HOST:PORT`);
      host = m[1]!.replace(/^\[|\]$/g, '');
      port = Number(m[2]);
    } else if (initMethod.startsWith('file://')) {
      const path = decodeURIComponent(initMethod.slice('file://'.length));
      check(path.startsWith('/'), () => `initProcessGroup: initMethod '${initMethod}': expected file:///ABSOLUTE/PATH`);
      owned = new FileStore(path, worldSize);
      store = owned;
      host = '';
      port = 0;
    } else {
      throw new TorchError(`initProcessGroup: initMethod '${initMethod}': expected env://, tcp://HOST:PORT or file:///PATH`, 'E_ARGUMENT');
    }
    if (store === undefined) {
      check(Number.isInteger(port) && port >= 1 && port <= 65535, () => `initProcessGroup: port ${port}: expected 1..65535`);
      owned = new TCPStore(host, port, { worldSize, isMaster: rank === 0, timeoutMs, waitForWorkers: true });
      store = owned;
      // Every rank on this machine: listen on the loopback address, which always resolves.
      if (glooHostname === undefined && isLoopback(host)) glooHostname = '127.0.0.1';
    }
  }
  try {
    defaultGroup = new ProcessGroup(store, { backend, rank, worldSize, timeoutMs, ...(glooHostname !== undefined ? { glooHostname } : {}) });
  } catch (e) {
    owned?.close();
    throw e;
  }
  defaultStore = owned;
  return defaultGroup;
}

export function isInitialized(): boolean {
  return defaultGroup !== undefined;
}

/** Whether process groups can be made here: always (Gloo is part of libtorch on Linux). */
export function isAvailable(): boolean {
  return true;
}

export function isGlooAvailable(): boolean {
  return true;
}

/** NCCL: an addon built against a CUDA libtorch, with a GPU. */
export function isNcclAvailable(): boolean {
  return native.cudaIsAvailable();
}

/** `group`, or the default group; throws E_DISTRIBUTED naming `what` when neither exists. */
export function groupOr(group: ProcessGroup | undefined, what: string): ProcessGroup {
  const g = group ?? defaultGroup;
  if (g === undefined) throw new TorchError(`${what}: the default process group is not initialised (call initProcessGroup first)`, 'E_DISTRIBUTED');
  return g;
}

/** `group`, or the default group; throws E_DISTRIBUTED naming `what` when there is none. */
export function groupOrDefault(group: ProcessGroup | undefined, what: string): ProcessGroup {
  return groupOr(group, what);
}

export interface GroupOption {
  readonly group?: ProcessGroup;
}

export function getRank(group?: ProcessGroup): number {
  return groupOr(group, 'getRank').rank;
}

export function getWorldSize(group?: ProcessGroup): number {
  return groupOr(group, 'getWorldSize').size;
}

export function getBackend(group?: ProcessGroup): Backend {
  return groupOr(group, 'getBackend').backend;
}

/** torchrun's LOCAL_RANK (the rank on this machine; the GPU to use), 0 when unset. */
export function localRank(): number {
  const raw = process.env['LOCAL_RANK'];
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  check(Number.isInteger(n) && n >= 0, () => `LOCAL_RANK='${raw}' is not a rank`);
  return n;
}

export function allReduce(tensor: Tensor, options: GroupOption & { readonly op?: ReduceOp } = {}): void {
  groupOr(options.group, 'allReduce').allReduce(tensor, options.op ?? 'sum');
}

export function broadcast(tensor: Tensor, options: GroupOption & { readonly src: number }): void {
  check(typeof options === 'object' && options !== null && options.src !== undefined, () => 'broadcast: options.src (the source rank) is required');
  groupOr(options.group, 'broadcast').broadcast(tensor, options.src);
}

export function allGather(outputs: readonly Tensor[], tensor: Tensor, options: GroupOption = {}): void {
  groupOr(options.group, 'allGather').allGather(outputs, tensor);
}

export function allGatherIntoTensor(output: Tensor, tensor: Tensor, options: GroupOption = {}): void {
  groupOr(options.group, 'allGatherIntoTensor').allGatherIntoTensor(output, tensor);
}

export function reduceScatter(output: Tensor, inputs: readonly Tensor[], options: GroupOption & { readonly op?: ReduceOp } = {}): void {
  groupOr(options.group, 'reduceScatter').reduceScatter(output, inputs, options.op ?? 'sum');
}

export function barrier(options: GroupOption = {}): void {
  groupOr(options.group, 'barrier').barrier();
}

/** Destroys `group`, or the default group and the store it made. Idempotent. */
export function destroyProcessGroup(group?: ProcessGroup): void {
  if (group !== undefined && group !== defaultGroup) {
    group.destroy();
    return;
  }
  defaultGroup?.destroy();
  defaultStore?.close();
  defaultGroup = undefined;
  defaultStore = undefined;
}
