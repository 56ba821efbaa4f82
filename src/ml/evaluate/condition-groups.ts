/**
 * The group a condition value falls in, for per-condition metrics: one group per level of a
 * categorical condition (`label=3`), and 10 equal-width bins over the recorded range of a
 * continuous one (`speed in [1.5, 2)`, the last bin closed). A value outside the range, not a
 * number, or NULL falls in no group. Bounds are printed with 6 significant digits.
 */
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';

/** `x` to 6 significant digits, as group labels and plot titles print it. */
export const round = (x: number): number => Number(x.toPrecision(6));

/** The group a value falls in: `label=3`, or `speed in [1.5, 2)` for the 10 equal-width bins of a continuous range. */
export function conditionGroup(spec: ConditionSpec, value: Cell): string | undefined {
  if (value === null) return undefined;
  if (spec.kind === 'categorical') return `${spec.name}=${String(value)}`;
  const x = Number(value);
  if (!Number.isFinite(x) || x < spec.min || x > spec.max) return undefined;
  const width = (spec.max - spec.min) / 10;
  const bin = width === 0 ? 0 : Math.min(9, Math.floor((x - spec.min) / width));
  const lo = spec.min + bin * width;
  const hi = bin === 9 ? spec.max : spec.min + (bin + 1) * width;
  return `${spec.name} in [${round(lo)}, ${round(hi)}${bin === 9 ? ']' : ')'}`;
}

/** Row indices by group, groups in order of first appearance; values in no group are left out. */
export function groupRows(spec: ConditionSpec, values: readonly Cell[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  values.forEach((v, i) => {
    const g = conditionGroup(spec, v);
    if (g !== undefined) (groups.get(g) ?? groups.set(g, []).get(g)!).push(i);
  });
  return groups;
}
