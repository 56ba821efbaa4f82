/**
 * `dsi ml train … --nproc N`: starts N worker processes of the same command on this machine, as
 * torchrun does (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT a free port),
 * each with `--threads` divided among them unless given, and waits for them. Rank 0's output is
 * the command's; a worker that exits non-zero fails the command naming its rank, and the others
 * are given a moment to record the failure (rank 0 marks the run failed), then killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { MlError } from '../../../errors.js';
import { freePort } from '../../../free-port.js';

/** How long the other workers may take to notice a dead one and record it before they are killed. */
const GRACE_MS = 10_000;

/** The command line without `--nproc N` (and `--nproc=N`). */
function withoutNproc(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--nproc') i++;
    else if (!args[i]!.startsWith('--nproc=')) out.push(args[i]!);
  }
  return out;
}

/**
 * Set in the workers' environment: a worker then takes a second SIGINT within a second of the
 * first as the same Ctrl-C (a terminal sends it to the whole job and the launcher forwards it).
 */
export const LAUNCHED_ENV = 'DSI_LAUNCHED_WORKER';

/** The exit status of a training stopped by Ctrl-C (128 + SIGINT, as a shell reports it). */
export const STOPPED_EXIT = 130;

/** Runs `nproc` workers of this command; resolves when all exited 0, rejects naming the first that did not. */
export async function launchWorkers(nproc: number, threads: number | undefined): Promise<void> {
  const port = await freePort();
  const args = withoutNproc(process.argv.slice(1));
  const cores = os.availableParallelism();
  if (threads === undefined) args.push('--threads', String(Math.max(1, Math.floor(cores / nproc))));
  const children: ChildProcess[] = [];
  let failed: { rank: number; code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopped = false;
  const exits = Array.from({ length: nproc }, (_, rank) => {
    const child = spawn(process.execPath, args, {
      stdio: rank === 0 ? 'inherit' : ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(nproc), LOCAL_WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), [LAUNCHED_ENV]: '1' },
    });
    children.push(child);
    return new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        // 130 is a worker stopped by Ctrl-C (every worker stops after the same step): not a failure.
        if (code === STOPPED_EXIT) stopped = true;
        else if ((code !== 0 || signal !== null) && failed === undefined) {
          failed = { rank, code, signal };
          // The others notice the dead worker at once (its connections close), rank 0 records it; then they go.
          setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')), GRACE_MS).unref();
        }
        resolve();
      });
    });
  });
  const forward = (signal: NodeJS.Signals): void => {
    children.forEach((c) => c.exitCode === null && c.kill(signal));
  };
  const onSigint = (): void => forward('SIGINT');
  process.on('SIGINT', onSigint);
  try {
    await Promise.all(exits);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (failed !== undefined) {
    // Exit code 2 is a refused command (its message is above): nothing was trained or marked.
    if (failed.signal === null && failed.code === 2) throw new MlError('E_ML_ARGUMENT', `worker rank ${failed.rank} of ${nproc} refused the command (its message is above)`);
    const how = failed.signal !== null ? `was killed (${failed.signal})` : `exited with code ${failed.code}`;
    throw new MlError('E_ML_RUN', `worker rank ${failed.rank} of ${nproc} ${how}; the run is marked failed and resumes with --resume`);
  }
  // Stopped: the command's exit status, as in one process (rank 0 printed how to continue).
  if (stopped) process.exitCode = STOPPED_EXIT;
}
