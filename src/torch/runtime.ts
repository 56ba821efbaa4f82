/** Seeds and generator state, threads, devices, memory counters and build facts. */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { native, libtorchConfig } from './native.js';
import type { Tensor } from './tensor.js';
import { TorchError } from './errors.js';
import { deviceArg } from './device.js';

/** Seeds the CPU and CUDA generators (torch.manual_seed). */
export function manualSeed(seed: number | bigint): void {
  native.manualSeed(seed);
}

/** The CPU generator's state (a uint8 tensor, PyTorch's torch.get_rng_state()). */
export function getRngState(): Tensor {
  return native.getRngState();
}

/** Restores a state from getRngState(): the generator continues exactly where it was. */
export function setRngState(state: Tensor): void {
  native.setRngState(state);
}

export function initialSeed(): bigint {
  return native.initialSeed();
}

/** libtorch's intra-op threads for this thread of JavaScript (a Worker sets its own). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Physical cores where Linux says (siblings share a core), else the logical count. */
export function physicalCores(): number {
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    let physical = '';
    for (const line of cpuinfo.split('\n')) {
      if (line.startsWith('physical id')) physical = line.split(':')[1]?.trim() ?? '';
      else if (line.startsWith('core id')) cores.add(`${physical}:${line.split(':')[1]?.trim()}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    // not Linux
  }
  return availableParallelism();
}

/** What CUDA's caching allocator holds on one device, in bytes and counts. */
export interface CudaMemoryStats {
  /** Bytes in live tensors now. */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** Bytes the allocator holds from the driver (live tensors plus its cache). */
  reservedBytes: number;
  peakReservedBytes: number;
  activeBytes: number;
  /** Live allocations. */
  allocations: number;
  /** Allocations that had to free the cache and retry. */
  allocRetries: number;
  /** Allocations that failed even after that. */
  ooms: number;
}

function cudaDevice(device: number | undefined): number {
  const index = device ?? 0;
  if (!Number.isInteger(index) || index < 0) throw new TorchError(`a CUDA device index is a whole number ≥ 0, got ${index}`, 'E_ARGUMENT');
  deviceArg(`cuda:${index}`);
  return index;
}

/**
 * CUDA, where the addon was built against a CUDA libtorch and a GPU is there. Every function but
 * `isAvailable` and `deviceCount` throws E_DEVICE when it is not.
 */
export const cuda = Object.freeze({
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  /** Waits for every kernel queued on the device: time GPU work only after it. */
  synchronize: (device?: number): void => native.cudaSynchronize(cudaDevice(device)),
  memoryStats: (device?: number): CudaMemoryStats => native.cudaMemoryStats(cudaDevice(device)),
  /** Returns the allocator's cached, unused blocks to the driver (other processes can use them). */
  emptyCache: (): void => {
    cudaDevice(0);
    native.cudaEmptyCache();
  },
  resetPeakMemoryStats: (device?: number): void => native.cudaResetPeakStats(cudaDevice(device)),
});

/**
 * The intra-op thread count each thread of JavaScript starts with: OMP_NUM_THREADS when set (as
 * libtorch reads it), otherwise the physical cores, PyTorch's default; hyper-threads share a
 * core's vector units and only slow a compute-bound step down. Applied when the torch layer loads
 * in a thread (main or Worker), so a Worker never inherits another thread's setting.
 */
export function defaultNumThreads(): number {
  const fromEnv = Number(process.env['OMP_NUM_THREADS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : physicalCores();
}

native.setNumThreads(defaultNumThreads());

export interface MemoryInfo {
  /** Live tensor handles (views and aliases count separately). */
  tensors: number;
  /** Bytes of distinct storages those handles hold (a view does not add to it). */
  bytes: number;
  /** Distinct storages held. */
  storages: number;
}

/** What tensors this thread of JavaScript holds now; tests assert on it. */
export function memory(): MemoryInfo {
  return native.memory();
}

export interface BuildInfo {
  version: string;
  /** Where the libtorch the addon uses lives. */
  path: string;
  /** How it was found: LIBTORCH, pip (PyTorch's wheel) or debian. */
  source: string;
  cuda: boolean;
  blas: string;
  mkldnn: boolean;
  openmp: boolean;
  cpuCapability: string;
  config: string;
}

export function buildInfo(): BuildInfo {
  const raw = native.buildInfo();
  const cfg = libtorchConfig();
  const blas = /BLAS_INFO=([^,\s]+)/.exec(raw.config)?.[1] ?? (raw.mkl ? 'mkl' : 'unknown');
  const capability = /CPU capability usage: (\S+)/.exec(raw.config)?.[1] ?? 'unknown';
  return {
    version: raw.version,
    path: cfg?.dir ?? 'unknown',
    source: cfg?.kind ?? 'unknown',
    cuda: raw.cudaBuilt,
    blas,
    mkldnn: raw.mkldnn,
    openmp: raw.openmp,
    cpuCapability: capability,
    config: raw.config,
  };
}
