/**
 * Sweeps (`dsi ml sweep`): a 2×2 grid of ridge emulators trains four runs that each record the
 * sweep, their point and their grid values; two at once gives the same runs; a failing point is
 * reported while the others finish; bad grids are refused with nothing written; a 3-point Slurm
 * script has the right content and its task 1, run by hand, records the right run; the
 * dashboard's sweep routes compare the runs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/index.js';
import { createDashboardApp } from '../src/server/dashboard-app.js';
import { DSI_BIN, failureOf, runDsi } from './helpers/cli-run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-sweep-'));
const db = path.join(dir, 'sweep.db');
const CSV = path.resolve(path.dirname(DSI_BIN), '..', 'examples', 'wildfiredata.csv');
const TRAIN = ['--model', 'ridge', '--table', 'fires', '--target', 'burned_area', '--features', 'wind_speed,wdir,smois'];

interface SweepJson {
  sweep_id: string;
  runs: { alpha?: string; seed?: string; target?: string; status: string; run_id: string | null; test_mse: number | null; error: string | null }[];
}

const dsi = (...args: string[]) => runDsi(['--db', db, ...args]);
function sweepJson(args: string[], status = 0): SweepJson {
  const r = dsi('ml', 'sweep', '--json', ...args);
  assert.equal(r.status, status, r.stderr);
  return JSON.parse(r.stdout) as SweepJson;
}
async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.query(sql);
  } finally {
    await store.close();
  }
}

let grid: SweepJson;

before(() => {
  const r = dsi('read', CSV, '--table', 'fires');
  assert.equal(r.status, 0, r.stderr);
  grid = sweepJson(['--grid', 'alpha=0.1,1', '--grid', 'seed=1..2', '--', ...TRAIN]);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dsi ml sweep, local', () => {
  it('trains one run per point of the grid, each recording the sweep, its point and its grid values', async () => {
    assert.deepEqual(grid.runs.map((r) => [r.alpha, r.seed, r.status]), [['0.1', '1', 'finished'], ['0.1', '2', 'finished'], ['1', '1', 'finished'], ['1', '2', 'finished']]);
    assert.ok(grid.runs.every((r) => typeof r.test_mse === 'number'));
    const runs = await rows(`SELECT run_id, sweep_id, sweep_point, params FROM ml_runs WHERE sweep_id = '${grid.sweep_id}' ORDER BY sweep_point`);
    assert.deepEqual(runs.map((r) => r['run_id']), grid.runs.map((r) => r.run_id));
    for (const [i, r] of runs.entries()) {
      assert.equal(r['sweep_point'], i);
      const params = JSON.parse(String(r['params'])) as { hyper: { alpha: number }; split: { seed: number } };
      assert.equal(params.hyper.alpha, Number(grid.runs[i]!.alpha));
      assert.equal(params.split.seed, Number(grid.runs[i]!.seed));
    }
    const [sweep] = await rows(`SELECT * FROM ml_sweeps WHERE sweep_id = '${grid.sweep_id}'`);
    assert.equal(sweep!['launcher'], 'local');
    assert.equal(sweep!['state'], 'finished');
    assert.deepEqual(JSON.parse(String(sweep!['grid'])), { alpha: ['0.1', '1'], seed: ['1', '2'] });
    const listed = dsi('ml', 'runs', '--sweep', grid.sweep_id, '--json');
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { run_id: string }[]).map((r) => r.run_id).sort(), grid.runs.map((r) => r.run_id).sort());
  });

  it('gives the same runs two at once, with a progress line per run', () => {
    const r = dsi('ml', 'sweep', '--json', '--parallel', '2', '--grid', 'alpha=0.1,1', '--grid', 'seed=1..2', '--', ...TRAIN);
    assert.equal(r.status, 0, r.stderr);
    const two = JSON.parse(r.stdout) as SweepJson;
    assert.notEqual(two.sweep_id, grid.sweep_id);
    assert.deepEqual(two.runs.map((x) => [x.alpha, x.seed, x.status, x.test_mse]), grid.runs.map((x) => [x.alpha, x.seed, x.status, x.test_mse]));
    assert.equal(r.stderr.split('\n').filter((l) => /^\[\d\/4\] .*: finished, run regressor-/.test(l)).length, 4);
  });

  it('reports a failing point and finishes the others, with exit status 1', async () => {
    const failed = sweepJson(['--grid', 'target=nosuch,burned_area', '--', ...TRAIN.filter((_, i) => i < 4 || i > 5)], 1);
    assert.deepEqual(failed.runs.map((r) => [r.target, r.status]), [['nosuch', 'failed'], ['burned_area', 'finished']]);
    assert.match(failed.runs[0]!.error ?? '', /nosuch/);
    const [sweep] = await rows(`SELECT state FROM ml_sweeps WHERE sweep_id = '${failed.sweep_id}'`);
    assert.equal(sweep!['state'], 'failed');
  });

  it('refuses bad grids before anything is written', async () => {
    const before = await rows('SELECT (SELECT count(*) FROM ml_sweeps) AS sweeps, (SELECT count(*) FROM ml_runs) AS runs');
    const cases: [string[], RegExp][] = [
      [['--grid', 'nosuch=1,2', '--', ...TRAIN], /--grid nosuch: not an option of dsi ml train/],
      [['--grid', 'alpha=1,2', '--', ...TRAIN, '--alpha', '3'], /alpha is given both by --grid and in the training arguments/],
      [['--grid', 'alpha=1,-1', '--', ...TRAIN], /the point alpha=-1: .*--alpha/],
      [['--grid', 'alpha=1,,2', '--', ...TRAIN], /an empty value/],
      [['--grid', 'alpha=1', '--grid', 'alpha=2', '--', ...TRAIN], /given twice/],
      [['--grid', 'grid-search=1', '--', ...TRAIN], /takes no value/],
      [['--grid', 'alpha=1', '--', ...TRAIN, '--sweep', 'x'], /--sweep is set by the sweep itself/],
      [['--', ...TRAIN], /at least one --grid/],
      [['--grid', 'alpha=1', '--', ...TRAIN, '--bogus'], /does not take --bogus/],
    ];
    for (const [args, message] of cases) {
      const f = await failureOf(['--db', db, 'ml', 'sweep', ...args]);
      assert.equal(f.status, 2, args.join(' '));
      assert.match(f.line ?? "", message);
    }
    assert.deepEqual(await rows('SELECT (SELECT count(*) FROM ml_sweeps) AS sweeps, (SELECT count(*) FROM ml_runs) AS runs'), before);
  });
});

describe('dsi ml sweep --slurm', () => {
  it('writes a job array whose task 1, run by hand, trains and records point 1', async () => {
    const out = path.join(dir, 'slurm');
    fs.mkdirSync(out);
    const r = dsi('ml', 'sweep', '--slurm', '--dir', out, '--name', 'ridge3', '--partition', 'debug', '--time', '00:10:00', '--cpus-per-task', '1', '--json', '--grid', 'alpha=0.1,0.5,1', '--', ...TRAIN);
    assert.equal(r.status, 0, r.stderr);
    const made = JSON.parse(r.stdout) as { sweep_id: string; script: string; points: string; job_id: string | null };
    assert.equal(made.script, path.join(out, 'ridge3.sbatch'));
    assert.equal(made.job_id, null);
    const script = fs.readFileSync(made.script, 'utf8');
    for (const line of ['#SBATCH --array=0-2', '#SBATCH --job-name=ridge3', '#SBATCH --partition=debug', '#SBATCH --time=00:10:00', '#SBATCH --cpus-per-task=1']) assert.ok(script.includes(line), line);
    assert.match(script, new RegExp(`'--db' '${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' 'ml' 'train' '--model' 'ridge'`));
    assert.ok(script.includes(`"$@" --sweep '${made.sweep_id}' --sweep-point "$SLURM_ARRAY_TASK_ID"\n`), script);
    assert.equal(fs.readFileSync(made.points, 'utf8'), "'--alpha' '0.1'\n'--alpha' '0.5'\n'--alpha' '1'\n");
    const [sweep] = await rows(`SELECT launcher, state FROM ml_sweeps WHERE sweep_id = '${made.sweep_id}'`);
    assert.deepEqual({ ...sweep }, { launcher: 'slurm', state: 'written' });

    const task = spawnSync('bash', [made.script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
    assert.equal(task.status, 0, task.stderr);
    const runs = await rows(`SELECT sweep_point, params FROM ml_runs WHERE sweep_id = '${made.sweep_id}'`);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!['sweep_point'], 1);
    assert.equal((JSON.parse(String(runs[0]!['params'])) as { hyper: { alpha: number } }).hyper.alpha, 0.5);
  });

  it('says so and leaves the script when --submit finds no sbatch', () => {
    const out = path.join(dir, 'nosbatch');
    fs.mkdirSync(out);
    const r = spawnSync(process.execPath, [DSI_BIN, '--db', db, 'ml', 'sweep', '--slurm', '--submit', '--dir', out, '--name', 'n', '--grid', 'alpha=1', '--', ...TRAIN], {
      env: { ...process.env, PATH: path.join(dir, 'empty-path') },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /sbatch is not on PATH: nothing was submitted; on the cluster run: sbatch .*n\.sbatch/);
    assert.ok(fs.existsSync(path.join(out, 'n.sbatch')));
  });
});

describe('the dashboard\'s sweep routes', () => {
  it('list the sweeps and compare one sweep\'s runs point by point', async () => {
    const store = await openStore(db, { readOnly: true });
    try {
      const app = createDashboardApp({ store, cinema: undefined, reviewer: 'ana', storeArguments: ['--db', db] }, { loopback: true });
      const get = async (p: string, status = 200): Promise<any> => {
        const res = await app.request(p, { headers: { host: '127.0.0.1' } });
        const body: unknown = await res.json();
        assert.equal(res.status, status, JSON.stringify(body));
        return body;
      };
      const list = (await get('/api/sweeps')) as { sweeps: { sweep_id: string; points: number; finished: number }[] };
      const mine = list.sweeps.find((s) => s.sweep_id === grid.sweep_id)!;
      assert.deepEqual([mine.points, mine.finished], [4, 4]);
      const detail = (await get(`/api/sweeps/${grid.sweep_id}`)) as { columns: string[]; metrics: string[]; points: { values: Record<string, string>; run_id: string; state: string; metrics: Record<string, number | null> }[] };
      assert.deepEqual(detail.columns, ['alpha', 'seed']);
      assert.deepEqual(detail.points.map((p) => [p.values, p.run_id, p.state]), grid.runs.map((r) => [{ alpha: r.alpha, seed: r.seed }, r.run_id, 'finished']));
      assert.ok(detail.metrics.includes('mse'), detail.metrics.join());
      assert.deepEqual(detail.points.map((p) => p.metrics['mse']), grid.runs.map((r) => r.test_mse));
      const runs = (await get('/api/runs')) as { runs: { run_id: string; sweep_id: string | null }[] };
      assert.equal(runs.runs.find((r) => r.run_id === grid.runs[0]!.run_id)!.sweep_id, grid.sweep_id);
      const missing = (await get('/api/sweeps/sweep-none', 404)) as { error: { code: string } };
      assert.equal(missing.error.code, 'E_ML_RUN');
    } finally {
      await store.close();
    }
  });
});
