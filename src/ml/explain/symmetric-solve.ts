/**
 * Solving A·x = b for a symmetric positive semi-definite A in float64 (the normal equations of
 * Kernel SHAP's weighted least squares). Cholesky when A is positive definite; otherwise the
 * minimum-norm least-squares solution through a Jacobi eigendecomposition (what numpy's `lstsq`
 * gives, which shap falls back to when `solve` fails), so a sample that never separates two
 * features still gives an answer.
 */

/**
 * x with A·x = b, A n × n row-major (only read, never changed). Eigenvalues below
 * `n · ε · max|λ|` count as zero in the fallback.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  return cholesky(a, b, n) ?? pseudoInverseSolve(a, b, n);
}

/** Cholesky solve, or undefined when a pivot is not clearly positive. */
function cholesky(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  if (scale === 0) return n === 0 ? new Float64Array(0) : undefined;
  const tol = scale * n * 1e-13;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (!(d > tol)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Minimum-norm solution Σ_{λ>tol} (uᵀb/λ) u from the cyclic Jacobi eigendecomposition of A. */
function pseudoInverseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]!;
          const mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!;
          const mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, Math.abs(m[i * n + i]!));
  const tol = top * n * Number.EPSILON;
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lambda = m[k * n + k]!;
    if (!(lambda > tol)) continue;
    let ub = 0;
    for (let i = 0; i < n; i++) ub += v[i * n + k]! * b[i]!;
    const coef = ub / lambda;
    for (let i = 0; i < n; i++) x[i]! += coef * v[i * n + k]!;
  }
  return x;
}
