/**
 * The simulations the project can run, by name: `dsi datasets add NAME` sweeps one into a store,
 * `dsi ml validate --simulate NAME` runs it again at new points. A simulation registers itself
 * here once; names are unique.
 *
 * ```ts
 * const sim = simulationNamed('heat-transfer');
 * sim.run({ source_x: 0.4, source_y: 0.6, diffusivity: 0.01 }, { size: sim.defaultSize });
 * ```
 */
import { StoreError } from '../../errors.js';
import type { Simulation } from './simulation.js';

export type { Simulation, SimulationOutput, SimulationParameter } from './simulation.js';

const SIMULATIONS = new Map<string, Simulation>();

/** Adds `simulation` under its name; a second simulation of the same name is refused. */
export function registerSimulation(simulation: Simulation): void {
  if (SIMULATIONS.has(simulation.name)) throw new StoreError('E_BAD_ARGUMENT', `a simulation named ${simulation.name} is already registered`);
  SIMULATIONS.set(simulation.name, simulation);
}

/** The names of the simulations known, sorted. */
export function simulationNames(): string[] {
  return [...SIMULATIONS.keys()].sort();
}

/** The simulation called `name`; `E_BAD_ARGUMENT` naming the known ones otherwise. */
export function simulationNamed(name: string): Simulation {
  const found = SIMULATIONS.get(name);
  if (found === undefined) {
    const known = simulationNames();
    throw new StoreError('E_BAD_ARGUMENT', `unknown simulation ${JSON.stringify(name)}; ${known.length === 0 ? 'none is known' : `known: ${known.join(', ')}`}`);
  }
  return found;
}
