/**
 * Jobs started from the page and their progress:
 *
 * - `POST /api/jobs {kind: 'child-run', from, epochs}` checks the request (a known GAN run with
 *   accepted predictions, 1 ≤ epochs ≤ 1000; a refusal is a 4xx naming what is wrong), starts
 *   `dsi ml train --from RUN --include-accepted --epochs N` in a process of its own and answers
 *   202 `{job_id, state, run_id: null}` at once;
 * - `GET /api/jobs?from=RUN` → `{jobs: JobAnswer[]}`: the jobs of this dashboard (of child runs of RUN), newest first;
 * - `GET /api/jobs/:id` → the job (`JobView` of job-runner.ts) with `run_id`: the new run, once
 *   `ml_runs` holds a run with `parent_run_id = from` created after the job started;
 * - `GET /api/jobs/:id/events` streams it as server-sent events: `state` (the job, first and on
 *   each change), `line` (`{line}`: a line of the job's output), `end` (the job) once at exit.
 *
 * Only one child run of a run is started at a time (a second gets 409). A job runs as the
 * request's account (job-runner.ts) and only that account sees it: another user's job is a 404.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { acceptedPredictionsOf, RunRegistry } from '../../ml/index.js';
import type { Store } from '../../store/store.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';
import { ApiError, badRequest, notFound } from '../http-errors.js';
import { getJob, listJobs, startJob, type Job, type JobAccount, type JobView } from '../job-runner.js';
import { currentScope } from '../request-scope.js';

/** The most epochs a child run started from the page may train. */
export const MAX_JOB_EPOCHS = 1000;

/** A job as the API answers it: the job and the run it made (null until that exists). */
export type JobAnswer = JobView & { readonly run_id: string | null };

interface ChildRunRequest {
  readonly from: string;
  readonly epochs: number;
}

function childRunRequest(body: unknown): ChildRunRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('send a JSON object {"kind": "child-run", "from": RUN, "epochs": N}');
  const b = body as Record<string, unknown>;
  if (b['kind'] !== 'child-run') throw badRequest(`kind must be "child-run" (the only job the dashboard starts), got ${JSON.stringify(b['kind'] ?? null)}`);
  const from = b['from'];
  if (typeof from !== 'string' || from.trim() === '') throw badRequest(`from must name the parent run, got ${JSON.stringify(from ?? null)}`);
  const epochs = b['epochs'];
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1 || epochs > MAX_JOB_EPOCHS) {
    throw badRequest(`epochs must be a whole number from 1 to ${MAX_JOB_EPOCHS}, got ${JSON.stringify(epochs ?? null)}`);
  }
  return { from, epochs };
}

/** The child run the job made: the newest run of `from` created since the job started, or null. */
async function childRunOf(store: Store, job: Job): Promise<string | null> {
  const known = job.view().details['run_id'];
  if (typeof known === 'string') return known;
  const from = job.view().details['from'];
  if (typeof from !== 'string') return null;
  const rows = await store.query('SELECT run_id FROM ml_runs WHERE parent_run_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1', [from, job.startedAt]);
  const id = rows[0]?.['run_id'];
  if (typeof id !== 'string') return null;
  job.note('run_id', id);
  return id;
}

async function answerOf(store: Store, job: Job): Promise<JobAnswer> {
  const run_id = await childRunOf(store, job);
  return { ...job.view(), run_id };
}

/** Who the request's jobs run as (the dashboard's middleware always sets a scope). */
function requester(): JobAccount {
  const scope = currentScope();
  if (scope === undefined) throw new ApiError(500, 'E_INTERNAL', 'a job route ran outside a request');
  return { account: scope.account, isOtherAccount: scope.isOtherAccount };
}

/** The jobs the request's account may see. */
const jobsOfRequester = (): Job[] => {
  const me = requester().account.account;
  return listJobs().filter((j) => j.account === me);
};

export function jobRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();

  app.post('/jobs', async (c) => {
    const store = requireStore(ctx);
    const request = childRunRequest(await c.req.json());
    const run = await new RunRegistry(store).get(request.from);
    if (run.kind !== 'gan') throw badRequest(`run ${run.run_id} is a ${run.kind} run; a child run starts from a GAN run`, 'E_ML_RUN_KIND');
    await acceptedPredictionsOf(store, run.run_id, 'from');
    const runAs = requester();
    const busy = listJobs().find((j) => j.state === 'running' && j.view().details['from'] === run.run_id);
    if (busy !== undefined) throw new ApiError(409, 'E_JOB_RUNNING', `a child run of ${run.run_id} is being trained already (job ${busy.id}); wait for it to end`);
    const job = startJob('child-run', [...ctx.storeArguments, 'ml', 'train', '--from', run.run_id, '--include-accepted', '--epochs', String(request.epochs)], {
      from: run.run_id,
      epochs: request.epochs,
    }, runAs);
    return c.json({ ...job.view(), run_id: null } satisfies JobAnswer, 202);
  });

  const jobOf = (id: string): Job => {
    const job = getJob(id);
    if (job === undefined || job.account !== requester().account.account) throw notFound(`no job ${id} (jobs are kept while the dashboard runs)`, 'E_JOB_MISSING');
    return job;
  };

  app.get('/jobs', async (c) => {
    const store = requireStore(ctx);
    const from = c.req.query('from');
    const jobs = jobsOfRequester().filter((j) => from === undefined || from === '' || j.view().details['from'] === from).reverse();
    return c.json({ jobs: await Promise.all(jobs.map((j) => answerOf(store, j))) });
  });

  app.get('/jobs/:id', async (c) => c.json(await answerOf(requireStore(ctx), jobOf(c.req.param('id')))));

  app.get('/jobs/:id/events', (c) => {
    const store = requireStore(ctx);
    const job = jobOf(c.req.param('id'));
    return streamSSE(c, async (stream) => {
      const queue: { event: string; data: unknown }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown): void => {
        queue.push({ event, data });
        wake?.();
      };
      let ended = job.state !== 'running';
      const unsubscribe = job.subscribe((e) => {
        if (e.type === 'line') push('line', { line: e.line });
        else push(e.type, e.job);
        if (e.type === 'end') ended = true;
      });
      stream.onAbort(() => {
        unsubscribe();
        ended = true;
        wake?.();
      });
      let runId: string | null = null;
      const refreshRun = async (): Promise<void> => {
        if (runId !== null) return;
        runId = await childRunOf(store, job).catch(() => null);
        if (runId !== null) push('run', { run_id: runId });
      };
      await stream.writeSSE({ event: 'state', data: JSON.stringify(await answerOf(store, job)) });
      try {
        while (!stream.aborted) {
          await refreshRun();
          while (queue.length > 0) {
            const next = queue.shift()!;
            if (next.event === 'end') continue;
            const data = next.event === 'state' ? { ...(next.data as JobView), run_id: runId } : next.data;
            await stream.writeSSE({ event: next.event, data: JSON.stringify(data) });
          }
          if (ended) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 500);
          });
          wake = undefined;
        }
        if (job.state !== 'running' && !stream.aborted) {
          await refreshRun();
          while (queue.length > 0) {
            const next = queue.shift()!;
            if (next.event === 'line' || next.event === 'run') await stream.writeSSE({ event: next.event, data: JSON.stringify(next.data) });
          }
          await stream.writeSSE({ event: 'end', data: JSON.stringify(await answerOf(store, job)) });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  return app;
}
