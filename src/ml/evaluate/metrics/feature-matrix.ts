/**
 * The input of every metric: samples × features, row-major, float64. Built by `featureMatrix`,
 * which copies and checks, so a metric never sees a NaN, an Infinity or a size that does not add up.
 *
 * ```ts
 * const gen = featureMatrix(out.features, images.count, extractor.featureDim);
 * gen.data[r * gen.cols + c]; // feature c of sample r
 * ```
 */
import { MlError } from '../../../errors.js';
import * as torch from '../../../torch/index.js';

/** Row-major samples × features, float64. */
export interface FeatureMatrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Copies `data` (rows × cols numbers, row-major) into a float64 feature matrix. Sizes that do not
 * fit are an E_ML_ARGUMENT; a NaN or an Infinity is an E_ML_DATA naming its row and column
 * (1-based). `label` names the set in messages ("generated features").
 *
 * ```ts
 * featureMatrix([1, 2, 3, 4, 5, 6], 3, 2); // 3 samples of 2 features
 * ```
 */
export function featureMatrix(data: ArrayLike<number> | Float32Array | Float64Array, rows: number, cols: number, label = 'features'): FeatureMatrix {
  if (!Number.isInteger(rows) || rows < 0) throw new MlError('E_ML_ARGUMENT', `${label}: rows must be a whole number ≥ 0, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 1) throw new MlError('E_ML_ARGUMENT', `${label}: cols must be a whole number ≥ 1, got ${cols}`);
  if (data.length !== rows * cols) {
    throw new MlError('E_ML_ARGUMENT', `${label}: ${rows} rows × ${cols} columns need ${rows * cols} numbers, got ${data.length}`);
  }
  const copy = Float64Array.from(data as ArrayLike<number>);
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i]!)) {
      throw new MlError('E_ML_DATA', `${label}: row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1} is ${copy[i]}; features must be finite numbers`);
    }
  }
  return Object.freeze({ data: copy, rows, cols });
}

/** E_ML_DATA unless `m` has at least `min` samples. */
export function requireSamples(m: FeatureMatrix, label: string, min = 2): void {
  if (m.rows < min) throw new MlError('E_ML_DATA', `${label}: ${m.rows} sample${m.rows === 1 ? '' : 's'}; at least ${min} ${min === 1 ? 'is' : 'are'} needed`);
}

/** E_ML_DATA unless real and generated features have the same dimension and at least 2 samples each. */
export function requireRealAndGenerated(real: FeatureMatrix, gen: FeatureMatrix): void {
  requireSameDimension(real, gen, ['real samples', 'generated samples']);
  requireSamples(real, 'real samples');
  requireSamples(gen, 'generated samples');
}

/** E_ML_DATA unless the two sets have the same number of features. */
export function requireSameDimension(a: { cols: number } | { dim: number }, b: { cols: number } | { dim: number }, labels: [string, string]): void {
  const da = 'cols' in a ? a.cols : a.dim;
  const db = 'cols' in b ? b.cols : b.dim;
  if (da !== db) throw new MlError('E_ML_DATA', `the ${labels[0]} have ${da} feature${da === 1 ? '' : 's'} but the ${labels[1]} have ${db}; both sets must come from the same feature extractor`);
}

/** The matrix as a float64 tensor (rows × cols); the caller frees it (tidy). */
export function matrixTensor(m: FeatureMatrix): torch.Tensor {
  return torch.tensor(m.data, { shape: [m.rows, m.cols], dtype: 'float64' });
}

/** E_ML_ARGUMENT unless `value` is a whole number in [min, max]. */
export function wholeOption(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`;
    throw new MlError('E_ML_ARGUMENT', `${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}
