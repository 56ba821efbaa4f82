/**
 * Two-dimensional transient heat conduction on the unit square, solved numerically:
 *
 *     ∂T/∂t = ∂/∂x (Kx ∂T/∂x) + ∂/∂y (Ky ∂T/∂y) + q(x, y),    T = 0 on the edges,
 *
 * with constant diffusivities Kx, Ky (m²/s) and a source q (K/s). Finite volumes on `n × n` square
 * cells (h = 1/n, values at cell centres), the Dirichlet edge through ghost cells (T_ghost = −T_cell,
 * so T is 0 on the face by linear interpolation), and explicit Euler in time (FTCS).
 *
 * **What it guarantees.**
 * - Stability: the time step is at most `STABILITY · h² / max(Kx, Ky)` (≤ 1/(2(Kx+Ky)/h²), FTCS's
 *   limit), shortened so that a whole number of steps ends exactly at `endTime`.
 * - Accuracy: O(h² + dt). sin(πx)·sin(πy) is an exact eigenvector of the discrete operator
 *   (eigenvalue (Kx+Ky)·4 sin²(πh/2)/h² = (Kx+Ky)π²(1 − π²h²/12 + …)), so its decay is the
 *   analytic exp(−(Kx+Ky)π²t) to that order: test/heat-transfer.test.ts checks it.
 * - Conservation, exactly (to rounding): each step, the heat stored changes by the heat injected
 *   minus the heat that left through the edges, both computed from the same field
 *   (`injected = stored + lost`).
 * - Determinism: plain float64 arithmetic in one fixed order, no threads; the same problem gives
 *   the same bytes on every machine.
 */

/** Largest step as a fraction of h²/max(Kx, Ky): 0.2 (FTCS is stable up to 0.25 in 2D). */
export const STABILITY = 0.2;

/** A Gaussian heat source: `amplitude · exp(−((x−x0)² + (y−y0)²) / (2σ²))` in K/s. */
export interface GaussianSource {
  readonly x: number;
  readonly y: number;
  readonly sigma: number;
  readonly amplitude: number;
}

export interface HeatProblem {
  /** Cells per side. */
  readonly n: number;
  /** Diffusivity along x and along y, m²/s. */
  readonly kx: number;
  readonly ky: number;
  /** Simulated time, s. */
  readonly endTime: number;
  /** Upper bound on the time step (default: the stability bound); the step used is at most this. */
  readonly maxDt?: number;
  /** The source; none when absent. */
  readonly source?: GaussianSource;
  /** T at t = 0 at (x, y) (default 0 everywhere). */
  readonly initial?: (x: number, y: number) => number;
}

export interface HeatSolution {
  readonly n: number;
  /** T at `endTime`, `n × n` row-major, row 0 at the top (y near 1), column 0 at the left (x near 0). */
  readonly field: Float64Array;
  readonly dt: number;
  readonly steps: number;
  /** ∫ T dA at the start and at the end, K·m². */
  readonly initialHeat: number;
  readonly storedHeat: number;
  /** Heat the source put in and heat that left through the four edges over the run, K·m². */
  readonly injectedHeat: number;
  readonly lostHeat: number;
}

/** x of column `c` and y of row `r` (row 0 at the top) for `n` cells per side. */
export function cellCentre(n: number, r: number, c: number): { x: number; y: number } {
  return { x: (c + 0.5) / n, y: 1 - (r + 0.5) / n };
}

/** The time step and step count for `problem`: the largest stable step that divides `endTime` evenly. */
export function timeStepping(problem: Pick<HeatProblem, 'n' | 'kx' | 'ky' | 'endTime' | 'maxDt'>): { dt: number; steps: number } {
  const h = 1 / problem.n;
  let bound = (STABILITY * h * h) / Math.max(problem.kx, problem.ky);
  if (problem.maxDt !== undefined) bound = Math.min(bound, problem.maxDt);
  const steps = Math.max(1, Math.ceil(problem.endTime / bound - 1e-9));
  return { dt: problem.endTime / steps, steps };
}

/** Solve `problem` (see the file comment). */
export function solveHeat(problem: HeatProblem): HeatSolution {
  const { n, kx, ky, endTime } = problem;
  const h = 1 / n;
  const area = h * h;
  const { dt, steps } = timeStepping(problem);
  const m = n + 2; // with the ghost ring
  let t = new Float64Array(m * m);
  let u = new Float64Array(m * m);
  const q = new Float64Array(m * m);
  let qTotal = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const { x, y } = cellCentre(n, r, c);
      const k = (r + 1) * m + c + 1;
      if (problem.initial) t[k] = problem.initial(x, y);
      const s = problem.source;
      if (s) {
        const d2 = (x - s.x) ** 2 + (y - s.y) ** 2;
        q[k] = s.amplitude * Math.exp(-d2 / (2 * s.sigma * s.sigma));
        qTotal += q[k]!;
      }
    }
  }
  const sum = (a: Float64Array): number => {
    let total = 0;
    for (let r = 1; r <= n; r++) for (let c = 1; c <= n; c++) total += a[r * m + c]!;
    return total * area;
  };
  const initialHeat = sum(t);
  const rx = (kx * dt) / (h * h);
  const ry = (ky * dt) / (h * h);
  let lost = 0;
  for (let step = 0; step < steps; step++) {
    // Ghost cells: T = 0 on each edge face.
    let edgeX = 0;
    let edgeY = 0;
    for (let i = 1; i <= n; i++) {
      t[i] = -t[m + i]!;
      t[(n + 1) * m + i] = -t[n * m + i]!;
      t[i * m] = -t[i * m + 1]!;
      t[i * m + n + 1] = -t[i * m + n]!;
      edgeY += t[m + i]! + t[n * m + i]!;
      edgeX += t[i * m + 1]! + t[i * m + n]!;
    }
    // Flux through an edge face of length h: K · T_cell / (h/2) · h = 2 K T_cell.
    lost += dt * 2 * (kx * edgeX + ky * edgeY);
    for (let r = 1; r <= n; r++) {
      const row = r * m;
      for (let c = 1; c <= n; c++) {
        const k = row + c;
        const centre = t[k]!;
        u[k] = centre + rx * (t[k - 1]! - 2 * centre + t[k + 1]!) + ry * (t[k - m]! - 2 * centre + t[k + m]!) + dt * q[k]!;
      }
    }
    [t, u] = [u, t];
  }
  const field = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) field[r * n + c] = t[(r + 1) * m + c + 1]!;
  return { n, field, dt, steps, initialHeat, storedHeat: sum(t), injectedHeat: steps * dt * qTotal * area, lostHeat: lost };
}

/** The mean of each `factor × factor` block of an `n × n` field: an `n/factor` field of cell averages. */
export function averageDown(field: Float64Array, n: number, factor: number): Float64Array {
  const size = n / factor;
  const out = new Float64Array(size * size);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const k = Math.floor(r / factor) * size + Math.floor(c / factor);
      out[k] = out[k]! + field[r * n + c]!;
    }
  }
  const cells = factor * factor;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / cells;
  return out;
}
