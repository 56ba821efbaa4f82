/** Errors of the torch layer: one class with a stable `code` to branch on. */

export type TorchErrorCode =
  | 'E_SHAPE' // sizes do not fit together
  | 'E_DTYPE' // an element type that the operation does not take
  | 'E_DEVICE' // tensors on different devices, or a device that is not there
  | 'E_INDEX' // an index out of range
  | 'E_VALUE' // a value outside what the operation accepts
  | 'E_OOM' // out of memory
  | 'E_NOT_IMPLEMENTED' // the operation has no kernel for these inputs
  | 'E_DISPOSED' // a disposed tensor was used
  | 'E_ARGUMENT' // an argument of the wrong kind
  | 'E_STATE_DICT' // missing, unexpected or mis-shaped keys when loading a state dict
  | 'E_FORMAT' // a malformed file (safetensors)
  | 'E_DISTRIBUTED' // a collective or rendezvous failed: a peer died, a timeout, a store out of reach
  | 'E_TORCH'; // any other libtorch error

/** Native codes → public codes; a generic libtorch error is classified by its message. */
const PUBLIC_CODES: ReadonlySet<string> = new Set<TorchErrorCode>([
  'E_SHAPE', 'E_DTYPE', 'E_DEVICE', 'E_INDEX', 'E_VALUE', 'E_OOM', 'E_NOT_IMPLEMENTED',
  'E_DISPOSED', 'E_ARGUMENT', 'E_STATE_DICT', 'E_FORMAT', 'E_DISTRIBUTED', 'E_TORCH',
]);

function classify(nativeCode: string, message: string): TorchErrorCode {
  // The torch layer's own checks name their code; only libtorch's generic errors are classified.
  if (nativeCode !== 'E_TORCH' && PUBLIC_CODES.has(nativeCode)) return nativeCode as TorchErrorCode;
  switch (nativeCode) {
    case 'E_TORCH_OOM':
      return 'E_OOM';
    case 'E_TORCH_INDEX':
      return 'E_INDEX';
    case 'E_TORCH_NOT_IMPLEMENTED':
      return 'E_NOT_IMPLEMENTED';
    case 'E_DISPOSED':
      return 'E_DISPOSED';
    case 'E_TORCH_ARGUMENT':
      return 'E_ARGUMENT';
    case 'E_TORCH_VALUE':
      return 'E_VALUE';
  }
  const m = message.toLowerCase();
  if (/device|cuda/.test(m) && /expected|same device|not available|found at least two/.test(m)) return 'E_DEVICE';
  if (/dtype|scalar type|expected .*(float|double|long|int|bool)|not implemented for '/.test(m)) return 'E_DTYPE';
  if (/shape|size|dimension|cannot be multiplied|must match|out of range|invalid for input of size/.test(m)) {
    return /out of range/.test(m) ? 'E_INDEX' : 'E_SHAPE';
  }
  if (nativeCode === 'E_TORCH_TYPE') return 'E_DTYPE';
  return 'E_TORCH';
}

/**
 * An error from libtorch or from the torch layer's own checks. `message` is libtorch's message
 * without its C++ backtrace; `detail` holds the full native text when there is one.
 */
export class TorchError extends Error {
  readonly code: TorchErrorCode;
  readonly detail: string;

  constructor(message: string, code: TorchErrorCode | string = 'E_TORCH', detail = '') {
    const publicCode = classify(code, message);
    super(message);
    this.name = 'TorchError';
    this.code = publicCode;
    this.detail = detail;
  }
}

/** Throws a TorchError with code E_ARGUMENT unless `ok`. */
export function check(ok: boolean, message: () => string, code: TorchErrorCode = 'E_ARGUMENT'): asserts ok {
  if (!ok) throw new TorchError(message(), code);
}
