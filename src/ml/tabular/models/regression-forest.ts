/**
 * Random-forest regression as Breiman's and scikit-learn's `RandomForestRegressor` with its
 * defaults: each tree a CART grown on a bootstrap sample of the training rows (as many draws as
 * rows), splits minimising the summed squared error over every feature (`max_features = 1.0`,
 * scikit-learn's regression default), thresholds halfway between neighbouring values (x ≤ t
 * goes left), leaves of at least one row, depth limited by `max_depth` (null: none); the forest
 * predicts the mean of its trees. Tree t's bootstrap comes from SeededRandom(mixSeed(seed, t)),
 * so a seed fixes the forest and ties between equally good splits go to the first feature and
 * the lowest threshold.
 *
 * Written here rather than taken from ml-random-forest 2.1 / ml-cart 2.1 (measured): ml-cart
 * tries every candidate threshold with a fresh pass over the node's rows, quadratic in the rows,
 * so one 50-tree forest on 1,200 rows takes 14 s and a 5-fold grid would take minutes; and it
 * bags features per tree rather than per split. Here each feature's rows are sorted once per fit
 * and kept sorted through the splits, so a node costs O(features × rows) and a tree
 * O(features × rows × depth): the same forest fits in well under a second.
 */
import { MlError } from '../../../errors.js';
import { mixSeed, SeededRandom } from '../../data/seeded-random.js';
import { wholeNumberOption, type EncodedRows, type FittedRegressor, type HyperParameters, type RegressorFamily } from './regressor.js';

/** A tree in preorder: node i's left child is i + 1; a leaf has feature −1 and its prediction in `value`. */
export interface RegressionTree {
  readonly feature: Int32Array;
  /** The threshold of a split node, the prediction of a leaf. */
  readonly value: Float64Array;
  /** The right child of a split node (−1 for a leaf). */
  readonly right: Int32Array;
}

type Growing = { [K in keyof RegressionTree]: number[] };

/** Grows trees over one training set; the per-feature sort is shared by every tree. */
class TreeGrower {
  /** The features column by column: feature f of row i at f·n + i (a node's sweep stays in one column). */
  readonly #xt: Float64Array;
  /** The target minus its mean: sums of squares stay exact for targets in the 1e5s. */
  readonly #yc: Float64Array;
  readonly #yMean: number;
  readonly #n: number;
  readonly #w: number;
  readonly #maxDepth: number;
  /** Row indices sorted by each feature (ties by row), feature f at [f·n, (f+1)·n). */
  readonly #sorted: Int32Array;
  /** The current tree's sample sorted by each feature, rows repeated as often as drawn. */
  readonly #order: Int32Array;
  readonly #buffer: Int32Array;
  readonly #goesLeft: Uint8Array;

  constructor(data: EncodedRows, maxDepth: number) {
    const { x, y, rows: n, width: w } = data;
    this.#n = n;
    this.#w = w;
    this.#maxDepth = maxDepth;
    this.#xt = new Float64Array(n * w);
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) this.#xt[f * n + i] = x[i * w + f]!;
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    this.#yMean = s / n;
    this.#yc = new Float64Array(n);
    for (let i = 0; i < n; i++) this.#yc[i] = y[i]! - this.#yMean;
    this.#sorted = new Int32Array(n * w);
    const rows = Array.from({ length: n }, (_, i) => i);
    for (let f = 0; f < w; f++) {
      const xt = this.#xt;
      rows.sort((a, b) => xt[f * n + a]! - xt[f * n + b]! || a - b);
      this.#sorted.set(rows, f * n);
    }
    this.#order = new Int32Array(n * w);
    this.#buffer = new Int32Array(n);
    this.#goesLeft = new Uint8Array(n);
  }

  /** A tree on the sample in which row i appears counts[i] times (Σ counts = n). */
  grow(counts: Int32Array): RegressionTree {
    const n = this.#n;
    const w = this.#w;
    const order = this.#order;
    const sorted = this.#sorted;
    for (let f = 0; f < w; f++) {
      let p = f * n;
      for (let q = f * n; q < (f + 1) * n; q++) {
        const row = sorted[q]!;
        for (let c = counts[row]!; c > 0; c--) order[p++] = row;
      }
    }
    const tree: Growing = { feature: [], value: [], right: [] };
    this.#node(tree, 0, n, 0);
    return { feature: Int32Array.from(tree.feature), value: Float64Array.from(tree.value), right: Int32Array.from(tree.right) };
  }

  #node(tree: Growing, lo: number, hi: number, depth: number): void {
    const xt = this.#xt;
    const yc = this.#yc;
    const n = this.#n;
    const w = this.#w;
    const order = this.#order;
    const m = hi - lo;
    const index = tree.feature.length;
    let total = 0;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (let p = lo; p < hi; p++) {
      const v = yc[order[p]!]!;
      total += v;
      if (v < yMin) yMin = v;
      if (v > yMax) yMax = v;
    }
    const leaf = (): void => {
      tree.feature.push(-1);
      tree.value.push(total / m + this.#yMean);
      tree.right.push(-1);
    };
    if (m < 2 || depth >= this.#maxDepth || yMin === yMax) return leaf();

    let bestScore = (total * total) / m;
    let bestFeature = -1;
    let bestPos = -1;
    let bestLeft = 0;
    for (let f = 0; f < w; f++) {
      const base = f * n;
      let left = 0;
      let row = order[base + lo]!;
      let value = xt[base + row]!;
      for (let p = lo; p < hi - 1; p++) {
        left += yc[row]!;
        const next = order[base + p + 1]!;
        const nextValue = xt[base + next]!;
        if (nextValue !== value) {
          const nl = p - lo + 1;
          const right = total - left;
          const score = (left * left) / nl + (right * right) / (m - nl);
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            bestPos = p;
            bestLeft = left;
          }
        }
        row = next;
        value = nextValue;
      }
    }
    if (bestFeature < 0) return leaf();

    const fb = bestFeature * n;
    const a = xt[fb + order[fb + bestPos]!]!;
    const b = xt[fb + order[fb + bestPos + 1]!]!;
    let threshold = (a + b) / 2;
    if (threshold >= b) threshold = a;
    const nl = bestPos - lo + 1;
    if (depth + 1 >= this.#maxDepth) {
      // Both children are leaves at the depth limit: their means are known, no partition needed.
      tree.feature.push(bestFeature, -1, -1);
      tree.value.push(threshold, bestLeft / nl + this.#yMean, (total - bestLeft) / (m - nl) + this.#yMean);
      tree.right.push(index + 2, -1, -1);
      return;
    }
    const goesLeft = this.#goesLeft;
    const buffer = this.#buffer;
    for (let p = fb + lo; p <= fb + bestPos; p++) goesLeft[order[p]!] = 1;
    // Keep every other feature's slice sorted: stable partition into left rows, then right rows.
    for (let f = 0; f < w; f++) {
      if (f === bestFeature) continue;
      const base = f * n;
      let l = base + lo;
      let r = 0;
      for (let p = base + lo; p < base + hi; p++) {
        const row = order[p]!;
        if (goesLeft[row] === 1) order[l++] = row;
        else buffer[r++] = row;
      }
      order.set(buffer.subarray(0, r), l);
    }
    for (let p = fb + lo; p <= fb + bestPos; p++) goesLeft[order[p]!] = 0;

    tree.feature.push(bestFeature);
    tree.value.push(threshold);
    tree.right.push(-1);
    this.#node(tree, lo, lo + nl, depth + 1);
    tree.right[index] = tree.feature.length;
    this.#node(tree, lo + nl, hi, depth + 1);
  }
}

