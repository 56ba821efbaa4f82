/**
 * The heat-transfer simulation solves its PDE: the decay of sin(πx)·sin(πy) against the analytic
 * exp(−(κa + κ/a)π²t) within the scheme's leading error term, second-order convergence in h,
 * symmetry, exact energy balance, determinism (a pinned digest: change it only with a new
 * `version`), refusal of non-physical points, and the Latin hypercube's strata. All in
 * milliseconds: grids of at most 64 cells.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { StoreError } from '../src/errors.js';
import { cellCentre, solveHeat, STABILITY, timeStepping } from '../src/datasets/simulations/heat-solver.js';
import { heatTransfer, SOURCE_AMPLITUDE, SOURCE_SIGMA, TEMPERATURE_SCALE } from '../src/datasets/simulations/heat-transfer.js';
import { latinHypercube } from '../src/datasets/simulations/latin-hypercube.js';
import { simulationNamed, simulationNames } from '../src/datasets/simulations/index.js';

const sinMode = (x: number, y: number): number => Math.sin(Math.PI * x) * Math.sin(Math.PI * y);

/** Largest |T − exact| over the cells for the decaying sine mode, relative to its amplitude. */
function sineModeError(n: number, kx: number, ky: number, endTime: number): { error: number; dt: number } {
  const solved = solveHeat({ n, kx, ky, endTime, initial: sinMode });
  const amplitude = Math.exp(-(kx + ky) * Math.PI ** 2 * endTime);
  let error = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const { x, y } = cellCentre(n, r, c);
      error = Math.max(error, Math.abs(solved.field[r * n + c]! - amplitude * sinMode(x, y)));
    }
  }
  return { error: error / amplitude, dt: solved.dt };
}

describe('heat solver: it solves ∂T/∂t = ∇·(K∇T) + q', () => {
  const kappa = 0.01;
  const a = 1.5;
  const kx = kappa * a;
  const ky = kappa / a;

  it('sin(πx)sin(πy) without a source decays as exp(−(κa+κ/a)π²t), within the O(h² + dt) leading error', () => {
    const n = 32;
    const t = 0.5;
    const { error, dt } = sineModeError(n, kx, ky, t);
    // Leading terms: the discrete eigenvalue is (kx+ky)π²(1 − π²h²/12), explicit Euler adds λ²dt/2 per unit time.
    const h = 1 / n;
    const lambda = (kx + ky) * Math.PI ** 2;
    const bound = t * ((kx + ky) * Math.PI ** 4 * h * h / 12 + (lambda * lambda * dt) / 2);
    assert.ok(error <= bound, `relative error ${error} above the scheme's bound ${bound}`);
    assert.ok(error > 0 && error < 1e-4, `relative error ${error}`);
  });

  it('the error falls four-fold each time the grid is halved (second order in h, dt ∝ h²)', () => {
    const errors = [16, 32, 64].map((n) => sineModeError(n, kx, ky, 0.5).error);
    for (let i = 1; i < errors.length; i++) {
      const ratio = errors[i - 1]! / errors[i]!;
      assert.ok(ratio > 3.5 && ratio < 4.5, `error ratio ${ratio} between grids (errors ${errors.join(', ')})`);
    }
  });

  it('the time step is stable (at most 0.2·h²/max K) and ends exactly at the end time', () => {
    const { dt, steps } = timeStepping({ n: 64, kx: 0.04, ky: 0.01, endTime: 1 });
    assert.ok(dt <= (STABILITY / (64 * 64)) / 0.04);
    assert.equal(dt * steps, 1);
  });

  it('heat is conserved: injected = stored + lost through the edges, to rounding', () => {
    const s = solveHeat({ n: 64, kx: 0.04, ky: 0.01, endTime: 1, source: { x: 0.25, y: 0.3, sigma: SOURCE_SIGMA, amplitude: SOURCE_AMPLITUDE } });
    assert.ok(s.lostHeat > 0.01 * s.injectedHeat, `some heat leaves (${s.lostHeat} of ${s.injectedHeat})`);
    assert.ok(Math.abs(s.injectedHeat - s.storedHeat - s.lostHeat) <= 1e-12 * s.injectedHeat);
    // The injected total is the Gaussian's integral, Q·2πσ²·t, to the midpoint rule's error.
    const exact = SOURCE_AMPLITUDE * 2 * Math.PI * SOURCE_SIGMA ** 2 * 1;
    assert.ok(Math.abs(s.injectedHeat / exact - 1) < 1e-3, `injected ${s.injectedHeat}, integral ${exact}`);
  });
});

