/**
 * The parameter space a run was trained over, as validation and the choice of new points measure
 * it: every continuous condition scaled from its trained range to [−1, 1] (the scaling the models
 * themselves see), so that a distance weighs each parameter by its range and not by its unit. A
 * categorical condition is not a direction: two points whose levels differ are never neighbours
 * (their distance is infinite).
 *
 * ```ts
 * const space = new ParameterSpace(predictor.conditions);
 * space.distance(space.scaled({ a: 0.2, b: 5 }), space.scaled({ a: 0.4, b: 5 })); // 0.4 when a spans [0, 1]
 * ```
 */
import { MlError } from '../../errors.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';

/** A point: a value for every condition. */
export type ParameterPoint = Readonly<Record<string, Cell>>;

/** The nearest of a set of points: its index and its distance (Infinity when none shares the categorical levels). */
export interface Nearest {
  readonly index: number;
  readonly distance: number;
}

export class ParameterSpace {
  readonly conditions: readonly ConditionSpec[];

  constructor(conditions: readonly ConditionSpec[]) {
    this.conditions = conditions;
  }

  /** The continuous conditions' names. */
  get continuous(): string[] {
    return this.conditions.filter((c) => c.kind === 'continuous').map((c) => c.name);
  }

  /** `point` scaled: continuous values to [−1, 1] over the trained range (0 for a constant one), categorical ones to their level's index (−1 for an unknown level). */
  scaled(point: ParameterPoint): Float64Array {
    const out = new Float64Array(this.conditions.length);
    this.conditions.forEach((c, i) => {
      const v = point[c.name] ?? null;
      if (c.kind === 'continuous') {
        const x = Number(v);
        out[i] = c.max === c.min ? 0 : (2 * (x - c.min)) / (c.max - c.min) - 1;
      } else {
        out[i] = c.levels.findIndex((l) => l === (typeof v === 'bigint' ? Number(v) : v));
      }
    });
    return out;
  }

  /** Euclidean distance of two scaled points over the continuous conditions; Infinity when a categorical level differs. */
  distance(a: Float64Array, b: Float64Array): number {
    let sum = 0;
    for (let i = 0; i < this.conditions.length; i++) {
      if (this.conditions[i]!.kind === 'categorical') {
        if (a[i] !== b[i]) return Infinity;
        continue;
      }
      const d = a[i]! - b[i]!;
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /** The nearest of `set` to `point` (the first of equals); index −1 when `set` is empty. */
  nearest(point: Float64Array, set: readonly Float64Array[]): Nearest {
    let index = -1;
    let distance = Infinity;
    set.forEach((s, i) => {
      const d = this.distance(point, s);
      if (d < distance || index < 0) {
        index = i;
        distance = d;
      }
    });
    return { index, distance };
  }

  /** Whether a continuous value of `point` lies outside the trained range. */
  outside(point: ParameterPoint): boolean {
    return this.conditions.some((c) => c.kind === 'continuous' && (Number(point[c.name]) < c.min || Number(point[c.name]) > c.max));
  }

  /** `a=0.25, b=3`: the point as the `condition` column of ml_evaluations holds it (numbers to 6 significant digits). */
  label(point: ParameterPoint): string {
    return this.conditions.map((c) => `${c.name}=${formatValue(point[c.name] ?? null)}`).join(', ');
  }

  /**
   * `points` checked against the conditions: each an object with a value for every condition and
   * nothing else, continuous values finite numbers, categorical ones among the levels. `what`
   * names the list in errors (`points`, `candidates`): `E_ML_ARGUMENT` naming the point (1-based)
   * and the parameter. Returns the points with bigints as numbers.
   */
  check(points: readonly Readonly<Record<string, unknown>>[], what: string): Record<string, Cell>[] {
    const names = this.conditions.map((c) => c.name);
    return points.map((p, i) => {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new MlError('E_ML_ARGUMENT', (o) => `${o(what)}[${i}] must be an object of parameter values, got ${JSON.stringify(p)}`);
      const extra = Object.keys(p).filter((k) => !names.includes(k));
      const missing = names.filter((n) => !(n in p));
      if (extra.length > 0 || missing.length > 0) {
        const parts = [missing.length > 0 ? `lacks ${missing.join(', ')}` : '', extra.length > 0 ? `has ${extra.join(', ')}, which ${extra.length === 1 ? 'is not a condition' : 'are not conditions'} of the run` : ''].filter((s) => s !== '');
        throw new MlError('E_ML_ARGUMENT', (o) => `${o(what)}: point ${i + 1} ${parts.join(' and ')}; the run's conditions are ${names.join(', ')}`);
      }
      const out: Record<string, Cell> = {};
      for (const c of this.conditions) {
        const raw = p[c.name];
        const v = typeof raw === 'bigint' ? Number(raw) : raw;
        if (c.kind === 'continuous') {
          if (typeof v !== 'number' || !Number.isFinite(v)) throw new MlError('E_ML_ARGUMENT', (o) => `${o(what)}: point ${i + 1} has ${c.name} = ${shown(raw)}, not a finite number`);
        } else if (!c.levels.includes(v as string | number)) {
          throw new MlError('E_ML_ARGUMENT', (o) => `${o(what)}: point ${i + 1} has ${c.name} = ${shown(raw)}, not one of its levels (${c.levels.join(', ')})`);
        }
        out[c.name] = v as Cell;
      }
      return out;
    });
  }
}

/** A value as an error shows it: text quoted, anything else as JavaScript writes it (NaN stays NaN). */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function formatValue(v: Cell): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return v === null ? 'NULL' : String(v);
}
