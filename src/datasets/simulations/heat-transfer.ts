/**
 * `heat-transfer`: a heat plume on a square plate. Transient conduction with a Gaussian source and
 * anisotropic diffusivity, solved by heat-solver.ts (finite volumes, explicit Euler) on a grid
 * at least 56 cells a side (twice as fine as the image below 64 pixels) and averaged down to the
 * image, so each pixel is a cell average:
 *
 *     ∂T/∂t = κa ∂²T/∂x² + (κ/a) ∂²T/∂y² + q(x, y),   T = 0 on the edges and at t = 0,
 *     q = Q exp(−((x − source_x)² + (y − source_y)²) / (2σ²)),   σ = 0.06 m, Q = 1 K/s,
 *
 * on the unit square (metres), to t = 1 s. The image is T at that time on one fixed scale for
 * every run (0 K → 0, `TEMPERATURE_SCALE` K → 255, clipped above), so a pixel is a temperature.
 *
 * Four parameters: the source's position `source_x`, `source_y` (m), the diffusivity `diffusivity`
 * κ (m²/s) and the `anisotropy` a (κa along x, κ/a along y). Any physical point runs (a source on
 * the plate, κ > 0, a > 0); the time step shrinks with the largest diffusivity, so points where
 * max(κa, κ/a) exceeds `MAX_DIFFUSIVITY` are refused as too costly to run.
 *
 * Cost (measured, docs/simulations.md): one run at 32 × 32 in a few milliseconds.
 */
import { StoreError } from '../../errors.js';
import { averageDown, solveHeat } from './heat-solver.js';
import type { Simulation, SimulationOutput, SimulationParameter } from './simulation.js';

/** Simulated time, s. */
export const END_TIME = 1;
/** Source width σ, m, and peak rate Q, K/s. */
export const SOURCE_SIGMA = 0.06;
export const SOURCE_AMPLITUDE = 1;
/** The temperature pixel 255 stands for, K (pixel = round(255 · T / scale), clipped to 0–255). */
export const TEMPERATURE_SCALE = 0.7;
/**
 * How many times finer than the image the solver's grid is: 2 below 64 pixels, else 1, so the
 * solver has at least 56 cells a side. Measured against a 256-cell solution (docs/simulations.md):
 * at 32 pixels the largest error is 6.4 grey levels solved at 32, 1.5 at 64 (16 × the cost).
 */
export function refinementFor(size: number): number {
  return size >= 64 ? 1 : 2;
}
/** Largest diffusivity along either axis a run accepts, m²/s (50 × the default range's top). */
export const MAX_DIFFUSIVITY = 1;
/**
 * The time step never exceeds the stable step of the default ranges' largest diffusivity
 * (κ = 0.02, a = 2: 0.04 m²/s), so every run of a default ensemble at one size shares one dt.
 */
const DEFAULT_MAX_K = 0.04;

const PARAMETERS: readonly SimulationParameter[] = Object.freeze([
  { name: 'source_x', min: 0.2, max: 0.8, unit: 'm', description: 'x of the heat source centre' },
  { name: 'source_y', min: 0.2, max: 0.8, unit: 'm', description: 'y of the heat source centre (0 at the bottom edge)' },
  { name: 'diffusivity', min: 0.002, max: 0.02, unit: 'm^2/s', description: 'thermal diffusivity κ (geometric mean of the two axes)' },
  { name: 'anisotropy', min: 0.5, max: 2, unit: '', description: 'a: diffusivity κa along x and κ/a along y' },
].map((p) => Object.freeze(p)));

/** `point`'s four values, refused with `E_BAD_ARGUMENT` when one is missing or not physical. */
export function heatTransferPoint(point: Readonly<Record<string, number>>): { sx: number; sy: number; kappa: number; a: number } {
  const value = (name: string): number => {
    const v = point[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StoreError('E_BAD_ARGUMENT', `heat-transfer: ${name} must be a finite number, got ${JSON.stringify(v ?? null)}`);
    }
    return v;
  };
  const sx = value('source_x');
  const sy = value('source_y');
  const kappa = value('diffusivity');
  const a = value('anisotropy');
  for (const [name, v] of [['source_x', sx], ['source_y', sy]] as const) {
    if (v < 0 || v > 1) throw new StoreError('E_BAD_ARGUMENT', `heat-transfer: ${name} must lie on the plate, 0–1 m, got ${v}`);
  }
  if (kappa <= 0) throw new StoreError('E_BAD_ARGUMENT', `heat-transfer: diffusivity must be positive, got ${kappa}`);
  if (a <= 0) throw new StoreError('E_BAD_ARGUMENT', `heat-transfer: anisotropy must be positive, got ${a}`);
  const kMax = Math.max(kappa * a, kappa / a);
  if (kMax > MAX_DIFFUSIVITY) {
    throw new StoreError(
      'E_BAD_ARGUMENT',
      `heat-transfer: diffusivity × max(anisotropy, 1/anisotropy) must be at most ${MAX_DIFFUSIVITY} m^2/s (the time step shrinks with it), got ${kMax}`,
    );
  }
  return { sx, sy, kappa, a };
}

/** Temperature to pixel on the ensemble's fixed scale. */
export function temperaturePixels(field: Float64Array): Uint8Array {
  const pixels = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) pixels[i] = Math.round(255 * Math.min(1, Math.max(0, field[i]! / TEMPERATURE_SCALE)));
  return pixels;
}

function run(point: Readonly<Record<string, number>>, options: { readonly size: number }): SimulationOutput {
  const size = options?.size;
  if (!heatTransfer.sizes.includes(size)) {
    throw new StoreError('E_BAD_ARGUMENT', `heat-transfer: size must be one of ${heatTransfer.sizes.join(', ')}, got ${JSON.stringify(size ?? null)}`);
  }
  const { sx, sy, kappa, a } = heatTransferPoint(point);
  const refinement = refinementFor(size);
  const n = size * refinement;
  const solved = solveHeat({
    n,
    kx: kappa * a,
    ky: kappa / a,
    endTime: END_TIME,
    maxDt: (0.2 / (n * n)) / DEFAULT_MAX_K,
    source: { x: sx, y: sy, sigma: SOURCE_SIGMA, amplitude: SOURCE_AMPLITUDE },
  });
  const field = averageDown(solved.field, n, refinement);
  let peak = 0;
  let total = 0;
  for (const v of field) {
    if (v > peak) peak = v;
    total += v;
  }
  return {
    field,
    pixels: temperaturePixels(field),
    scalars: Object.freeze({
      peak_temperature: peak,
      mean_temperature: total / field.length,
      heat_injected: solved.injectedHeat,
      heat_stored: solved.storedHeat,
      heat_lost: solved.lostHeat,
      steps: solved.steps,
      dt: solved.dt,
      end_time: END_TIME,
      temperature_scale: TEMPERATURE_SCALE,
      solver_cells: n,
    }),
  };
}

export const heatTransfer: Simulation = Object.freeze({
  name: 'heat-transfer',
  title: 'Heat plume on a square plate: transient conduction with a Gaussian source and anisotropic diffusivity',
  version: '1',
  parameters: PARAMETERS,
  channels: 1 as const,
  sizes: Object.freeze([28, 32, 64]),
  defaultSize: 32,
  run,
});
