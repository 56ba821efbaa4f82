/**
 * Renders progress events on stderr: a bar (cli-progress) on a terminal, plain lines at most
 * every few seconds otherwise (logs, CI), so stdout stays clean for --json. An event's `detail`
 * (epoch, losses, images/s of a training step) is shown beside the bar.
 */
import cliProgress from 'cli-progress';
import type { ProgressCallback, ProgressEvent } from '../progress.js';

function format(n: number, unit: string): string {
  if (unit === 'bytes') return `${(n / 1048576).toFixed(1)} MiB`;
  return `${n} ${unit}`;
}

function figure(v: string | number): string {
  if (typeof v !== 'number' || Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
}

/** `epoch 3/50 · step 12/235 · d_loss 1.234 · …`: `x` and `xs` pairs shown as `x/xs`. */
export function formatDetail(detail: ProgressEvent['detail']): string {
  if (detail === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (k.endsWith('s') && detail[k.slice(0, -1)] !== undefined) continue;
    const total = detail[`${k}s`];
    parts.push(total === undefined ? `${k.replace(/_/g, ' ')} ${figure(v)}` : `${k} ${figure(v)}/${figure(total)}`);
  }
  return parts.join(' · ');
}

export interface ProgressRenderer {
  onProgress: ProgressCallback;
  /** A line of its own above the bar. */
  note(message: string): void;
  stop(): void;
}

/**
 * The bar's cli-progress format: `{value}` and `{total}` are the placeholders cli-progress fills
 * (through `formatValue`, which adds the unit), `{detail}` is this renderer's own payload.
 */
export function barFormat(task: string): string {
  return `${task} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} {detail}`;
}

/** A progress callback, `note` for messages, and a `stop()` to call when the work ends. */
export function progressRenderer(stream: NodeJS.WriteStream = process.stderr): ProgressRenderer {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    let task = '';
    return {
      onProgress(e: ProgressEvent) {
        if (!bar || e.task !== task) {
          bar?.stop();
          task = e.task;
          bar = new cliProgress.SingleBar(
            {
              format: barFormat(e.task),
              stream,
              hideCursor: true,
              formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? format(v, e.unit) : String(v)),
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total ?? e.done, 0, { detail: '' });
        }
        bar.update(e.done, { detail: formatDetail(e.detail) });
      },
      note(message) {
        if (bar) bar.stop();
        bar = undefined;
        stream.write(`${message}\n`);
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
      const detail = formatDetail(e.detail);
      stream.write(`${e.task}: ${format(e.done, e.unit)}${e.total ? ` of ${format(e.total, e.unit)}` : ''}${pct}${detail === '' ? '' : ` · ${detail}`}\n`);
    },
    note(message) {
      stream.write(`${message}\n`);
    },
    stop() {},
  };
}
