/**
 * A CSV of parameter points for a simulation (`dsi datasets add NAME --points FILE`): a header
 * naming exactly the simulation's parameters (any order), then one point per line. Everything is
 * checked before any run: a missing or extra column, a row of the wrong width, a cell that is not
 * a number or is NaN or infinite is refused with one line naming the file and the line. Blank
 * lines are skipped; fields may be quoted; a UTF-8 byte order mark is ignored.
 */
import fs from 'node:fs';
import { badInput, StoreError } from '../../errors.js';
import type { Simulation } from './simulation.js';

/** One point and the line it came from. */
export interface FilePoint {
  readonly line: number;
  readonly values: Readonly<Record<string, number>>;
}

function fields(text: string): string[] {
  return text.split(',').map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
  });
}

/** The points of `file` for `simulation`, at most `maxPoints` of them (see the file comment). */
export function readPointsFile(file: string, simulation: Simulation, maxPoints: number): FilePoint[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StoreError('E_BAD_ARGUMENT', `points file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const names = simulation.parameters.map((p) => p.name);
  const expected = `the columns must be exactly ${simulation.name}'s parameters: ${names.join(', ')}`;
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw badInput(file, undefined, `is empty; ${expected}`);
  const header = fields(lines[headerIndex]!);
  const headerLine = headerIndex + 1;
  for (const h of header) {
    if (!names.includes(h)) throw badInput(file, headerLine, `column "${h}" is not a parameter of ${simulation.name}; ${expected}`);
  }
  for (const n of names) {
    if (!header.includes(n)) throw badInput(file, headerLine, `column ${n} is missing; ${expected}`);
  }
  if (header.length !== names.length) throw badInput(file, headerLine, `a column is repeated; ${expected}`);
  const points: FilePoint[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const line = i + 1;
    const cells = fields(lines[i]!);
    if (cells.length !== header.length) throw badInput(file, line, `${cells.length} fields where the header has ${header.length}`);
    const values: Record<string, number> = {};
    header.forEach((name, c) => {
      const cell = cells[c]!;
      const v = cell === '' ? Number.NaN : Number(cell);
      if (cell === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(cell))) throw badInput(file, line, `${name} is not a number: ${JSON.stringify(cell)}`);
      if (Number.isNaN(v) || /^[+-]?nan$/i.test(cell)) throw badInput(file, line, `${name} is NaN`);
      if (!Number.isFinite(v)) throw badInput(file, line, `${name} is not finite: ${cell}`);
      values[name] = v;
    });
    if (points.length === maxPoints) throw badInput(file, line, `more than ${maxPoints} points; split the file`);
    points.push({ line, values });
  }
  if (points.length === 0) throw badInput(file, undefined, 'holds a header but no points');
  return points;
}
