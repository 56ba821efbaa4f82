/**
 * `dsi datasets add heat-transfer`: run a simulation at many points and ingest the runs as a DSI
 * ensemble, all or nothing (one `store.read`: one transaction, PNGs staged with the rows).
 *
 * The points are a seeded Latin hypercube over the simulation's default ranges, or the rows of a
 * points file (`points-file.ts`). One read writes:
 * - the ensemble table (default: the simulation's name with `_`): one row per run with `sim_id`,
 *   the parameters (FLOAT), the run's scalars (FLOAT, counts INTEGER: `scalarCell`), `simulation`, `simulation_version`, `size` and
 *   `FILE`, a PNG of the output in the data folder (`NAME.data/TABLE/000017.png`);
 * - `simulation` (`sim_id`, the primary key the runs reference), numbered as the `ensemble` reader
 *   numbers runs (`numberedRuns`): after the largest `sim_id` the store holds;
 * - `env`, one row from the `env` reader: the machine, and the git state of the code that ran it;
 * - `runtable`: the read, whose `run_id` every row above carries, so a run's provenance is a join;
 * - the parameters' units in `dsi_units`.
 *
 * A table already holding rows accepts more runs of the same simulation and version only (new
 * runs join an ensemble that way); anything else is refused before anything runs. A point that
 * is not physical is refused naming its line; nothing is written on any failure.
 *
 * @example
 * const added = await addSimulatedEnsemble(store, 'heat-transfer', { runs: 64, seed: 7 });
 * // { simulation: 'heat-transfer', table: 'heat_transfer', runs: 64, firstSimId: 1, … }
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../images/png-codec.js';
import { StoreError, badInput } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { numberedRuns } from '../../readers/ensemble-reader.js';
import { envReader } from '../../readers/env-reader.js';
import { folderForName } from '../../store/data-folder-names.js';
import { sanitizeIdentifier } from '../../store/identifiers.js';
import { FloatCell, type RawCell, type Reader, type TableSource, type UnitRecord } from '../../store/reader.js';
import type { Store } from '../../store/store.js';
import { simulationNamed, simulationNames } from './index.js';
import { latinHypercube } from './latin-hypercube.js';
import { type FilePoint, readPointsFile } from './points-file.js';
import type { Simulation } from './simulation.js';

/** Runs one call may add at most (a 64 × 64 heat-transfer run takes about 0.2 s). */
export const MAX_RUNS = 10_000;
export const DEFAULT_RUNS = 256;
export const DEFAULT_SEED = 1;

export interface SimulatedEnsembleOptions {
  /** Points of the Latin hypercube (default 256, 2 to 10,000); not with `points`. */
  readonly runs?: number;
  /** Image size, one of the simulation's sizes (default its `defaultSize`). */
  readonly size?: number;
  /** Seed of the Latin hypercube (default 1). */
  readonly seed?: number;
  /** A CSV of points to run instead of a Latin hypercube (points-file.ts). */
  readonly points?: string;
  /** The table to fill (default: the simulation's name, `heat_transfer`). */
  readonly table?: string;
  readonly onProgress?: ProgressCallback;
}

export interface AddedSimulatedEnsemble {
  readonly simulation: string;
  readonly version: string;
  readonly table: string;
  /** Runs added by this call, and their `sim_id`s (consecutive). */
  readonly runs: number;
  readonly firstSimId: number;
  readonly lastSimId: number;
  /** Runs the table holds now. */
  readonly tableRuns: number;
  readonly size: number;
  /** Where the points came from: `latin hypercube, seed 1` or the points file. */
  readonly points: string;
  readonly seconds: number;
}

