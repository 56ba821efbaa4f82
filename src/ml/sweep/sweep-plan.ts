/**
 * A sweep's plan: the Cartesian product of its grids, each grid naming one `dsi ml train` option
 * (without `--`) and its values (`v1,v2`, `a..b` or `a..b:n`, as a prediction's grid), checked
 * before anything runs or is written.
 *
 * Guarantees: every key is an option the trainer takes a value for, given once, and not also among
 * the shared training arguments; the points are in grid order (the last grid varies fastest) and
 * at most {@link MAX_SWEEP_POINTS}; `checkPoint` (the caller's own check of a point's whole
 * argument list, such as parsing it as the command line would) has passed for every point.
 */
import crypto from 'node:crypto';
import { MlError } from '../../errors.js';
import { expandSpec, splitAssignment } from '../predict/parameter-grid.js';

/** The most runs one sweep may ask for (a typo in a grid should not start a thousand trainings). */
export const MAX_SWEEP_POINTS = 1_000;

/** An option of the training command, as a sweep needs to know it. */
export interface TrainOptionInfo {
  /** Its name without `--` (`lr`, `max-depth`). */
  readonly name: string;
  /** Whether it takes a value (`--lr 1e-3`) rather than being a flag (`--grid-search`). */
  readonly takesValue: boolean;
}

export interface SweepPlanRequest {
  /** The grids, each `name=SPEC`. */
  readonly grid: readonly string[];
  /** The training arguments every point shares (what follows `--` on the command line). */
  readonly trainArgs: readonly string[];
  /** The options the training command takes. */
  readonly trainOptions: readonly TrainOptionInfo[];
  /** Options a sweep sets itself and a grid or the shared arguments may not (`sweep`, `resume`). */
  readonly reserved?: readonly string[];
  /** A name for the sweep (default: its id); one plain name, as it names the Slurm script. */
  readonly name?: string;
  /** Throws when the argument list of one point is not a valid training (it names the point). */
  readonly checkPoint?: (args: readonly string[], point: Readonly<Record<string, string>>) => void;
}

export interface SweepPlan {
  readonly sweepId: string;
  readonly name: string;
  /** name → the values of its grid, as text, in the order given. */
  readonly grid: Readonly<Record<string, readonly string[]>>;
  readonly trainArgs: readonly string[];
  /** One name → value object per run, in launch order. */
  readonly points: readonly Readonly<Record<string, string>>[];
}

/** A new sweep id: UTC time to the second and 4 random hex digits (`sweep-20261203-122307-a1b2`). */
export function newSweepId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sweep-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/** The option names `args` gives (`--lr 1e-3` and `--lr=1e-3` both give `lr`). */
export function optionNamesIn(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith('--') && a.length > 2).map((a) => a.slice(2).split('=')[0]!);
}

/** A point's own arguments: `--name value` for each of its grid values. */
export function pointArgs(point: Readonly<Record<string, string>>): string[] {
  return Object.entries(point).flatMap(([k, v]) => [`--${k}`, v]);
}

/**
 * The sweep `request` asks for, every point checked; an `E_ML_ARGUMENT` error for a key that is
 * not a training option with a value, a key given twice or also in the shared arguments, an empty
 * or malformed grid, too many points, a bad name, or a point `checkPoint` refuses.
 *
 * @example
 * const plan = planSweep({ grid: ['lr=1e-3,2e-3', 'batch=16,32'], trainArgs: ['--model', 'mlp', …], trainOptions });
 * plan.points; // [{lr:'1e-3',batch:'16'}, {lr:'1e-3',batch:'32'}, {lr:'2e-3',batch:'16'}, {lr:'2e-3',batch:'32'}]
 */
export function planSweep(request: SweepPlanRequest): SweepPlan {
  if (request.grid.length === 0) throw new MlError('E_ML_ARGUMENT', (o) => `a sweep needs at least one ${o('grid')} name=v1,v2`);
  const known = new Map(request.trainOptions.map((o) => [o.name, o]));
  const reserved = new Set(request.reserved ?? []);
  const shared = new Set(optionNamesIn(request.trainArgs));
  for (const name of shared) {
    if (reserved.has(name)) throw new MlError('E_ML_ARGUMENT', `--${name} is set by the sweep itself; leave it out of the training arguments`);
  }
  const grid: Record<string, string[]> = {};
  for (const entry of request.grid) {
    const [name, spec] = splitAssignment('grid', entry);
    const option = known.get(name);
    if (option === undefined || reserved.has(name)) {
      const hint = name.startsWith('-') ? ' (name it without the leading --)' : '';
      throw new MlError('E_ML_ARGUMENT', (o) => `${o('grid')} ${name}: not an option of dsi ml train that a sweep may vary${hint}`);
    }
    if (!option.takesValue) throw new MlError('E_ML_ARGUMENT', (o) => `${o('grid')} ${name}: --${name} takes no value; give it in the training arguments instead`);
    if (name in grid) throw new MlError('E_ML_ARGUMENT', (o) => `${o('grid')} ${name} is given twice; give all its values in one list`);
    if (shared.has(name)) throw new MlError('E_ML_ARGUMENT', (o) => `${name} is given both by ${o('grid')} and in the training arguments (--${name}); give it in one place`);
    grid[name] = expandSpec(name, spec);
  }
  let points: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    if (points.length * values.length > MAX_SWEEP_POINTS) throw new MlError('E_ML_ARGUMENT', `the grids ask for more than ${MAX_SWEEP_POINTS} runs`);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  const sweepId = newSweepId();
  const name = request.name ?? sweepId;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new MlError('E_ML_ARGUMENT', (o) => `${o('name')} must be one plain name of letters, digits, ".", "_" and "-" (it names the Slurm script), got "${name}"`);
  }
  for (const point of points) request.checkPoint?.([...request.trainArgs, ...pointArgs(point)], point);
  return Object.freeze({ sweepId, name, grid, trainArgs: [...request.trainArgs], points });
}
