/**
 * A sweep as a Slurm job array: `NAME.sbatch` (`--array=0-(N-1)`) and `NAME.points` (one line per
 * point, its shell-quoted `--name value` arguments). Array task `i` reads line `i + 1` of the
 * points file and runs `dsi --db STORE ml train <shared arguments> <its point> --sweep ID`, so
 * every run records its sweep as a local one does.
 *
 * Guarantees: every value in the script and the points file is single-quoted (a value cannot
 * run a command); both files are written whole or not at all (a temporary renamed into place);
 * the script runs as plain `bash` too, with `SLURM_ARRAY_TASK_ID` set by hand, which is how one
 * point is retried or tested without a scheduler.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MlError } from '../../errors.js';
import { pointArgs, type SweepPlan } from './sweep-plan.js';
import type { DsiCommand } from './local-launcher.js';

export interface SlurmOptions {
  /** The store every task writes to, as `--db` takes it (a file path is made absolute). */
  readonly db: string;
  /** How a task starts `dsi` on the compute node (the same node and bin/dsi.js by default). */
  readonly dsi: Pick<DsiCommand, 'file' | 'args'>;
  readonly partition?: string;
  /** Wall-time limit per task, `HH:MM:SS` (or Slurm's `D-HH:MM:SS`). */
  readonly time?: string;
  readonly gpusPerTask?: number;
  readonly cpusPerTask?: number;
}

export interface SlurmFiles {
  readonly script: string;
  readonly points: string;
}

/** `text` single-quoted for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const isStoreFile = (db: string): boolean => db !== ':memory:' && !db.startsWith('file:') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(db);

function check(options: SlurmOptions): void {
  const bad = (what: string): MlError => new MlError('E_ML_ARGUMENT', what);
  if (options.time !== undefined && !/^(\d+-)?\d{1,3}:\d{2}:\d{2}$/.test(options.time)) throw bad(`time must be HH:MM:SS (or D-HH:MM:SS), got "${options.time}"`);
  if (options.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(options.partition)) throw bad(`partition must be a Slurm partition name, got "${options.partition}"`);
  for (const [name, v] of [['gpusPerTask', options.gpusPerTask], ['cpusPerTask', options.cpusPerTask]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new MlError('E_ML_ARGUMENT', (o) => `${o(name)} must be a whole number of at least 1, got ${String(v)}`);
  }
  if (options.db === ':memory:') throw bad('a Slurm sweep needs a store every node can reach, not an in-memory one');
}

/**
 * The script and points file of `plan` for a scheduler that reads them from `folder`.
 *
 * @example
 * const { script, points } = slurmFiles(plan, '/scratch/sweeps', { db: '/scratch/runs.db', dsi: { file: process.execPath, args: [bin] }, time: '01:00:00' });
 */
export function slurmFiles(plan: SweepPlan, folder: string, options: SlurmOptions): SlurmFiles {
  check(options);
  const db = isStoreFile(options.db) ? path.resolve(options.db) : options.db;
  const pointsFile = path.resolve(folder, `${plan.name}.points`);
  const directives = [
    `--job-name=${plan.name}`,
    `--array=0-${plan.points.length - 1}`,
    `--output=${path.resolve(folder, `${plan.name}-%A_%a.out`)}`,
    ...(options.partition === undefined ? [] : [`--partition=${options.partition}`]),
    ...(options.time === undefined ? [] : [`--time=${options.time}`]),
    '--ntasks=1',
    ...(options.cpusPerTask === undefined ? [] : [`--cpus-per-task=${options.cpusPerTask}`]),
    ...(options.gpusPerTask === undefined ? [] : [`--gpus-per-task=${options.gpusPerTask}`]),
  ];
  const command = [options.dsi.file, ...options.dsi.args, '--db', db, 'ml', 'train', ...plan.trainArgs].map(shellQuote).join(' ');
  const script = [
    '#!/bin/bash',
    `# Sweep ${plan.sweepId} (${plan.points.length} runs): task i trains point i of ${plan.name}.points.`,
    '# Run one task without Slurm: SLURM_ARRAY_TASK_ID=1 bash THIS_FILE',
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -euo pipefail',
    ': "${SLURM_ARRAY_TASK_ID:?set SLURM_ARRAY_TASK_ID to the point to train (0-based)}"',
    `POINT=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${shellQuote(pointsFile)})`,
    `[ -n "$POINT" ] || { echo "no point $SLURM_ARRAY_TASK_ID in ${pointsFile.replace(/["$`\\]/g, '\\$&')}" >&2; exit 2; }`,
    'eval "set -- $POINT"',
    `exec ${command} "$@" --sweep ${shellQuote(plan.sweepId)} --sweep-point "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
  const points = plan.points.map((p) => pointArgs(p).map(shellQuote).join(' ')).join('\n') + '\n';
  return { script, points };
}

/** Writes `text` to `file` whole: a temporary beside it renamed into place. */
function writeWhole(file: string, text: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode });
  fs.renameSync(temporary, file);
}

/** Writes `NAME.sbatch` and `NAME.points` into `folder`; returns their absolute paths. */
export function writeSlurmFiles(plan: SweepPlan, folder: string, options: SlurmOptions): { script: string; points: string } {
  const files = slurmFiles(plan, folder, options);
  const script = path.resolve(folder, `${plan.name}.sbatch`);
  const points = path.resolve(folder, `${plan.name}.points`);
  writeWhole(points, files.points, 0o644);
  writeWhole(script, files.script, 0o755);
  return { script, points };
}

/** Whether `program` is on PATH (an executable file in one of its folders). */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['PATH'] ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Submits `script` with `sbatch --parsable` and returns the job id; an `E_ML_RUN` error with
 * sbatch's own message when it refuses.
 */
export function submitSlurm(script: string): string {
  const r = spawnSync('sbatch', ['--parsable', script], { encoding: 'utf8' });
  if (r.error !== undefined) throw new MlError('E_ML_RUN', `sbatch could not be started: ${r.error.message}`);
  if (r.status !== 0) throw new MlError('E_ML_RUN', `sbatch refused ${script}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit status ${String(r.status)}`}`);
  const id = r.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new MlError('E_ML_RUN', `sbatch answered "${r.stdout.trim()}", not a job id`);
  return id;
}
