/**
 * Frees what a test body owns even when an assertion in it throws, so that a failed comparison is
 * reported as itself and never again as a leak by the file's "every tensor freed" check:
 *
 * ```ts
 * owning((own) => {
 *   const opt = own(new optim.SGD([w], { lr: 0.1 }));
 *   ... assertions ...
 * }); // opt disposed here, thrown or not
 * ```
 *
 * Disposal runs in reverse order of `own` calls (optimisers before the parameters they hold).
 */
export interface Disposable {
  dispose(): void;
}

export function owning<T>(body: (own: <D extends Disposable>(d: D) => D) => T): T {
  const owned: Disposable[] = [];
  const own = <D extends Disposable>(d: D): D => {
    owned.push(d);
    return d;
  };
  try {
    const result = body(own);
    if (result instanceof Promise) throw new TypeError('owning: the body must be synchronous; tensors are freed when it returns');
    return result;
  } finally {
    for (let i = owned.length - 1; i >= 0; i--) owned[i]!.dispose();
  }
}
