/**
 * The Fréchet distance between two Gaussians fitted to features (FID when the features are an
 * Inception network's, or a classifier's penultimate layer as in DESIGN §5):
 *
 *   FID = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(√Σ₁ Σ₂ √Σ₁)
 *
 * in float64. Both square roots are symmetric ones, through eigendecompositions of symmetric
 * matrices with negative eigenvalues (rounding, or a singular covariance) clipped to 0: no general
 * `sqrtm`, no complex parts to drop. A diagonal matrix skips its eigendecomposition (its roots are
 * its diagonal's), so Σ = I gives exact values. Lower is better; 0 for identical statistics.
 *
 * ```ts
 * const { value, warnings } = frechetDistance(featureStatistics(real), featureStatistics(gen));
 * ```
 */
import { MlError } from '../../../errors.js';
import * as torch from '../../../torch/index.js';
import { requireSameDimension } from './feature-matrix.js';
import type { FeatureStatistics } from './feature-statistics.js';

function checkStatistics(s: FeatureStatistics, label: string): void {
  if (!Number.isInteger(s.dim) || s.dim < 1 || s.mean.length !== s.dim || s.cov.length !== s.dim * s.dim) {
    throw new MlError('E_ML_ARGUMENT', `${label} statistics: a mean of ${s.mean.length} and a covariance of ${s.cov.length} numbers do not fit dim = ${s.dim}`);
  }
  if (!Number.isInteger(s.n) || s.n < 2) throw new MlError('E_ML_DATA', `${label} statistics: ${s.n} samples; at least 2 are needed`);
}

/** True when every off-diagonal entry of the square matrix `t` is exactly 0. */
function isDiagonal(t: torch.Tensor): boolean {
  return torch.tidy(() => t.sub(t.diag().diag()).abs().max().item() === 0);
}

/**
 * `linalg.eigh` on one intra-op thread. LAPACK's symmetric eigensolver synchronises its threads
 * at every column of the tridiagonal reduction; when another process keeps a core busy each of
 * those waits costs a time slice: on the 2-core development machine with one core taken, a
 * 2048 × 2048 eigh took 35 s on two threads and 1.5 s on one (1.1 s on two when idle).
 */
function eigh(s: torch.Tensor): { eigenvalues: torch.Tensor; eigenvectors: torch.Tensor } {
  const threads = torch.getNumThreads();
  torch.setNumThreads(1);
  try {
    return torch.linalg.eigh(s);
  } finally {
    torch.setNumThreads(threads);
  }
}

/** The symmetric square root V diag(√λ⁺) Vᵀ of a symmetric matrix. */
function symmetricSqrt(s: torch.Tensor): torch.Tensor {
  if (isDiagonal(s)) return s.diag().clamp(0).sqrt().diag();
  const { eigenvalues, eigenvectors } = eigh(s);
  return eigenvectors.mul(eigenvalues.clamp(0).sqrt().unsqueeze(0)).matmul(eigenvectors.t());
}

/** tr √S = Σ √λ⁺ of a symmetric matrix. */
function traceOfSqrt(s: torch.Tensor): number {
  const eigenvalues = isDiagonal(s) ? s.diag() : eigh(s).eigenvalues;
  return eigenvalues.clamp(0).sqrt().sum().item();
}

/**
 * FID of two sets' statistics. `warnings` says when either set has no more samples than features
 * ('N ≤ feature dimension': its covariance is singular and the value is biased upwards); `labels`
 * name the sets in messages (default 'first', 'second').
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics, labels: readonly [string, string] = ['first', 'second']): { value: number; warnings: string[] } {
  checkStatistics(a, labels[0]);
  checkStatistics(b, labels[1]);
  requireSameDimension(a, b, [`${labels[0]} samples`, `${labels[1]} samples`]);
  const d = a.dim;
  const warnings: string[] = [];
  for (const [s, label] of [[a, labels[0]], [b, labels[1]]] as const) {
    if (s.n <= d) warnings.push(`N ≤ feature dimension: the ${label} set has ${s.n} samples of ${d} features, so its covariance is singular and FID is biased; use more samples than features (10,000 or more is usual)`);
  }
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < d; i++) {
    const diff = a.mean[i]! - b.mean[i]!;
    meanTerm += diff * diff;
    traces += a.cov[i * d + i]! + b.cov[i * d + i]!;
  }
  const crossTrace = torch.tidy(() => {
    const s1 = torch.tensor(a.cov, { shape: [d, d], dtype: 'float64' });
    const s2 = torch.tensor(b.cov, { shape: [d, d], dtype: 'float64' });
    const root = symmetricSqrt(s1);
    const m = root.matmul(s2).matmul(root);
    // Symmetric in exact arithmetic; make it so before the symmetric eigensolver reads one triangle.
    return traceOfSqrt(m.add(m.t()).mul(0.5));
  });
  return { value: meanTerm + traces - 2 * crossTrace, warnings };
}
