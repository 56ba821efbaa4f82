/**
 * The SHAP core on plain functions (no models, no store): the reference values of metrics.md,
 * efficiency, linear models (φ = w·(x − mean B)), unused and symmetric features, Kernel SHAP by
 * full enumeration equal to exact, sampled Kernel SHAP and antithetic permutation sampling within
 * stated tolerances of exact, determinism by seed, background drawing, the image and tabular
 * maskers, superpixels and heat maps, and refusals with stable codes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlError } from '../src/errors.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';
import {
  blockSegmentation,
  drawBackground,
  exactShapley,
  heatmapImage,
  imageGame,
  kernelShap,
  MAX_EXACT_FEATURES,
  meanImage,
  permutationShap,
  shapleyValues,
  superpixelSegmentation,
  tabularGame,
  type CoalitionValues,
  type FeatureRow,
  type ShapleyResult,
} from '../src/ml/explain/index.js';
import { solveSymmetric } from '../src/ml/explain/symmetric-solve.js';

const REF_X = [1.5, -0.5, 1.0, 2.0];
const REF_B = [
  [0, 0, 0, 0],
  [1, 2, 0.5, -1],
  [-1, 0.5, 2, 1],
];
const refModel = (r: readonly number[]): number => r[0]! * r[1]! + Math.sin(r[2]!) * r[3]! + r[0]! ** 2;

/** The interventional game of a numeric model: v(S) = mean over b of f(x_S, b_S̄). */
function game(f: (row: readonly number[]) => number, x: readonly number[], background: readonly (readonly number[])[]): { v: CoalitionValues; calls: number[] } {
  const calls: number[] = [];
  const g = tabularGame({ x, background, predict: (rows) => Float64Array.from(rows, (r) => f(r as number[])) });
  return { v: (masks, count) => (calls.push(count), g.value(masks, count)), calls };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
}

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);
const efficiencyGap = (r: ShapleyResult): number => Math.abs(sum(r.values) - (r.prediction - r.baseValue));

function randomMatrix(rows: number, cols: number, seed: number): number[][] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
}

/** A model with interactions of three and more features, so no sampling method is exact by construction. */
function nonlinear(m: number): (r: readonly number[]) => number {
  return (r) => {
    let s = 0;
    for (let j = 0; j < m; j++) s += (0.3 + 0.1 * j) * r[j]!;
    for (let j = 0; j + 1 < m; j += 2) s += 0.5 * r[j]! * r[j + 1]!;
    for (let j = 0; j + 2 < m; j += 3) s += 0.4 * r[j]! * r[j + 1]! * r[j + 2]!;
    s += Math.tanh(r[0]! + r[m - 1]! - r[1]! + 0.5 * r[2]!);
    return s;
  };
}

