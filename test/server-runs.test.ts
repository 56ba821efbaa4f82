/**
 * The dashboard's run, evaluation, explanation and lineage routes, in-process over a store with
 * real runs (a conditional GAN, its child, a classifier; predictions, evaluations, explanations,
 * reviews): the values they answer, their charts, the live event stream of a finished run and of
 * one that trains while it is read, and their refusals (unknown run → 404, bad parameter → 400).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { RunRegistry } from '../src/ml/index.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import type { Hono } from 'hono';
import { dashboardStore, type DashboardStore } from './helpers/dashboard-store.js';

let d: DashboardStore;
let app: Hono;

const get = (path: string): Promise<Response> => Promise.resolve(app.request(path, { headers: { host: '127.0.0.1' } }));
async function json<T = Record<string, unknown>>(path: string, status = 200): Promise<T> {
  const res = await get(path);
  const body = (await res.json()) as T;
  assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
  return body;
}
async function refused(path: string, status: number, code?: string, message?: RegExp): Promise<void> {
  const body = await json<{ error: { code: string; message: string } }>(path, status);
  if (code !== undefined) assert.equal(body.error.code, code);
  if (message !== undefined) assert.match(body.error.message, message);
}
async function svgOf(path: string): Promise<string> {
  const res = await get(path);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  assert.match(text, /^<svg/);
  return text;
}

interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** The events of an SSE text. */
function parseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