/** The trees' prediction for one encoded row at `x[base…]`. */
function treePredict(tree: RegressionTree, x: Float64Array, base: number): number {
  let i = 0;
  const { feature, value, right } = tree;
  for (let f = feature[0]!; f >= 0; f = feature[i]!) i = x[base + f]! <= value[i]! ? i + 1 : right[i]!;
  return value[i]!;
}

export class RegressionForest implements FittedRegressor {
  readonly #trees: readonly RegressionTree[];
  readonly #width: number;

  constructor(trees: readonly RegressionTree[], width: number) {
    this.#trees = trees;
    this.#width = width;
  }

  /** Grows `trees` trees on bootstrap samples of `data` (see the file comment). */
  static fit(data: EncodedRows, trees: number, maxDepth: number | null, seed: number): RegressionForest {
    const grower = new TreeGrower(data, maxDepth ?? Infinity);
    const n = data.rows;
    const counts = new Int32Array(n);
    const out: RegressionTree[] = [];
    for (let t = 0; t < trees; t++) {
      counts.fill(0);
      const rng = new SeededRandom(mixSeed(seed, t, 0xf0e5));
      for (let i = 0; i < n; i++) counts[Math.floor(rng.next() * n)]!++;
      out.push(grower.grow(counts));
    }
    return new RegressionForest(out, data.width);
  }

  get trees(): readonly RegressionTree[] {
    return this.#trees;
  }

  predict(x: Float64Array, rows: number): Float64Array {
    const out = new Float64Array(rows);
    const w = this.#width;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (const t of this.#trees) s += treePredict(t, x, r * w);
      out[r] = s / this.#trees.length;
    }
    return out;
  }

  state(): Record<string, unknown> {
    return { trees: this.#trees.map((t) => ({ feature: [...t.feature], value: [...t.value], right: [...t.right] })) };
  }

  dispose(): void {}
}

export const FOREST_GRID = { trees: [50, 100], max_depth: [4, 8, null] } as const;

export const forestFamily: RegressorFamily = {
  name: 'random-forest',
  options: ['trees', 'max_depth'],
  gridded: ['trees', 'max_depth'],
  resolve: (h) => {
    const trees = wholeNumberOption('trees', h.trees ?? 100);
    return { trees, max_depth: h.max_depth == null ? null : wholeNumberOption('maxDepth', h.max_depth) };
  },
  grid: () => FOREST_GRID.trees.flatMap((trees) => FOREST_GRID.max_depth.map((max_depth): HyperParameters => ({ trees, max_depth }))),
  minRows: () => 2,
  fit: async (data, h, context) => RegressionForest.fit(data, h.trees!, h.max_depth ?? null, context.seed),
  load: (state, _h, width) => {
    const trees = state['trees'];
    if (!Array.isArray(trees)) throw new MlError('E_ML_CHECKPOINT', "the checkpoint's forest has no trees");
    return new RegressionForest(
      trees.map((t: { feature?: unknown; value?: unknown; right?: unknown }) => {
        if (!Array.isArray(t.feature) || !Array.isArray(t.value) || !Array.isArray(t.right) || t.feature.length !== t.value.length || t.feature.length !== t.right.length) {
          throw new MlError('E_ML_CHECKPOINT', "a tree of the checkpoint's forest is damaged");
        }
        if (t.feature.some((f: number) => f >= width)) throw new MlError('E_ML_CHECKPOINT', `a tree of the checkpoint's forest uses a column beyond its encoding's ${width}`);
        return { feature: Int32Array.from(t.feature as number[]), value: Float64Array.from(t.value as number[]), right: Int32Array.from(t.right as number[]) };
      }),
      width,
    );
  },
};
