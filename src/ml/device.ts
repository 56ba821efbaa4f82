/** The device a workflow runs on, checked before anything is written. */
import { MlError } from '../errors.js';
import * as torch from '../torch/index.js';

/** `cpu`, `cuda` or `cuda:N`, refused with a clear reason when it is not there. */
export function resolveDevice(device: string): string {
  if (device === 'cpu') return device;
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (m === null) throw new MlError('E_ML_DEVICE', `unknown device "${device}"; use cpu, cuda or cuda:N`);
  let available = false;
  let count = 0;
  try {
    available = torch.cuda.isAvailable();
    count = available ? torch.cuda.deviceCount() : 0;
  } catch {
    available = false;
  }
  if (!available) {
    const built = torch.buildInfo().cuda;
    throw new MlError('E_ML_DEVICE', built ? 'CUDA was asked for but no CUDA device is visible' : 'CUDA was asked for but this libtorch was built without CUDA (see README: building against CUDA)');
  }
  const index = m[1] === undefined ? 0 : Number(m[1]);
  if (index >= count) throw new MlError('E_ML_DEVICE', `${device} was asked for but there ${count === 1 ? 'is 1 CUDA device' : `are ${count} CUDA devices`}`);
  return device;
}
