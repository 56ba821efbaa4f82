/**
 * The GAN workflow end to end on a small MNIST store: a run records its rows and files; a stopped
 * and resumed run reproduces the losses of an uninterrupted one; a killed run is reported and
 * resumes; Ctrl-C stops the CLI with a checkpoint; predictions for a label grid give the right
 * rows, files and parameters, and the same seed the same bytes; every bad input is refused before
 * a run row exists.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { decodePng as decodePngFile, encodePng } from '../src/images/png-codec.js';

const decodePng = (bytes: Uint8Array) => decodePngFile(bytes, '<test>');
import { Store } from '../src/store/store.js';
import { openStore } from '../src/index.js';
import * as torch from '../src/torch/index.js';
import { createGan, loadCheckpoint, predictGan, RunRegistry, trainGan, type TrainGanOptions } from '../src/ml/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

let dir: string;
let m: MnistStore;
let startTensors = 0;

/** Few images and small batches: each step takes milliseconds. */
const SMALL: TrainGanOptions = { table: 'digits', epochs: 2, batch: 16, seed: 7, threads: 1 };

async function rowCount(store: Store, table: string): Promise<number> {
  if (!(await store.tables()).includes(table)) return 0;
  return Number((await store.query(`SELECT count(*) AS n FROM ${table}`))[0]!['n']);
}

async function rejectsMl(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlError || (e instanceof Error && 'code' in e), `expected an error with a code, got ${String(e)}`);
    assert.equal((e as MlError).code, code, (e as Error).message);
    if (pattern) assert.match((e as Error).message, pattern);
    return true;
  });
}

function dsi(args: string[], cwd = dir): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DSI, '--db', m.db, ...args], { cwd, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-gan-'));
  m = await makeMnistStore(dir, 48);
});

after(async () => {
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor the workflow made is freed');
});

