/**
 * The picture of an epoch: the generator on fixed noise, one row per condition value (at most
 * {@link MAX_GRID_ROWS}) and the same {@link GRID_COLUMNS} noise vectors in every row, so rows
 * differ only by their condition and epochs differ only by training. Unconditional models show a
 * 10 × 10 grid of distinct noise.
 *
 * The grid is drawn to be judged by eye (src/images/labelled-grid.ts): every image scaled up
 * {@link GRID_SCALE}× with nearest-neighbour sampling (28 × 28 → 112 × 112), a thin white gap
 * between cells, and beside each row the value of the varied condition (`label = 3`,
 * `temperature = 0.25`). Unconditional grids have no labels.
 */
import { assignmentLabel, labelledGridPng } from '../../images/labelled-grid.js';
import { tanhToUint8 } from '../../images/tanh-pixels.js';
import * as torch from '../../torch/index.js';
import type { ConditionSpec } from '../models/conditions.js';
import { encodeConditions } from '../models/conditions.js';
import type { Gan } from '../models/gan.js';
import { mixSeed, normalNoise } from '../data/seeded-random.js';
import type { Cell } from '../../store/types.js';

export const MAX_GRID_ROWS = 10;
export const GRID_COLUMNS = 10;
/** Output pixels per generated pixel. */
export const GRID_SCALE = 4;

/**
 * The condition values of the grid's rows: the first condition varied (its levels, evenly picked
 * when more than 10, or 10 evenly spaced values of its range), the others held at their first
 * level or the middle of their range. Empty for an unconditional model.
 */
export function gridConditionRows(conditions: readonly ConditionSpec[]): Record<string, Cell>[] {
  if (conditions.length === 0) return [];
  const fixed: Record<string, Cell> = {};
  for (const c of conditions.slice(1)) fixed[c.name] = c.kind === 'categorical' ? (c.levels[0] as Cell) : (c.min + c.max) / 2;
  const first = conditions[0]!;
  let values: Cell[];
  if (first.kind === 'categorical') {
    const n = first.levels.length;
    const picks = n <= MAX_GRID_ROWS ? first.levels.map((_, i) => i) : Array.from({ length: MAX_GRID_ROWS }, (_, i) => Math.round((i * (n - 1)) / (MAX_GRID_ROWS - 1)));
    values = picks.map((i) => first.levels[i] as Cell);
  } else {
    const n = first.min === first.max ? 1 : MAX_GRID_ROWS;
    values = Array.from({ length: n }, (_, i) => (n === 1 ? first.min : first.min + ((first.max - first.min) * i) / (n - 1)));
  }
  return values.map((v) => ({ [first.name]: v, ...fixed }));
}

/** The grid's noise, from the run's seed (libtorch's generator is left alone). */
export function gridNoise(gan: Gan, seed: number): Float32Array {
  const distinct = gan.architecture.conditions.length === 0 ? GRID_COLUMNS * MAX_GRID_ROWS : GRID_COLUMNS;
  return normalNoise(distinct * gan.architecture.noiseDim, mixSeed(seed, 0x9a1d));
}

/** The label beside each of the grid's rows: the varied (first) condition's name and value. */
export function gridRowLabels(conditions: readonly ConditionSpec[]): string[] {
  const first = conditions[0];
  return first === undefined ? [] : gridConditionRows(conditions).map((r) => assignmentLabel([[first.name, r[first.name]]]));
}

/**
 * Renders the grid as PNG bytes. The generator runs at once, synchronously, in evaluation mode
 * (then back in training mode), so the grid shows the weights of the moment of the call; only the
 * drawing is asynchronous.
 */
export function renderSampleGrid(gan: Gan, seed: number, device: string): Promise<Uint8Array> {
  const { conditions, noiseDim, channels, size } = gan.architecture;
  const condRows = gridConditionRows(conditions);
  const noise = gridNoise(gan, seed);
  const distinct = noise.length / noiseDim;
  const count = condRows.length === 0 ? distinct : condRows.length * GRID_COLUMNS;
  const wasTraining = gan.generator.training;
  gan.generator.eval();
  try {
    const values = torch.noGrad(() =>
      torch.tidy(() => {
        const base = torch.tensor(noise, { shape: [distinct, noiseDim], device });
        const z = condRows.length === 0 ? base : base.repeat(condRows.length, 1);
        const cond = condRows.length === 0 ? undefined : encodeConditions(conditions, condRows.flatMap((r) => Array.from({ length: GRID_COLUMNS }, () => r))).to(device);
        return gan.generate(z, cond).float().cpu().toArray() as Float32Array;
      }),
    );
    const labels = gridRowLabels(conditions);
    const rows = labels.length === 0 ? {} : { rows: labels.map((label) => ({ label, count: GRID_COLUMNS })) };
    return labelledGridPng(tanhToUint8(values), { count, channels, height: size, width: size }, { columns: GRID_COLUMNS, scale: GRID_SCALE, ...rows });
  } finally {
    gan.generator.train(wasTraining);
  }
}
