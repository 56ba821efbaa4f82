/**
 * The metrics of DESIGN §5 on features: FID, KID, IS and precision/recall give the closed-form
 * values of DESIGN's checks and the numpy/scipy reference values of shared/reference/metrics.md;
 * FID is symmetric and FID and KID grow with the noise added to one set; batched statistics equal
 * one-shot ones; KID is reproducible from its seed; `dsi ml metrics` prints them from CSV files
 * and refuses bad files naming file and line. No tensor outlives the tests.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';
import {
  compareFeatureSets,
  featureMatrix,
  FeatureStatisticsAccumulator,
  featureStatistics,
  frechetDistance,
  inceptionScore,
  kernelInceptionDistance,
  nearestNeighbourDistances,
  precisionRecall,
  readFeatureCsv,
  type FeatureMatrix,
  type FeatureStatistics,
} from '../src/ml/evaluate/metrics/index.js';
import { subsetSampler } from '../src/ml/evaluate/metrics/seeded-sampling.js';
import * as torch from '../src/torch/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

let dir: string;
let startTensors = 0;

before(() => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-metrics-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor the metrics made is freed');
});

/** The reference inputs of metrics.md: X[i,j] = sin(0.7i + 1.3j), Y[i,j] = cos(0.5i − 0.9j) + 0.1j. */
function referenceSets(): { x: FeatureMatrix; y: FeatureMatrix } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 50; i++) {
    for (let j = 0; j < 4; j++) {
      x.push(Math.sin(0.7 * i + 1.3 * j));
      y.push(Math.cos(0.5 * i - 0.9 * j) + 0.1 * j);
    }
  }
  return { x: featureMatrix(x, 50, 4), y: featureMatrix(y, 50, 4) };
}

/** metrics.md's logits L[i,k] = 3 sin(i + 2k), 100 × 10. */
function referenceLogits(): FeatureMatrix {
  const l: number[] = [];
  for (let i = 0; i < 100; i++) for (let k = 0; k < 10; k++) l.push(3 * Math.sin(i + 2 * k));
  return featureMatrix(l, 100, 10);
}

/** n × d standard normal features (plus `shift`), from `seed`. */
function gaussian(n: number, d: number, seed: number, shift = 0): FeatureMatrix {
  const rng = new SeededRandom(seed);
  return featureMatrix(Float64Array.from({ length: n * d }, () => rng.normal() + shift), n, d);
}

/** `m` with Gaussian noise of standard deviation `sigma` added. */
function noisy(m: FeatureMatrix, sigma: number, seed: number): FeatureMatrix {
  const rng = new SeededRandom(seed);
  return featureMatrix(m.data.map((v) => v + sigma * rng.normal()), m.rows, m.cols);
}

function statistics(mean: number[] | Float64Array, cov: number[] | Float64Array, n = 10_000): FeatureStatistics {
  return { n, dim: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov) };
}

