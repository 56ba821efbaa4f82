/**
 * Download one file from the first of several URLs that serves it with the right content: the
 * body streams to a temporary file beside `TARGET` (`beginAtomicFileSync`, src/atomic-write.ts),
 * is checked, and only then committed as `TARGET`, so the cache never holds a partial or wrong
 * file; what a killed download leaves is removed by the next one. A transfer that stalls for
 * {@link STALL_MS} is abandoned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beginAtomicFileSync } from '../atomic-write.js';
import type { ProgressCallback } from '../progress.js';

/** A download with no byte for this long is given up. */
const STALL_MS = 60_000;

export interface DownloadRequest {
  /** Tried in order until one gives a file that passes `check`. */
  readonly urls: readonly string[];
  readonly target: string;
  /** Whether the downloaded file (at the path given) is the right one. */
  check(file: string): boolean;
  readonly onProgress?: ProgressCallback;
}

async function fetchTo(url: string, part: string, onProgress?: ProgressCallback): Promise<void> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), STALL_MS);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), STALL_MS);
  };
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const total = Number(response.headers.get('content-length')) || undefined;
    const out = fs.openSync(part, 'w');
    let done = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        alive();
        fs.writeSync(out, chunk);
        done += chunk.length;
        onProgress?.({ task: `download ${path.basename(url)}`, done, ...(total === undefined ? {} : { total }), unit: 'bytes' });
      }
    } finally {
      fs.closeSync(out);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Download `request.target`; returns its path, or throws naming what each URL did. */
export async function downloadVerified(request: DownloadRequest): Promise<string> {
  fs.mkdirSync(path.dirname(request.target), { recursive: true });
  const failures: string[] = [];
  for (const url of request.urls) {
    // A public dataset: readable by all, as the cache has always kept it.
    const part = beginAtomicFileSync(request.target, { mode: 0o644 });
    try {
      await fetchTo(url, part.temp, request.onProgress);
      if (!request.check(part.temp)) {
        failures.push(`${url}: wrong content (SHA-256 differs)`);
        continue;
      }
      part.commit();
      return request.target;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      failures.push(`${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    } finally {
      part.abort();
    }
  }
  throw new Error(failures.join('; '));
}
