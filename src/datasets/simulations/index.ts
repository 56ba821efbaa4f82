/**
 * The simulations the project runs itself, by name: what `dsi datasets add NAME` sweeps into an
 * ensemble and `dsi ml validate --simulate NAME` runs again. To add one, implement `Simulation`
 * (simulation.ts) in a file of this folder and list it in `SIMULATIONS` (docs/simulations.md).
 *
 * @example
 * const sim = simulationNamed('heat-transfer');
 * const { pixels } = sim!.run({ source_x: 0.5, source_y: 0.5, diffusivity: 0.005, anisotropy: 1 }, { size: sim!.defaultSize });
 */
import { StoreError } from '../../errors.js';
import { heatTransfer } from './heat-transfer.js';
import type { Simulation } from './simulation.js';

const SIMULATIONS: Simulation[] = [heatTransfer];

/**
 * Adds a simulation defined outside this folder (a stand-in in tests, a project's own code), so
 * validation can run it by name; a name already known is refused.
 */
export function registerSimulation(simulation: Simulation): void {
  if (simulationNamed(simulation.name) !== undefined) throw new StoreError('E_BAD_ARGUMENT', `a simulation named ${simulation.name} is already known`);
  SIMULATIONS.push(simulation);
}

/** The names `simulationNamed` knows. */
export function simulationNames(): string[] {
  return SIMULATIONS.map((s) => s.name);
}

/** The simulation called `name` (case-insensitive, `_` for `-` too), or undefined. */
export function simulationNamed(name: string): Simulation | undefined {
  const key = String(name).trim().toLowerCase().replace(/_/g, '-');
  return SIMULATIONS.find((s) => s.name === key);
}

export type { Simulation, SimulationOutput, SimulationParameter } from './simulation.js';