function identity(d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

function throwsMl(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlError, `expected an MlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

describe('FID: the checks of DESIGN §5 and the reference value', () => {
  it('FID(X, X) is 0', () => {
    const s = featureStatistics(gaussian(300, 16, 1));
    const { value, warnings } = frechetDistance(s, s);
    close(value, 0, 1e-10, 'FID(X, X)');
    assert.deepEqual(warnings, []);
  });

  it('μ₁ = 0, μ₂ = 1, Σ₁ = Σ₂ = I in d = 2048 gives exactly 2048', () => {
    const d = 2048;
    const { value, warnings } = frechetDistance(statistics(new Float64Array(d), identity(d)), statistics(new Float64Array(d).fill(1), identity(d)));
    assert.equal(value, 2048);
    assert.deepEqual(warnings, [], '10,000 samples > 2048 features: no warning');
  });

  it('Σ₁ = [[2,1],[1,2]], Σ₂ = I with equal means gives 4 − 2√3 (the eigendecomposition path)', () => {
    const { value } = frechetDistance(statistics([0.5, -1], [2, 1, 1, 2]), statistics([0.5, -1], [1, 0, 0, 1]));
    close(value, 4 - 2 * Math.sqrt(3), 1e-14, 'FID');
  });

  it('matches the reference value of metrics.md (N = 50, d = 4)', () => {
    const { x, y } = referenceSets();
    const { value } = frechetDistance(featureStatistics(x), featureStatistics(y));
    // Both covariances have rank 2 (sin(a + b) is a sum of two products), so two eigenvalues of
    // each are 0 up to rounding (~1e-16) and their square roots (~1e-8) decide the 8th digit: the
    // reference's scipy sqrtm is 1.7e-8 from the value computed at 40 digits (0.59325057498735),
    // numpy's eigh route 3e-8. Float64 cannot do better than about √ε here.
    close(value, 0.593250557934, 5e-8, 'FID against the numpy/scipy reference');
    close(value, 0.5932505749873545, 2e-8, 'FID against the 40-digit value');
  });

  it('is symmetric', () => {
    const a = featureStatistics(gaussian(200, 8, 2));
    const b = featureStatistics(gaussian(150, 8, 3, 0.3));
    const ab = frechetDistance(a, b).value;
    close(frechetDistance(b, a).value, ab, 1e-12 * ab, 'FID(b, a) against FID(a, b)');
    assert.ok(ab > 0.3);
  });

  it('warns when N ≤ feature dimension, naming the set', () => {
    const { warnings } = frechetDistance(featureStatistics(gaussian(8, 8, 4)), featureStatistics(gaussian(50, 8, 5)), ['real', 'generated']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^N ≤ feature dimension: the real set has 8 samples of 8 features/);
  });
});

describe('feature statistics', () => {
  it('batches of any size give the one-shot mean and covariance (to 1e-12 relative), even far from 0', () => {
    const m = gaussian(1000, 12, 6, 1e4);
    const whole = featureStatistics(m);
    const acc = new FeatureStatisticsAccumulator(12);
    let start = 0;
    for (const size of [1, 7, 0, 100, 392, 500]) {
      acc.add(featureMatrix(m.data.subarray(start * 12, (start + size) * 12), size, 12));
      start += size;
    }
    const batched = acc.finish();
    assert.equal(batched.n, 1000);
    for (let i = 0; i < 12; i++) close(batched.mean[i]!, whole.mean[i]!, 1e-12 * Math.abs(whole.mean[i]!), `mean[${i}]`);
    const scale = Math.max(...whole.cov.map(Math.abs));
    for (let i = 0; i < whole.cov.length; i++) close(batched.cov[i]!, whole.cov[i]!, 1e-12 * scale, `cov[${i}]`);
    // The covariance of N(1e4, 1) features is still ≈ I: no E[xxᵀ] − x̄x̄ᵀ cancellation.
    close(whole.cov[0]!, 1, 0.15, 'variance of feature 1');
  });

  it('uses ddof 1 and is symmetric', () => {
    const s = featureStatistics(featureMatrix([1, 2, 3, 4, 5, 7], 3, 2));
    assert.deepEqual([...s.mean], [3, 13 / 3]);
    close(s.cov[0]!, 4, 1e-15, 'var x');
    close(s.cov[1]!, 5, 1e-15, 'cov xy');
    assert.equal(s.cov[1], s.cov[2]);
    close(s.cov[3]!, 6.333333333333333, 1e-14, 'var y');
  });
});

describe('IS', () => {
  it('one split of balanced one-hot predictions over K classes is K; of uniform predictions, 1', () => {
    const k = 7;
    const oneHot = featureMatrix(Float64Array.from({ length: 5 * k * k }, (_, i) => (Math.floor(i / k) % k === i % k ? 1000 : 0)), 5 * k, k);
    close(inceptionScore(oneHot, { splits: 1 }).value, k, 1e-12, 'IS of one-hot');
    const uniform = featureMatrix(new Float64Array(40 * k).fill(2.5), 40, k);
    const u = inceptionScore(uniform, { splits: 4 });
    close(u.value, 1, 1e-14, 'IS of uniform');
    close(u.std, 0, 1e-14, 'its std');
  });

  it('matches the reference values of metrics.md: 10 contiguous splits without shuffle, and one split', () => {
    const l = referenceLogits();
    const ten = inceptionScore(l, { splits: 10, shuffle: false });
    close(ten.value, 2.158534109876, 1e-11, 'IS over 10 splits');
    close(ten.std, 0.04353653845, 1e-11, 'its population std');
    const one = inceptionScore(l, { splits: 1 });
    close(one.value, 2.219069522365, 1e-11, 'IS over one split');
    assert.equal(one.std, 0);
  });

  it('shuffles with its seed: reproducible, a different seed gives different splits, one split is unchanged', () => {
    const l = referenceLogits();
    const a = inceptionScore(l, { seed: 3 });
    assert.deepEqual(inceptionScore(l, { seed: 3 }), a);
    assert.notEqual(inceptionScore(l, { seed: 4 }).value, a.value);
    assert.notEqual(a.value, inceptionScore(l, { shuffle: false }).value);
    close(inceptionScore(l, { splits: 1, seed: 9 }).value, 2.219069522365, 1e-11, 'one split after a shuffle');
  });

  it('refuses more splits than samples and no samples; one sample scores 1', () => {
    throwsMl(() => inceptionScore(referenceLogits(), { splits: 101 }), 'E_ML_ARGUMENT', /splits must be a whole number in 1…100, got 101/);
    throwsMl(() => inceptionScore(featureMatrix([], 0, 2)), 'E_ML_DATA', /logits: 0 samples; at least 1/);
    close(inceptionScore(featureMatrix([1, 2], 1, 2), { splits: 1 }).value, 1, 1e-15, 'IS of one sample');
  });
});

describe('KID', () => {
  it('matches the reference value of metrics.md with one subset of the whole set', () => {
    const { x, y } = referenceSets();
    const r = kernelInceptionDistance(x, y, { subsets: 1, subsetSize: 50 });
    close(r.value, 0.225939157818, 1e-11, 'KID');
    assert.equal(r.std, 0);
    close(kernelInceptionDistance(x, y, { subsets: 3, subsetSize: 1000 }).value, 0.225939157818, 1e-11, 'a subset size beyond n uses the whole sets');
  });

  it('is reproducible from its seed and draws different subsets with another', () => {
    const a = gaussian(120, 6, 7);
    const b = gaussian(90, 6, 8, 0.2);
    const first = kernelInceptionDistance(a, b, { subsets: 20, subsetSize: 40, seed: 11 });
    assert.deepEqual(kernelInceptionDistance(a, b, { subsets: 20, subsetSize: 40, seed: 11 }), first);
    assert.notEqual(kernelInceptionDistance(a, b, { subsets: 20, subsetSize: 40, seed: 12 }).value, first.value);
    assert.ok(first.std > 0, 'subsets of 40 differ');
  });

  it('equals the estimator written out pair by pair, on the same seeded subsets, across groups of subsets', () => {
    const real = gaussian(1200, 3, 9);
    const gen = gaussian(1100, 3, 10, 0.3);
    const options = { subsets: 6, subsetSize: 1000, seed: 5 };
    // The draws kernelInceptionDistance makes: one SeededRandom, real then generated per subset.
    const rng = new SeededRandom(options.seed);
    const drawReal = subsetSampler(real.rows, rng);
    const drawGen = subsetSampler(gen.rows, rng);
    const k = (a: FeatureMatrix, i: number, b: FeatureMatrix, j: number) => {
      let dot = 0;
      for (let c = 0; c < 3; c++) dot += a.data[i * 3 + c]! * b.data[j * 3 + c]!;
      return (dot / 3 + 1) ** 3;
    };
    const m = 1000;
    const expected: number[] = [];
    for (let s = 0; s < options.subsets; s++) {
      const x = drawReal(m);
      const y = drawGen(m);
      let xx = 0;
      let yy = 0;
      let xy = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          if (i !== j) xx += k(real, x[i]!, real, x[j]!);
          if (i !== j) yy += k(gen, y[i]!, gen, y[j]!);
          xy += k(real, x[i]!, gen, y[j]!);
        }
      }
      expected.push(xx / (m * (m - 1)) + yy / (m * (m - 1)) - (2 * xy) / (m * m));
    }
    const mean = expected.reduce((a, b) => a + b) / expected.length;
    const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / expected.length);
    const r = kernelInceptionDistance(real, gen, options);
    close(r.value, mean, 1e-12, 'KID');
    close(r.std, std, 1e-12, 'its population std');
  });

  it('of two samples of one distribution is near 0 and can be negative', () => {
    const values = [1, 2, 3, 4, 5, 6].map((s) => kernelInceptionDistance(gaussian(200, 4, 100 + s), gaussian(200, 4, 200 + s), { subsets: 1 }).value);
    for (const v of values) assert.ok(Math.abs(v) < 0.15, `KID ${v}`);
    assert.ok(values.some((v) => v < 0), `some estimate below 0: ${values.join(', ')}`);
  });
});

describe('FID and KID grow with noise added to one set', () => {
  it('σ = 0, 0.25, 0.5, 1, 2 give increasing FID and KID', () => {
    const real = gaussian(400, 8, 20);
    const fids: number[] = [];
    const kids: number[] = [];
    for (const sigma of [0, 0.25, 0.5, 1, 2]) {
      const gen = noisy(real, sigma, 21);
      fids.push(frechetDistance(featureStatistics(real), featureStatistics(gen)).value);
      kids.push(kernelInceptionDistance(real, gen, { subsets: 10, subsetSize: 200, seed: 1 }).value);
    }
    for (let i = 1; i < fids.length; i++) {
      assert.ok(fids[i]! > fids[i - 1]!, `FID ${fids.join(', ')}`);
      assert.ok(kids[i]! > kids[i - 1]!, `KID ${kids.join(', ')}`);
    }
    close(fids[0]!, 0, 1e-10, 'FID at σ = 0');
  });
});

describe('precision and recall', () => {
  it('identical sets give 1 and 1; far disjoint sets give 0 and 0', () => {
    const a = gaussian(200, 5, 30);
    assert.deepEqual(precisionRecall(a, a), { precision: 1, recall: 1 });
    assert.deepEqual(precisionRecall(a, gaussian(150, 5, 31, 50)), { precision: 0, recall: 0 });
  });

  it('counts generated samples inside real balls and real samples inside generated balls (radius = k-th neighbour)', () => {
    // Real 0…9 on a line: with k = 1 each radius is 1. Generated 0.5 and 9.5 lie inside; 20 and 30 do not.
    // Generated radii (k = 1): 0.5 → 9, 9.5 → 9, 20 → 10, 30 → 10, so every real point is covered.
    const real = featureMatrix([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, 1);
    const gen = featureMatrix([0.5, 20, 30, 9.5], 4, 1);
    assert.deepEqual(precisionRecall(real, gen, { k: 1 }), { precision: 0.5, recall: 1 });
    // With k = 3 real radii are 2 or 3 (20 and 30 still outside); generated ones 29.5, 20.5, 19.5, 29.5.
    assert.deepEqual(precisionRecall(real, gen, { k: 3 }), { precision: 0.5, recall: 1 });
    // Generated 0, 0.1, 0.2, 0.3 (radii 0.1) all lie in real 0's ball but cover only real 0.
    const narrow = featureMatrix([0, 0.1, 0.2, 0.3], 4, 1);
    assert.deepEqual(precisionRecall(real, narrow, { k: 1 }), { precision: 1, recall: 0.1 }, 'mode collapse: full precision, low recall');
  });

  it('agrees with the definition written out pair by pair when the distances take several blocks', () => {
    // 3000 reference rows: blocks of ⌊2²²/3000⌋ = 1398 query rows, so three blocks per pass.
    const real = gaussian(3000, 6, 34);
    const gen = gaussian(2900, 6, 35, 0.2);
    const k = 3;
    const sq = (a: FeatureMatrix, i: number, b: FeatureMatrix, j: number) => {
      let s = 0;
      for (let c = 0; c < 6; c++) s += (a.data[i * 6 + c]! - b.data[j * 6 + c]!) ** 2;
      return s;
    };
    // The (k+1)-th smallest squared distance: the smallest is the sample itself.
    const radii = (a: FeatureMatrix) =>
      Float64Array.from({ length: a.rows }, (_, i) => {
        const smallest = new Array<number>(k + 1).fill(Infinity);
        for (let j = 0; j < a.rows; j++) {
          const d = sq(a, i, a, j);
          if (d < smallest[k]!) {
            smallest[k] = d;
            smallest.sort((x, y) => x - y);
          }
        }
        return smallest[k]!;
      });
    const inside = (q: FeatureMatrix, c: FeatureMatrix, r: Float64Array) => {
      let n = 0;
      for (let i = 0; i < q.rows; i++) {
        for (let j = 0; j < c.rows; j++) {
          if (sq(q, i, c, j) <= r[j]!) {
            n++;
            break;
          }
        }
      }
      return n;
    };
    const expected = { precision: inside(gen, real, radii(real)) / gen.rows, recall: inside(real, gen, radii(gen)) / real.rows };
    assert.deepEqual(precisionRecall(real, gen, { k }), expected);
    assert.ok(expected.precision > 0.3 && expected.precision < 1 && expected.recall > 0.3 && expected.recall < 1, JSON.stringify(expected));
    const nearest = nearestNeighbourDistances(gen, real);
    for (const i of [0, 1397, 1398, 2899]) {
      let best = Infinity;
      for (let j = 0; j < real.rows; j++) best = Math.min(best, sq(gen, i, real, j));
      close(nearest[i]!, Math.sqrt(best), 1e-12, `nearest distance of generated row ${i + 1}`);
    }
  });

  it('needs more than k samples in each set', () => {
    const a = gaussian(10, 3, 32);
    throwsMl(() => precisionRecall(a, gaussian(3, 3, 33)), 'E_ML_DATA', /k = 3 need more than 3 samples in each set; the generated set has 3/);
    throwsMl(() => precisionRecall(a, a, { k: 0 }), 'E_ML_ARGUMENT', /k must be a whole number ≥ 1, got 0/);
  });
});

describe('nearest-neighbour distances', () => {
  it('gives each query its distance to the closest reference row, exactly 0 for a copy', () => {
    const reference = gaussian(500, 16, 40, 100);
    const queries = featureMatrix([...reference.data.subarray(16 * 7, 16 * 8), ...new Float64Array(16).fill(100)], 2, 16);
    const d = nearestNeighbourDistances(queries, reference);
    assert.equal(d[0], 0, 'a copy of row 8 is at distance 0, not √rounding');
    let best = Infinity;
    for (let r = 0; r < 500; r++) {
      let s = 0;
      for (let j = 0; j < 16; j++) s += (reference.data[r * 16 + j]! - 100) ** 2;
      best = Math.min(best, Math.sqrt(s));
    }
    close(d[1]!, best, 1e-12 * best, 'distance of the mean point');
    assert.deepEqual([...nearestNeighbourDistances(featureMatrix([0, 0, 3, 4], 2, 2), featureMatrix([0, 0], 1, 2))], [0, 5]);
  });
});

describe('inputs are checked', () => {
  it('featureMatrix refuses NaN and Infinity naming row and column, and sizes that do not fit', () => {
    throwsMl(() => featureMatrix([1, 2, 3, NaN, 5, 6], 3, 2), 'E_ML_DATA', /row 2, column 2 is NaN/);
    throwsMl(() => featureMatrix(new Float32Array([1, Infinity]), 1, 2), 'E_ML_DATA', /row 1, column 2 is Infinity/);
    throwsMl(() => featureMatrix([1, 2, 3], 2, 2), 'E_ML_ARGUMENT', /2 rows × 2 columns need 4 numbers, got 3/);
  });

  it('the two sets must have the same dimension and at least two samples', () => {
    const a = gaussian(20, 4, 50);
    throwsMl(() => compareFeatureSets(a, gaussian(20, 5, 51)), 'E_ML_DATA', /the real samples have 4 features but the generated samples have 5/);
    throwsMl(() => kernelInceptionDistance(a, gaussian(20, 3, 52)), 'E_ML_DATA', /have 4 features but .* have 3/);
    throwsMl(() => compareFeatureSets(a, gaussian(1, 4, 53)), 'E_ML_DATA', /generated samples: 1 sample; at least 2/);
    throwsMl(() => featureStatistics(gaussian(1, 4, 54)), 'E_ML_DATA', /at least 2 samples, got 1/);
    throwsMl(() => kernelInceptionDistance(a, a, { subsetSize: 1 }), 'E_ML_ARGUMENT', /KID subset size must be a whole number ≥ 2, got 1/);
  });

  it('compareFeatureSets gives every value of `dsi ml metrics`', () => {
    const { x, y } = referenceSets();
    const r = compareFeatureSets(x, y, { kidSubsets: 1, kidSubsetSize: 50 });
    close(r.fid, 0.593250557934, 5e-8, 'fid');
    close(r.kid, 0.225939157818, 1e-11, 'kid');
    assert.deepEqual({ ...r, fid: 0, kid: 0 }, { fid: 0, kid: 0, kid_std: 0, precision: 0, recall: 0, n_real: 50, n_generated: 50, dim: 4, warnings: [] });
  });
});

describe('readFeatureCsv', () => {
  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  it('reads a header and rows; blank lines, CRLF, a BOM, quotes and exponents are fine', () => {
    const m = readFeatureCsv(write('ok.csv', '\ufeffa,"b"\r\n1,2.5\r\n\r\n-3e-2,".5"\r\n+4,5.\r\n'));
    assert.deepEqual({ rows: m.rows, cols: m.cols, data: [...m.data] }, { rows: 3, cols: 2, data: [1, 2.5, -0.03, 0.5, 4, 5] });
  });

  it('names file and line of a ragged row, a non-number, NaN, Infinity, and too few samples', () => {
    const cases: [string, string, RegExp][] = [
      ['ragged.csv', 'a,b\n1,2\n\n3\n', /ragged\.csv:4: 1 field, but the header has 2 columns/],
      ['word.csv', 'a,b\n1,2\n3,abc\n', /word\.csv:3: column 2 \(b\): "abc" is not a number/],
      ['nan.csv', 'a,b\n1,NaN\n3,4\n', /nan\.csv:2: column 2 \(b\): "NaN" is not a finite number/],
      ['inf.csv', 'a,b\n1,2\n-Infinity,4\n', /inf\.csv:3: column 1 \(a\): "-Infinity" is not a finite number/],
      ['empty-field.csv', 'a,b\n1,\n3,4\n', /empty-field\.csv:2: column 2 \(b\): "" is empty/],
      ['one.csv', 'a,b\n1,2\n', /one\.csv:2: 1 sample after the header; at least 2 are needed/],
      ['header-only.csv', 'a,b\n', /header-only\.csv:1: 0 samples/],
    ];
    for (const [name, text, pattern] of cases) throwsMl(() => readFeatureCsv(write(name, text)), 'E_ML_DATA', pattern);
    assert.throws(() => readFeatureCsv(path.join(dir, 'missing.csv')), { code: 'E_BAD_ARGUMENT', message: /missing\.csv: no such file or folder$/ });
  });
});

describe('dsi ml metrics', () => {
  function dsi(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [DSI, 'ml', 'metrics', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function csv(name: string, m: FeatureMatrix): string {
    const lines = [Array.from({ length: m.cols }, (_, j) => `f${j}`).join(',')];
    for (let i = 0; i < m.rows; i++) lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => String(v)).join(','));
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  it('prints the reference values as JSON with exactly the documented keys, and as a table', () => {
    const { x, y } = referenceSets();
    const real = csv('x.csv', x);
    const gen = csv('y.csv', y);
    const logits = csv('l.csv', referenceLogits());
    const r = dsi(['--real', real, '--generated', gen, '--kid-subsets', '1', '--kid-subset-size', '50', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(out), ['fid', 'kid', 'kid_std', 'precision', 'recall', 'n_real', 'n_generated', 'dim']);
    close(out['fid']!, 0.593250557934, 5e-8, 'fid');
    close(out['kid']!, 0.225939157818, 1e-11, 'kid');
    assert.deepEqual([out['n_real'], out['n_generated'], out['dim']], [50, 50, 4]);
    const is = JSON.parse(dsi(['--logits', logits, '--no-shuffle', '--json']).stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(is), ['is', 'is_std']);
    close(is['is']!, 2.158534109876, 1e-11, 'is');
    close(is['is_std']!, 0.04353653845, 1e-11, 'is_std');
    const both = dsi(['--real', real, '--generated', gen, '--logits', logits, '--splits', '1', '--json']);
    assert.deepEqual(Object.keys(JSON.parse(both.stdout) as object), ['fid', 'kid', 'kid_std', 'precision', 'recall', 'n_real', 'n_generated', 'dim', 'is', 'is_std']);
    close((JSON.parse(both.stdout) as Record<string, number>)['is']!, 2.219069522365, 1e-11, 'is over one split');
    const table = dsi(['--real', real, '--generated', gen, '--logits', logits]);
    assert.equal(table.status, 0, table.stderr);
    const [head, , values] = table.stdout.trim().split('\n');
    assert.deepEqual(head!.trim().split(/\s+/), ['fid', 'kid', 'kid_std', 'precision', 'recall', 'n_real', 'n_generated', 'dim', 'is', 'is_std']);
    assert.match(values!.trim().split(/\s+/)[0]!, /^0\.5932505\d+$/);
  });

  it('warns on stderr when N ≤ feature dimension', () => {
    const r = dsi(['--real', csv('small-real.csv', gaussian(6, 8, 60)), '--generated', csv('small-gen.csv', gaussian(30, 8, 61)), '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^dsi: warning: N ≤ feature dimension: the real set has 6 samples of 8 features/);
    assert.equal((JSON.parse(r.stdout) as { n_real: number }).n_real, 6);
  });

  it('refuses bad files with exit 1 naming file and line, and bad options with exit 2', () => {
    const good = csv('good.csv', gaussian(10, 3, 62));
    const bad: [string, string, RegExp][] = [
      ['ragged-cli.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n', /^dsi: .*ragged-cli\.csv:3: 2 fields, but the header has 3 columns/],
      ['nan-cli.csv', 'a,b,c\n1,2,3\n4,nan,6\n', /^dsi: .*nan-cli\.csv:3: column 2 \(b\): "nan" is not a finite number/],
      ['one-cli.csv', 'a,b,c\n1,2,3\n', /^dsi: .*one-cli\.csv:2: 1 sample after the header/],
      ['four-cli.csv', 'a,b,c,d\n1,2,3,4\n5,6,7,8\n9,1,2,3\n4,5,6,7\n', /^dsi: .*four-cli\.csv:1: 4 feature columns, but .*good\.csv has 3/],
    ];
    for (const [name, text, pattern] of bad) {
      fs.writeFileSync(path.join(dir, name), text);
      const r = dsi(['--real', good, '--generated', path.join(dir, name)]);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
    const onlyReal = dsi(['--real', good]);
    assert.equal(onlyReal.status, 2);
    assert.match(onlyReal.stderr, /--real and --generated go together/);
    assert.equal(dsi([]).status, 2);
    const splits = dsi(['--logits', good, '--splits', '11']);
    assert.equal(splits.status, 2);
    assert.match(splits.stderr, /--splits 11 is more than the 10 samples/);
    assert.notEqual(dsi(['--logits', good, '--seed', '-1']).status, 0);
  });
});
