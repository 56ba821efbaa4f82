/**
 * SSIM (src/ml/evaluate/metrics/ssim.ts) against cases derived by hand from its definition, and
 * against a direct evaluation of the definition (2-D Gaussian windows, one window at a time),
 * and against values scikit-image computed for images defined by formulas (the last test).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SSIM_WEIGHTS, SSIM_WINDOW, ssim } from '../src/ml/evaluate/metrics/ssim.js';
import { SeededRandom } from '../src/ml/data/seeded-random.js';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

function random(n: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => rng.next());
}

/** The definition, window by window with the 11 × 11 product weights. */
function directSsim(x: Float64Array, y: Float64Array, h: number, w: number): number {
  let total = 0;
  let windows = 0;
  for (let r = 0; r + SSIM_WINDOW <= h; r++) {
    for (let c = 0; c + SSIM_WINDOW <= w; c++) {
      let mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
      for (let i = 0; i < SSIM_WINDOW; i++) {
        for (let j = 0; j < SSIM_WINDOW; j++) {
          const wt = SSIM_WEIGHTS[i]! * SSIM_WEIGHTS[j]!;
          const a = x[(r + i) * w + c + j]!;
          const b = y[(r + i) * w + c + j]!;
          mx += wt * a; my += wt * b; mxx += wt * a * a; myy += wt * b * b; mxy += wt * a * b;
        }
      }
      const vx = mxx - mx * mx, vy = myy - my * my, vxy = mxy - mx * my;
      total += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      windows++;
    }
  }
  return total / windows;
}

test('the window is 11 taps of a Gaussian of σ 1.5, summing to 1 and symmetric', () => {
  assert.equal(SSIM_WEIGHTS.length, 11);
  assert.ok(Math.abs(SSIM_WEIGHTS.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  for (let i = 0; i < 5; i++) assert.equal(SSIM_WEIGHTS[i], SSIM_WEIGHTS[10 - i]);
  assert.ok(Math.abs(SSIM_WEIGHTS[5]! / SSIM_WEIGHTS[4]! - Math.exp(1 / (2 * 1.5 * 1.5))) < 1e-12);
});

test('an image against itself scores exactly 1', () => {
  const x = random(3 * 20 * 17, 1);
  assert.equal(ssim(x, x, { channels: 3, height: 20, width: 17 }), 1);
});

test('two constant images score (2ab + C1) / (a² + b² + C1): only the luminance term is left', () => {
  const a = 0.3, b = 0.7;
  const x = new Float64Array(16 * 16).fill(a);
  const y = new Float64Array(16 * 16).fill(b);
  const expected = (2 * a * b + C1) / (a * a + b * b + C1);
  assert.ok(Math.abs(ssim(x, y, { channels: 1, height: 16, width: 16 }) - expected) < 1e-12);
});

test('a constant shift of a textured image keeps the structure term at 1', () => {
  // Shifting by c leaves every local variance and covariance unchanged: S = (2μ(μ+c) + C1) / (μ² + (μ+c)² + C1) per window.
  const x = random(24 * 24, 2).map((v) => 0.4 + 0.2 * v);
  const y = x.map((v) => v + 0.1);
  const got = ssim(x, y, { channels: 1, height: 24, width: 24 });
  assert.ok(Math.abs(got - directSsim(x, y, 24, 24)) < 1e-12);
  assert.ok(got < 1 && got > 0.9);
});

test('separable filtering equals the definition evaluated window by window, and SSIM is symmetric (to rounding)', () => {
  const x = random(19 * 23, 3);
  const y = random(19 * 23, 4).map((v, i) => 0.5 * v + 0.5 * x[i]!);
  const got = ssim(x, y, { channels: 1, height: 19, width: 23 });
  assert.ok(Math.abs(got - directSsim(x, y, 19, 23)) < 1e-12, `${got} vs ${directSsim(x, y, 19, 23)}`);
  assert.ok(Math.abs(got - ssim(y, x, { channels: 1, height: 19, width: 23 })) < 1e-15);
});

test('several channels give the mean of the per-channel values', () => {
  const x = random(2 * 12 * 12, 5);
  const y = random(2 * 12 * 12, 6);
  const one = (c: number) => ssim(x.subarray(c * 144, (c + 1) * 144), y.subarray(c * 144, (c + 1) * 144), { channels: 1, height: 12, width: 12 });
  assert.ok(Math.abs(ssim(x, y, { channels: 2, height: 12, width: 12 }) - (one(0) + one(1)) / 2) < 1e-15);
});

test('images smaller than the window, or of the wrong length, are refused naming the sizes', () => {
  assert.throws(() => ssim(new Float64Array(100), new Float64Array(100), { channels: 1, height: 10, width: 10 }), { code: 'E_ML_ARGUMENT', message: /at least 11 × 11 pixels.*got 10 × 10/ });
  assert.throws(() => ssim(new Float64Array(144), new Float64Array(143), { channels: 1, height: 12, width: 12 }), { code: 'E_ML_ARGUMENT', message: /got 144 and 143/ });
});

/**
 * Images defined by formulas, so that scikit-image 0.26.0 could score the same pixels:
 * `structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=1.0)` (with `channel_axis=-1` for the three-channel pair) gave the values below.
 * Both sides compute in float64; the windows' sums differ only by rounding (~1e-16 each), so
 * agreement to 1e-12 is the computation's tolerance, not the machine's.
 */
test('formula images score as scikit-image scores them', () => {
  const h = 24, w = 20;
  const x = new Float64Array(h * w), y = new Float64Array(h * w), z = new Float64Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const k = i * w + j;
      x[k] = 0.5 + 0.4 * Math.sin(0.37 * i + 0.21 * j) * Math.cos((0.13 * i * j) / 10);
      y[k] = Math.min(1, Math.max(0, x[k]! + 0.05 * Math.cos(0.5 * i) - 0.03 * Math.sin(0.9 * j)));
      z[k] = 0.2 + (0.6 * ((i * 7 + j * 3) % 11)) / 10;
    }
  }
  const one = { channels: 1, height: h, width: w };
  const close = (got: number, want: number): void => assert.ok(Math.abs(got - want) < 1e-12, `${got} vs scikit-image's ${want}`);
  close(ssim(x, y, one), 0.9520419762522786);
  close(ssim(x, z, one), 0.030857452179598496);
  close(ssim(y, z, one), 0.03286151629273278);
  const planar = (...planes: Float64Array[]): Float64Array => Float64Array.from(planes.flatMap((p) => [...p]));
  close(ssim(planar(x, y, z), planar(y, z, x), { channels: 3, height: h, width: w }), 0.33858698157486994);
});