describe('heat-transfer simulation', () => {
  const centre = { source_x: 0.5, source_y: 0.5, diffusivity: 0.01, anisotropy: 1 };

  it('is registered, with four parameters and the sizes 28, 32, 64', () => {
    assert.deepEqual(simulationNames(), ['heat-transfer']);
    assert.equal(simulationNamed('Heat_Transfer'), heatTransfer);
    assert.equal(simulationNamed('gray-scott'), undefined);
    assert.deepEqual(heatTransfer.parameters.map((p) => p.name), ['source_x', 'source_y', 'diffusivity', 'anisotropy']);
    assert.deepEqual(heatTransfer.sizes, [28, 32, 64]);
  });

  it('a source at the centre with a = 1 gives a field symmetric under both flips and the transpose', () => {
    const size = 32;
    const { field, pixels, scalars } = heatTransfer.run(centre, { size });
    const at = (r: number, c: number) => field[r * size + c]!;
    let asymmetry = 0;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        asymmetry = Math.max(asymmetry, Math.abs(at(r, c) - at(size - 1 - r, c)), Math.abs(at(r, c) - at(r, size - 1 - c)), Math.abs(at(r, c) - at(c, r)));
      }
    }
    assert.ok(asymmetry <= 1e-12 * scalars['peak_temperature']!, `asymmetry ${asymmetry}`);
    assert.ok(scalars['peak_temperature']! > 0.2 * TEMPERATURE_SCALE && scalars['peak_temperature']! < TEMPERATURE_SCALE);
    assert.equal(pixels.length, size * size);
    assert.equal(pixels[0], 0);
    assert.ok(Math.max(...pixels) > 100, 'the plume is visible');
  });

  it('anisotropy stretches the plume along x (a > 1) and along y (a < 1)', () => {
    const size = 32;
    const spread = (a: number) => {
      const { field } = heatTransfer.run({ ...centre, anisotropy: a }, { size });
      return { x: field[16 * size + 24]!, y: field[8 * size + 16]! };
    };
    const wide = spread(2);
    const tall = spread(0.5);
    assert.ok(wide.x > tall.x && wide.y < tall.y, JSON.stringify({ wide, tall }));
  });

  it('is deterministic: the same point gives the same bytes (a pinned digest; a change needs a new version)', () => {
    const point = { source_x: 0.3, source_y: 0.65, diffusivity: 0.004, anisotropy: 1.7 };
    const one = heatTransfer.run(point, { size: 28 });
    const two = heatTransfer.run(point, { size: 28 });
    assert.deepEqual(Buffer.from(one.field.buffer), Buffer.from(two.field.buffer));
    assert.deepEqual(one.pixels, two.pixels);
    const digest = crypto.createHash('sha256').update(one.field).digest('hex').slice(0, 16);
    assert.equal(`${heatTransfer.version}:${digest}`, PINNED);
  });

  it('the scalars balance: heat_injected = heat_stored + heat_lost', () => {
    const { scalars } = heatTransfer.run({ source_x: 0.22, source_y: 0.5, diffusivity: 0.02, anisotropy: 2 }, { size: 28 });
    assert.ok(Math.abs(scalars['heat_injected']! - scalars['heat_stored']! - scalars['heat_lost']!) < 1e-12);
    assert.ok(scalars['heat_lost']! > 0);
    assert.equal(scalars['steps']! * scalars['dt']!, scalars['end_time']);
  });

  it('refuses non-physical points and sizes it does not offer, naming the value', () => {
    const refused = (point: Record<string, number>, size = 28) => {
      try {
        heatTransfer.run(point, { size });
      } catch (e) {
        assert.ok(e instanceof StoreError && e.code === 'E_BAD_ARGUMENT');
        return e.message;
      }
      assert.fail(`${JSON.stringify(point)} ran`);
    };
    assert.match(refused({ ...centre, diffusivity: 0 }), /diffusivity must be positive, got 0/);
    assert.match(refused({ ...centre, anisotropy: -1 }), /anisotropy must be positive/);
    assert.match(refused({ ...centre, source_x: 1.2 }), /source_x must lie on the plate, 0–1 m, got 1.2/);
    assert.match(refused({ ...centre, source_y: Number.NaN }), /source_y must be a finite number/);
    assert.match(refused({ source_x: 0.5, source_y: 0.5, diffusivity: 0.01 }), /anisotropy must be a finite number, got null/);
    assert.match(refused({ ...centre, diffusivity: 5 }), /at most 1 m\^2\/s/);
    assert.match(refused(centre, 30), /size must be one of 28, 32, 64, got 30/);
    // Outside the default ranges but physical: it runs.
    assert.equal(heatTransfer.run({ ...centre, diffusivity: 0.05, source_x: 0.05 }, { size: 28 }).pixels.length, 28 * 28);
  });
});

describe('Latin hypercube', () => {
  it('puts one point in each of n strata of every range, and repeats for a seed', () => {
    const ranges = { a: [0, 1], b: [10, 20] } as const;
    const points = latinHypercube(16, ranges, 7);
    for (const [name, [min, max]] of Object.entries(ranges)) {
      const strata = points.map((p) => Math.floor(((p[name]! - min) / (max - min)) * 16)).sort((x, y) => x - y);
      assert.deepEqual(strata, Array.from({ length: 16 }, (_, i) => i));
    }
    assert.deepEqual(latinHypercube(16, ranges, 7), points);
    assert.notDeepEqual(latinHypercube(16, ranges, 8), points);
  });
});

const PINNED = '1:6437c0ae47b229a8';
