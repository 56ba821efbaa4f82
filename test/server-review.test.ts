/**
 * The review page's API, in-process over a store with a real GAN run and its predictions: the
 * queue, a verdict recorded in ml_reviews exactly as the terminal review records it (reviewer,
 * time, source `dashboard`), refusals of bad input with 4xx, acceptance by rule, and a child run
 * started as a job in a process of its own, followed to its end; then the run's HTML report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { DashboardContext } from '../src/server/dashboard-context.js';
import { closeJobs } from '../src/server/job-runner.js';
import type { Hono } from 'hono';
import { dashboardStore, type DashboardStore } from './helpers/dashboard-store.js';

let fixture: DashboardStore;
let app: Hono;

const HOST = { host: '127.0.0.1' };
const get = (path: string): Promise<Response> => Promise.resolve(app.request(path, { headers: HOST }));
const post = (path: string, body: unknown, type = 'application/json'): Promise<Response> =>
  Promise.resolve(app.request(path, { method: 'POST', headers: { ...HOST, 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) }));
const errorOf = async (res: Response): Promise<{ code: string; message: string }> => ((await res.json()) as { error: { code: string; message: string } }).error;

before(async () => {
  fixture = await dashboardStore();
  const ctx: DashboardContext = { store: fixture.store, cinema: undefined, reviewer: 'reviewer-default', storeArguments: ['--db', fixture.db] };
  app = createDashboardApp(ctx, { loopback: true });
});

after(async () => {
  await closeJobs(1000);
});

describe('review API', () => {
  it('lists the runs that have predictions, with their counts', async () => {
    const res = await get('/api/review/runs');
    assert.equal(res.status, 200);
    const { runs } = (await res.json()) as { runs: { run_id: string; predictions: number; accepted: number; reviews: number }[] };
    const gan = runs.find((r) => r.run_id === fixture.gan);
    assert.ok(gan, 'the GAN run is listed');
    assert.equal(gan.predictions, 20);
    assert.equal(gan.accepted, 2);
    assert.equal(gan.reviews, 3);
    assert.equal(runs.find((r) => r.run_id === fixture.classifier), undefined, 'a run without predictions is not listed');
  });

  it('gives the queue of a reviewer: what they have not judged, with parameters, seed and score', async () => {
    const ana = (await (await get(`/api/review/${fixture.gan}/queue?reviewer=ana`)).json()) as { reviewer: string; queue: { prediction_id: string; FILE: string; params: Record<string, unknown>; seed: number; score: number }[]; tally: { by_reviewer: { judged: number; accept: number; reject: number } } };
    assert.equal(ana.reviewer, 'ana');
    assert.equal(ana.queue.length, 17, 'ana judged three of the twenty');
    assert.ok(!ana.queue.some((p) => fixture.predictions.slice(0, 3).includes(p.prediction_id)));
    assert.deepEqual(ana.tally.by_reviewer, { reviewer: 'ana', judged: 3, accept: 2, reject: 1, rated: 2 });
    const first = ana.queue[0]!;
    assert.equal(typeof first.params['label'], 'number');
    assert.equal(typeof first.seed, 'number');
    assert.equal(typeof first.score, 'number');
    const file = await get(`/files?path=${encodeURIComponent(first.FILE)}`);
    assert.equal(file.status, 200, 'the image is served by /files');
    assert.equal(file.headers.get('content-type'), 'image/png');

    const fresh = (await (await get(`/api/review/${fixture.gan}/queue?limit=5`)).json()) as { reviewer: string; queue: unknown[] };
    assert.equal(fresh.reviewer, 'reviewer-default', 'without a reviewer, the dashboard\'s default');
    assert.equal(fresh.queue.length, 5);
    const all = (await (await get(`/api/review/${fixture.gan}/queue?reviewer=ana&all=1`)).json()) as { queue: unknown[] };
    assert.equal(all.queue.length, 20);
  });

  it('records a verdict in ml_reviews with the reviewer, rating, comment, source dashboard and the time', async () => {
    const id = fixture.predictions[5]!;
    const started = new Date().toISOString();
    const res = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: id, verdict: 'accept', rating: 5, comment: 'a <b>clean</b> five', reviewer: 'zoe' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { review: { run_id: string; source: string }; tally: { by_reviewer: { judged: number; accept: number } } };
    assert.equal(body.review.run_id, fixture.gan);
    assert.deepEqual(body.tally.by_reviewer, { reviewer: 'zoe', judged: 1, accept: 1, reject: 0, rated: 1 });
    const rows = await fixture.store.query('SELECT * FROM ml_reviews WHERE prediction_id = ? AND reviewer = ?', [id, 'zoe']);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row['run_id'], fixture.gan);
    assert.equal(row['verdict'], 'accept');
    assert.equal(Number(row['rating']), 5);
    assert.equal(row['comment'], 'a <b>clean</b> five');
    assert.equal(row['source'], 'dashboard');
    assert.ok(String(row['created_at']) >= started, 'created_at is the time of the request');
    const queue = (await (await get(`/api/review/${fixture.gan}/queue?reviewer=zoe`)).json()) as { queue: { prediction_id: string }[] };
    assert.ok(!queue.queue.some((p) => p.prediction_id === id), 'a judged prediction leaves the reviewer\'s queue');

    const comment = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: id, comment: 'second look', reviewer: 'zoe' });
    assert.equal(comment.status, 201, 'a comment alone is a review');
  });

  it('refuses bad input with a 4xx and a clear message, storing nothing', async () => {
    const before = Number((await fixture.store.query('SELECT count(*) AS n FROM ml_reviews'))[0]!['n']);
    const unknown = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: 'no-such-prediction', verdict: 'accept' });
    assert.equal(unknown.status, 404);
    assert.match((await errorOf(unknown)).message, /no prediction no-such-prediction/);
    const rating = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: fixture.predictions[6], rating: 7 });
    assert.equal(rating.status, 400);
    assert.match((await errorOf(rating)).message, /rating must be a whole number from 1 to 5/);
    const verdict = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: fixture.predictions[6], verdict: 'maybe' });
    assert.equal(verdict.status, 400);
    const nothing = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: fixture.predictions[6] });
    assert.equal(nothing.status, 400);
    assert.match((await errorOf(nothing)).message, /verdict, a rating or a comment/);
    const type = await post(`/api/review/${fixture.gan}/reviews`, JSON.stringify({ prediction_id: fixture.predictions[6], verdict: 'accept' }), 'text/plain');
    assert.equal(type.status, 415);
    const garbage = await post(`/api/review/${fixture.gan}/reviews`, '{"prediction_id": ');
    assert.equal(garbage.status, 400);
    const array = await post(`/api/review/${fixture.gan}/reviews`, [1, 2]);
    assert.equal(array.status, 400);
    const otherRun = await post(`/api/review/${fixture.child}/reviews`, { prediction_id: fixture.predictions[6], verdict: 'accept' });
    assert.equal(otherRun.status, 400, 'a prediction of another run');
    const noRun = await post('/api/review/no-such-run/reviews', { prediction_id: fixture.predictions[6], verdict: 'accept' });
    assert.equal(noRun.status, 404);
    const badReviewer = await post(`/api/review/${fixture.gan}/reviews`, { prediction_id: fixture.predictions[6], verdict: 'accept', reviewer: 'x'.repeat(500) });
    assert.equal(badReviewer.status, 400);
    assert.equal((await get(`/api/review/${fixture.gan}/queue?limit=0`)).status, 400);
    assert.equal((await get('/api/review/no-such-run/queue')).status, 404);
    assert.equal(Number((await fixture.store.query('SELECT count(*) AS n FROM ml_reviews'))[0]!['n']), before, 'nothing was stored');
  });

  it('accepts by rule and by the reviewers\' verdicts, and refuses a rule that does not parse', async () => {
    const byRule = await post(`/api/review/${fixture.gan}/accept`, { rule: 'score >= 0', best: 1, per: 'label' });
    assert.equal(byRule.status, 200);
    const result = (await byRule.json()) as { by: string; matched: number; accepted: number; accepted_total: number };
    assert.match(result.by, /^rule: score >= 0/);
    assert.ok(result.accepted_total >= 2);
    const accepted = Number((await fixture.store.query('SELECT count(*) AS n FROM ml_predictions WHERE run_id = ? AND accepted = 1', [fixture.gan]))[0]!['n']);
    assert.equal(accepted, result.accepted_total);
    const reviewed = (await (await post(`/api/review/${fixture.gan}/accept`, { reviewed: true })).json()) as { by: string };
    assert.match(reviewed.by, /review/);
    const bad = await post(`/api/review/${fixture.gan}/accept`, { rule: 'score >>= 1' });
    assert.equal(bad.status, 400);
    const none = await post(`/api/review/${fixture.gan}/accept`, {});
    assert.equal(none.status, 400);
    assert.match((await errorOf(none)).message, /rule .* or reviewed/);
    const best = await post(`/api/review/${fixture.gan}/accept`, { rule: 'score >= 0', best: -1 });
    assert.equal(best.status, 400);
  });
});

describe('jobs', () => {
  it('refuses a child run of a run without accepted predictions, of a classifier, or with bad epochs', async () => {
    const none = await post('/api/jobs', { kind: 'child-run', from: fixture.child, epochs: 1 });
    assert.equal(none.status, 400);
    assert.match((await errorOf(none)).message, /no accepted predictions/);
    const classifier = await post('/api/jobs', { kind: 'child-run', from: fixture.classifier, epochs: 1 });
    assert.equal(classifier.status, 400);
    assert.match((await errorOf(classifier)).message, /classifier run/);
    for (const epochs of [0, 1001, 2.5, '3']) {
      const res = await post('/api/jobs', { kind: 'child-run', from: fixture.gan, epochs });
      assert.equal(res.status, 400, `epochs ${JSON.stringify(epochs)}`);
    }
    assert.equal((await post('/api/jobs', { kind: 'rm -rf', from: fixture.gan, epochs: 1 })).status, 400);
    assert.equal((await post('/api/jobs', { kind: 'child-run', from: 'no-such-run', epochs: 1 })).status, 404);
    assert.equal((await get('/api/jobs/job-nothing')).status, 404);
  });

  it('starts a child run in a process of its own, streams its progress and names the new run', async () => {
    const res = await post('/api/jobs', { kind: 'child-run', from: fixture.gan, epochs: 1 });
    assert.equal(res.status, 202);
    const started = (await res.json()) as { job_id: string; state: string };
    assert.equal(started.state, 'running');
    const again = await post('/api/jobs', { kind: 'child-run', from: fixture.gan, epochs: 1 });
    assert.equal(again.status, 409, 'one child run of a run at a time');

    const events = await get(`/api/jobs/${started.job_id}/events`);
    assert.equal(events.headers.get('content-type')?.startsWith('text/event-stream'), true);
    const text = await events.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.equal(names[0], 'state');
    assert.equal(names.at(-1), 'end');
    assert.equal(names.filter((n) => n === 'end').length, 1);
    assert.ok(names.includes('line'), 'the job\'s output lines are streamed');

    const job = (await (await get(`/api/jobs/${started.job_id}`)).json()) as { state: string; exit_code: number; run_id: string; output: string[] };
    assert.equal(job.state, 'finished', job.output.join('\n'));
    assert.equal(job.exit_code, 0);
    assert.equal(typeof job.run_id, 'string');
    const [run] = await fixture.store.query('SELECT parent_run_id, status, included_predictions FROM ml_runs WHERE run_id = ?', [job.run_id]);
    assert.equal(run?.['parent_run_id'], fixture.gan);
    assert.equal(run?.['status'], 'finished');
    assert.match(text, new RegExp(`"run_id":"${job.run_id}"`), 'the stream names the new run');
    const listed = (await (await get(`/api/jobs?from=${fixture.gan}`)).json()) as { jobs: { job_id: string; run_id: string }[] };
    assert.equal(listed.jobs[0]?.job_id, started.job_id);
    assert.equal(listed.jobs[0]?.run_id, job.run_id);
    assert.deepEqual((await (await get('/api/jobs?from=nothing')).json()) as unknown, { jobs: [] });
  });
});

describe('closing the dashboard', () => {
  it('closeJobs interrupts a running child run: the job is stopped and so is its run, with nothing left running', async () => {
    const res = await post('/api/jobs', { kind: 'child-run', from: fixture.gan, epochs: 200 });
    assert.equal(res.status, 202);
    const { job_id } = (await res.json()) as { job_id: string };
    let runId: string | null = null;
    for (let i = 0; i < 200 && runId === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      runId = ((await (await get(`/api/jobs/${job_id}`)).json()) as { run_id: string | null }).run_id;
    }
    assert.ok(runId, 'the child run appeared in ml_runs');
    await closeJobs(10_000);
    const job = (await (await get(`/api/jobs/${job_id}`)).json()) as { state: string; output: string[] };
    assert.equal(job.state, 'stopped', job.output.join('\n'));
    const [run] = await fixture.store.query('SELECT status FROM ml_runs WHERE run_id = ?', [runId]);
    assert.equal(run?.['status'], 'stopped', 'the training wrote its checkpoint and marked the run stopped');
    await closeJobs(10);
  });
});

describe('report route', () => {
  it('downloads the run\'s self-contained report; an unknown run is a 404', async () => {
    const res = await get(`/api/runs/${fixture.gan}/report`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="report-[\w.-]+\.html"$/);
    const html = await res.text();
    assert.ok(html.includes(fixture.gan));
    assert.ok(html.includes('data:image/png;base64,'));
    const missing = await get('/api/runs/no-such-run/report');
    assert.equal(missing.status, 404);
    assert.equal((await errorOf(missing)).code, 'E_ML_RUN');
  });
});
