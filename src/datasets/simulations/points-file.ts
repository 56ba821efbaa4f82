/**
 * A CSV of parameter points for a simulation (`dsi datasets add NAME --points FILE`): a header
 * naming exactly the simulation's parameters (any order), then one point per line. Everything is
 * checked before any run (src/points-csv.ts reads the records): a missing or extra column, a row of
 * the wrong width, a cell that is not a finite number in decimal digits (NaN, Infinity, 0x1) is
 * refused with one line naming the file and the line.
 */
import { badInput } from '../../errors.js';
import { parseDecimalSpelling } from '../../number-spelling.js';
import { readPointsCsv } from '../../points-csv.js';
import type { Simulation } from './simulation.js';

/** One point and the line it came from. */
export interface FilePoint {
  readonly line: number;
  readonly values: Readonly<Record<string, number>>;
}

/** The points of `file` for `simulation`, at most `maxPoints` of them (see the file comment). */
export async function readPointsFile(file: string, simulation: Simulation, maxPoints: number): Promise<FilePoint[]> {
  const names = simulation.parameters.map((p) => p.name);
  const records = await readPointsCsv(file, names, { maxPoints, whose: `${simulation.name}'s parameters` });
  return records.map(({ line, cells }) => {
    const values: Record<string, number> = {};
    for (const name of names) {
      const cell = cells[name]!;
      const v = parseDecimalSpelling(cell);
      if (v === undefined) throw badInput(file, line, `${name}=${cell} is not a finite number in decimal digits`);
      values[name] = v;
    }
    return { line, values };
  });
}
