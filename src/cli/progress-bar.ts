/**
 * Renders progress events on stderr: a bar (cli-progress) on a terminal, plain lines at most
 * every few seconds otherwise (logs, CI), so stdout stays clean for --json.
 */
import cliProgress from 'cli-progress';
import type { ProgressCallback, ProgressEvent } from '../progress.js';

function format(n: number, unit: string): string {
  if (unit === 'bytes') return `${(n / 1048576).toFixed(1)} MiB`;
  return `${n} ${unit}`;
}

/** A progress callback and a `stop()` to call when the work ends. */
export function progressRenderer(): { onProgress: ProgressCallback; stop: () => void } {
  if (process.stderr.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    let task = '';
    return {
      onProgress(e: ProgressEvent) {
        if (!bar || e.task !== task) {
          bar?.stop();
          task = e.task;
          bar = new cliProgress.SingleBar(
            { format: `${e.task} [{bar}] {percentage}% {value_fmt}/{total_fmt} eta {eta_formatted}`, stream: process.stderr, hideCursor: true, formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? format(v, e.unit) : String(v)) },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total ?? e.done, 0);
        }
        bar.update(e.done);
      },
      stop() {
        bar?.stop();
      },
    };
  }
  // Quiet for short jobs: the first line after two seconds, then one every two seconds.
  let last = Date.now();
  let printed = false;
  return {
    onProgress(e) {
      const now = Date.now();
      const finished = e.total !== undefined && e.done >= e.total;
      if (now - last < 2000 && !(finished && printed)) return;
      last = now;
      printed = true;
      const pct = e.total ? ` (${Math.floor((100 * e.done) / e.total)}%)` : '';
      process.stderr.write(`${e.task}: ${format(e.done, e.unit)}${e.total ? ` of ${format(e.total, e.unit)}` : ''}${pct}\n`);
    },
    stop() {},
  };
}
