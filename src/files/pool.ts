/**
 * Run an async job over items with at most `limit` in flight: file-system work (hashing,
 * copying, fsync) overlaps in libuv's thread pool instead of waiting one call at a time.
 *
 * When a job fails, no new job starts, the ones in flight are awaited, and the first error is
 * thrown: the caller can clean up knowing nothing of the pool is still running.
 */
export async function pool<T>(items: readonly T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await job(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
