/**
 * `dsi ml sweep --grid lr=1e-3,2e-3 --grid batch=16,32 -- <dsi ml train options>`: a grid of
 * training runs, recorded as one sweep (`ml_sweeps`), each run naming it in `ml_runs.sweep_id`.
 * Locally it runs `dsi ml train` child processes, at most `--parallel` at once; with `--slurm` it
 * writes a job array script (and submits it with `--submit` where sbatch exists).
 *
 * Every grid key and every point's whole argument list is checked, as `dsi ml train` parses them,
 * before the sweep is recorded or anything runs.
 */
import { Command, CommanderError, type Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { MlError } from '../../../errors.js';
import type { PointOutcome, SweepPlan, TrainOptionInfo } from '../../../ml/index.js';
import { globalOptions, withStore } from '../../context.js';
import { wholeNumber } from '../../number-options.js';
import { printJson, printRows } from '../../output.js';
import { loadMl } from './load-ml.js';
import { registerMlTrain } from './train.js';

/** The `dsi` entry point, from this module compiled in dist/src/cli/commands/ml/. */
const DSI_BIN = fileURLToPath(new URL('../../../../../bin/dsi.js', import.meta.url));

/** Options the sweep sets itself (or that make no sense for a grid of new runs). */
const RESERVED = ['sweep', 'sweep-point', 'json', 'resume'];

/** A fresh `dsi ml train` command, for reading its options and parsing a point's arguments. */
function trainCommand(): Command {
  const ml = new Command('ml');
  registerMlTrain(ml);
  const train = ml.commands.find((c) => c.name() === 'train')!;
  train.exitOverride();
  train.configureOutput({ writeErr: () => {}, writeOut: () => {}, outputError: () => {} });
  return train;
}

function trainOptions(): TrainOptionInfo[] {
  return trainCommand().options.filter((o: Option) => o.long !== undefined && !o.negate).map((o: Option) => ({ name: o.long!.slice(2), takesValue: o.required || o.optional }));
}

/** Parses `args` as `dsi ml train` would; an `E_ML_ARGUMENT` error naming the point otherwise. */
function checkPoint(args: readonly string[], point: Readonly<Record<string, string>>): void {
  const where = Object.keys(point).length === 0 ? 'the training arguments' : `the point ${Object.entries(point).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = trainCommand().parseOptions([...args]);
  } catch (e) {
    if (e instanceof CommanderError) throw new MlError('E_ML_ARGUMENT', `${where}: ${e.message.replace(/^error: /, '')}`);
    throw e;
  }
  const extra = [...parsed.unknown, ...parsed.operands];
  if (extra.length > 0) throw new MlError('E_ML_ARGUMENT', `${where}: dsi ml train does not take ${extra.join(' ')}`);
}

/** A result's final figures: losses and held-out measures, whatever the model (null when absent). */
export function finalFigures(result: Readonly<Record<string, unknown>> | null): Record<string, number | null> {
  const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const metrics = (result?.['metrics'] ?? {}) as Record<string, unknown>;
  return {
    loss: n(result?.['loss']) ?? n(result?.['g_loss']),
    test_mse: n(result?.['test_mse']) ?? n(metrics['mse']),
    test_accuracy: n(result?.['test_accuracy']),
    r2: n(metrics['r2']),
  };
}

const describe = (point: Readonly<Record<string, string>>): string => Object.entries(point).map(([k, v]) => `${k}=${v}`).join(' ');

interface SweepFlags {
  grid: string[];
  parallel?: number;
  slurm?: boolean;
  submit?: boolean;
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  dir?: string;
  name?: string;
  json?: boolean;
}

export function registerMlSweep(ml: Command): void {
  ml.command('sweep')
    .description('train a grid of runs (the Cartesian product of the --grid lists) as one sweep: locally, at most --parallel at once, or as a Slurm job array (--slurm); every run records the sweep')
    .argument('[train-options...]', 'after --: the dsi ml train options every run shares')
    .option('--grid <name=values>', 'a dsi ml train option without -- and its values: v1,v2, a..b or a..b:n (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--parallel <n>', 'local: runs at once (default 1; on a small CPU they share the cores: set --threads in the training options)', wholeNumber(1))
    .option('--slurm', 'write NAME.sbatch, a Slurm job array of one task per run, instead of running them here')
    .option('--submit', 'with --slurm: submit the script with sbatch and record the job id')
    .option('--partition <p>', 'with --slurm: the partition')
    .option('--time <hh:mm:ss>', 'with --slurm: the wall-time limit of each task')
    .option('--gpus-per-task <g>', 'with --slurm: GPUs for each task', wholeNumber(1))
    .option('--cpus-per-task <c>', 'with --slurm: CPUs for each task (give the training --threads to match)', wholeNumber(1))
    .option('--dir <folder>', 'with --slurm: where NAME.sbatch and NAME.points go (default: the current folder)')
    .option('--name <name>', 'the sweep\'s name (default: its id); names the Slurm script')
    .option('--json', 'print the sweep and its runs as one JSON object')
    .addHelpText('after', '\nExample: dsi ml sweep --grid alpha=0.1,1 --grid seed=1..2 -- --model ridge --table fires --target area --features temp,wind')
    .action(async (trainArgs: string[], opts: SweepFlags, cmd: Command) => {
      const slurmOnly = (['submit', 'partition', 'time', 'gpusPerTask', 'cpusPerTask', 'dir'] as const).filter((k) => opts[k] !== undefined);
      if (opts.slurm !== true && slurmOnly.length > 0) throw new MlError('E_ML_ARGUMENT', `${slurmOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} only go with --slurm`);
      if (opts.slurm === true && opts.parallel !== undefined) throw new MlError('E_ML_ARGUMENT', '--parallel is for local sweeps; Slurm runs the tasks of the array as the cluster allows');
      if (trainArgs.includes('--json')) throw new MlError('E_ML_ARGUMENT', 'give --json before --: it prints the sweep as JSON (each run prints its own to the sweep)');
      const ml = await loadMl();
      checkPoint(trainArgs, {});
      const plan = ml.planSweep({ grid: opts.grid ?? [], trainArgs, trainOptions: trainOptions(), reserved: RESERVED, ...(opts.name === undefined ? {} : { name: opts.name }), checkPoint });
      const g = globalOptions(cmd);
      const storeArgs = [
        ...(g.backend === undefined ? [] : ['--backend', g.backend]),
        ...(g.dataFolder === undefined ? [] : ['--data-folder', g.dataFolder]),
        ...(g.plugin ?? []).flatMap((p) => ['--plugin', p]),
      ];
      if (opts.slurm === true) return slurmSweep(ml, plan, opts, cmd, storeArgs);
      await withStore(cmd, (store) => new ml.SweepRegistry(store).create(plan, 'local', 'running'));
      process.stderr.write(`sweep ${plan.sweepId}: ${plan.points.length} runs, ${opts.parallel ?? 1} at once\n`);
      // Ctrl-C reaches the children too (they stop with a checkpoint); the sweep starts no further run.
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write('stopping: the running trainings stop after their step; no further run starts (Ctrl-C again to quit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      const outcomes = await ml.runLocalSweep(plan, {
        signal: controller.signal,
        dsi: { file: process.execPath, args: [DSI_BIN, ...storeArgs], env: { DSI_DB: g.db } },
        parallel: opts.parallel ?? 1,
        onEvent: (e) => {
          if (e.type === 'start') process.stderr.write(`[${e.index + 1}/${e.total}] ${describe(e.point)}: started\n`);
          else {
            const o = e.outcome;
            const how = o.status === 'finished' ? `finished, run ${o.run_id ?? '?'}` : o.status === 'stopped' ? `stopped: ${o.error ?? ''}` : `FAILED: ${o.error ?? ''}`;
            process.stderr.write(`[${o.index + 1}/${e.total}] ${describe(o.point)}: ${how} (${o.seconds.toFixed(1)} s)\n`);
          }
        },
      }).finally(() => process.off('SIGINT', onSigint));
      const failed = outcomes.filter((o) => o.status === 'failed').length;
      const stopped = controller.signal.aborted;
      await withStore(cmd, (store) => new ml.SweepRegistry(store).update(plan.sweepId, stopped ? 'stopped' : failed > 0 ? 'failed' : 'finished'));
      report(plan, outcomes, opts.json === true);
      if (stopped) {
        process.stderr.write(`dsi: sweep ${plan.sweepId} stopped; ${outcomes.filter((o) => o.status === 'skipped').length} runs not started\n`);
        process.exitCode = 130;
      } else if (failed > 0) {
        process.stderr.write(`dsi: ${failed} of ${outcomes.length} runs of sweep ${plan.sweepId} failed\n`);
        process.exitCode = 1;
      }
    });
}

function report(plan: SweepPlan, outcomes: readonly PointOutcome[], json: boolean): void {
  const rows: Record<string, unknown>[] = outcomes.map((o) => ({ ...o.point, status: o.status, run_id: o.run_id, ...finalFigures(o.result), error: o.error }));
  if (json) {
    printJson({ sweep_id: plan.sweepId, name: plan.name, launcher: 'local', grid: plan.grid, runs: rows });
    return;
  }
  process.stdout.write(`sweep ${plan.sweepId}\n`);
  const figures = (['loss', 'test_mse', 'test_accuracy', 'r2'] as const).filter((k) => rows.some((r) => r[k] !== null && r[k] !== undefined));
  printRows(rows, [...Object.keys(plan.grid), 'status', 'run_id', ...figures, ...(rows.some((r) => r['error'] !== null) ? ['error'] : [])]);
}

async function slurmSweep(ml: Awaited<ReturnType<typeof loadMl>>, plan: SweepPlan, opts: SweepFlags, cmd: Command, storeArgs: readonly string[]): Promise<void> {
  const g = globalOptions(cmd);
  const options = {
    db: g.db,
    dsi: { file: process.execPath, args: [DSI_BIN, ...storeArgs] },
    ...(opts.partition === undefined ? {} : { partition: opts.partition }),
    ...(opts.time === undefined ? {} : { time: opts.time }),
    ...(opts.gpusPerTask === undefined ? {} : { gpusPerTask: opts.gpusPerTask }),
    ...(opts.cpusPerTask === undefined ? {} : { cpusPerTask: opts.cpusPerTask }),
  };
  const folder = opts.dir ?? '.';
  ml.slurmFiles(plan, folder, options); // checks the options before anything is written
  await withStore(cmd, (store) => new ml.SweepRegistry(store).create(plan, 'slurm', 'written'));
  const files = ml.writeSlurmFiles(plan, folder, options);
  let jobId: string | null = null;
  let note: string | null = null;
  if (opts.submit === true) {
    if (ml.onPath('sbatch')) {
      jobId = ml.submitSlurm(files.script);
      await withStore(cmd, (store) => new ml.SweepRegistry(store).update(plan.sweepId, 'submitted', jobId!));
    } else {
      note = `sbatch is not on PATH: nothing was submitted; on the cluster run: sbatch ${files.script}`;
      process.exitCode = 1;
    }
  }
  if (opts.json === true) printJson({ sweep_id: plan.sweepId, name: plan.name, launcher: 'slurm', runs: plan.points.length, script: files.script, points: files.points, job_id: jobId, submitted: jobId !== null, note });
  else {
    process.stdout.write(`sweep ${plan.sweepId}: ${plan.points.length} runs as a Slurm job array\nscript: ${files.script}\npoints: ${files.points}\n`);
    process.stdout.write(jobId !== null ? `submitted: job ${jobId}\n` : opts.submit === true ? '' : `submit it with: sbatch ${files.script}\n`);
  }
  if (note !== null) process.stderr.write(`dsi: ${note}\n`);
}
