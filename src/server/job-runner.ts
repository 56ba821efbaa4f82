/**
 * Long jobs started from the dashboard (a child training run) run as `dsi` processes of their own,
 * never on the server's request thread: a request starts one and answers at once; the job's
 * output lines and state changes are kept (the last {@link KEPT_LINES} lines) and pushed to
 * listeners, so a page can follow it as server-sent events.
 *
 * Guarantees: a job's state moves once from `running` to `stopped` (interrupted by
 * {@link closeJobs} or ended by a signal), `finished` (exit 0) or `failed` (another exit status); listeners hear every line after they subscribe
 * and `end` exactly once; {@link closeJobs} interrupts every running job (SIGINT, which lets a
 * training write its checkpoint and mark its run stopped, then SIGKILL after a grace period) and
 * resolves when all have exited. Jobs live in this process's memory only.
 *
 * The store's location (`--db`, which for PostgreSQL may hold a password) never goes on the job's
 * command line, which `ps` shows to every account: it is handed over in the environment
 * (`DSI_DB`, read by the CLI as the default of `--db`), which only the job's own account and root
 * can read. A job run for another account of a group (`account`) runs as that account
 * (as-account.ts), with a short list of environment variables rather than the server's, and a
 * store URL without its password: the account signs in to the database as it would from its
 * own shell (`~/.pgpass`, peer authentication), never with the dashboard's credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DashboardAccount } from './users-file.js';

/** The `dsi` entry point, from the compiled module in dist/src/server/. */
export const DSI_BIN = fileURLToPath(new URL('../../../bin/dsi.js', import.meta.url));

/** Runs `dsi` as another account (compiled beside this file). */
const AS_ACCOUNT = fileURLToPath(new URL('./as-account.js', import.meta.url));

/** The environment variable `dsi` takes the store's location from when `--db` is not given. */
export const DB_VARIABLE = 'DSI_DB';

/** Variables of the server's environment a job for another account keeps (locale, paths, thread counts). */
const KEPT_FOR_OTHERS = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|OMP_[A-Z_]+|MKL_[A-Z_]+)$/;

/** `location` without the password of a URL (`postgres://u:secret@h/db` → `postgres://u@h/db`); other locations as they are. */
export function withoutPassword(location: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  try {
    const url = new URL(location);
    if (url.password === '') return location;
    url.password = '';
    return url.toString();
  } catch {
    return location;
  }
}

/** `args` with `--db VALUE` (or `--db=VALUE`) taken out, and that value. */
export function takeStoreLocation(args: readonly string[]): { readonly args: readonly string[]; readonly db: string | undefined } {
  const rest: string[] = [];
  let db: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--db' && i + 1 < args.length) db = args[++i];
    else if (a.startsWith('--db=')) db = a.slice('--db='.length);
    else rest.push(a);
  }
  return { args: rest, db };
}

/** Who a job runs as: the server's account, or another account of a group. */
export interface JobAccount {
  readonly account: DashboardAccount;
  /** Whether it is another account than the server's (the job then switches to it). */
  readonly isOtherAccount: boolean;
}

/** How many output lines a job keeps. */
export const KEPT_LINES = 200;

/** How long {@link closeJobs} waits after SIGINT before SIGKILL. */
export const KILL_GRACE_MS = 5_000;

export type JobState = 'running' | 'finished' | 'failed' | 'stopped';

/** What a job's listener hears. */
export type JobEvent = { type: 'line'; line: string } | { type: 'state'; job: JobView } | { type: 'end'; job: JobView };

/** A job as the API shows it. */
export interface JobView {
  readonly job_id: string;
  readonly kind: string;
  readonly state: JobState;
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly started_at: string;
  readonly finished_at: string | null;
  /** What the job is about (for a child run: `from`, `epochs`, and `run_id` once the run exists). */
  readonly details: Readonly<Record<string, unknown>>;
  /** The last lines of its output (stdout and stderr together). */
  readonly output: readonly string[];
}

/** One running or ended `dsi` job. */
export class Job {
  readonly id = `job-${crypto.randomBytes(6).toString('hex')}`;
  readonly startedAt = new Date().toISOString();
  #state: JobState = 'running';
  #exitCode: number | null = null;
  #signal: string | null = null;
  #finishedAt: string | null = null;
  #stopRequested = false;
  readonly #lines: string[] = [];
  readonly #listeners = new Set<(e: JobEvent) => void>();
  readonly #details: Record<string, unknown>;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  /** The account the job runs as (its login name); undefined: the server's. */
  readonly account: string | undefined;

