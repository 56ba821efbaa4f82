/**
 * The conditions a GAN generates for during training. Balanced: every combination of the
 * categorical conditions that occurs in the training data is drawn equally often, whatever its
 * share of the data, and within a combination a training row's conditions are drawn uniformly (so
 * continuous conditions follow the data). A rare class then gets as many generator updates as a
 * common one. Draws come from libtorch's generator, so a resumed run draws what an uninterrupted
 * one would.
 *
 * ```ts
 * const sampler = new ConditionSampler(params.conditions, data.conditionRows);
 * const rows = sampler.draw(64); // indices into the training rows, for conds.indexSelect(0, …)
 * ```
 */
import * as torch from '../../torch/index.js';
import type { ConditionSpec } from '../models/conditions.js';
import type { Cell } from '../../store/types.js';

export class ConditionSampler {
  /** Row indices of each categorical combination, in order of first appearance. */
  readonly groups: readonly (readonly number[])[];

  constructor(specs: readonly ConditionSpec[], rows: readonly Record<string, Cell>[]) {
    const categorical = specs.filter((s) => s.kind === 'categorical').map((s) => s.name);
    const byKey = new Map<string, number[]>();
    rows.forEach((row, i) => {
      const key = JSON.stringify(categorical.map((n) => row[n] ?? null));
      let g = byKey.get(key);
      if (g === undefined) byKey.set(key, (g = []));
      g.push(i);
    });
    this.groups = Object.freeze([...byKey.values()].map((g) => Object.freeze(g)));
  }

  /**
   * `count` training-row indices: a combination uniformly, then a row of it uniformly. With
   * `paired`, rows h … 2h−1 repeat rows 0 … h−1 (h = ⌊count/2⌋: the halves a mode-seeking term
   * compares get the same conditions).
   */
  draw(count: number, paired = false): number[] {
    const half = paired ? Math.floor(count / 2) : 0;
    const fresh = count - half;
    const u = torch.tidy(() => torch.rand([fresh, 2], { dtype: 'float64' }).toArray() as Float64Array);
    const picks: number[] = [];
    for (let i = 0; i < fresh; i++) {
      const group = this.groups[Math.min(this.groups.length - 1, Math.floor((u[2 * i] as number) * this.groups.length))]!;
      picks.push(group[Math.min(group.length - 1, Math.floor((u[2 * i + 1] as number) * group.length))]!);
    }
    return [...picks.slice(0, half), ...picks];
  }
}