before(async () => {
  d = await dashboardStore();
  app = createDashboardApp({ store: d.store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', d.db] }, { loopback: true });
});

describe('run routes', () => {
  it('lists the runs with their state and progress', async () => {
    const { runs } = await json<{ runs: Record<string, unknown>[] }>('/api/runs');
    const gan = runs.find((r) => r['run_id'] === d.gan)!;
    assert.equal(gan['state'], 'finished');
    assert.equal(gan['epochs_done'], 2);
    assert.equal(gan['epochs_target'], 2);
    assert.equal(gan['steps_done'], 16);
    assert.equal(runs.find((r) => r['run_id'] === d.child)!['parent_run_id'], d.gan);
    assert.ok(runs.some((r) => r['run_id'] === d.classifier && r['kind'] === 'classifier'));
  });

  it("shows one run: parameters, data, provenance, epochs with sample grids, checkpoints, evaluations, children", async () => {
    const r = await json<{
      run: Record<string, unknown> & { params: Record<string, unknown>; env: Record<string, unknown> };
      epochs: { epoch: number; FILE_samples: string | null; FILE_checkpoint: string | null }[];
      checkpoints: { epoch: number | null; path: string; exists: boolean }[];
      evaluations: Record<string, unknown>[];
      counts: Record<string, number>;
      children: string[];
      links: Record<string, string>;
    }>(`/api/runs/${d.gan}`);
    assert.equal(r.run['run_id'], d.gan);
    assert.equal(r.run.params['epochs'], 2);
    assert.deepEqual(r.run.params['condition_columns'], ['label']);
    assert.match(String(r.run['data_query']), /digits/);
    assert.equal(r.run['data_rows'], 256);
    assert.match(String(r.run['data_hash']), /^[0-9a-f]{64}$/);
    assert.equal(typeof r.run.env['libtorch'], 'string');
    assert.deepEqual(r.epochs.map((e) => e.epoch), [1, 2]);
    assert.ok(r.epochs.every((e) => e.FILE_samples !== null));
    const sample = await get(`/files?path=${encodeURIComponent(r.epochs[0]!.FILE_samples!)}`);
    assert.equal(sample.status, 200);
    assert.equal(sample.headers.get('content-type'), 'image/png');
    assert.ok(r.checkpoints.some((c) => c.epoch === 2 && c.exists));
    assert.ok(r.evaluations.some((e) => e['metric'] === 'fid' && e['condition'] === null));
    assert.equal(r.counts['ml_steps'], 16);
    assert.deepEqual(r.children, [d.child]);
    assert.equal(r.links['lineage'], `#/lineage/${d.gan}`);
    assert.equal(r.links['report'], `/api/runs/${d.gan}/report`);
  });

  it('answers the steps after a given one, and refuses bad paging', async () => {
    const { steps } = await json<{ steps: { step: number; epoch: number; d_loss: number; g_loss: number }[] }>(`/api/runs/${d.gan}/steps?after=2&limit=3`);
    assert.deepEqual(steps.map((s) => s.step), [3, 4, 5]);
    assert.ok(steps.every((s) => Number.isFinite(s.d_loss) && Number.isFinite(s.g_loss) && s.epoch === 1));
    await refused(`/api/runs/${d.gan}/steps?after=-1`, 400, 'E_BAD_REQUEST', /after must be a whole number/);
    await refused(`/api/runs/${d.gan}/steps?limit=0`, 400, 'E_BAD_REQUEST', /limit/);
    await refused(`/api/runs/${d.gan}/steps?after=abc`, 400);
    await refused('/api/runs/gan-no-such/steps', 404, 'E_ML_RUN');
  });

  it('draws loss curves per epoch and per step as SVG, and refuses a bad scale or loss', async () => {
    assert.match(await svgOf(`/api/runs/${d.gan}/curves.svg`), /per epoch/);
    assert.match(await svgOf(`/api/runs/${d.gan}/curves.svg?per=step&loss=g_loss`), /g_loss/);
    await refused(`/api/runs/${d.gan}/curves.svg?per=minute`, 400, 'E_BAD_REQUEST', /per must be one of epoch, step/);
    await refused(`/api/runs/${d.gan}/curves.svg?loss=x_loss`, 400, 'E_BAD_REQUEST', /loss must be one of/);
    await refused('/api/runs/nope/curves.svg', 404, 'E_ML_RUN');
  });

  it('draws a long step curve from means of consecutive steps computed in the store', async () => {
    const registry = new RunRegistry(d.store);
    const runId = 'gan-20261201-000002-f00d';
    await registry.create({ run_id: runId, kind: 'gan', model: 'dcgan', status: 'finished', params: '{}', data_query: 'SELECT 1', data_rows: 1, data_hash: 'h', env: '{}', seed: 1, epochs_done: 1, steps_done: 2500 });
    const at = new Date().toISOString();
    await registry.transaction((tx) => tx.insert('ml_steps', Array.from({ length: 2500 }, (_, i) => ({ run_id: runId, step: i + 1, epoch: 1, d_loss: i % 2, g_loss: null, loss: null, created_at: at }))));
    const svg = await svgOf(`/api/runs/${runId}/curves.svg?per=step`);
    assert.match(svg, /means of 3 consecutive steps/);
    assert.doesNotMatch(svg, /g_loss/, 'a loss with no value is left out');
    await registry.delete(runId);
  });

  it('refuses an unknown run with a 404 naming it', async () => {
    await refused('/api/runs/gan-20000101-000000-0000', 404, 'E_ML_RUN', /no run "gan-20000101-000000-0000"/);
    await refused('/api/runs/gan-20000101-000000-0000/events', 404, 'E_ML_RUN');
  });

  it('compares runs: parameters that differ, final losses, evaluations with their features', async () => {
    const c = await json<{ runs: { run_id: string }[]; params: { key: string; values: unknown[]; differs: boolean }[]; metrics: { metric: string; feature_run_id: string | null; values: (number | null)[] }[] }>(`/api/compare?runs=${d.gan},${d.child}`);
    assert.deepEqual(c.runs.map((r) => r.run_id), [d.gan, d.child]);
    const epochs = c.params.find((p) => p.key === 'epochs')!;
    assert.deepEqual(epochs, { key: 'epochs', values: [2, 1], differs: true });
    assert.equal(c.params.find((p) => p.key === 'batch')!.differs, false);
    const fid = c.metrics.find((m) => m.metric === 'fid')!;
    assert.equal(fid.feature_run_id, d.classifier);
    assert.ok(Number.isFinite(fid.values[0]) && fid.values[1] === null);
    assert.ok(c.metrics.some((m) => m.metric === 'final g_loss' && m.values.every((v) => Number.isFinite(v))));
    assert.match(await svgOf(`/api/compare/curves.svg?runs=${d.gan},${d.child}&per=step`), /2 runs per step/);
    await refused('/api/compare', 400, 'E_BAD_REQUEST', /name the runs/);
    await refused('/api/compare?runs=,,', 400);
    await refused(`/api/compare?runs=${Array.from({ length: 9 }, (_, i) => `r${i}`).join(',')}`, 400, 'E_BAD_REQUEST', /at most 8/);
    await refused(`/api/compare?runs=${d.gan},nope`, 404, 'E_ML_RUN');
  });
});

describe('run events', () => {
  it('sends a finished run its state, epochs, steps and end, then closes', async () => {
    const res = await get(`/api/runs/${d.gan}/events`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = parseEvents(await res.text());
    assert.equal(events[0]!.event, 'progress');
    assert.equal(events[0]!.data['state'], 'finished');
    assert.deepEqual(events.filter((e) => e.event === 'epoch').map((e) => e.data['epoch']), [1, 2]);
    const steps = events.filter((e) => e.event === 'steps').flatMap((e) => e.data['steps'] as { step: number }[]);
    assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual(events.at(-1), { event: 'end', data: { run_id: d.gan, state: 'finished', error: null } });
  });

  it('sends only what comes after afterEpoch and afterStep, and refuses bad ones', async () => {
    const events = parseEvents(await (await get(`/api/runs/${d.gan}/events?afterEpoch=1&afterStep=12`)).text());
    assert.deepEqual(events.filter((e) => e.event === 'epoch').map((e) => e.data['epoch']), [2]);
    assert.deepEqual(events.filter((e) => e.event === 'steps').flatMap((e) => (e.data['steps'] as { step: number }[]).map((s) => s.step)), [13, 14, 15, 16]);
    await refused(`/api/runs/${d.gan}/events?afterEpoch=x`, 400, 'E_BAD_REQUEST', /afterEpoch/);
  });

  it('follows a running run: an epoch committed reaches the stream within a second, and the end closes it', async () => {
    const registry = new RunRegistry(d.store);
    const runId = 'gan-20261201-000000-beef';
    await registry.create({ run_id: runId, kind: 'gan', model: 'cdcgan', status: 'running', params: JSON.stringify({ epochs: 3 }), data_query: 'SELECT 1', data_rows: 1, data_hash: 'h', env: '{}', seed: 1, epochs_done: 0, steps_done: 0 });
    const res = await get(`/api/runs/${runId}/events`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const next = async (want: string): Promise<SseEvent> => {
      for (;;) {
        const events = parseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2));
        const found = events.find((e) => e.event === want);
        if (found !== undefined) {
          text = text.slice(text.indexOf('\n\n', text.indexOf(`event: ${want}`)) + 2);
          return found;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before a ${want} event`);
        text += decoder.decode(value, { stream: true });
      }
    };
    const first = await next('progress');
    assert.equal(first.data['state'], 'running');
    assert.equal(first.data['epochs_target'], 3);

    await registry.recordEpoch(
      { run_id: runId, epoch: 1, d_loss: 1.5, g_loss: 0.7, loss: null, steps: 2, images_per_second: 10, seconds: 0.2, FILE_samples: null, FILE_checkpoint: null },
      { epochs_done: 1, steps_done: 2 },
      [1, 2].map((step) => ({ run_id: runId, step, epoch: 1, d_loss: 1.5, g_loss: 0.7, loss: null, created_at: new Date().toISOString() })),
    );
    const committed = Date.now();
    const epoch = await next('epoch');
    const delay = Date.now() - committed;
    assert.equal(epoch.data['epoch'], 1);
    assert.ok(delay < 1000, `the epoch arrived ${delay} ms after it was committed`);
    const steps = await next('steps');
    assert.deepEqual((steps.data['steps'] as { step: number }[]).map((s) => s.step), [1, 2]);

    await registry.update(runId, { status: 'finished', finished_at: new Date().toISOString() });
    const end = await next('end');
    assert.equal(end.data['state'], 'finished');
    assert.equal((await reader.read()).done, true, 'the stream closes after end');
    await registry.delete(runId);
  });

  it('reports a running run without a heartbeat for minutes as killed, and its stream ends at once', async () => {
    const registry = new RunRegistry(d.store);
    const runId = 'gan-20261201-000003-dead';
    await registry.create({ run_id: runId, kind: 'gan', model: 'dcgan', status: 'running', params: '{}', data_query: 'SELECT 1', data_rows: 1, data_hash: 'h', env: '{}', seed: 1, epochs_done: 0, steps_done: 0 });
    await registry.update(runId, { heartbeat_at: new Date(Date.now() - 10 * 60_000).toISOString() });
    const { runs } = await json<{ runs: { run_id: string; state: string }[] }>('/api/runs');
    assert.equal(runs.find((r) => r.run_id === runId)!.state, 'killed');
    const events = parseEvents(await (await get(`/api/runs/${runId}/events`)).text());
    assert.deepEqual(events.map((e) => e.event), ['progress', 'end']);
    assert.equal(events[1]!.data['state'], 'killed');
    await registry.delete(runId);
  });

  it('stops polling the store when the client goes', async () => {
    const registry = new RunRegistry(d.store);
    const runId = 'gan-20261201-000001-cafe';
    await registry.create({ run_id: runId, kind: 'gan', model: 'cdcgan', status: 'running', params: '{}', data_query: 'SELECT 1', data_rows: 1, data_hash: 'h', env: '{}', seed: 1, epochs_done: 0, steps_done: 0 });
    const controller = new AbortController();
    const res = await app.request(`/api/runs/${runId}/events`, { headers: { host: '127.0.0.1' }, signal: controller.signal });
    const reader = res.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /event: progress/);
    await reader.cancel();
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // With its client gone the stream polls no more: no read of the run in the next second.
    const query = d.store.query.bind(d.store);
    let reads = 0;
    d.store.query = ((sql: string, ...rest: unknown[]) => {
      if (sql.includes(runId) || rest.some((p) => Array.isArray(p) && p.includes(runId))) reads++;
      return (query as (...a: unknown[]) => ReturnType<typeof query>)(sql, ...rest);
    }) as typeof d.store.query;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      d.store.query = query;
    }
    assert.equal(reads, 0, 'the stream still polls after its client went');
    await registry.update(runId, { status: 'stopped' });
    await registry.delete(runId);
  });
});

describe('evaluation routes', () => {
  it('answers the rows a filter selects, with facets naming the feature classifiers', async () => {
    const r = await json<{ rows: Record<string, unknown>[]; more: boolean; facets: { metrics: string[]; feature_runs: string[]; conditions: string[] } }>(`/api/evaluations?runs=${d.gan}&metric=fid&condition=overall`);
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]!['feature_run_id'], d.classifier);
    assert.equal(r.rows[0]!['epoch'], 2);
    assert.equal(r.more, false);
    for (const m of ['fid', 'kid', 'precision', 'recall']) assert.ok(r.facets.metrics.includes(m), m);
    assert.ok(r.facets.feature_runs.includes(d.classifier));
    assert.ok(r.facets.conditions.includes('label=3'));
    const perCondition = await json<{ rows: Record<string, unknown>[] }>(`/api/evaluations?runs=${d.gan}&metric=fid&condition=conditions`);
    assert.equal(perCondition.rows.length, 10);
    await refused('/api/evaluations?epoch=two', 400, 'E_BAD_REQUEST', /epoch/);
  });

  it('charts a metric per condition and across checkpoints, refusing to mix feature classifiers', async () => {
    const bars = await svgOf(`/api/evaluations/conditions.svg?run=${d.gan}&metric=fid`);
    assert.match(bars, /label=3/);
    await svgOf(`/api/evaluations/epochs.svg?runs=${d.gan},${d.child}&metric=fid`);
    await refused(`/api/evaluations/conditions.svg?run=${d.gan}`, 400, 'E_BAD_REQUEST', /name the metric/);
    await refused('/api/evaluations/conditions.svg?metric=fid', 400, 'E_BAD_REQUEST', /name the run/);
    await refused('/api/evaluations/conditions.svg?run=nope&metric=fid', 404, 'E_ML_RUN');
    await refused('/api/evaluations/epochs.svg?metric=fid', 400, 'E_BAD_REQUEST', /name the runs/);
    // A value from another classifier's features: the chart must choose.
    const registry = new RunRegistry(d.store);
    await registry.transaction((tx) => tx.insert('ml_evaluations', [{ run_id: d.gan, metric: 'fid', value: 99, feature_run_id: 'classifier-other', condition: 'label=3', epoch: 2, created_at: new Date().toISOString() }]));
    await refused(`/api/evaluations/conditions.svg?run=${d.gan}&metric=fid`, 400, 'E_MIXED_FEATURES', /2 feature classifiers/);
    assert.doesNotMatch(await svgOf(`/api/evaluations/conditions.svg?run=${d.gan}&metric=fid&feature_run_id=${d.classifier}`), /classifier-other/);
    await d.store.managedTables().transaction((tx) => tx.remove('ml_evaluations', { feature_run_id: 'classifier-other' }));
  });
});

describe('explanation routes', () => {
  it('lists the explanations and shows one: values by magnitude summing to prediction − base, its heat map and bars', async () => {
    const { explanations } = await json<{ explanations: { explanation_id: string; run_id: string; FILE_heatmap: string | null; features: number }[] }>('/api/explanations');
    assert.equal(explanations.length, 2);
    const own = await json<{ explanations: unknown[] }>(`/api/explanations?run=${d.classifier}`);
    assert.equal(own.explanations.length, 1);
    const image = explanations.find((e) => e.run_id === d.classifier)!;
    assert.ok(image.FILE_heatmap !== null && image.features > 1);
    const x = await json<{ explanation: { base_value: number; prediction: number; max_abs: number }; values: { feature: string; value: number }[]; sum: number }>(`/api/explanations/${image.explanation_id}`);
    assert.equal(x.values.length, image.features);
    const magnitudes = x.values.map((v) => Math.abs(v.value));
    assert.deepEqual(magnitudes, [...magnitudes].sort((a, b) => b - a));
    assert.ok(Math.abs(x.sum - (x.explanation.prediction - x.explanation.base_value)) < 1e-4, `Σ ${x.sum} vs prediction − base ${x.explanation.prediction - x.explanation.base_value}`);
    assert.equal(x.explanation.max_abs, magnitudes[0]);
    const heat = await get(`/files?path=${encodeURIComponent(image.FILE_heatmap!)}`);
    assert.equal(heat.status, 200);
    assert.equal(heat.headers.get('content-type'), 'image/png');
    assert.match(await svgOf(`/api/explanations/${image.explanation_id}/values.svg`), /SHAP values: [-\d.e]+ \(base\) \+ Σ = [-\d.e]+ \(prediction\)/);
    await refused('/api/explanations/shap-nope', 404, 'E_NO_EXPLANATION');
    await refused('/api/explanations/shap-nope/values.svg', 404, 'E_NO_EXPLANATION');
    await refused('/api/explanations?run=nope', 404, 'E_ML_RUN');
  });
});

describe('lineage routes', () => {
  it("draws a run's lineage: data, the run, its child, predictions, evaluations, reviews, joined by edges", async () => {
    const { lineage, graph } = await json<{ lineage: { run_id: string }; graph: { nodes: { id: string; type: string; current?: boolean; col: number; row: number }[]; edges: { from: string; to: string; label?: string }[] } }>(`/api/lineage/${d.gan}`);
    assert.equal(lineage.run_id, d.gan);
    const ids = graph.nodes.map((n) => n.id);
    for (const id of ['data', `run:${d.gan}`, `run:${d.child}`, `predictions:${d.gan}`, `evaluations:${d.gan}`, `reviews:${d.gan}`]) assert.ok(ids.includes(id), id);
    assert.equal(new Set(ids).size, ids.length, 'node ids are unique');
    assert.equal(new Set(graph.nodes.map((n) => `${n.col},${n.row}`)).size, ids.length, 'no two nodes share a place');
    assert.ok(graph.edges.every((e) => ids.includes(e.from) && ids.includes(e.to)));
    assert.ok(graph.edges.some((e) => e.from === `run:${d.gan}` && e.to === `run:${d.child}`));
    assert.ok(graph.edges.some((e) => e.from === `predictions:${d.gan}` && e.to === `run:${d.child}` && e.label === '2 accepted'));
    assert.ok(graph.nodes.find((n) => n.id === `run:${d.gan}`)!.current);
    const child = await json<{ graph: { nodes: { id: string; current?: boolean }[] } }>(`/api/lineage/${d.child}`);
    assert.ok(child.graph.nodes.find((n) => n.id === `run:${d.child}`)!.current);
    await refused('/api/lineage/nope', 404, 'E_ML_RUN');
  });
});
