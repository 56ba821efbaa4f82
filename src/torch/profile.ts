/**
 * Where a piece of torch code spends its time, op by op: every native call made while `fn` runs
 * is counted and timed, and the rest of the wall time is JavaScript (model code, scopes, the
 * optimiser's bookkeeping).
 *
 * ```ts
 * const { profile } = torch.profile(() => dcganTrainStep(gen, disc, optG, optD, real));
 * console.table(profile.ops.slice(0, 10));   // conv_transpose2d backward first, and so on
 * ```
 *
 * Times are measured around each call, so on CUDA they are launch times unless the code
 * synchronises (`cuda.synchronize()` inside `fn`). Each call costs about 0.1 µs more while
 * profiling.
 */
import { native } from './native.js';
import { TorchError } from './errors.js';

export interface OpProfile {
  /** The native function's name (PyTorch's op in camelCase: `conv2d`, `autogradGrad`, `adamStep`). */
  op: string;
  calls: number;
  /** Milliseconds inside the call, libtorch's work included. */
  ms: number;
}

export interface Profile {
  /** Wall time of `fn`. */
  wallMs: number;
  /** Time inside native calls. */
  nativeMs: number;
  /** Wall time outside them: JavaScript, scopes, argument checking. */
  javascriptMs: number;
  calls: number;
  /** Every op called, the most time first. */
  ops: OpProfile[];
}

let active = false;

/** Runs `fn` once with every native call timed; returns its result and the profile. */
export function profile<T>(fn: () => T): { result: T; profile: Profile } {
  if (active) throw new TorchError('profile(fn) does not nest', 'E_ARGUMENT');
  const table = native as unknown as Record<string, unknown>;
  const stats = new Map<string, { calls: number; ns: bigint }>();
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const [name, value] of Object.entries(table)) {
    // Classes (NativeTensor) are constructed, not called; leave them alone.
    if (typeof value !== 'function' || /^[A-Z]/.test(name)) continue;
    const original = value as (...args: unknown[]) => unknown;
    originals.set(name, original);
    const entry = { calls: 0, ns: 0n };
    stats.set(name, entry);
    table[name] = (...args: unknown[]): unknown => {
      const start = process.hrtime.bigint();
      try {
        return original(...args);
      } finally {
        entry.ns += process.hrtime.bigint() - start;
        entry.calls++;
      }
    };
  }
  active = true;
  const start = process.hrtime.bigint();
  let wallNs = 0n;
  let result: T;
  try {
    result = fn();
  } finally {
    wallNs = process.hrtime.bigint() - start;
    for (const [name, original] of originals) table[name] = original;
    active = false;
  }
  if (result instanceof Promise) throw new TorchError('profile(fn): fn returned a Promise; profile synchronous code', 'E_ARGUMENT');
  const ops = [...stats].filter(([, s]) => s.calls > 0).map(([op, s]) => ({ op, calls: s.calls, ms: Number(s.ns) / 1e6 }));
  ops.sort((a, b) => b.ms - a.ms);
  const nativeMs = ops.reduce((sum, o) => sum + o.ms, 0);
  const wallMs = Number(wallNs) / 1e6;
  return {
    result,
    profile: { wallMs, nativeMs, javascriptMs: Math.max(0, wallMs - nativeMs), calls: ops.reduce((n, o) => n + o.calls, 0), ops },
  };
}
