/**
 * The parameter combinations a prediction is asked for: `params` (name=value) fixes a condition,
 * `grid` (name=SPEC) varies one, and the combinations are the Cartesian product of all grids
 * (with the fixed values in each). A SPEC is `v1,v2,…`, `a..b` (integers, inclusive) or `a..b:n`
 * (n evenly spaced values). Values are checked against what the run trained on: a categorical
 * value must be one of its levels; a continuous one must lie in its range unless extrapolation is
 * allowed. A number is read only from its decimal spelling (`src/number-spelling.ts`, as the
 * command line reads its options): `0x1`, `0b0`, `0o1` or `1_0` are not the numbers 1, 0, 1, 10.
 */
import { MlError } from '../../errors.js';
import { parseDecimalSpelling } from '../../number-spelling.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';

/** The most combinations one call may ask for (a typo in a grid should not fill a disk). */
export const MAX_COMBINATIONS = 100_000;

/** The raw values of one grid SPEC, as text. */
export function expandSpec(name: string, spec: string): string[] {
  const bad = (what: string): MlError => new MlError('E_ML_ARGUMENT', (o) => `${o('grid')} ${name}=${spec}: ${what}`);
  const range = /^\s*(-?[\d.eE+-]+)\s*\.\.\s*(-?[\d.eE+-]+)\s*(?::\s*(\d+)\s*)?$/.exec(spec);
  if (range !== null) {
    const a = parseDecimalSpelling(range[1]!);
    const b = parseDecimalSpelling(range[2]!);
    if (a === undefined || b === undefined) throw bad(`the ends of a range must be numbers`);
    if (range[3] !== undefined) {
      const n = Number(range[3]);
      if (n < 1) throw bad(`the count after ":" must be at least 1`);
      if (n > MAX_COMBINATIONS) throw bad(`more than ${MAX_COMBINATIONS} values`);
      return Array.from({ length: n }, (_, i) => String(n === 1 ? a : a + ((b - a) * i) / (n - 1)));
    }
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw bad('a..b takes whole numbers; for other values give a..b:n (n evenly spaced values)');
    if (b < a) throw bad(`the range runs backwards`);
    if (b - a + 1 > MAX_COMBINATIONS) throw bad(`more than ${MAX_COMBINATIONS} values`);
    return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  }
  const values = spec.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw bad(`an empty value; give v1,v2,…, a..b or a..b:n`);
  return values;
}

/** Splits `name=value` (the value may contain `=`), given as the library option `option` (`params`). */
export function splitAssignment(option: string, text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new MlError('E_ML_ARGUMENT', (o) => `${o(option)} takes name=value, got "${text}"`);
  return [text.slice(0, i).trim(), text.slice(i + 1).trim()];
}

/** The level of categorical `spec` that `text` names (its spelling, or a number's decimal spelling), or undefined. */
export function levelOf(spec: Extract<ConditionSpec, { kind: 'categorical' }>, text: string): string | number | undefined {
  return spec.levels.find((l) => String(l) === text) ?? spec.levels.find((l) => typeof l === 'number' && parseDecimalSpelling(text) === l);
}

/** Whether `combo` holds a continuous value outside the range `conditions` were trained on. */
export function isExtrapolated(conditions: readonly ConditionSpec[], combo: Readonly<Record<string, Cell>>): boolean {
  return conditions.some((c) => {
    if (c.kind !== 'continuous') return false;
    const v = combo[c.name];
    return typeof v === 'number' && (v < c.min || v > c.max);
  });
}

/** One value of `spec` from text, checked against the run's training data. */
export function conditionValue(spec: ConditionSpec, text: string, allowExtrapolation: boolean): Cell {
  if (spec.kind === 'categorical') {
    const match = levelOf(spec, text);
    if (match === undefined) {
      const shown = spec.levels.length <= 20 ? spec.levels.join(', ') : `${spec.levels.slice(0, 20).join(', ')}, … (${spec.levels.length} in all)`;
      throw new MlError('E_ML_ARGUMENT', `${spec.name}=${text} was not trained on; ${spec.name} is categorical with levels ${shown}`);
    }
    return match;
  }
  const x = parseDecimalSpelling(text);
  if (x === undefined) throw new MlError('E_ML_ARGUMENT', `${spec.name}=${text} is not a number in decimal digits; ${spec.name} is continuous`);
  if (!allowExtrapolation && (x < spec.min || x > spec.max)) {
    throw new MlError('E_ML_EXTRAPOLATION', (o) => `${spec.name}=${text} lies outside the range trained on (${spec.min} to ${spec.max}); give ${o('allowExtrapolation')} to generate it anyway`);
  }
  return x;
}

export interface CombinationRequest {
  /** `name → value`, one combination (fixed across grids). */
  readonly params?: Readonly<Record<string, string>>;
  /** `name → SPEC`, varied. */
  readonly grid?: Readonly<Record<string, string>>;
  readonly allowExtrapolation?: boolean;
}

/** Every combination asked for, each naming a value for every condition, in grid order (last grid varies fastest). */
export function parameterCombinations(conditions: readonly ConditionSpec[], request: CombinationRequest): Record<string, Cell>[] {
  const fixed = request.params ?? {};
  const grid = request.grid ?? {};
  const known = new Map(conditions.map((c) => [c.name, c]));
  for (const name of [...Object.keys(fixed), ...Object.keys(grid)]) {
    if (!known.has(name)) {
      throw new MlError(
        'E_ML_ARGUMENT',
        conditions.length === 0 ? `this model is unconditional; it takes no parameter "${name}"` : `"${name}" is not a parameter of this model (its parameters: ${conditions.map((c) => c.name).join(', ')})`,
      );
    }
    if (name in fixed && name in grid) throw new MlError('E_ML_ARGUMENT', (o) => `"${name}" is given both by ${o('params')} and by ${o('grid')}`);
  }
  const missing = conditions.filter((c) => !(c.name in fixed) && !(c.name in grid)).map((c) => c.name);
  if (missing.length > 0) throw new MlError('E_ML_ARGUMENT', (o) => `give a value for every parameter of the model: ${missing.join(', ')} missing (${o('params')} name=value or ${o('grid')} name=SPEC)`);
  const allow = request.allowExtrapolation ?? false;
  let combos: Record<string, Cell>[] = [{}];
  for (const c of conditions) {
    const values = c.name in fixed ? [conditionValue(c, fixed[c.name]!, allow)] : expandSpec(c.name, grid[c.name]!).map((v) => conditionValue(c, v, allow));
    if (combos.length * values.length > MAX_COMBINATIONS) throw new MlError('E_ML_ARGUMENT', `the grids ask for more than ${MAX_COMBINATIONS} combinations`);
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [c.name]: v })));
  }
  return combos;
}
