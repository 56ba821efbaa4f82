/**
 * Which conditioning columns are categorical and which continuous, and their levels or ranges,
 * decided from the values the training query returns: a column is categorical when it holds text
 * or integers with at most {@link MAX_CATEGORICAL_INTEGERS} distinct values, continuous otherwise;
 * the caller may force either. A NULL is refused, naming the column and the row.
 */
import { MlError } from '../../errors.js';
import type { Cell } from '../../store/types.js';
import type { ConditionSpec } from '../models/conditions.js';

export const MAX_CATEGORICAL_INTEGERS = 50;

export interface ConditionKinds {
  readonly categorical?: readonly string[];
  readonly continuous?: readonly string[];
}

/** The specs of `names` from the query's `columns` (values in row order). */
export function inferConditions(names: readonly string[], columns: Readonly<Record<string, readonly Cell[]>>, kinds: ConditionKinds = {}): ConditionSpec[] {
  const forcedCat = new Set(kinds.categorical ?? []);
  const forcedCont = new Set(kinds.continuous ?? []);
  for (const n of [...forcedCat, ...forcedCont]) {
    if (!names.includes(n)) throw new MlError('E_ML_ARGUMENT', (o) => `${o('categorical')}/${o('continuous')} name "${n}", which is not one of the conditioning columns (${names.join(', ') || 'none'})`);
    if (forcedCat.has(n) && forcedCont.has(n)) throw new MlError('E_ML_ARGUMENT', `column "${n}" cannot be both categorical and continuous`);
  }
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw new MlError('E_ML_ARGUMENT', `conditioning column "${name}" is named twice`);
    seen.add(name);
    const values = columns[name];
    if (values === undefined) {
      throw new MlError('E_ML_DATA', `the training query has no conditioning column "${name}" (it returns ${Object.keys(columns).join(', ') || 'only the image column'})`);
    }
    const nullRow = values.findIndex((v) => v === null);
    if (nullRow >= 0) throw new MlError('E_ML_DATA', `conditioning column "${name}" is NULL in row ${nullRow + 1} of the training query; filter such rows out (WHERE ${name} IS NOT NULL)`);
    const numeric = values.every((v) => typeof v === 'number' || typeof v === 'bigint');
    const distinct = new Set(values.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    const integers = numeric && values.every((v) => typeof v === 'bigint' || Number.isInteger(v));
    const categorical = forcedCat.has(name) || (!forcedCont.has(name) && (!numeric || (integers && distinct.size <= MAX_CATEGORICAL_INTEGERS)));
    if (categorical) return { name, kind: 'categorical', levels: ([...distinct] as (string | number)[]).sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)) };
    if (!numeric) {
      const bad = values.findIndex((v) => typeof v !== 'number' && typeof v !== 'bigint');
      throw new MlError('E_ML_DATA', `conditioning column "${name}" is continuous but row ${bad + 1} holds ${JSON.stringify(values[bad])}, not a number`);
    }
    let min = Infinity;
    let max = -Infinity;
    values.forEach((v, i) => {
      const x = Number(v);
      if (!Number.isFinite(x)) throw new MlError('E_ML_DATA', `conditioning column "${name}" holds ${x} in row ${i + 1}`);
      if (x < min) min = x;
      if (x > max) max = x;
    });
    return { name, kind: 'continuous', min, max };
  });
}