/** The folder holding the package's `package.json`: whose git state says which code ran. */
function codeFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function integerOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o(name)} must be an integer from ${min} to ${max}, got ${JSON.stringify(value ?? null)}`);
  }
  return value;
}

/** Refuse a table that holds rows of anything but `simulation` at its current version. */
async function checkTable(store: Store, table: string, simulation: Simulation): Promise<void> {
  const existing = (await store.list()).find((t) => t.table.toLowerCase() === table.toLowerCase());
  if (!existing || existing.rows === 0) return;
  const refuse = (what: string) =>
    new StoreError('E_BAD_ARGUMENT', (o) => `table "${existing.table}" already holds ${existing.rows} rows ${what}; runs of ${simulation.name} ${simulation.version} go into a table of their own or one holding only them (give another as ${o('table')})`);
  const info = await store.describe(existing.table);
  const column = (name: string) => info.columns.find((c) => c.name.toLowerCase() === name)?.name;
  const sim = column('simulation');
  const version = column('simulation_version');
  if (!sim || !version || !column('sim_id')) throw refuse('that are not a simulated ensemble');
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const kinds = await store.query(`SELECT DISTINCT ${q(sim!)} AS s, ${q(version!)} AS v FROM ${q(existing.table)}`);
  const other = kinds.find((k) => String(k['s']) !== simulation.name || String(k['v']) !== simulation.version);
  if (other) throw refuse(`of ${String(other['s'])} version ${String(other['v'])}`);
}

/**
 * A scalar's cell: a count (`steps`, or a name ending in `_steps`, `_cells` or `_count`) is an
 * INTEGER, every other scalar a FLOAT even where a value is whole (`end_time` 1 s).
 */
function scalarCell(name: string, value: number | undefined): RawCell {
  if (value === undefined || !Number.isFinite(value)) return null;
  return /(^|_)(steps|cells|count)$/.test(name) && Number.isInteger(value) ? value : new FloatCell(value);
}

/** A run's row values and PNG, computed before anything is written. */
interface RunRow {
  readonly cells: RawCell[];
  readonly png: Uint8Array;
}

/**
 * The reader `addSimulatedEnsemble` reads with: it runs `points` (all of them, before returning,
 * so a bad point fails the read before a row goes in) and hands the store the ensemble, the
 * simulation table and an `env` row. It is given to `store.read` directly, not registered as a
 * plugin: its input (the points file, or the code folder for a Latin hypercube) is not a file
 * format of its own.
 */
function simulationReader(simulation: Simulation, points: readonly FilePoint[], size: number, pointsFile: string | undefined, codeRoot: string): Reader {
  const parameters = simulation.parameters.map((p) => p.name);
  return {
    name: simulation.name,
    description: `runs of ${simulation.name} at given points`,
    // A Latin hypercube reads no file: each call is a new set of runs.
    observes: pointsFile === undefined,
    async read(input, context) {
      if (!context.files) {
        throw new StoreError('E_BAD_ARGUMENT', `${simulation.name}: an ensemble keeps one PNG per run, and this store has no data folder (open a store file, or give one)`);
      }
      const table = sanitizeIdentifier(context.tableName ?? simulation.name);
      const first = ((await context.maxInteger('simulation', 'sim_id')) ?? 0) + 1;
      const task = `simulate ${simulation.name}`;
      const rows: RunRow[] = [];
      let scalarNames: string[] | undefined;
      for (const [i, point] of points.entries()) {
        let out;
        try {
          out = simulation.run(point.values, { size });
        } catch (e) {
          if (pointsFile !== undefined && e instanceof StoreError && e.code === 'E_BAD_ARGUMENT') {
            throw badInput(pointsFile, point.line, e.message.replace(`${simulation.name}: `, ''));
          }
          throw e;
        }
        scalarNames ??= Object.keys(out.scalars);
        const png = encodePng({ width: size, height: size, channels: simulation.channels, data: planarToInterleaved(out.pixels, simulation.channels, size) });
        const cells: RawCell[] = [
          ...parameters.map((p) => new FloatCell(point.values[p]!)),
          ...scalarNames.map((s) => scalarCell(s, out.scalars[s])),
          simulation.name,
          simulation.version,
          size,
        ];
        rows.push({ cells, png });
        context.onProgress?.({ task, done: i + 1, total: points.length, unit: 'runs' });
      }
      const target = context.files.folder(folderForName(table));
      const columns = [...parameters, ...(scalarNames ?? []), 'simulation', 'simulation_version', 'size', 'FILE'];
      const inner: TableSource = {
        table,
        columns,
        cells: 'typed',
        file: pointsFile ?? `${simulation.name} runs`,
        async forEachBatch(consume) {
          await consume(
            rows.map((row, i) => {
              const name = `${String(first + i).padStart(6, '0')}.png`;
              fs.writeFileSync(path.join(target.path, name), row.png, { mode: 0o640 });
              return [...row.cells, `${target.value}/${name}`];
            }),
          );
        },
        async lineOfRow(row) {
          return points[row]?.line;
        },
      };
      const { runs, simulation: simulationTable, relations } = numberedRuns(inner, table, first);
      const env = await envReader.read(codeRoot, { ...context, tableName: 'env' });
      const units: UnitRecord[] = simulation.parameters
        .filter((p) => p.unit !== '')
        .map((p) => ({ table, column: p.name, unit: p.unit, file: inner.file }));
      return { tables: [runs, simulationTable, ...env.tables], units, relations };
    },
  };
}

/** `channels × size × size` planar pixels as interleaved samples (the PNG order). */
function planarToInterleaved(pixels: Uint8Array, channels: 1 | 3, size: number): Uint8Array {
  if (channels === 1) return pixels;
  const plane = size * size;
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < plane; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = pixels[c * plane + i]!;
  return out;
}

/** Run simulation `name` and add its runs to `store` as an ensemble (see the file comment). */
export async function addSimulatedEnsemble(store: Store, name: string, options: SimulatedEnsembleOptions = {}): Promise<AddedSimulatedEnsemble> {
  const started = performance.now();
  const simulation = simulationNamed(name);
  if (!simulation) throw new StoreError('E_BAD_ARGUMENT', `unknown simulation "${name}"; known: ${simulationNames().join(', ')}`);
  const size = options.size ?? simulation.defaultSize;
  if (!simulation.sizes.includes(size)) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('size')} must be one of ${simulation.sizes.join(', ')} for ${simulation.name}, got ${JSON.stringify(size)}`);
  }
  if (options.points !== undefined && (options.runs !== undefined || options.seed !== undefined)) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('points')} gives the points itself; leave out ${o('runs')} and ${o('seed')}`);
  }
  const table = sanitizeIdentifier(options.table ?? simulation.name);
  if (table === '') throw new StoreError('E_BAD_ARGUMENT', (o) => `${o('table')} must name a table, got ${JSON.stringify(options.table)}`);
  let points: FilePoint[];
  let from: string;
  if (options.points !== undefined) {
    points = await readPointsFile(options.points, simulation, MAX_RUNS);
    from = options.points;
  } else {
    const runs = integerOption('runs', options.runs ?? DEFAULT_RUNS, 2, MAX_RUNS);
    const seed = integerOption('seed', options.seed ?? DEFAULT_SEED, 0, 0xffffffff);
    const ranges = Object.fromEntries(simulation.parameters.map((p) => [p.name, [p.min, p.max] as const]));
    points = latinHypercube(runs, ranges, seed).map((values) => ({ line: 0, values }));
    from = `latin hypercube, seed ${seed}`;
  }
  await checkTable(store, table, simulation);
  const codeRoot = codeFolder();
  const reader = simulationReader(simulation, points, size, options.points, codeRoot);
  const results = await store.read(options.points ?? codeRoot, {
    reader,
    table,
    runTable: true,
    readerOptions: { size },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const added = results.find((r) => r.table.toLowerCase() === table.toLowerCase())?.rows ?? 0;
  const q = `"${table.replace(/"/g, '""')}"`;
  const [span] = await store.query(`SELECT count(*) AS n, max(sim_id) AS last FROM ${q}`);
  const last = Number(span?.['last'] ?? 0);
  return {
    simulation: simulation.name,
    version: simulation.version,
    table,
    runs: added,
    firstSimId: last - added + 1,
    lastSimId: last,
    tableRuns: Number(span?.['n'] ?? 0),
    size,
    points: from,
    seconds: (performance.now() - started) / 1000,
  };
}
