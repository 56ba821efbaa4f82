/**
 * Conditioning parameters of a conditional GAN (DESIGN §4): what each condition is
 * (`ConditionSpec`) and how rows' values become the tensor the networks read (`encodeConditions`).
 *
 * ```ts
 * const specs: ConditionSpec[] = [
 *   { name: 'label', kind: 'categorical', levels: [0, 1, 2] },
 *   { name: 'temperature', kind: 'continuous', min: 250, max: 350 },
 * ];
 * const cond = encodeConditions(specs, [{ label: 2, temperature: 300 }]); // [[2, 0]], float32 1×2
 * ```
 */
import { MlError } from '../../errors.js';
import * as torch from '../../torch/index.js';

/**
 * One conditioning column. A categorical one lists its levels in a stable sorted order (a level's
 * index is its position, and the embedding row it selects); a continuous one keeps its training
 * range, which maps it to [−1, 1].
 */
export type ConditionSpec =
  | { name: string; kind: 'categorical'; levels: (string | number)[] }
  | { name: string; kind: 'continuous'; min: number; max: number };

const describe = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : v === undefined ? 'undefined' : String(v);

/**
 * Checks a list of specs, throwing an E_ML_ARGUMENT MlError that names the condition and what is wrong: names
 * must be non-empty and distinct; levels a non-empty list of distinct strings or finite numbers;
 * `min` and `max` finite with min ≤ max. Returns the specs, for chaining.
 */
export function checkConditionSpecs(specs: readonly ConditionSpec[]): readonly ConditionSpec[] {
  if (!Array.isArray(specs)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('conditions')} must be an array of condition specs, got ${describe(specs)}`);
  const names = new Set<string>();
  specs.forEach((spec, i) => {
    if (spec === null || typeof spec !== 'object') throw new MlError('E_ML_ARGUMENT', (o) => `${o('conditions')}[${i}] must be a condition spec, got ${describe(spec)}`);
    const { name } = spec;
    if (typeof name !== 'string' || name === '') throw new MlError('E_ML_ARGUMENT', (o) => `${o('conditions')}[${i}].name must be a non-empty string, got ${describe(name)}`);
    if (names.has(name)) throw new MlError('E_ML_ARGUMENT', `condition '${name}' is listed twice`);
    names.add(name);
    if (spec.kind === 'categorical') {
      const { levels } = spec;
      if (!Array.isArray(levels) || levels.length === 0) throw new MlError('E_ML_ARGUMENT', `categorical condition '${name}' needs a non-empty list of levels`);
      const seen = new Set<string | number>();
      for (const level of levels) {
        const ok = typeof level === 'string' || (typeof level === 'number' && Number.isFinite(level));
        if (!ok) throw new MlError('E_ML_ARGUMENT', `categorical condition '${name}': a level must be a string or a finite number, got ${describe(level)}`);
        if (seen.has(level)) throw new MlError('E_ML_ARGUMENT', `categorical condition '${name}' lists the level ${describe(level)} twice`);
        seen.add(level);
      }
    } else if (spec.kind === 'continuous') {
      const { min, max } = spec;
      if (typeof min !== 'number' || !Number.isFinite(min) || typeof max !== 'number' || !Number.isFinite(max) || min > max) {
        throw new MlError('E_ML_ARGUMENT', `continuous condition '${name}' needs finite min ≤ max, got min ${describe(min)} and max ${describe(max)}`);
      }
    } else {
      throw new MlError('E_ML_ARGUMENT', `condition '${name}': kind must be 'categorical' or 'continuous', got ${describe((spec as { kind: unknown }).kind)}`);
    }
  });
  return specs;
}

/**
 * Rows' condition values → one float32 CPU tensor N × specs.length, columns in the specs' order:
 * a categorical value becomes its level's index (as a float), a continuous one
 * 2(v − min)/(max − min) − 1 (0 when max = min; values outside the training range map outside
 * [−1, 1], they are not clipped). Bigints count as numbers. Levels match by value and type: the
 * string '1' is not the level 1.
 *
 * Throws an E_ML_DATA MlError naming the column and the row (1-based, as in the query's result) for an
 * unknown level, a NULL or missing value, a non-number in a continuous column, or a non-finite
 * number.
 *
 * ```ts
 * const cond = encodeConditions(gan.architecture.conditions, [{ digit: 7 }, { digit: 3 }]).to(device);
 * const images = gan.generate(noise, cond);
 * ```
 */
export function encodeConditions(specs: readonly ConditionSpec[], rows: readonly Record<string, unknown>[]): torch.Tensor {
  checkConditionSpecs(specs);
  if (!Array.isArray(rows)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('rows')} must be an array of objects, got ${describe(rows)}`);
  const k = specs.length;
  const out = new Float32Array(rows.length * k);
  const encoders = specs.map((spec): ((v: unknown, where: string) => number) => {
    if (spec.kind === 'categorical') {
      const index = new Map<string | number, number>(spec.levels.map((level, i) => [level, i]));
      const shown = spec.levels.length <= 20 ? spec.levels.map(describe).join(', ') : `${spec.levels.slice(0, 20).map(describe).join(', ')}, … (${spec.levels.length} in all)`;
      return (v, where) => {
        const key = typeof v === 'bigint' ? Number(v) : v;
        if (typeof key === 'number' && !Number.isFinite(key)) throw new MlError('E_ML_DATA', `${where} is ${describe(v)}, not a finite number`);
        const i = typeof key === 'string' || typeof key === 'number' ? index.get(key) : undefined;
        if (i === undefined) throw new MlError('E_ML_DATA', `${where} holds ${describe(v)}, which is not one of its levels (${shown})`);
        return i;
      };
    }
    const { min, max } = spec;
    return (v, where) => {
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new MlError('E_ML_DATA', `${where} holds ${describe(v)}, not a number`);
      const x = Number(v);
      if (!Number.isFinite(x)) throw new MlError('E_ML_DATA', `${where} is ${describe(v)}, not a finite number`);
      return max === min ? 0 : (2 * (x - min)) / (max - min) - 1;
    };
  });
  rows.forEach((row, r) => {
    if (row === null || typeof row !== 'object') throw new MlError('E_ML_DATA', `row ${r + 1} must be an object of condition values, got ${describe(row)}`);
    specs.forEach((spec, c) => {
      const where = `condition '${spec.name}' in row ${r + 1}`;
      const v = row[spec.name];
      if (v === null || v === undefined) throw new MlError('E_ML_DATA', `${where} is ${v === null ? 'NULL' : 'missing'}`);
      out[r * k + c] = (encoders[c] as (v: unknown, where: string) => number)(v, where);
    });
  });
  return torch.tensor(out, { shape: [rows.length, k] });
}
