/**
 * `addSimulatedEnsemble`: heat-transfer runs ingested as an ensemble in one read — rows, types,
 * `sim_id` continuing across calls, the `simulation` table, the `env` row joined through
 * `run_id`, units, PNGs equal to the runs' pixels — and every refusal (bad points files, bad
 * options, a table holding something else) leaving the store and its data folder unchanged.
 * One SQLite store, 8 runs at 28 × 28 (well under a second of simulation).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addSimulatedEnsemble, type ProgressEvent, type Store } from '../src/index.js';
import { heatTransfer } from '../src/datasets/simulations/heat-transfer.js';
import { decodePng } from '../src/images/png-codec.js';
import { dumpStore, openTempStore, rejectsWithCode, removeTempDirs, writeFile } from './helpers/store-helpers.js';

const PARAMETERS = ['source_x', 'source_y', 'diffusivity', 'anisotropy'];

let store: Store;
let dir: string;

/** Every file under the data folder, relative. */
function dataFiles(): string[] {
  const root = path.join(dir, 'dsi.data');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}

before(async () => {
  ({ store, dir } = await openTempStore('sqlite'));
});
after(async () => {
  await store.close();
  removeTempDirs();
});

describe('addSimulatedEnsemble: heat-transfer runs as a DSI ensemble', () => {
  it('adds a Latin hypercube of runs: one row, one PNG per run, the simulation table, env and units', async () => {
    const events: ProgressEvent[] = [];
    const added = await addSimulatedEnsemble(store, 'heat-transfer', { runs: 6, size: 28, seed: 5, onProgress: (e) => events.push(e) });
    assert.deepEqual(
      { ...added, seconds: 0 },
      { simulation: 'heat-transfer', version: '1', table: 'heat_transfer', runs: 6, firstSimId: 1, lastSimId: 6, tableRuns: 6, size: 28, points: 'latin hypercube, seed 5', seconds: 0 },
    );
    assert.deepEqual(events.at(-1), { task: 'simulate heat-transfer', done: 6, total: 6, unit: 'runs' });
    const info = await store.describe('heat_transfer');
    assert.deepEqual(info.columns.map((c) => c.name), [
      'run_id', 'sim_id', ...PARAMETERS,
      'peak_temperature', 'mean_temperature', 'heat_injected', 'heat_stored', 'heat_lost', 'steps', 'dt', 'end_time', 'temperature_scale', 'solver_cells',
      'simulation', 'simulation_version', 'size', 'FILE',
    ]);
    const typeOf = (name: string) => info.columns.find((c) => c.name === name)!.type;
    for (const c of [...PARAMETERS, 'end_time', 'peak_temperature']) assert.equal(typeOf(c), 'float', c);
    for (const c of ['sim_id', 'steps', 'solver_cells', 'size']) assert.equal(typeOf(c), 'integer', c);
    const rows = await store.query('SELECT * FROM heat_transfer ORDER BY sim_id');
    assert.deepEqual(rows.map((r) => r['sim_id']), [1, 2, 3, 4, 5, 6]);
    for (const p of PARAMETERS) {
      const range = heatTransfer.parameters.find((q) => q.name === p)!;
      assert.ok(rows.every((r) => (r[p] as number) >= range.min && (r[p] as number) <= range.max), p);
    }
    // The PNG is the run's pixels at that point.
    const first = rows[0]!;
    const png = decodePng(fs.readFileSync(path.join(dir, String(first['FILE']))), String(first['FILE']));
    const point = Object.fromEntries(PARAMETERS.map((p) => [p, first[p] as number]));
    assert.deepEqual([png.width, png.height, png.channels], [28, 28, 1]);
    assert.deepEqual(new Uint8Array(png.data), heatTransfer.run(point, { size: 28 }).pixels);
    assert.equal(first['FILE'], 'dsi.data/heat_transfer/000001.png');
    assert.deepEqual(await store.query('SELECT count(*) AS n FROM simulation'), [{ n: 6 }]);
    const provenance = await store.query('SELECT DISTINCT e.host, e.node_version FROM heat_transfer h JOIN env e USING (run_id)');
    assert.deepEqual(provenance, [{ host: (await store.query('SELECT host FROM env'))[0]!['host'], node_version: process.version }]);
    assert.deepEqual(
      (await store.units()).map((u) => `${u.table}.${u.column}=${u.unit}`),
      ['heat_transfer.source_x=m', 'heat_transfer.source_y=m', 'heat_transfer.diffusivity=m^2/s'],
    );
    assert.equal(dataFiles().length, 6);
  });

  it('runs the points of a file, continuing sim_id; the same file again is refused as a repeat', async () => {
    const file = writeFile(dir, 'next.csv', 'anisotropy,diffusivity,source_x,source_y\n1,0.01,0.5,0.5\n\n"0.5",0.03,0.9,0.1\n');
    const added = await addSimulatedEnsemble(store, 'heat-transfer', { points: file, size: 28 });
    assert.deepEqual([added.runs, added.firstSimId, added.lastSimId, added.tableRuns, added.points], [2, 7, 8, 8, file]);
    const rows = await store.query('SELECT sim_id, source_x, source_y, diffusivity, anisotropy FROM heat_transfer WHERE sim_id > 6 ORDER BY sim_id');
    assert.deepEqual(rows, [
      { sim_id: 7, source_x: 0.5, source_y: 0.5, diffusivity: 0.01, anisotropy: 1 },
      { sim_id: 8, source_x: 0.9, source_y: 0.1, diffusivity: 0.03, anisotropy: 0.5 },
    ]);
    await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', { points: file, size: 28 }), 'E_ALREADY_READ');
  });

  describe('refusals leave the store and its data folder as they were', () => {
    const HEADER = 'source_x,source_y,diffusivity,anisotropy';
    const badFiles: [string, string, RegExp][] = [
      ['missing.csv', 'source_x,source_y,diffusivity\n0.5,0.5,0.01\n', /missing\.csv:1: the header must name exactly heat-transfer's parameters \(source_x, source_y, diffusivity, anisotropy\): anisotropy missing$/],
      ['extra.csv', `${HEADER},label\n0.5,0.5,0.01,1,a\n`, /extra\.csv:1: the header must name exactly heat-transfer's parameters .*: label not among them$/],
      ['nan.csv', `${HEADER}\n0.5,0.5,0.01,1\n0.5,NaN,0.01,1\n`, /nan\.csv:3: source_y=NaN is not a finite number in decimal digits$/],
      ['text.csv', `${HEADER}\n0.5,0.5,0.01,1\n\n0.5,0.5,fast,1\n`, /text\.csv:4: diffusivity=fast is not a finite number in decimal digits$/],
      ['empty-cell.csv', `${HEADER}\n0.5,,0.01,1\n`, /empty-cell\.csv:2: no value for source_y$/],
      ['width.csv', `${HEADER}\n0.5,0.5,0.01\n`, /width\.csv:2: 3 values, but the header names 4 parameters$/],
      ['physics.csv', `${HEADER}\n0.5,0.5,0.01,1\n0.5,0.5,-0.01,1\n`, /physics\.csv:3: diffusivity must be positive, got -0\.01$/],
      ['off-plate.csv', `${HEADER}\n1.5,0.5,0.01,1\n`, /off-plate\.csv:2: source_x must lie on the plate, 0–1 m, got 1\.5$/],
      ['header-only.csv', `${HEADER}\n`, /header-only\.csv:1: the points file has a header but no points$/],
    ];
    for (const [name, text, message] of badFiles) {
      it(`a points file: ${name}`, async () => {
        const file = writeFile(dir, name, text);
        const before = await dumpStore(store);
        const files = dataFiles();
        const e = await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', { points: file, size: 28 }), 'E_BAD_INPUT');
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'));
        assert.deepEqual(await dumpStore(store), before);
        assert.deepEqual(dataFiles(), files);
      });
    }

    it('bad options: runs, size, seed, points with runs, an unknown simulation', async () => {
      const before = await dumpStore(store);
      const cases: [Parameters<typeof addSimulatedEnsemble>[2], RegExp][] = [
        [{ runs: 1 }, /runs must be an integer from 2 to 10000, got 1/],
        [{ runs: 2.5 }, /runs must be an integer/],
        [{ runs: 1e6 }, /runs must be an integer from 2 to 10000/],
        [{ size: 30 }, /size must be one of 28, 32, 64 for heat-transfer, got 30/],
        [{ seed: -1 }, /seed must be an integer from 0/],
        [{ points: 'p.csv', runs: 4 }, /points gives the points itself; leave out runs and seed/],
      ];
      for (const [options, message] of cases) {
        const e = await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', options), 'E_BAD_ARGUMENT');
        assert.match(e.message, message);
      }
      const absent = await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', { points: path.join(dir, 'absent.csv') }), 'E_FILE');
      assert.match(absent.message, /absent\.csv: cannot read the points file \(no such file\)/);
      assert.match((await rejectsWithCode(addSimulatedEnsemble(store, 'gray-scott'), 'E_BAD_ARGUMENT')).message, /unknown simulation "gray-scott"; known: heat-transfer/);
      assert.deepEqual(await dumpStore(store), before);
    });

    it('a table holding anything but this simulation and version', async () => {
      await store.insertRows('measurements', [{ x: 1 }]);
      await store.insertRows('older', [{ sim_id: 100, simulation: 'heat-transfer', simulation_version: '0' }]);
      const before = await dumpStore(store);
      const files = dataFiles();
      const other = await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', { runs: 2, size: 28, table: 'measurements' }), 'E_BAD_ARGUMENT');
      assert.match(other.message, /table "measurements" already holds 1 rows that are not a simulated ensemble; .*give another as table/);
      const older = await rejectsWithCode(addSimulatedEnsemble(store, 'heat-transfer', { runs: 2, size: 28, table: 'older' }), 'E_BAD_ARGUMENT');
      assert.match(older.message, /table "older" already holds 1 rows of heat-transfer version 0; runs of heat-transfer 1 go into/);
      assert.deepEqual(await dumpStore(store), before);
      assert.deepEqual(dataFiles(), files);
    });
  });
});