describe('ml train: a run and what it records', () => {
  it('a dcgan run writes ml_runs, ml_epochs, sample grids, checkpoints and loss plots', async () => {
    const events: number[] = [];
    const result = await trainGan(m.store, { ...SMALL, onProgress: (e) => e.unit === 'steps' && events.push(e.done) });
    assert.equal(result.status, 'finished');
    assert.equal(result.model, 'dcgan');
    assert.equal(result.epochs_done, 2);
    assert.equal(result.steps_done, 6, '48 images in batches of 16: 3 steps an epoch');
    assert.deepEqual(events, [1, 2, 3, 4, 5, 6]);
    const registry = new RunRegistry(m.store);
    const run = await registry.get(result.run_id);
    assert.equal(run.status, 'finished');
    assert.equal(run.state, 'finished');
    assert.equal(run.kind, 'gan');
    assert.equal(run.seed, 7);
    assert.equal(run.data_rows, 48);
    assert.match(run.data_hash, /^[0-9a-f]{64}$/);
    assert.equal(run.data_query, `SELECT * FROM "digits" WHERE split = 'train'`);
    assert.equal(run.env['threads'], 1);
    assert.equal(typeof run.env['libtorch'], 'string');
    assert.equal(run.params['batch'], 16);
    assert.equal(run.params['size'], 28);
    assert.ok(run.images_per_second! > 0);
    assert.ok(run.finished_at !== null && run.heartbeat_at !== null);
    const epochs = await registry.epochs(result.run_id);
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
    for (const e of epochs) {
      assert.ok(Number.isFinite(e.d_loss) && Number.isFinite(e.g_loss));
      assert.equal(e.steps, 3);
      const grid = decodePng(fs.readFileSync(path.join(dir, e.FILE_samples!)));
      assert.equal(grid.width, grid.height, 'an unconditional grid is 10 × 10 images');
      assert.ok(grid.width >= 280);
      assert.ok(fs.existsSync(path.join(dir, e.FILE_checkpoint!, 'generator.safetensors')));
    }
    // Only the newest checkpoint keeps the optimisers; older ones keep their weights.
    assert.ok(!fs.existsSync(path.join(dir, epochs[0]!.FILE_checkpoint!, 'generator-optimizer.safetensors')));
    assert.ok(fs.existsSync(path.join(dir, epochs[1]!.FILE_checkpoint!, 'generator-optimizer.safetensors')));
    assert.equal(run.FILE_checkpoint, epochs[1]!.FILE_checkpoint);
    const png = decodePng(fs.readFileSync(path.join(dir, run.FILE_loss_plot!)));
    assert.ok(png.width > 100);
    assert.ok(fs.readFileSync(path.join(dir, run.FILE_loss_plot!.replace(/\.png$/, '.svg')), 'utf8').startsWith('<svg'));
  });

  it('ml_ tables are refused by update', async () => {
    await assert.rejects(m.store.updateRows([{ table: 'ml_runs', rowIndex: 1, values: { status: 'finished' } }]), /managed by the store/);
  });

  it('a run stopped mid-epoch and resumed reproduces the losses and samples of an uninterrupted run', async () => {
    const options: TrainGanOptions = { ...SMALL, conditionColumns: ['label'], epochs: 3 };
    const whole = await trainGan(m.store, options);
    const controller = new AbortController();
    const stopped = await trainGan(m.store, { ...options, signal: controller.signal, onProgress: (e) => e.unit === 'steps' && e.done === 4 && controller.abort() });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.steps_done, 4);
    assert.equal(stopped.epochs_done, 1);
    assert.match(stopped.FILE_checkpoint!, /epoch-0001-step-000001$/);
    const registry = new RunRegistry(m.store);
    assert.equal((await registry.get(stopped.run_id)).status, 'stopped');
    const resumed = await trainGan(m.store, { resume: stopped.run_id, threads: 1 });
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.run_id, stopped.run_id);
    assert.equal(resumed.steps_done, 9);
    assert.ok(!fs.existsSync(path.join(dir, stopped.FILE_checkpoint!)), 'the mid-epoch checkpoint is gone once a later one exists');
    const a = await registry.epochs(whole.run_id);
    const b = await registry.epochs(resumed.run_id);
    assert.deepEqual(b.map((e) => [e.epoch, e.d_loss, e.g_loss]), a.map((e) => [e.epoch, e.d_loss, e.g_loss]), 'same losses, epoch by epoch');
    assert.deepEqual(fs.readFileSync(path.join(dir, b[2]!.FILE_samples!)), fs.readFileSync(path.join(dir, a[2]!.FILE_samples!)), 'same final sample grid');
    const grid = decodePng(fs.readFileSync(path.join(dir, a[2]!.FILE_samples!)));
    assert.ok(grid.height < grid.width * 1.01, 'one row per label, at most 10 rows');
  });

  it('a run that throws mid-training is marked failed with its error, and resumes', async () => {
    let runId = '';
    await assert.rejects(
      trainGan(m.store, {
        ...SMALL,
        onProgress: (e) => {
          if (e.unit !== 'steps') return;
          runId = e.task.replace('train ', '');
          if (e.done === 4) throw new Error('the disk is full');
        },
      }),
      /the disk is full/,
    );
    const registry = new RunRegistry(m.store);
    const failed = await registry.get(runId);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, 'the disk is full');
    assert.equal(failed.epochs_done, 1);
    const resumed = await trainGan(m.store, { resume: runId, threads: 1 });
    assert.deepEqual([resumed.status, resumed.epochs_done], ['finished', 2]);
    assert.equal((await registry.get(runId)).error, null);
  });

  it('a finished run trains further with a higher --epochs, and refuses a lower one', async () => {
    const first = await trainGan(m.store, { ...SMALL, epochs: 1 });
    await rejectsMl(trainGan(m.store, { resume: first.run_id, epochs: 1 }), 'E_ML_RUN', /give epochs above 1/);
    const more = await trainGan(m.store, { resume: first.run_id, epochs: 2, threads: 1 });
    assert.equal(more.epochs_done, 2);
    assert.equal((await new RunRegistry(m.store).epochs(first.run_id)).length, 2);
  });
});

