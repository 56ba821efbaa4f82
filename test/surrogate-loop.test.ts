/**
 * The simulation-surrogate loop end to end, as a scientist types it: a heat-transfer ensemble
 * added, a surrogate ensemble trained on it, predictions at the points of a file, validation
 * against the simulation, the points where the members disagree most suggested, those points
 * simulated and added, a child trained from the parent on the grown table, and an explanation of
 * a region over the parameters. Each step is a `dsi` process; the models are tiny (a few epochs of
 * a narrow decoder): this checks that the pieces fit, the benchmark measures quality.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src/index.js';
import { runDsi } from './helpers/cli-run.js';

const PARAMETERS = ['source_x', 'source_y', 'diffusivity', 'anisotropy'];

describe('the surrogate loop through the command line', () => {
  let dir: string;
  let db: string;
  let run: string;
  const dsi = (...args: string[]): string => {
    const r = runDsi(['--db', db, ...args]);
    assert.equal(r.status, 0, `dsi ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T>(...args: string[]): T => JSON.parse(dsi(...args, '--json')) as T;
  const rows = async (sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const store = await openStore(db);
    try {
      return await store.query(sql, params as never[]);
    } finally {
      await store.close();
    }
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-surrogate-loop-'));
    db = path.join(dir, 'dsi.db');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds an ensemble and trains a surrogate ensemble on it', async () => {
    dsi('datasets', 'add', 'heat-transfer', '--runs', '24', '--seed', '3');
    const trained = json<{ run_id: string; status: string; members: number }>(
      'ml', 'train', '--model', 'surrogate', '--table', 'heat_transfer', '--cond-cols', PARAMETERS.join(','), '--members', '2', '--width', '8', '--epochs', '2', '--batch', '8', '--seed', '1',
    );
    assert.equal(trained.status, 'finished');
    assert.equal(trained.members, 2);
    run = trained.run_id;
    const [row] = await rows('SELECT kind, data_rows FROM ml_runs WHERE run_id = ?', [run]);
    assert.deepEqual({ ...row }, { kind: 'surrogate', data_rows: 24 });
  });

  it('predicts at the points of a file, one deterministic image per point, and refuses a point outside the ranges unless told', async () => {
    const points = path.join(dir, 'points.csv');
    fs.writeFileSync(points, 'anisotropy,diffusivity,source_x,source_y\n1,0.01,0.5,0.5\n1.5,0.005,0.3,0.7\n');
    const out = json<{ predictions: { prediction_id: string; params: Record<string, number>; seed: number | null }[] }>('ml', 'predict', '--run', run, '--points', points);
    assert.equal(out.predictions.length, 2);
    assert.equal(out.predictions[1]!.params['source_y'], 0.7);
    const stored = await rows('SELECT seed, extrapolated, FILE FROM ml_predictions WHERE run_id = ? ORDER BY prediction_id', [run]);
    assert.deepEqual(stored.map((r) => [r['seed'], r['extrapolated']]), [[null, 0], [null, 0]]);
    for (const r of stored) assert.ok(fs.existsSync(path.join(dir, String(r['FILE']))));

    fs.writeFileSync(points, 'source_x,source_y,diffusivity,anisotropy\n0.5,0.5,0.01,1\n0.99,0.5,0.01,1\n');
    const refused = runDsi(['--db', db, 'ml', 'predict', '--run', run, '--points', points]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /points\.csv:3: source_x=0\.99 lies outside the range trained on .*--extrapolate/);
    dsi('ml', 'predict', '--run', run, '--points', points, '--extrapolate');
    const flagged = await rows('SELECT source_x, extrapolated FROM ml_predictions WHERE run_id = ? AND source_x > 0.9', [run]);
    assert.deepEqual(flagged.map((r) => r['extrapolated']), [1]);
  });

  it('validates against the simulation at held-out points, rows and files together', async () => {
    const v = json<{ validation_id: string; n_points: number; simulation: string; overall: Record<string, number>; files: Record<string, string> }>('ml', 'validate', '--run', run, '--points', '6', '--seed', '2');
    assert.equal(v.simulation, 'heat-transfer');
    assert.equal(v.n_points, 6);
    for (const m of ['validation_mse', 'baseline_mse', 'validation_ssim', 'baseline_ssim', 'mse_ratio']) assert.ok(Number.isFinite(v.overall[m]), m);
    const stored = await rows("SELECT count(*) AS n FROM ml_evaluations WHERE validation_id = ? AND metric = 'validation_mse' AND condition IS NOT NULL", [v.validation_id]);
    assert.equal(Number(stored[0]!['n']), 6);
    assert.ok(fs.existsSync(path.join(dir, v.files['contact_sheet']!)));
    assert.ok(fs.existsSync(path.join(dir, v.files['error_plot']!)));

    const chosen = path.join(dir, 'held-out.csv');
    fs.writeFileSync(chosen, 'source_x,source_y,diffusivity,anisotropy\n0.45,0.55,0.008,1.2\n0.9,0.5,0.01,1\n');
    const f = json<{ n_points: number; points: { values: Record<string, number>; outside_range: boolean }[] }>('ml', 'validate', '--run', run, '--points-file', chosen);
    assert.equal(f.n_points, 2);
    assert.deepEqual(f.points.map((p) => [p.values['source_x'], p.outside_range]), [[0.45, false], [0.9, true]]);
  });

  it('suggests where to simulate next; simulating those points and training a child from the parent closes the loop', async () => {
    const next = path.join(dir, 'next.csv');
    const s = json<{ points: { values: Record<string, number>; uncertainty: number }[] }>('ml', 'suggest', '--run', run, '--candidates', '200', '--top', '4', '--out', next, '--seed', '5');
    assert.equal(s.points.length, 4);
    assert.ok(s.points[0]!.uncertainty >= s.points[3]!.uncertainty);
    dsi('datasets', 'add', 'heat-transfer', '--points', next);
    const [count] = await rows('SELECT count(*) AS n FROM heat_transfer');
    assert.equal(Number(count!['n']), 28);
    const child = json<{ run_id: string; status: string }>('ml', 'train', '--from', run, '--epochs', '1');
    assert.equal(child.status, 'finished');
    const [row] = await rows('SELECT parent_run_id, data_rows FROM ml_runs WHERE run_id = ?', [child.run_id]);
    assert.deepEqual({ ...row }, { parent_run_id: run, data_rows: 28 });
  });

  it('validates and ranks a conditional GAN the same way: the mean over seeds, the spread across them', async () => {
    const gan = json<{ run_id: string; status: string }>(
      'ml', 'train', '--model', 'cdcgan', '--table', 'heat_transfer', '--cond-cols', PARAMETERS.join(','), '--epochs', '1', '--batch', '8', '--max-images', '16', '--seed', '1',
    );
    assert.equal(gan.status, 'finished');
    const v = json<{ stochastic: boolean; samples: number; n_points: number; overall: Record<string, number> }>('ml', 'validate', '--run', gan.run_id, '--points', '3', '--samples', '2', '--seed', '1');
    assert.deepEqual([v.stochastic, v.samples, v.n_points], [true, 2, 3]);
    assert.ok(Number.isFinite(v.overall['validation_mse']));
    const s = json<{ method: string; points: unknown[] }>('ml', 'suggest', '--run', gan.run_id, '--candidates', '20', '--top', '2', '--samples', '2');
    assert.deepEqual([s.method, s.points.length], ['seeds', 2]);
  });

  it('explains the mean of a region over the parameters: the values add up to the prediction', () => {
    const e = json<{ prediction: number; base_value: number; values: Record<string, number> }>('ml', 'explain', '--run', run, '--row', '1', '--region', '8,8,24,24', '--background', '16');
    assert.deepEqual(Object.keys(e.values), PARAMETERS);
    const sum = Object.values(e.values).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (e.prediction - e.base_value)) < 1e-9, `Σ ${sum} vs ${e.prediction - e.base_value}`);
  });
});
