/**
 * Where a run ran, recorded with it (`ml_runs.env`) so that a figure can be traced to the machine,
 * the thread count and the libraries that produced it.
 */
import os from 'node:os';
import * as torch from '../../torch/index.js';

export interface RunEnvironment {
  host: string;
  user: string;
  platform: string;
  cpu: string;
  cpus: number;
  memory_bytes: number;
  gpu: string;
  device: string;
  threads: number;
  node: string;
  libtorch: string;
  libtorch_source: string;
  cpu_capability: string;
}

/** The login name, for run environments and expert reviews (containers may have no passwd entry). */
export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}

export function runEnvironment(device: string): RunEnvironment {
  const build = torch.buildInfo();
  const cudaDevices = torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0;
  return {
    host: os.hostname(),
    user: userName(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.cpus().length,
    memory_bytes: os.totalmem(),
    gpu: cudaDevices > 0 ? `${cudaDevices} CUDA device${cudaDevices > 1 ? 's' : ''}` : 'none',
    device,
    threads: torch.getNumThreads(),
    node: process.version,
    libtorch: build.version,
    libtorch_source: build.source,
    cpu_capability: build.cpuCapability,
  };
}
