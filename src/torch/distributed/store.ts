/**
 * c10d's key-value stores, PyTorch's `TCPStore` and `FileStore`: the rendezvous through which the
 * ranks of a process group find each other, usable on their own for small shared values.
 *
 * Guarantees: `get` and `wait` block until the key is there or the store's timeout passes (then
 * TorchError E_DISTRIBUTED naming the key and the timeout); `close()` is idempotent.
 */
import { native } from '../native.js';
import type { NativeStore } from '../native-binding.js';
import { check } from '../errors.js';

/** PyTorch's default store timeout: 5 minutes. */
export const DEFAULT_STORE_TIMEOUT_MS = 300_000;

function checkInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  check(Number.isInteger(value) && value >= min && value <= max, () => `${name}: expected an integer in [${min}, ${max}], got ${value}`);
}

/** What the two stores share: set/get/add/wait on string keys. */
export abstract class Store {
  /** @internal */
  readonly handle: NativeStore;

  protected constructor(handle: NativeStore) {
    this.handle = handle;
  }

  /** Sets `key` to `value` (a string is stored as UTF-8). */
  set(key: string, value: string | Uint8Array): void {
    native.storeSet(this.handle, key, value);
  }

  /** The bytes under `key`, waiting for it up to the store's timeout. */
  get(key: string): Uint8Array {
    return native.storeGet(this.handle, key);
  }

  /** Adds `amount` to the counter under `key` (created at 0) and returns the new value. */
  add(key: string, amount: number): number {
    checkInt(amount, 'Store.add: amount', Number.MIN_SAFE_INTEGER);
    return native.storeAdd(this.handle, key, amount);
  }

  /** Returns when every key is set; fails with E_DISTRIBUTED after `timeoutMs`. */
  wait(keys: readonly string[], timeoutMs = DEFAULT_STORE_TIMEOUT_MS): void {
    checkInt(timeoutMs, 'Store.wait: timeoutMs', 1);
    native.storeWait(this.handle, keys, timeoutMs);
  }

  /** Releases this handle (a TCPStore server stops once no process group uses it). Idempotent. */
  close(): void {
    native.storeClose(this.handle);
  }
}

export interface TCPStoreOptions {
  /** How many processes will use the store, this one included; unset leaves it open. */
  readonly worldSize?: number;
  /** This process runs the server (rank 0 does, in a process group's rendezvous). */
  readonly isMaster?: boolean;
  /** For connecting, and for each `get`/`wait` (default 5 minutes, as PyTorch). */
  readonly timeoutMs?: number;
  /** The server's constructor returns only when `worldSize` processes have connected (default true). */
  readonly waitForWorkers?: boolean;
}

/**
 * A store served over TCP by one process (`isMaster`) and reached by the others at `host:port`.
 * Port 0 on the master picks a free port; `port` reads the one in use.
 */
export class TCPStore extends Store {
  readonly host: string;

  constructor(host: string, port: number, options: TCPStoreOptions = {}) {
    checkInt(port, 'TCPStore: port', 0, 65535);
    const worldSize = options.worldSize ?? -1;
    if (options.worldSize !== undefined) checkInt(options.worldSize, 'TCPStore: worldSize', 1);
    const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    checkInt(timeoutMs, 'TCPStore: timeoutMs', 1);
    check(port !== 0 || options.isMaster === true, () => 'TCPStore: port 0 (pick a free port) is only for the master');
    super(native.storeTcp(host, port, options.isMaster ?? false, worldSize, timeoutMs, options.waitForWorkers ?? true));
    this.host = host;
  }

  get port(): number {
    return native.storePort(this.handle);
  }
}

/** A store in a file on a file system every process can reach (a shared one across machines). */
export class FileStore extends Store {
  readonly path: string;

  /** `worldSize` processes share the file; the last one to release it deletes it (−1: unknown). */
  constructor(path: string, worldSize = -1) {
    check(path !== '', () => 'FileStore: path is empty');
    check(worldSize === -1 || (Number.isInteger(worldSize) && worldSize >= 1), () => `FileStore: worldSize: expected -1 or an integer ≥ 1, got ${worldSize}`);
    super(native.storeFile(path, worldSize));
    this.path = path;
  }
}
