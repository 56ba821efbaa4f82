/** Seeds and generator state, threads, devices, memory counters and build facts. */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { native, libtorchConfig } from './native.js';
import type { Tensor } from './tensor.js';

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

export const cuda = Object.freeze({
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (device?: number): void => native.cudaSynchronize(device),
});

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
  const raw = native.buildInfo() as { version: string; config: string; mkl: boolean; mkldnn: boolean; openmp: boolean; cudaBuilt: boolean };
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
