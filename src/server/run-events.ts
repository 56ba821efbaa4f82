/**
 * A run's live view as server-sent events. The training writes to the store from its own process;
 * this stream polls the store every {@link POLL_MS} for the run's row and its new `ml_epochs` and
 * `ml_steps` rows, and sends:
 *
 * - `progress` — `{run_id, state, epochs_done, epochs_target, steps_done, heartbeat_at, …}` first
 *   and whenever it changes;
 * - `epoch` — each `ml_epochs` row not sent yet (after `afterEpoch`), in epoch order;
 * - `steps` — `{steps: [...]}`, the `ml_steps` rows not sent yet (after `afterStep`), at most
 *   {@link STEP_BATCH} an event;
 * - `end` — `{state}` once the run is no longer running (finished, stopped, failed or killed) and
 *   every row has been sent; the stream then closes.
 *
 * Guarantees: an epoch row reaches the client within one poll of being committed; the poll's
 * timer is cleared as soon as the client goes; a run that disappears mid-stream ends it with an
 * `failure` event. A run resumed under a live view (its epochs or steps counted back) is followed
 * from its new position.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { RunRegistry } from '../ml/index.js';
import type { Store } from '../store/store.js';
import { runSummary } from './run-view.js';

/** How often the store is read while a client listens. */
export const POLL_MS = 250;
/** Step rows per `steps` event at most. */
export const STEP_BATCH = 2000;

export interface RunEventOptions {
  /** Epochs the client already has: only later ones are sent. */
  readonly afterEpoch: number;
  /** Steps the client already has: only later ones are sent. */
  readonly afterStep: number;
  readonly pollMs?: number;
}

/** The event stream of run `runId` (which the caller has checked exists). */
export function runEventStream(c: Context, store: Store, runId: string, options: RunEventOptions): Response {
  const registry = new RunRegistry(store);
  const pollMs = options.pollMs ?? POLL_MS;
  return streamSSE(
    c,
    async (stream: SSEStreamingApi) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let wake: (() => void) | undefined;
      stream.onAbort(() => {
        clearTimeout(timer);
        timer = undefined;
        wake?.();
      });
      const pause = (): Promise<void> =>
        new Promise((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, pollMs);
        });
      const send = (event: string, data: unknown): Promise<void> => stream.writeSSE({ event, data: JSON.stringify(data) });

      let lastEpoch = options.afterEpoch;
      let lastStep = options.afterStep;
      let lastProgress = '';
      while (!stream.aborted && !stream.closed) {
        const run = await registry.get(runId);
        // A resume counted the run back: follow it from where it now stands.
        if (run.epochs_done < lastEpoch) lastEpoch = run.epochs_done;
        if (run.steps_done < lastStep && run.state === 'running') lastStep = run.steps_done;
        const progress = { ...runSummary(run) };
        const key = JSON.stringify(progress);
        if (key !== lastProgress) {
          await send('progress', progress);
          lastProgress = key;
        }
        for (const e of (await registry.epochs(runId)).filter((row) => row.epoch > lastEpoch)) {
          await send('epoch', e);
          lastEpoch = e.epoch;
        }
        const steps = await registry.steps(runId, { afterStep: lastStep, limit: STEP_BATCH });
        if (steps.length > 0) {
          await send('steps', { steps });
          lastStep = steps.at(-1)!.step;
        }
        if (run.state !== 'running') {
          if (steps.length === STEP_BATCH) continue; // more rows to send before the end
          await send('end', { run_id: runId, state: run.state, error: run.error });
          return;
        }
        await pause();
      }
    },
    async (error, stream) => {
      await stream.writeSSE({ event: 'failure', data: JSON.stringify({ message: error.message }) });
    },
  );
}