function rejectsWith(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('SHAP reference values (metrics.md)', () => {
  it('exact Shapley values of x0·x1 + sin(x2)·x3 + x0² over the three background rows', () => {
    const { v } = game(refModel, REF_X, REF_B);
    const r = exactShapley(v, 4);
    close(r.values, [1.583333333333, -1.25, 0.306918014961, 1.232733325248], 1e-11, 'φ');
    assert.ok(Math.abs(sum(r.values) - 1.872984673542) < 1e-11, `Σφ = ${sum(r.values)}`);
    assert.ok(Math.abs(r.prediction - refModel(REF_X)) < 1e-15, 'prediction is f(x)');
    assert.ok(Math.abs(r.baseValue - REF_B.reduce((s, b) => s + refModel(b), 0) / 3) < 1e-15, 'base value is the background mean of f');
    assert.ok(efficiencyGap(r) < 1e-12);
    assert.equal(r.evaluations, 16);
  });

  it('the linear model w = [1, 2, 0, −3] gives [1.5, −2.666…, 0, −6] by every method', () => {
    const w = [1, 2, 0, -3];
    const { v } = game((r) => r.reduce((s, x, j) => s + w[j]! * x, 0), REF_X, REF_B);
    const expected = [1.5, -2.666666666667, 0, -6];
    close(exactShapley(v, 4).values, expected, 1e-11, 'exact');
    close(kernelShap(v, 4).values, expected, 1e-11, 'kernel');
    close(permutationShap(v, 4, { permutations: 1 }).values, expected, 1e-11, 'permutation');
  });
});

describe('exact and fully enumerated Kernel SHAP', () => {
  it('Kernel SHAP enumerating every coalition equals exact to 1e-10, both efficient to 1e-8', () => {
    for (const m of [3, 5, 8, 11]) {
      const background = randomMatrix(7, m, 10 + m);
      const x = randomMatrix(1, m, 20 + m)[0]!;
      const { v } = game(nonlinear(m), x, background);
      const exact = exactShapley(v, m);
      const kernel = kernelShap(v, m);
      assert.equal(kernel.evaluations, 2 ** m, `M = ${m}: the default budget covers all 2^M coalitions`);
      close(kernel.values, exact.values, 1e-10, `M = ${m}`);
      assert.ok(efficiencyGap(exact) < 1e-8 && efficiencyGap(kernel) < 1e-8);
    }
  });

  it('a linear model gets φ = w·(x − mean of the background), for random data, by every method', () => {
    const m = 9;
    const rng = new SeededRandom(3);
    const w = Array.from({ length: m }, () => rng.normal());
    const background = randomMatrix(25, m, 4);
    const x = randomMatrix(1, m, 5)[0]!;
    const mean = Array.from({ length: m }, (_, j) => background.reduce((s, b) => s + b[j]!, 0) / background.length);
    const expected = w.map((wj, j) => wj * (x[j]! - mean[j]!));
    const { v } = game((r) => r.reduce((s, xj, j) => s + w[j]! * xj, 0), x, background);
    close(exactShapley(v, m).values, expected, 1e-10, 'exact');
    close(kernelShap(v, m).values, expected, 1e-10, 'kernel, enumerated');
    close(kernelShap(v, m, { samples: 60, seed: 1 }).values, expected, 1e-9, 'kernel, 60 sampled coalitions (an additive game is fitted exactly)');
    close(permutationShap(v, m, { permutations: 2, seed: 1 }).values, expected, 1e-10, 'permutation');
  });

  it('a feature the model ignores gets 0, and symmetric features get equal values', () => {
    const m = 5;
    // Feature 3 is unused; features 0 and 1 enter symmetrically and have equal values in x and every background row.
    const f = (r: readonly number[]) => r[0]! * r[1]! + Math.exp(0.3 * (r[0]! + r[1]!)) + r[2]! * r[4]! + Math.sin(r[2]!);
    const background = randomMatrix(6, m, 7).map((b) => [b[0]!, b[0]!, b[2]!, b[3]!, b[4]!]);
    const x = [0.7, 0.7, -1.2, 3.3, 0.4];
    const { v } = game(f, x, background);
    for (const r of [exactShapley(v, m), kernelShap(v, m)]) {
      assert.ok(Math.abs(r.values[3]!) < 1e-12, `unused feature: ${r.values[3]}`);
      assert.ok(Math.abs(r.values[0]! - r.values[1]!) < 1e-12, `symmetric: ${r.values[0]} vs ${r.values[1]}`);
      assert.ok(Math.abs(r.values[0]!) > 1e-3, 'and not trivially zero');
    }
    const p = permutationShap(v, m, { permutations: 50, seed: 2 });
    assert.ok(Math.abs(p.values[3]!) < 1e-12, 'permutation: an unused feature never changes a value');
  });

  it('antithetic permutation sampling is exact for a model whose terms involve at most two features', () => {
    // The reference model's game has interactions of order two only: each order and its reverse credit them half and half.
    const { v } = game(refModel, REF_X, REF_B);
    close(permutationShap(v, 4, { permutations: 1, seed: 9 }).values, exactShapley(v, 4).values, 1e-12, 'one pair of orders');
  });

  it('one feature: every method gives f(x) − E[f]', () => {
    const { v } = game((r) => r[0]! ** 3, [2], [[0], [1]]);
    for (const r of [exactShapley(v, 1), kernelShap(v, 1), permutationShap(v, 1)]) close(r.values, [8 - 0.5], 1e-12, 'φ');
  });
});

describe('sampled estimates against exact', () => {
  const m = MAX_EXACT_FEATURES; // 14: 16,382 coalitions to choose from, the default budget 2,076
  const background = randomMatrix(10, m, 31);
  const x = randomMatrix(1, m, 32)[0]!.map((v) => 1.5 * v);
  const { v } = game(nonlinear(m), x, background);
  const exact = exactShapley(v, m);
  const norm = Math.sqrt(sum(exact.values.map((e) => e * e)));
  const relError = (r: ShapleyResult) => Math.sqrt(sum(r.values.map((e, j) => (e - exact.values[j]!) ** 2))) / norm;

  // Tolerances: over seeds 0–19 the relative L2 error was at most 2.2 % (kernel) and 5.2 %
  // (permutation), 1.7 % and 3.0 % on average.
  it('Kernel SHAP with the default budget is within 3 % (relative L2) of exact over 14 features, efficiency exact', () => {
    const r = kernelShap(v, m, { seed: 0 });
    assert.equal(r.evaluations, 2 * m + 2048 + 2);
    assert.ok(relError(r) < 0.03, `relative error ${relError(r)}`);
    assert.ok(efficiencyGap(r) < 1e-10);
  });

  it('antithetic permutation sampling with the same budget is within 6 % of exact, efficiency exact', () => {
    const r = permutationShap(v, m, { seed: 0 });
    assert.ok(r.evaluations <= 2 * m + 2048 + 2 * (m - 1) + 2, `${r.evaluations} coalitions`);
    assert.ok(relError(r) < 0.06, `relative error ${relError(r)}`);
    assert.ok(efficiencyGap(r) < 1e-10);
  });

  it('more samples give a better Kernel estimate, and the same seed the same values', () => {
    const few = kernelShap(v, m, { samples: 300, seed: 4 });
    const many = kernelShap(v, m, { samples: 8000, seed: 4 });
    assert.ok(relError(many) < relError(few), `${relError(many)} < ${relError(few)}`);
    assert.deepEqual(kernelShap(v, m, { samples: 300, seed: 4 }).values, few.values);
    assert.notDeepEqual(kernelShap(v, m, { samples: 300, seed: 5 }).values, few.values);
    assert.deepEqual(permutationShap(v, m, { permutations: 5, seed: 4 }).values, permutationShap(v, m, { permutations: 5, seed: 4 }).values);
    assert.notDeepEqual(permutationShap(v, m, { permutations: 5, seed: 4 }).values, permutationShap(v, m, { permutations: 5, seed: 5 }).values);
  });
});

describe('shapleyValues: method choice and features that do not vary', () => {
  it('exact up to 12 varying features, kernel beyond; constant features get 0 and are left out', () => {
    const m = 16;
    const background = randomMatrix(5, m, 41);
    // Features 0 … 5 equal the background everywhere: 10 vary.
    for (const b of background) for (let j = 0; j < 6; j++) b[j] = 0.25;
    const x = randomMatrix(1, m, 42)[0]!;
    for (let j = 0; j < 6; j++) x[j] = 0.25;
    const g = tabularGame({ x, background, predict: (rows) => Float64Array.from(rows, (r) => nonlinear(m)(r as number[])) });
    const r = shapleyValues(g);
    assert.equal(r.method, 'exact');
    assert.equal(r.active, 10);
    assert.equal(r.evaluations, 2 ** 10);
    for (let j = 0; j < 6; j++) assert.equal(r.values[j], 0);
    assert.ok(Math.abs(sum(r.values) - (r.prediction - r.baseValue)) < 1e-10);
    const all = tabularGame({ x: randomMatrix(1, m, 43)[0]!, background, predict: (rows) => Float64Array.from(rows, (row) => nonlinear(m)(row as number[])) });
    assert.equal(shapleyValues(all).method, 'kernel');
  });

  it('exact beyond 14 varying features is refused before the model runs, naming the other methods', () => {
    let calls = 0;
    const g = tabularGame({ x: Array(20).fill(1), background: [Array(20).fill(0)], predict: (rows) => ((calls += rows.length), new Float64Array(rows.length)) });
    rejectsWith(() => shapleyValues(g, { method: 'exact' }), 'E_ML_ARGUMENT', /method kernel.*method permutation/);
    rejectsWith(() => exactShapley(g.value, 20), 'E_ML_ARGUMENT', /kernel/);
    assert.equal(calls, 0);
  });

  it('a model that returns NaN or the wrong number of values is refused with E_ML_DATA', () => {
    rejectsWith(() => exactShapley((_m, n) => new Float64Array(n).fill(NaN), 3), 'E_ML_DATA', /NaN/);
    rejectsWith(() => kernelShap((_m, n) => new Float64Array(n + 1), 3), 'E_ML_DATA');
    rejectsWith(() => permutationShap((_m, n) => new Float64Array(n), 0), 'E_ML_ARGUMENT');
    rejectsWith(() => kernelShap((_m, n) => new Float64Array(n), 3, { samples: 0 }), 'E_ML_ARGUMENT');
  });
});

describe('drawBackground', () => {
  it('draws K distinct ascending rows by seed, and every row when K is at least their number', () => {
    const a = drawBackground(1000, 100, 0);
    assert.equal(a.length, 100);
    assert.equal(new Set(a).size, 100);
    assert.ok(a.every((v, i) => v >= 0 && v < 1000 && (i === 0 || v > a[i - 1]!)));
    assert.deepEqual(drawBackground(1000, 100, 0), a);
    assert.notDeepEqual(drawBackground(1000, 100, 1), a);
    assert.deepEqual(Array.from(drawBackground(3, 100, 5)), [0, 1, 2]);
    assert.deepEqual(Array.from(drawBackground(3, 3, 5)), [0, 1, 2]);
  });

  it('refuses K < 1 and an empty table', () => {
    rejectsWith(() => drawBackground(10, 0, 0), 'E_ML_ARGUMENT', /^background must be/);
    rejectsWith(() => drawBackground(0, 5, 0), 'E_ML_DATA');
  });
});

describe('maskers', () => {
  it('the tabular masker swaps text cells whole and batches whole coalitions', () => {
    const seen: number[] = [];
    const predict = (rows: readonly FeatureRow[]) => {
      seen.push(rows.length);
      return Float64Array.from(rows, (r) => (r[0] === 'red' ? 10 : 0) + (r[1] as number));
    };
    const x: FeatureRow = ['red', 3];
    const background: FeatureRow[] = [['blue', 1], ['green', 2], ['red', 0]];
    const small = tabularGame({ x, background, predict, batchRows: 7 });
    const r = exactShapley(small.value, 2);
    // f separates: φ_colour = 10 − 10/3, φ_number = 3 − 1.
    close(r.values, [10 - 10 / 3, 2], 1e-12, 'φ');
    assert.ok(seen.every((n) => n <= 7 && n % 3 === 0), `batches ${seen.join(', ')}`);
    assert.deepEqual(small.varying, [true, true]);
  });

  it('the image masker keeps present segments from the image and the rest from each background image', () => {
    const size = 4;
    const seg = blockSegmentation(size, size, 2);
    assert.deepEqual(seg.names, ['block r1 c1', 'block r1 c2', 'block r2 c1', 'block r2 c2']);
    const image = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
    const background = Uint8Array.from({ length: 32 }, (_, i) => (i < 16 ? 0 : 50));
    const composites: Uint8Array[] = [];
    const weights = Float64Array.from({ length: 16 }, (_, i) => (i % 5) - 2);
    const g = imageGame({
      image,
      background,
      backgroundCount: 2,
      channels: 1,
      height: size,
      width: size,
      segmentation: seg,
      predict: (pixels, n) => {
        for (let i = 0; i < n; i++) composites.push(pixels.slice(i * 16, (i + 1) * 16));
        return Float64Array.from({ length: n }, (_, i) => pixels.subarray(i * 16, (i + 1) * 16).reduce((s, p, k) => s + weights[k]! * p, 0));
      },
    });
    const masks = Uint8Array.of(1, 0, 0, 1);
    g.value(masks, 1);
    // Block r1 c1 is pixels 0, 1, 4, 5; block r2 c2 is 10, 11, 14, 15.
    const first = composites[0]!;
    assert.deepEqual([first[0], first[5], first[15], first[2], first[8]], [100, 105, 115, 0, 0]);
    assert.deepEqual([composites[1]![0], composites[1]![2]], [100, 50]);
    // A linear pixel model: φ of a block = Σ over its pixels w·(x − mean background).
    const r = exactShapley(g.value, 4);
    const expected = [0, 1, 2, 3].map((s) => Array.from(seg.labels).reduce((acc, l, p) => (l === s ? acc + weights[p]! * (image[p]! - 25) : acc), 0));
    close(r.values, expected, 1e-9, 'φ');
  });

  it('the mean image is the rounded pixel-wise mean', () => {
    assert.deepEqual(Array.from(meanImage(Uint8Array.of(0, 10, 255, 1, 11, 255), 2, 3)), [1, 11, 255]);
  });
});

describe('superpixels and heat maps', () => {
  /** A 28 × 28 ring with a bar: enough structure for segments to follow. */
  const picture = Uint8Array.from({ length: 784 }, (_, p) => {
    const y = Math.floor(p / 28);
    const x = p % 28;
    const r = Math.hypot(y - 13.5, x - 13.5);
    return (r > 6 && r < 10) || (x > 12 && x < 15 && y > 4 && y < 24) ? 230 : 10;
  });

  it('superpixels cover every pixel with 4-connected segments, about as many as asked, the same every time', () => {
    const s = superpixelSegmentation(picture, 1, 28, 28, { segments: 49 });
    assert.ok(s.count >= 20 && s.count <= 100, `${s.count} segments`);
    assert.equal(s.names.length, s.count);
    assert.ok(s.labels.every((l) => l >= 0 && l < s.count));
    for (let l = 0; l < s.count; l++) {
      const pixels = [...s.labels.keys()].filter((p) => s.labels[p] === l);
      assert.ok(pixels.length > 0, `segment ${l} is empty`);
      // Flood fill from the first pixel reaches all of the segment.
      const seen = new Set([pixels[0]!]);
      const stack = [pixels[0]!];
      while (stack.length > 0) {
        const p = stack.pop()!;
        const y = Math.floor(p / 28);
        const x = p % 28;
        for (const q of [x > 0 ? p - 1 : -1, x < 27 ? p + 1 : -1, y > 0 ? p - 28 : -1, y < 27 ? p + 28 : -1]) {
          if (q >= 0 && s.labels[q] === l && !seen.has(q)) {
            seen.add(q);
            stack.push(q);
          }
        }
      }
      assert.equal(seen.size, pixels.length, `segment ${l} is not connected`);
    }
    assert.deepEqual(superpixelSegmentation(picture, 1, 28, 28, { segments: 49 }).labels, s.labels);
  });

  it('the heat map is the image scaled 10×, red where values are positive and blue where negative', () => {
    const seg = blockSegmentation(28, 28, 7);
    const values = new Float64Array(49);
    values[0] = 2;
    values[48] = -1;
    const h = heatmapImage({ image: new Uint8Array(784).fill(10), channels: 1, height: 28, width: 28, segmentation: seg, values });
    assert.equal(h.width, 280);
    assert.equal(h.height, 280);
    const at = (x: number, y: number) => Array.from(h.data.subarray((y * 280 + x) * 3, (y * 280 + x) * 3 + 3));
    const grey = at(140, 140);
    assert.ok(grey[0] === grey[1] && grey[1] === grey[2], `a zero-value block stays grey: ${grey}`);
    const [r0, , b0] = at(5, 5);
    assert.ok(r0! > 150 && b0! < 50, `top left is red: ${at(5, 5)}`);
    const [r1, , b1] = at(275, 275);
    assert.ok(b1! > r1! + 50, `bottom right is blue: ${at(275, 275)}`);
    assert.ok(r0! - grey[0]! > b1! - grey[2]!, 'the larger |value| gets the stronger tint');
  });
});

describe('solveSymmetric', () => {
  it('solves a positive definite system and gives the minimum-norm solution of a singular one', () => {
    close(solveSymmetric(Float64Array.of(4, 1, 1, 3), Float64Array.of(1, 2), 2), [1 / 11, 7 / 11], 1e-14, 'SPD');
    // [[1, 1], [1, 1]] x = [2, 2]: the minimum-norm solution is [1, 1].
    close(solveSymmetric(Float64Array.of(1, 1, 1, 1), Float64Array.of(2, 2), 2), [1, 1], 1e-12, 'singular');
  });
});
