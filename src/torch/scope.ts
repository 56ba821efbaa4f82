/**
 * Scopes free the tensors made inside them: `tidy(fn)` disposes every tensor created while `fn`
 * runs except those it returns (which move to the enclosing scope) and those passed to `keep`.
 * Native memory is invisible to the garbage collector, so this, not the finaliser, is how a
 * training loop stays flat. Scopes are synchronous: a Promise returned from `tidy` is an error,
 * because tensors created after an `await` would land in whatever scope is open then.
 */
import { TorchError } from './errors.js';

/** What a scope needs of a tensor; `Tensor` implements it. */
export interface Scoped {
  dispose(): void;
  readonly isDisposed: boolean;
  scope: Scope | undefined;
}

export class Scope {
  readonly tensors = new Set<Scoped>();
}

const stack: Scope[] = [];

/** Called by every new tensor: it joins the innermost open scope, if any. */
export function track(t: Scoped): void {
  const scope = stack[stack.length - 1];
  if (scope !== undefined) {
    scope.tensors.add(t);
    t.scope = scope;
  }
}

/** Called when a tensor is disposed or kept: it leaves its scope. */
export function untrack(t: Scoped): void {
  if (t.scope !== undefined) {
    t.scope.tensors.delete(t);
    t.scope = undefined;
  }
}

/** Exempts a tensor from every scope: it lives until disposed (parameters, optimiser state). */
export function keep<T extends Scoped>(t: T): T {
  untrack(t);
  return t;
}

function isScoped(v: unknown): v is Scoped {
  return typeof v === 'object' && v !== null && 'scope' in v && typeof (v as Scoped).dispose === 'function';
}

/** Tensors reachable from a returned value: the value itself, arrays, plain objects and Maps. */
function collect(value: unknown, out: Set<Scoped>, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (isScoped(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` in a new scope and disposes what it created, except what it returns.
 *
 * ```ts
 * const loss = tidy(() => F.mseLoss(model.forward(x), y)); // intermediates are freed
 * ```
 * When `fn` throws, everything it created is disposed and the error propagates.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Scope();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope.tensors) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function')) {
    for (const t of scope.tensors) t.dispose();
    throw new TorchError('tidy() cannot return a Promise: scopes are synchronous; await outside tidy', 'E_ARGUMENT');
  }
  const returned = new Set<Scoped>();
  collect(result, returned, new Set());
  const parent = stack[stack.length - 1];
  for (const t of scope.tensors) {
    if (returned.has(t)) {
      t.scope = parent;
      parent?.tensors.add(t);
    } else {
      t.scope = undefined;
      t.dispose();
    }
  }
  return result;
}

/** How many scopes are open (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}