  constructor(
    readonly kind: string,
    args: readonly string[],
    details: Readonly<Record<string, unknown>>,
    runAs?: JobAccount,
  ) {
    this.#details = { ...details };
    this.account = runAs?.account.account;
    const { args: rest, db } = takeStoreLocation(args);
    if (runAs?.isOtherAccount) {
      const { account, uid, gid, home } = runAs.account;
      const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => KEPT_FOR_OTHERS.test(k)));
      Object.assign(env, { HOME: home, USER: account, LOGNAME: account, NO_COLOR: '1' }, db === undefined ? {} : { [DB_VARIABLE]: withoutPassword(db) });
      this.#child = spawn(process.execPath, [AS_ACCOUNT, account, String(uid), String(gid), '--', ...rest], { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: '/' });
    } else {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
      if (db !== undefined) env[DB_VARIABLE] = db;
      this.#child = spawn(process.execPath, [DSI_BIN, ...rest], { stdio: ['ignore', 'pipe', 'pipe'], env });
    }
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (pending + chunk).split(/\r\n|\r|\n/);
        pending = parts.pop() ?? '';
        for (const line of parts) this.#line(line);
      });
      stream?.on('end', () => {
        if (pending !== '') this.#line(pending);
        pending = '';
      });
    }
    this.#exited = new Promise((resolve) => {
      this.#child.on('error', (e) => {
        this.#line(`could not start dsi: ${e.message}`);
        this.#end(null, null);
        resolve();
      });
      this.#child.on('close', (code, signal) => {
        this.#end(code, signal);
        resolve();
      });
    });
  }

  get state(): JobState {
    return this.#state;
  }

  /** Adds what became known about the job (the new run's id). */
  note(key: string, value: unknown): void {
    if (this.#details[key] === value) return;
    this.#details[key] = value;
    this.#emit({ type: 'state', job: this.view() });
  }

  view(): JobView {
    return {
      job_id: this.id,
      kind: this.kind,
      state: this.#state,
      exit_code: this.#exitCode,
      signal: this.#signal,
      started_at: this.startedAt,
      finished_at: this.#finishedAt,
      details: { ...this.#details },
      output: [...this.#lines],
    };
  }

  /** Calls `listener` on each later event; returns the function that stops listening. */
  subscribe(listener: (e: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The command line the job was started with (never the store's location). */
  get commandLine(): readonly string[] {
    return [...this.#child.spawnargs];
  }

  /** The job's process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    return this.#exited;
  }

  /** Interrupts the job (SIGINT), then kills it if it has not exited after `graceMs`. */
  async stop(graceMs = KILL_GRACE_MS): Promise<void> {
    if (this.#state !== 'running') return;
    this.#stopRequested = true;
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #line(line: string): void {
    const text = line.trimEnd();
    if (text === '') return;
    this.#lines.push(text);
    if (this.#lines.length > KEPT_LINES) this.#lines.splice(0, this.#lines.length - KEPT_LINES);
    this.#emit({ type: 'line', line: text });
  }

  #end(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#state !== 'running') return;
    this.#exitCode = code;
    this.#signal = signal;
    this.#state = this.#stopRequested || code === null || code === 130 ? 'stopped' : code === 0 ? 'finished' : 'failed';
    this.#finishedAt = new Date().toISOString();
    const view = this.view();
    this.#emit({ type: 'end', job: view });
    this.#listeners.clear();
  }

  #emit(e: JobEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }
}

const jobs = new Map<string, Job>();

/**
 * Starts `dsi ARGS…` as a job of `kind` (the arguments after `dsi`, store arguments included;
 * `--db` goes to the job's environment), as `runAs` when given (default: the server's account).
 *
 * @example
 * const job = startJob('child-run', [...ctx.storeArguments, 'ml', 'train', '--from', run, '--include-accepted', '--epochs', '3'], { from: run, epochs: 3 });
 */
export function startJob(kind: string, args: readonly string[], details: Readonly<Record<string, unknown>> = {}, runAs?: JobAccount): Job {
  const job = new Job(kind, args, details, runAs);
  jobs.set(job.id, job);
  return job;
}

/** The job `id`, or undefined. */
export function getJob(id: string): Job | undefined {
  return jobs.get(id);
}

/** Every job of this process, oldest first. */
export function listJobs(): Job[] {
  return [...jobs.values()];
}

/** Stops every running job (see {@link Job.stop}); resolves when all have exited. Harmless twice. */
export async function closeJobs(graceMs = KILL_GRACE_MS): Promise<void> {
  await Promise.all([...jobs.values()].map((j) => j.stop(graceMs)));
}
