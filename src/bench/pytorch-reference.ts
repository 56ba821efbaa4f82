/**
 * PyTorch's own training step in a Python child process, driven line by line so that its timed
 * runs interleave with ours (bench/reference/dcgan_step.py). The child uses the Python of the
 * project's environment, whose wheel is the libtorch the addon links to when setup installed it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const REFERENCE_SCRIPT = path.join(projectRoot, 'bench/reference/dcgan_step.py');

/** DSI_PYTHON, else the project's .venv (setup's PyTorch), else python3 on PATH. */
export function referencePython(): string {
  const fromEnv = process.env['DSI_PYTHON'];
  if (fromEnv) return fromEnv;
  const venv = path.join(projectRoot, '.venv/bin/python');
  return existsSync(venv) ? venv : 'python3';
}

export interface ReferenceOptions {
  batch: number;
  precision: 'fp32' | 'bf16' | 'fp16';
  device: string;
  threads: number;
  seed: number;
  warmup: number;
}

export interface ReferenceRun {
  seconds: number[];
  d_loss: number;
  g_loss: number;
}

export class PytorchReference {
  readonly python: string;
  readonly torchVersion: string;
  readonly threads: number;
  /** The losses of its first step: equal to ours when the two start from the same weights. */
  readonly firstLosses: [number, number];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  readonly #stderr: string[];

  private constructor(python: string, child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>, stderr: string[], ready: Record<string, unknown>) {
    this.python = python;
    this.#child = child;
    this.#lines = lines;
    this.#stderr = stderr;
    this.torchVersion = String(ready['torch']);
    this.threads = Number(ready['threads']);
    this.firstLosses = ready['first_losses'] as [number, number];
  }

  /** Starts the child and waits until it has built the model and run its warm-up steps. */
  static async start(o: ReferenceOptions): Promise<PytorchReference> {
    const python = referencePython();
    const args = [REFERENCE_SCRIPT, '--batch', String(o.batch), '--precision', o.precision, '--device', o.device,
      '--threads', String(o.threads), '--seed', String(o.seed), '--warmup', String(o.warmup)];
    const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`cannot run the PyTorch reference with ${python}: ${e.message} (set DSI_PYTHON to a Python with torch, or pass --no-reference)`)));
    });
    await spawned;
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const ref = await PytorchReference.#read(python, child, lines, stderr);
    return new PytorchReference(python, child, lines, stderr, ref);
  }

  static async #read(python: string, child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>, stderr: string[]): Promise<Record<string, unknown>> {
    const next = await lines.next();
    if (next.done) {
      await new Promise((resolve) => (child.exitCode === null ? child.once('close', resolve) : resolve(undefined)));
      const tail = stderr.join('').trim().split('\n').slice(-3).join(' | ');
      throw new Error(`the PyTorch reference (${python} ${path.relative(process.cwd(), REFERENCE_SCRIPT)}) stopped: ${tail || `exit ${child.exitCode}`} (set DSI_PYTHON to a Python with torch, or pass --no-reference)`);
    }
    return JSON.parse(next.value) as Record<string, unknown>;
  }

  /** Times `steps` steps in the child. */
  async run(steps: number): Promise<ReferenceRun> {
    this.#child.stdin.write(`run ${steps}\n`);
    return (await PytorchReference.#read(this.python, this.#child, this.#lines, this.#stderr)) as unknown as ReferenceRun;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const closed = new Promise((resolve) => this.#child.once('close', resolve));
    this.#child.stdin.end('quit\n');
    await closed;
  }
}
