/**
 * The diversity metric on synthetic features: identical points have no spread (0), two samples of
 * one distribution have a ratio of 1 within four standard deviations of the estimator (bounded
 * from the sample size and the spread of the pairwise distances), a collapsed set a small ratio;
 * the value is the brute-force mean over pairs, reproducible from its seed when subsampled,
 * unchanged by moving or scaling both sets; bad input is refused with a stable code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlError } from '../src/errors.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';
import { diversityRatio, featureMatrix, meanPairwiseDistance, type FeatureMatrix } from '../src/ml/evaluate/metrics/index.js';

/** n samples of d independent normal features of scale `sigma` around `centre`, as Float32Array features are given. */
function gaussian(n: number, d: number, seed: number, sigma = 1, centre = 0): FeatureMatrix {
  const rng = new SeededRandom(seed);
  return featureMatrix(Float32Array.from({ length: n * d }, () => centre + sigma * rng.normal()), n, d);
}

/** Every pairwise distance of `m`, written out. */
function pairDistances(m: FeatureMatrix): number[] {
  const out: number[] = [];
  for (let a = 0; a < m.rows; a++) {
    for (let b = a + 1; b < m.rows; b++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += (m.data[a * m.cols + j]! - m.data[b * m.cols + j]!) ** 2;
      out.push(Math.sqrt(s));
    }
  }
  return out;
}

function meanAndSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) };
}

const code = (c: string, re: RegExp) => (e: unknown) => e instanceof MlError && e.code === c && re.test(e.message);

describe('feature diversity', () => {
  it('is the mean distance over pairs: a closed form, and the brute-force mean', () => {
    assert.equal(meanPairwiseDistance(featureMatrix([0, 0, 3, 4, 0, 0], 3, 2)), 10 / 3);
    const m = gaussian(60, 5, 11);
    const brute = meanAndSd(pairDistances(m)).mean;
    assert.ok(Math.abs(meanPairwiseDistance(m) - brute) <= 1e-12 * brute, `${meanPairwiseDistance(m)} vs ${brute}`);
  });

  it('identical points have no spread: mean distance 0, ratio 0', () => {
    const same = featureMatrix(Float32Array.from({ length: 50 * 8 }, (_, i) => Math.sin(i % 8) * 3), 50, 8);
    assert.equal(meanPairwiseDistance(same), 0);
    const r = diversityRatio(same, gaussian(50, 8, 1));
    assert.equal(r.value, 0);
    assert.equal(r.generated, 0);
    assert.ok(r.real > 0);
  });

  it('two samples of one distribution: ratio 1 within 4 standard deviations of the estimator', () => {
    const n = 500;
    const d = 16;
    const real = gaussian(n, d, 1);
    const gen = gaussian(n, d, 2);
    // Each mean over pairs is a U-statistic of degree 2: its variance is at most (2/n)·Var(distance)
    // (Hoeffding), so the ratio's standard deviation is at most √2 · √(2/n) · sd/mean = 2·cv/√n.
    const { mean, sd } = meanAndSd(pairDistances(real));
    const tolerance = 4 * ((2 * sd) / mean / Math.sqrt(n));
    const r = diversityRatio(gen, real);
    assert.ok(Math.abs(r.value - 1) <= tolerance, `ratio ${r.value}, tolerance ${tolerance}`);
    assert.ok(tolerance < 0.1, `the test is sharp enough: ${tolerance}`);
    // The expected distance between two standard normals in d dimensions is about √(2d).
    assert.ok(Math.abs(r.real / Math.sqrt(2 * d) - 1) < 0.05, `${r.real} vs √(2d) = ${Math.sqrt(2 * d)}`);
  });

  it('a collapsed set has a small ratio, a wider one a larger ratio', () => {
    const real = gaussian(400, 16, 3);
    const collapsed = gaussian(400, 16, 4, 0.05, 0.7); // every sample near one point
    assert.ok(diversityRatio(collapsed, real).value < 0.1, `${diversityRatio(collapsed, real).value}`);
    // Two modes out of a spread: the distance between the modes is all the spread there is.
    const twoModes = featureMatrix(Float64Array.from({ length: 400 * 16 }, (_, i) => (Math.floor(i / 16) % 2 === 0 ? 0.3 : -0.3) + 0.01 * Math.sin(i)), 400, 16);
    assert.ok(diversityRatio(twoModes, real).value < 0.5);
    const wider = gaussian(400, 16, 5, 2);
    const ratio = diversityRatio(wider, real).value;
    assert.ok(Math.abs(ratio - 2) < 0.15, `twice the scale, twice the spread: ${ratio}`);
  });

  it('does not change when both sets are moved or scaled together', () => {
    const real = gaussian(120, 6, 6);
    const gen = gaussian(120, 6, 7, 0.8);
    const moved = (m: FeatureMatrix) => featureMatrix(m.data.map((x, i) => 3 * x + 10 + (i % 6)), m.rows, m.cols);
    const a = diversityRatio(gen, real).value;
    const b = diversityRatio(moved(gen), moved(real)).value;
    assert.ok(Math.abs(a - b) <= 1e-12 * a, `${a} vs ${b}`);
  });

  it('subsamples larger sets to maxSamples, reproducibly from the seed', () => {
    const big = gaussian(1500, 8, 8);
    const a = meanPairwiseDistance(big);
    assert.equal(meanPairwiseDistance(big), a, 'same seed, same value');
    assert.equal(meanPairwiseDistance(big, { seed: 0, maxSamples: 500 }), a, 'the defaults are 500 samples and seed 0');
    assert.notEqual(meanPairwiseDistance(big, { seed: 1 }), a, 'another seed, another subsample');
    // A subsample's mean is within 4 estimator standard deviations of the whole set's.
    const whole = meanPairwiseDistance(big, { maxSamples: 1500 });
    const { sd } = meanAndSd(pairDistances(featureMatrix(big.data.subarray(0, 300 * 8), 300, 8)));
    assert.ok(Math.abs(a - whole) <= 4 * Math.sqrt(2 / 500) * sd, `${a} vs ${whole}`);
    assert.equal(meanPairwiseDistance(gaussian(40, 8, 9), { maxSamples: 40 }), meanPairwiseDistance(gaussian(40, 8, 9), { maxSamples: 1000 }), 'a set no larger than maxSamples is used whole');
  });

  it('refuses too few samples, different dimensions, real samples that are one point, and bad options', () => {
    const one = featureMatrix([1, 2], 1, 2);
    const two = featureMatrix([1, 2, 3, 4], 2, 2);
    assert.throws(() => meanPairwiseDistance(one), code('E_ML_DATA', /1 sample; at least 2/));
    assert.throws(() => diversityRatio(one, two), code('E_ML_DATA', /generated samples: 1 sample/));
    assert.throws(() => diversityRatio(two, featureMatrix([1, 2, 3], 1, 3)), code('E_ML_DATA', /2 features but the real samples have 3/));
    assert.throws(() => diversityRatio(two, featureMatrix([5, 5, 5, 5], 2, 2)), code('E_ML_DATA', /real samples are all the same point/));
    assert.throws(() => meanPairwiseDistance(two, { maxSamples: 1 }), code('E_ML_ARGUMENT', /maxSamples must be a whole number ≥ 2, got 1/));
    assert.throws(() => meanPairwiseDistance(two, { seed: -1 }), code('E_ML_ARGUMENT', /seed must be a whole number in 0…4294967295, got -1/));
  });
});
