/**
 * One fuzz case run under watch: its outcome (a value or the error it threw), how long it took,
 * and how far the process's resident memory rose while it ran (sampled every few milliseconds,
 * and once at the end). A case still running after the time limit is reported as a hang and left
 * behind, so one hang fails its property instead of the whole file.
 */
export type CaseOutcome<T> =
  | { readonly kind: 'value'; readonly value: T; readonly ms: number; readonly rssGrowth: number }
  | { readonly kind: 'error'; readonly error: unknown; readonly ms: number; readonly rssGrowth: number }
  | { readonly kind: 'hang'; readonly ms: number; readonly rssGrowth: number };

/** Run `fn`, waiting at most `limitMs` for it. */
export async function boundedCase<T>(fn: () => Promise<T>, limitMs: number): Promise<CaseOutcome<T>> {
  const start = performance.now();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), limitMs);
  });
  try {
    const result = await Promise.race([
      fn().then(
        (value) => ({ kind: 'value' as const, value }),
        (error: unknown) => ({ kind: 'error' as const, error }),
      ),
      hang,
    ]);
    peak = Math.max(peak, process.memoryUsage.rss());
    const ms = performance.now() - start;
    const rssGrowth = peak - base;
    if (result === 'hang') return { kind: 'hang', ms, rssGrowth };
    return { ...result, ms, rssGrowth };
  } finally {
    clearInterval(sampler);
    clearTimeout(timer);
  }
}

/** A one-line account of an error for an assertion message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message.slice(0, 300)}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  }
  return String(error);
}
