/**
 * The expert review page. `#/review` lists the runs that have predictions; `#/review/RUN` shows
 * the reviewer's queue one generated image at a time, large, with its parameters, seed, score and
 * nearest-neighbour distance, and records accept / reject / a rating / a comment in ml_reviews as
 * `dsi ml review` does (source `dashboard`). Keys: a accept, r reject, 1–5 rate, c comment,
 * Enter (in the comment) save it, s or → skip, ← back. Below: accept by rule, and a child run
 * trained on the accepted images, started as a job whose output streams in.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import type { ReviewTally } from '../../../src/server/api-types.js';
import { ApiFailure, apiUrl, fileUrl, getJson, listen, postJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatTime, formatValue } from '../components/format.js';
import { href, type Route, type Unmount } from '../router.js';
import './review.css';

interface ReviewRun {
  run_id: string;
  kind: string;
  model: string;
  status: string;
  created_at: string;
  parent_run_id: string | null;
  predictions: number;
  accepted: number;
  rejected: number;
  reviews: number;
}

interface Queued {
  prediction_id: string;
  FILE: string;
  params: Record<string, unknown>;
  seed: number | null;
  score: number | null;
  nn_distance: number | null;
  accepted: number | null;
}

type Tally = ReviewTally;

interface Job {
  job_id: string;
  state: string;
  exit_code: number | null;
  run_id: string | null;
  output: string[];
  details: Record<string, unknown>;
}

interface AcceptAnswer {
  by: string;
  matched: number;
  predictions: number;
  accepted: number;
  rejected: number;
  kept_rejected: number;
  accepted_total: number;
}

const REVIEWER_KEY = 'dsi.dashboard.reviewer';

function storedReviewer(): string {
  try {
    return localStorage.getItem(REVIEWER_KEY) ?? '';
  } catch {
    return '';
  }
}

function rememberReviewer(name: string): void {
  try {
    localStorage.setItem(REVIEWER_KEY, name);
  } catch {
    // Storage may be off; the name then lasts as long as the page.
  }
}

export async function mount(host: HTMLElement, route: Route): Promise<void | Unmount> {
  // The page renders into an element of its own, whatever the host held before.
  const root = host.appendChild(document.createElement('div'));
  const run = route.params['run'];
  if (run === undefined) return mountPicker(root);
  return mountReview(root, run);
}

async function mountPicker(host: HTMLElement): Promise<void> {
  let runs: ReviewRun[];
  try {
    ({ runs } = await getJson<{ runs: ReviewRun[] }>('/review/runs'));
  } catch (e) {
    render(html`<h1>Review</h1>${failureView(e)}`, host);
    return;
  }
  render(
    html`<h1>Review</h1>
      <p class="muted">Judge the images a run generated: accept, reject, rate, comment. Pick a run.</p>
      ${runs.length === 0
        ? html`<div class="card">No run has predictions yet. Generate some with <code>dsi ml predict --run RUN</code>.</div>`
        : html`<div class="table-wrap"><table class="rows review-runs">
            <thead><tr><th>run</th><th>model</th><th>status</th><th>parent</th><th>predictions</th><th>accepted</th><th>rejected</th><th>reviews</th><th>created</th></tr></thead>
            <tbody>${runs.map(
              (r) => html`<tr>
                <td><a href=${href(`review/${encodeURIComponent(r.run_id)}`)}>${r.run_id}</a></td>
                <td>${r.model}</td><td><span class="status ${r.status}">${r.status}</span></td>
                <td>${r.parent_run_id ?? '–'}</td><td>${r.predictions}</td><td>${r.accepted}</td><td>${r.rejected}</td><td>${r.reviews}</td>
                <td>${formatTime(r.created_at)}</td></tr>`,
            )}</tbody></table></div>`}`,
    host,
  );
}

interface PageState {
  reviewer: string;
  all: boolean;
  queue: Queued[];
  index: number;
  tally: Tally | undefined;
  /** What this page recorded per prediction, to show when coming back to it. */
  recorded: Map<string, string[]>;
  flash: { text: string; bad?: boolean } | undefined;
  failure: unknown;
  loading: boolean;
  accept: { mode: 'reviewed' | 'rule'; rule: string; best: string; per: string; diverse: boolean; result: AcceptAnswer | undefined; failure: unknown; busy: boolean };
  job: { epochs: string; current: Job | undefined; lines: string[]; failure: unknown; busy: boolean };
}