describe('ml predict', () => {
  let runId: string;
  before(async () => {
    runId = (await trainGan(m.store, { ...SMALL, conditionColumns: ['label'], epochs: 1 })).run_id;
  });

  it('a label grid gives one row and one PNG per label and image, with parameters and seeds', async () => {
    const out = await predictGan(m.store, { run: runId, grid: { label: '0..9' }, count: 2, seed: 5 });
    assert.equal(out.predictions.length, 20);
    assert.equal(out.epoch, 1);
    const rows = await m.store.query('SELECT * FROM ml_predictions WHERE run_id = ? ORDER BY prediction_id', [runId]);
    assert.equal(rows.length, 20);
    rows.forEach((r, k) => {
      assert.equal(r['label'], Math.floor(k / 2));
      assert.equal(r['seed'], 5 + k);
      assert.deepEqual(JSON.parse(String(r['params'])), { label: Math.floor(k / 2) });
      assert.equal(r['epoch'], 1);
      assert.equal(r['accepted'], null);
      const png = decodePng(fs.readFileSync(path.join(dir, String(r['FILE']))));
      assert.deepEqual([png.width, png.height, png.channels], [28, 28, 1]);
    });
  });

  it('the same seed gives the same image bytes, whatever else the call asks for; another seed other bytes', async () => {
    const a = await predictGan(m.store, { run: runId, params: { label: '3' }, count: 3, seed: 100 });
    const b = await predictGan(m.store, { run: runId, params: { label: '3' }, count: 1, seed: 101 });
    const c = await predictGan(m.store, { run: runId, params: { label: '3' }, count: 1, seed: 100 });
    const bytes = (p: { FILE: string }) => fs.readFileSync(path.join(dir, p.FILE));
    assert.deepEqual(bytes(b.predictions[0]!), bytes(a.predictions[1]!), 'seed 101 is image 1 of the first call');
    assert.deepEqual(bytes(c.predictions[0]!), bytes(a.predictions[0]!));
    assert.notDeepEqual(bytes(a.predictions[0]!), bytes(a.predictions[1]!));
  });

  it('a prediction is reproduced in PyTorch from its checkpoint, seed and parameters (scripts/python/dsi_gan.py)', async (t) => {
    const python = path.join(ROOT, '.venv/bin/python');
    if (!fs.existsSync(python)) {
      t.skip('no .venv/bin/python (scripts/setup.sh installs it)');
      return;
    }
    const out = await predictGan(m.store, { run: runId, params: { label: '4' }, count: 2, seed: 42 });
    const checkpoint = path.join(dir, out.checkpoint);
    const script = [
      'import json, struct, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'scripts/python'))})`,
      'import dsi_gan',
      'ckpt, seed = sys.argv[1], int(sys.argv[2])',
      "with open(ckpt + '/state.safetensors', 'rb') as f:",
      "    (n,) = struct.unpack('<Q', f.read(8)); arch = json.loads(json.loads(f.read(n))['__metadata__']['architecture'])",
      "gen = dsi_gan.load_generator(ckpt + '/generator.safetensors', arch)",
      'torch.manual_seed(seed)',
      "z = torch.randn(1, arch['noiseDim'])",
      "img = dsi_gan.generate(gen, z, dsi_gan.encode_conditions(arch['conditions'], [{'label': 4}]))",
      'print(json.dumps(((img + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).flatten().tolist()))',
    ].join('\n');
    for (const p of out.predictions) {
      const r = spawnSync(python, ['-c', script, checkpoint, String(p.seed)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const theirs = JSON.parse(r.stdout) as number[];
      const ours = decodePng(fs.readFileSync(path.join(dir, p.FILE))).data;
      const worst = theirs.reduce((w, v, i) => Math.max(w, Math.abs(v - ours[i]!)), 0);
      assert.ok(worst <= 1, `seed ${p.seed}: PyTorch's image differs by up to ${worst} levels`);
    }
  });

  it('refuses unknown levels, missing and unknown parameters, with nothing stored', async () => {
    const before = await rowCount(m.store, 'ml_predictions');
    await rejectsMl(predictGan(m.store, { run: runId, params: { label: '12' } }), 'E_ML_ARGUMENT', /label=12 was not trained on/);
    await rejectsMl(predictGan(m.store, { run: runId }), 'E_ML_ARGUMENT', /label missing/);
    await rejectsMl(predictGan(m.store, { run: runId, params: { label: '1', speed: '2' } }), 'E_ML_ARGUMENT', /"speed" is not a parameter/);
    await rejectsMl(predictGan(m.store, { run: runId, grid: { label: '1..x' } }), 'E_ML_ARGUMENT');
    await rejectsMl(predictGan(m.store, { run: 'gan-nope' }), 'E_ML_RUN', /no run "gan-nope"/);
    assert.equal(await rowCount(m.store, 'ml_predictions'), before);
  });

  it('continuous parameters: a..b:n grids inside the range, extrapolation refused unless allowed, Cinema export', async () => {
    const run = await trainGan(m.store, { ...SMALL, conditionColumns: ['label', 'brightness'], epochs: 1 });
    const spec = (await new RunRegistry(m.store).getRun(run.run_id, 'gan')).params['conditions'] as { name: string; kind: string; min: number; max: number }[];
    const b = spec.find((c) => c.name === 'brightness')!;
    assert.equal(b.kind, 'continuous');
    const lo = b.min;
    const hi = b.max;
    const cdb = path.join(dir, 'out.cdb');
    const out = await predictGan(m.store, { run: run.run_id, params: { label: '7' }, grid: { brightness: `${lo}..${hi}:3` }, seed: 1, exportCinema: cdb });
    assert.deepEqual(out.predictions.map((p) => p.params['brightness']), [lo, (lo + hi) / 2, hi]);
    const csv = fs.readFileSync(path.join(cdb, 'data.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'prediction_id,run_id,label,brightness,seed,epoch,FILE');
    assert.equal(csv.length, 4);
    for (const line of csv.slice(1)) assert.ok(fs.existsSync(path.join(cdb, line.split(',').at(-1)!)));
    await rejectsMl(predictGan(m.store, { run: run.run_id, params: { label: '7', brightness: String(hi + 10) } }), 'E_ML_EXTRAPOLATION', /outside the range trained on/);
    const far = await predictGan(m.store, { run: run.run_id, params: { label: '7', brightness: String(hi + 10) }, allowExtrapolation: true, seed: 1 });
    assert.equal(far.predictions.length, 1);
  });
});

describe('bad input: a clear error before any run row exists', () => {
  let other: Store;
  let otherDir: string;
  before(async () => {
    otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-bad-'));
    fs.mkdirSync(path.join(otherDir, 'img'));
    const grey = (n: number, v: number) => encodePng({ width: n, height: n, channels: 1, data: new Uint8Array(n * n).fill(v) });
    fs.writeFileSync(path.join(otherDir, 'img/a.png'), grey(28, 10));
    fs.writeFileSync(path.join(otherDir, 'img/b.png'), grey(32, 20));
    fs.writeFileSync(path.join(otherDir, 'img/c.png'), grey(28, 30));
    fs.writeFileSync(path.join(otherDir, 'mixed.csv'), 'id,speed,FILE\n1,1.5,img/a.png\n2,,img/b.png\n3,2.5,img/c.png\n');
    other = await openStore(path.join(otherDir, 'dsi.db'));
    await other.read(path.join(otherDir, 'mixed.csv'));
  });
  after(async () => {
    await other.close();
    fs.rmSync(otherDir, { recursive: true, force: true });
  });

  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    ['a query returning no rows', () => trainGan(m.store, { query: 'SELECT * FROM digits WHERE label = 99' }), 'E_ML_DATA', /returned no rows/],
    ['a query lacking the image column', () => trainGan(m.store, { query: 'SELECT id, label FROM digits' }), 'E_ML_DATA', /no FILE column/],
    ['an image column that is not there', () => trainGan(m.store, { table: 'digits', imageColumn: 'FILE_x' }), 'E_ML_DATA', /no column "FILE_x"/],
    ['a conditioning column that is not there', () => trainGan(m.store, { table: 'digits', conditionColumns: ['colour'] }), 'E_ML_DATA', /no conditioning column "colour"/],
    ['images of mixed sizes without --size', () => trainGan(other, { query: 'SELECT id, FILE FROM mixed' }), 'E_ML_DATA', /give size/],
    ['a conditioning column with NULLs', () => trainGan(other, { query: 'SELECT * FROM mixed', size: 28, conditionColumns: ['speed'] }), 'E_ML_DATA', /"speed" is NULL in row 2/],
    ['an unknown run to resume', () => trainGan(m.store, { resume: 'gan-20000101-000000-0000' }), 'E_ML_RUN', /no run/],
    ['a device that is not there', () => trainGan(m.store, { ...SMALL, device: 'cuda' }), 'E_ML_DEVICE', /CUDA/],
    ['a device nobody knows', () => trainGan(m.store, { ...SMALL, device: 'tpu' }), 'E_ML_DEVICE', /unknown device/],
    ['an unsupported size', () => trainGan(m.store, { ...SMALL, size: 48 }), 'E_ML_ARGUMENT', /^size must be one of 28, 32, 64/],
    ['a cdcgan without conditions', () => trainGan(m.store, { ...SMALL, model: 'cdcgan' }), 'E_ML_ARGUMENT', /needs conditioning columns/],
    ['both a query and a table', () => trainGan(m.store, { table: 'digits', query: 'SELECT * FROM digits' }), 'E_ML_ARGUMENT', /exactly one/],
  ];
  for (const [what, run, code, pattern] of cases) {
    it(what, async () => {
      const before = [await rowCount(m.store, 'ml_runs'), await rowCount(other, 'ml_runs')];
      await rejectsMl(run(), code, pattern);
      assert.deepEqual([await rowCount(m.store, 'ml_runs'), await rowCount(other, 'ml_runs')], before, 'no run row was written');
    });
  }

  it('a checkpoint of another architecture is refused before anything is loaded', async () => {
    const run = (await new RunRegistry(m.store).list()).find((r) => r.model === 'dcgan' && r.FILE_checkpoint !== null)!;
    const gan = createGan({ model: 'cdcgan', size: 28, channels: 1, noiseDim: 100, conditions: [{ name: 'label', kind: 'categorical', levels: [0, 1] }] });
    try {
      assert.throws(() => loadCheckpoint(path.join(dir, run.FILE_checkpoint!), gan), (e: unknown) => e instanceof MlError && e.code === 'E_ML_CHECKPOINT' && /another architecture/.test(e.message));
    } finally {
      gan.dispose();
    }
  });
});

describe('the dsi ml commands', () => {
  it('train --json, runs, show, predict --json and delete (rows and files)', () => {
    const t = dsi(['ml', 'train', '--table', 'digits', '--cond-cols', 'label', '--epochs', '1', '--batch', '16', '--seed', '3', '--json']);
    assert.equal(t.status, 0, t.stderr);
    const result = JSON.parse(t.stdout) as { run_id: string; status: string; images_per_second: number };
    assert.equal(result.status, 'finished');
    const runs = JSON.parse(dsi(['ml', 'runs', '--json']).stdout) as { run_id: string; state: string }[];
    assert.equal(runs[0]!.run_id, result.run_id, 'newest first');
    const shown = dsi(['ml', 'show', result.run_id]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /status\s+finished/);
    const p = dsi(['ml', 'predict', '--run', result.run_id, '--grid', 'label=1,2', '--seed', '9', '--json']);
    assert.equal(p.status, 0, p.stderr);
    const ids = (JSON.parse(p.stdout) as { prediction_ids: string[] }).prediction_ids;
    assert.equal(ids.length, 2);
    const folder = path.join(dir, 'dsi.data/ml', result.run_id);
    assert.ok(fs.existsSync(folder));
    const d = dsi(['ml', 'delete', result.run_id, '--json']);
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual((JSON.parse(d.stdout) as { rows: Record<string, number> }).rows, { ml_predictions: 2, ml_epochs: 1, ml_steps: 3, ml_evaluations: 0, ml_runs: 1 });
    assert.ok(!fs.existsSync(folder));
    const again = dsi(['ml', 'show', result.run_id]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^dsi: no run "gan-/);
  });

  it('bad options are one line and exit 2', () => {
    const r = dsi(['ml', 'train', '--table', 'digits', '--size', '48']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--size/);
    const p = dsi(['ml', 'predict', '--run', 'x', '--params', 'label']);
    assert.equal(p.status, 2);
    assert.match(p.stderr, /--params takes name=value/);
  });

  /** Starts a long CLI run and resolves once its first epoch is recorded. */
  async function startLongRun(): Promise<{ child: ReturnType<typeof spawn>; runId: string; closed: Promise<number | null> }> {
    const child = spawn(process.execPath, [DSI, '--db', m.db, 'ml', 'train', '--table', 'digits', '--epochs', '500', '--batch', '16', '--seed', '11', '--threads', '1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const watcher = await openStore(m.db, { readOnly: true });
    try {
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = (await watcher.tables()).includes('ml_epochs')
          ? await watcher.query("SELECT r.run_id FROM ml_runs r JOIN ml_epochs e ON e.run_id = r.run_id WHERE r.status = 'running' AND r.seed = 11 GROUP BY r.run_id")
          : [];
        if (rows.length > 0) return { child, runId: String(rows[0]!['run_id']), closed };
        if (child.exitCode !== null) break;
      }
    } finally {
      await watcher.close();
    }
    child.kill('SIGKILL');
    throw new Error(`the run did not record an epoch: ${stderr}`);
  }

  it('Ctrl-C stops a run with a checkpoint and status stopped; exit status 130', async () => {
    const { child, runId, closed } = await startLongRun();
    child.kill('SIGINT');
    assert.equal(await closed, 130);
    const run = JSON.parse(dsi(['ml', 'show', runId, '--json']).stdout) as { status: string; FILE_checkpoint: string; steps_done: number };
    assert.equal(run.status, 'stopped');
    assert.ok(fs.existsSync(path.join(dir, run.FILE_checkpoint, 'state.safetensors')));
    const resumed = dsi(['ml', 'train', '--resume', runId, '--epochs', String(Math.ceil(run.steps_done / 3) + 1), '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as { status: string }).status, 'finished');
  });

  it('a killed run is reported as killed and resumes from its last checkpoint', async () => {
    const { child, runId, closed } = await startLongRun();
    child.kill('SIGKILL');
    await closed;
    const runs = JSON.parse(dsi(['ml', 'runs', '--json']).stdout) as { run_id: string; status: string; state: string; epochs_done: number }[];
    const run = runs.find((r) => r.run_id === runId)!;
    assert.equal(run.status, 'running');
    assert.equal(run.state, 'killed');
    assert.match(dsi(['ml', 'runs']).stdout, new RegExp(`${runId}.*killed`));
    const resumed = dsi(['ml', 'train', '--resume', runId, '--epochs', String(run.epochs_done + 1), '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const out = JSON.parse(resumed.stdout) as { status: string; epochs_done: number; resumed: boolean };
    assert.deepEqual([out.status, out.epochs_done, out.resumed], ['finished', run.epochs_done + 1, true]);
  });
});
