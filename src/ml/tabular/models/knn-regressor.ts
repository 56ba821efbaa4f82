/**
 * k-nearest-neighbour regression (scikit-learn's `KNeighborsRegressor`, brute force): the
 * prediction is the mean of the k nearest training rows' targets, Euclidean distance over the
 * encoded columns, `uniform` or `distance` (1/d) weights; with `distance`, a query that
 * coincides with training rows gets the mean of those rows. Ties at the k-th distance go to the
 * earlier training row, so results do not depend on anything but the data.
 *
 * Written here because ml-knn, the maintained JavaScript k-NN, classifies only (it votes on
 * labels). Brute force is the right search at these sizes (thousands of rows, tens of columns):
 * 10,000 queries against 1,500 rows take a fraction of a second.
 */
import { MlError } from '../../../errors.js';
import { wholeNumberOption, type EncodedRows, type FittedRegressor, type HyperParameters, type RegressorFamily } from './regressor.js';

type KnnWeights = NonNullable<HyperParameters['weights']>;

export class KnnRegressor implements FittedRegressor {
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #rows: number;
  readonly #width: number;
  readonly #k: number;
  readonly #weights: KnnWeights;

  constructor(data: EncodedRows, k: number, weights: KnnWeights) {
    if (k > data.rows) throw new MlError('E_ML_ARGUMENT', (o) => `${o('k')} ${k} exceeds the ${data.rows} training rows`);
    this.#x = data.x;
    this.#y = data.y;
    this.#rows = data.rows;
    this.#width = data.width;
    this.#k = k;
    this.#weights = weights;
  }

  predict(q: Float64Array, rows: number): Float64Array {
    const n = this.#rows;
    const w = this.#width;
    const k = this.#k;
    const x = this.#x;
    const out = new Float64Array(rows);
    // The k best so far, sorted by distance (insertion into a short sorted list).
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    for (let r = 0; r < rows; r++) {
      const qb = r * w;
      let found = 0;
      let worst = Infinity; // the k-th best distance once k are found
      for (let i = 0; i < n; i++) {
        const xb = i * w;
        let d = 0;
        // A partial sum already at the k-th best cannot enter the list (ties go to earlier rows).
        for (let j = 0; j < w && d < worst; j++) {
          const t = q[qb + j]! - x[xb + j]!;
          d += t * t;
        }
        if (d >= worst) continue;
        let p = found < k ? found++ : k - 1;
        while (p > 0 && bestD[p - 1]! > d) {
          bestD[p] = bestD[p - 1]!;
          bestI[p] = bestI[p - 1]!;
          p--;
        }
        bestD[p] = d;
        bestI[p] = i;
        if (found === k) worst = bestD[k - 1]!;
      }
      out[r] = this.#combine(bestD, bestI);
    }
    return out;
  }

  #combine(d2: Float64Array, index: Int32Array): number {
    const k = this.#k;
    const y = this.#y;
    let s = 0;
    if (this.#weights === 'uniform') {
      for (let m = 0; m < k; m++) s += y[index[m]!]!;
      return s / k;
    }
    if (d2[0] === 0) {
      // Exact matches: their mean (their weight 1/0 outweighs every other).
      let c = 0;
      for (let m = 0; m < k && d2[m] === 0; m++, c++) s += y[index[m]!]!;
      return s / c;
    }
    let ws = 0;
    for (let m = 0; m < k; m++) {
      const wt = 1 / Math.sqrt(d2[m]!);
      s += wt * y[index[m]!]!;
      ws += wt;
    }
    return s / ws;
  }

  state(): Record<string, unknown> {
    return { x: [...this.#x], y: [...this.#y], rows: this.#rows };
  }

  dispose(): void {}
}

/** k-NN's grid: k ∈ {1, 3, 5, 10, 20, 50} (those the training folds can hold) × both weightings. */
export const KNN_GRID_K = [1, 3, 5, 10, 20, 50] as const;

export const knnFamily: RegressorFamily = {
  name: 'knn',
  options: ['k', 'weights'],
  gridded: ['k', 'weights'],
  resolve: (h) => {
    const weights = h.weights ?? 'uniform';
    if (weights !== 'uniform' && weights !== 'distance') throw new MlError('E_ML_ARGUMENT', (o) => `${o('weights')} must be uniform or distance, got ${String(weights)}`);
    return { k: wholeNumberOption('k', h.k ?? 5), weights };
  },
  grid: (_base, data) => {
    // The CV fits see 4/5 of the training rows.
    const fit = Math.floor((data.rows * 4) / 5);
    const ks = KNN_GRID_K.filter((k) => k <= fit);
    return ks.flatMap((k): HyperParameters[] => [{ k, weights: 'uniform' }, { k, weights: 'distance' }]);
  },
  minRows: (h) => h.k ?? 5,
  fit: async (data, h) => new KnnRegressor(data, h.k!, h.weights as KnnWeights),
  load: (state, h, width) => {
    const x = state['x'];
    const y = state['y'];
    const rows = state['rows'];
    if (!Array.isArray(x) || !Array.isArray(y) || typeof rows !== 'number' || x.length !== rows * width || y.length !== rows) {
      throw new MlError('E_ML_CHECKPOINT', `the checkpoint's k-NN training rows do not match its encoding (${width} columns)`);
    }
    return new KnnRegressor({ x: Float64Array.from(x as number[]), y: Float64Array.from(y as number[]), rows, width }, h.k!, h.weights as KnnWeights);
  },
};
