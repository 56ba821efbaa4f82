/** Device names, checked in TypeScript so a missing GPU is one clear error, not a dispatcher dump. */
import { native } from './native.js';
import { TorchError } from './errors.js';

let cudaAvailable: boolean | undefined;

/** Validates a device name ('cpu', 'cuda', 'cuda:N') and that CUDA is there when named. */
export function deviceArg(device: string | undefined): string | undefined {
  if (device === undefined) return undefined;
  if (device === 'cpu') return device;
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (m === null) throw new TorchError(`unknown device '${device}' (use 'cpu', 'cuda' or 'cuda:N')`, 'E_ARGUMENT');
  cudaAvailable ??= native.cudaIsAvailable();
  if (!cudaAvailable) {
    throw new TorchError(
      `device '${device}' was asked for but CUDA is not available (no GPU, or libtorch built without CUDA: build against a CUDA libtorch with LIBTORCH=…)`,
      'E_DEVICE',
    );
  }
  const index = m[1] === undefined ? 0 : Number(m[1]);
  const count = native.cudaDeviceCount();
  if (index >= count) throw new TorchError(`device '${device}' does not exist: ${count} CUDA device(s)`, 'E_DEVICE');
  return device;
}
