/** Linear algebra for the metrics (use float64 tensors there): symmetric eigendecomposition, distances. */
import { native } from './native.js';
import type { Tensor } from './tensor.js';

/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix. */
export function eigh(a: Tensor, uplo: 'L' | 'U' = 'L'): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const [eigenvalues, eigenvectors] = native.eigh(a, uplo === 'U');
  return { eigenvalues, eigenvectors };
}

/** Pairwise p-norm distances between the rows of x1 (n×d) and x2 (m×d): n×m. */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  return native.cdist(x1, x2, p);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  return native.matmul(a, b);
}

export function outer(a: Tensor, b: Tensor): Tensor {
  return native.outer(a, b);
}

export function det(a: Tensor): Tensor {
  return native.det(a);
}

export function inv(a: Tensor): Tensor {
  return native.inv(a);
}