function mountReview(host: HTMLElement, run: string): Unmount {
  const s: PageState = {
    reviewer: storedReviewer(),
    all: false,
    queue: [],
    index: 0,
    tally: undefined,
    recorded: new Map(),
    flash: undefined,
    failure: undefined,
    loading: true,
    accept: { mode: 'reviewed', rule: 'score >= 0.9', best: '', per: '', diverse: false, result: undefined, failure: undefined, busy: false },
    job: { epochs: '5', current: undefined, lines: [], failure: undefined, busy: false },
  };
  let stopJob: (() => void) | undefined;
  let flashTimer: number | undefined;
  const runPath = `/review/${encodeURIComponent(run)}`;

  const current = (): Queued | undefined => s.queue[s.index];
  const commentBox = (): HTMLTextAreaElement | null => host.querySelector<HTMLTextAreaElement>('#review-comment');

  const flash = (text: string, bad = false): void => {
    s.flash = { text, bad };
    window.clearTimeout(flashTimer);
    flashTimer = window.setTimeout(() => {
      s.flash = undefined;
      draw();
    }, 2500);
  };

  async function load(): Promise<void> {
    s.loading = true;
    draw();
    try {
      const answer = await getJson<{ reviewer: string; queue: Queued[]; tally: Tally }>(`${runPath}/queue`, { reviewer: s.reviewer, all: s.all ? 1 : undefined, limit: 1000 });
      s.reviewer = answer.reviewer;
      s.queue = answer.queue;
      s.tally = answer.tally;
      s.index = 0;
      s.failure = undefined;
    } catch (e) {
      s.failure = e;
    }
    s.loading = false;
    draw();
  }

  async function save(body: { verdict?: 'accept' | 'reject'; rating?: number; comment?: string }, advance: boolean): Promise<void> {
    const p = current();
    if (p === undefined) return;
    try {
      const answer = await postJson<{ tally: Tally }>(`${runPath}/reviews`, { prediction_id: p.prediction_id, reviewer: s.reviewer, ...body });
      s.tally = answer.tally;
      const said = [body.verdict, body.rating === undefined ? undefined : `rated ${body.rating}`, body.comment === undefined ? undefined : 'comment'].filter((x): x is string => x !== undefined);
      s.recorded.set(p.prediction_id, [...(s.recorded.get(p.prediction_id) ?? []), ...said]);
      flash(`saved: ${said.join(', ')}`);
      if (body.comment !== undefined) {
        const box = commentBox();
        if (box) box.value = '';
      }
      if (advance) move(1);
      else draw();
    } catch (e) {
      flash(e instanceof ApiFailure ? e.message : String(e), true);
      draw();
    }
  }

  /** A verdict, with the comment typed and not yet saved. */
  const verdict = (v: 'accept' | 'reject'): void => {
    const text = commentBox()?.value.trim() ?? '';
    void save({ verdict: v, ...(text === '' ? {} : { comment: text }) }, true);
  };
  const rate = (n: number): void => void save({ rating: n }, false);
  const saveComment = (): void => {
    const text = commentBox()?.value.trim() ?? '';
    if (text === '') {
      flash('type a comment first', true);
      draw();
      return;
    }
    void save({ comment: text }, false);
  };
  function move(step: number): void {
    const next = Math.min(Math.max(s.index + step, 0), s.queue.length);
    if (next !== s.index) {
      s.index = next;
      const box = commentBox();
      if (box) box.value = '';
    }
    draw();
  }

  function onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target?.id === 'review-comment') {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        saveComment();
      } else if (e.key === 'Escape') target.blur();
      return;
    }
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
    if (current() === undefined && !['ArrowLeft'].includes(e.key)) return;
    const key = e.key;
    if (key === 'a') verdict('accept');
    else if (key === 'r') verdict('reject');
    else if (/^[1-5]$/.test(key)) rate(Number(key));
    else if (key === 'c') {
      e.preventDefault();
      commentBox()?.focus();
    } else if (key === 's' || key === 'ArrowRight') move(1);
    else if (key === 'ArrowLeft') move(-1);
    else return;
    e.preventDefault();
  }

  async function acceptByRule(): Promise<void> {
    const a = s.accept;
    a.busy = true;
    a.failure = undefined;
    draw();
    try {
      const body: Record<string, unknown> =
        a.mode === 'reviewed'
          ? { reviewed: true }
          : { rule: a.rule, ...(a.best.trim() === '' ? {} : { best: Number(a.best) }), ...(a.per.trim() === '' ? {} : { per: a.per.trim() }), ...(a.diverse ? { diverse: true } : {}) };
      a.result = await postJson<AcceptAnswer>(`${runPath}/accept`, body);
      await refreshTally();
      await refreshAcceptance();
    } catch (e) {
      a.failure = e;
    }
    a.busy = false;
    draw();
  }

  async function refreshTally(): Promise<void> {
    s.tally = (await getJson<{ tally: Tally }>(`${runPath}/tally`, { reviewer: s.reviewer })).tally;
  }

  /** The queue's `accepted` states as they now stand, keeping the queue and the place in it. */
  async function refreshAcceptance(): Promise<void> {
    const { queue } = await getJson<{ queue: Queued[] }>(`${runPath}/queue`, { reviewer: s.reviewer, all: 1, limit: 1000 });
    const now = new Map(queue.map((p) => [p.prediction_id, p.accepted]));
    s.queue = s.queue.map((p) => ({ ...p, accepted: now.has(p.prediction_id) ? now.get(p.prediction_id)! : p.accepted }));
  }

  async function startChild(): Promise<void> {
    const j = s.job;
    j.busy = true;
    j.failure = undefined;
    draw();
    try {
      follow(await postJson<Job>('/jobs', { kind: 'child-run', from: run, epochs: Number(j.epochs) }));
    } catch (e) {
      j.failure = e;
    }
    j.busy = false;
    draw();
  }

  /** Shows `job` and listens to its events until it ends. */
  function follow(job: Job): void {
    const j = s.job;
    j.current = job;
    j.lines = job.output.slice(-12);
    stopJob?.();
    stopJob = listen(
      `/jobs/${encodeURIComponent(job.job_id)}/events`,
      (event, data) => {
        if (event === 'line') j.lines = [...j.lines, (data as { line: string }).line].slice(-12);
        else if (event === 'run' && j.current) j.current = { ...j.current, run_id: (data as { run_id: string }).run_id };
        else if (event === 'state' || event === 'end') {
          const next = data as Job;
          j.current = { ...next, run_id: next.run_id ?? j.current?.run_id ?? null };
          j.lines = next.output.slice(-12);
          if (event === 'end') {
            stopJob?.();
            stopJob = undefined;
          }
        }
        draw();
      },
      ['state', 'line', 'run', 'end'],
    );
  }

  /** The newest child-run job of this run started from this dashboard, if any, followed again. */
  async function resumeJob(): Promise<void> {
    const { jobs } = await getJson<{ jobs: Job[] }>('/jobs', { from: run });
    const newest = jobs[0];
    if (newest === undefined || s.job.current !== undefined) return;
    if (newest.state === 'running') follow(newest);
    else s.job.current = newest;
    s.job.lines = newest.output.slice(-12);
    draw();
  }

  function factsOf(p: Queued): TemplateResult {
    const facts: [string, unknown][] = [
      ...Object.entries(p.params),
      ['seed', p.seed],
      ['score', p.score],
      ['nn_distance', p.nn_distance],
      ['accepted', p.accepted === null ? 'undecided' : p.accepted === 1 ? 'accepted' : 'rejected'],
    ];
    return html`<table class="rows review-facts"><tbody>${facts.map(([k, v]) => html`<tr><th>${k}</th><td>${formatValue(v)}</td></tr>`)}</tbody></table>`;
  }

  function itemView(): TemplateResult {
    if (s.loading) return html`<p class="muted">Loading the queue…</p>`;
    if (s.failure !== undefined) return failureView(s.failure);
    const p = current();
    if (p === undefined) {
      return html`<div class="card review-done">
        <strong>${s.queue.length === 0 ? `Nothing to review: ${s.reviewer} has judged every prediction of this run.` : `End of the queue (${s.queue.length} shown).`}</strong>
        <span class="muted">Tick “show judged too” to look again${s.queue.length > 0 ? html`, or press ← to go back` : nothing}.</span></div>`;
    }
    const done = s.recorded.get(p.prediction_id);
    return html`<div class="review-item card">
      <div class="review-image-wrap">
        <img class="review-image" src=${fileUrl(p.FILE)} alt=${`prediction ${p.prediction_id}`}
          @load=${(e: Event) => {
            const img = e.target as HTMLImageElement;
            const scale = Math.max(1, Math.floor(300 / Math.max(img.naturalWidth, img.naturalHeight, 1)));
            img.style.width = `${img.naturalWidth * scale}px`;
          }} />
        <div class="muted review-file">${p.FILE}</div>
      </div>
      <div class="review-side">
        <div class="review-position"><strong>${s.index + 1}</strong> / ${s.queue.length} · <code>${p.prediction_id}</code>
          ${done ? html`<span class="status review-recorded">recorded: ${done.join(', ')}</span>` : nothing}</div>
        ${factsOf(p)}
        <div class="toolbar review-actions">
          <button class="accept" title="accept (a)" @click=${() => verdict('accept')}>Accept <kbd>a</kbd></button>
          <button class="reject" title="reject (r)" @click=${() => verdict('reject')}>Reject <kbd>r</kbd></button>
          <span class="review-rating">rate ${[1, 2, 3, 4, 5].map((n) => html`<button title=${`rating ${n}`} @click=${() => rate(n)}>${n}</button>`)}</span>
        </div>
        <label class="review-comment-label" for="review-comment">Comment <span class="muted">(c to focus, Enter saves, Esc leaves)</span></label>
        <textarea id="review-comment" rows="2" maxlength="4000" placeholder="what is right or wrong with this image"></textarea>
        <div class="toolbar">
          <button @click=${saveComment}>Save comment <kbd>Enter</kbd></button>
          <button title="back (←)" @click=${() => move(-1)} ?disabled=${s.index === 0}>← Back</button>
          <button title="skip (s or →)" @click=${() => move(1)}>Skip <kbd>s</kbd> →</button>
        </div>
        ${s.flash ? html`<div class="review-flash ${s.flash.bad ? 'bad' : ''}" role="status">${s.flash.text}</div>` : nothing}
      </div>
    </div>`;
  }

  function tallyView(): TemplateResult {
    const t = s.tally;
    if (t === undefined) return html``;
    const r = t.by_reviewer;
    return html`<div class="card review-tally">
      <span><strong>${r.reviewer}</strong>: ${r.judged} judged (${r.accept} accept, ${r.reject} reject, ${r.rated} rated)</span>
      <span>Run: ${t.predictions} predictions, <strong>${t.accepted}</strong> accepted, ${t.rejected} rejected, ${t.undecided} undecided; ${t.reviews} reviews by everyone</span>
    </div>`;
  }

  function acceptView(): TemplateResult {
    const a = s.accept;
    const result = a.result;
    return html`<div class="card">
      <h2>Accept by rule</h2>
      <p class="muted">Mark predictions accepted for retraining: what the reviewers accepted (and none rejected), or a condition over ml_predictions columns. An expert’s rejection always stands.</p>
      <div class="toolbar">
        <label><input type="radio" name="accept-mode" .checked=${a.mode === 'reviewed'} @change=${() => { a.mode = 'reviewed'; draw(); }} /> reviewers’ verdicts</label>
        <label><input type="radio" name="accept-mode" .checked=${a.mode === 'rule'} @change=${() => { a.mode = 'rule'; draw(); }} /> rule</label>
      </div>
      ${a.mode === 'rule'
        ? html`<div class="toolbar">
            <label>condition <input class="review-rule" .value=${a.rule} @input=${(e: Event) => (a.rule = (e.target as HTMLInputElement).value)} placeholder="score >= 0.9" /></label>
            <label>best <input type="number" min="1" class="review-small" .value=${a.best} @input=${(e: Event) => (a.best = (e.target as HTMLInputElement).value)} placeholder="all" /></label>
            <label>per <input class="review-small" .value=${a.per} @input=${(e: Event) => (a.per = (e.target as HTMLInputElement).value)} placeholder="label" /></label>
            <label><input type="checkbox" .checked=${a.diverse} @change=${(e: Event) => (a.diverse = (e.target as HTMLInputElement).checked)} /> diverse (no near-duplicates)</label>
          </div>`
        : nothing}
      <div class="toolbar"><button class="primary" ?disabled=${a.busy} @click=${() => void acceptByRule()}>Accept</button></div>
      ${a.failure !== undefined ? failureView(a.failure) : nothing}
      ${result
        ? html`<p class="review-result">${result.by}: ${result.matched} of ${result.predictions} matched, ${result.accepted} newly accepted${result.rejected > 0 ? `, ${result.rejected} newly rejected` : ''}${result.kept_rejected > 0 ? `, ${result.kept_rejected} stay rejected` : ''}; <strong>${result.accepted_total}</strong> accepted in all.</p>`
        : nothing}
    </div>`;
  }

  function jobView(): TemplateResult {
    const j = s.job;
    const job = j.current;
    return html`<div class="card">
      <h2>Child run</h2>
      <p class="muted">Train a child of ${run} from its newest checkpoint on its data plus its accepted predictions (<code>dsi ml train --from ${run} --include-accepted</code>), in a process of its own.</p>
      <div class="toolbar">
        <label>epochs <input type="number" min="1" max="1000" class="review-small" .value=${j.epochs} @input=${(e: Event) => (j.epochs = (e.target as HTMLInputElement).value)} /></label>
        <button class="primary" ?disabled=${j.busy || job?.state === 'running'} @click=${() => void startChild()}>Start child run</button>
        ${job ? html`<span>job <code>${job.job_id}</code> <span class="status ${job.state}">${job.state}</span>${job.exit_code !== null && job.exit_code !== 0 ? ` (exit ${job.exit_code})` : ''}</span>` : nothing}
        ${job?.run_id ? html`<a class="review-run-link" href=${href(`runs/${encodeURIComponent(job.run_id)}`)}>follow run ${job.run_id} →</a>` : nothing}
      </div>
      ${j.failure !== undefined ? failureView(j.failure) : nothing}
      ${job ? html`<pre class="review-job-output">${j.lines.length === 0 ? 'starting…' : j.lines.join('\n')}</pre>` : nothing}
    </div>`;
  }

  function draw(): void {
    render(
      html`<div class="review-page">
        <h1>Review <code>${run}</code></h1>
        <div class="toolbar">
          <label>reviewer <input id="reviewer" .value=${s.reviewer} maxlength="100"
            @change=${(e: Event) => {
              const name = (e.target as HTMLInputElement).value.trim();
              s.reviewer = name;
              rememberReviewer(name);
              void load();
            }} /></label>
          <label><input type="checkbox" .checked=${s.all} @change=${(e: Event) => { s.all = (e.target as HTMLInputElement).checked; void load(); }} /> show judged too</label>
          <a href=${href(`runs/${encodeURIComponent(run)}`)}>run</a>
          <a href=${href(`lineage/${encodeURIComponent(run)}`)}>lineage</a>
          <a href=${apiUrl(`/runs/${encodeURIComponent(run)}/report`)} download>report</a>
          <a href=${href('review')}>other runs</a>
          <span class="muted review-keys">keys: <kbd>a</kbd> accept · <kbd>r</kbd> reject · <kbd>1</kbd>–<kbd>5</kbd> rate · <kbd>c</kbd> comment · <kbd>s</kbd>/<kbd>→</kbd> skip · <kbd>←</kbd> back</span>
        </div>
        ${tallyView()}
        ${itemView()}
        <div class="grid-2">${acceptView()}${jobView()}</div>
      </div>`,
      host,
    );
    const output = host.querySelector('.review-job-output');
    if (output) output.scrollTop = output.scrollHeight;
  }

  document.addEventListener('keydown', onKey);
  void load();
  void resumeJob().catch(() => undefined);
  return () => {
    document.removeEventListener('keydown', onKey);
    window.clearTimeout(flashTimer);
    stopJob?.();
  };
}
