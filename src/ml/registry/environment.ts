/**
 * Where a run ran, recorded with it (`ml_runs.env`) so that a figure can be traced to the machine,
 * the thread count and the libraries that produced it.
 */
import os from 'node:os';
import * as torch from '../../torch/index.js';

/** The login name, for run environments and expert reviews (containers may have no passwd entry). */
export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}

/** The machine, thread count and libraries running now, with the `device` the run trains on. */
export function runEnvironment(device: string) {
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
