/**
 * What the `kill -9` loop found, each pinned at the step where it happened (a kill at a chosen step
 * of a child process, test/helpers/kill-loop-at-child.ts):
 * - a prediction call killed after its folder took its name and before its rows were committed
 *   left 300 images no row named, for ever: the next call of the run now removes that folder, and
 *   a call killed just after its rows keeps its folder (its marker alone goes);
 * - an evaluation killed after writing its plots and before its rows left a plot folder of an
 *   evaluation that was never stored: plots now take their folder's name only after the rows;
 * - a training run killed after recording its last epoch and before finishing could not be
 *   resumed ("has done 2 of 2 epochs"): it now resumes to finished, exactly as if never killed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { KILL_OPERATIONS, temporaries, withContext, type OperationContext } from './helpers/kill-loop.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'kill-loop-at-child.js');

let template: string;
let work: string;
let ids: Record<string, string>;

before(async () => {
  const root = tempDir('dsi-kill-regressions-');
  template = path.join(root, 'template');
  work = path.join(root, 'work');
  fs.mkdirSync(template);
  ids = await KILL_OPERATIONS['evaluate']!.prepare(template);
  fs.writeFileSync(path.join(template, 'kill-loop.json'), JSON.stringify(ids));
});

after(removeTempDirs);

function fresh(): void {
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(template, work, { recursive: true });
}

function killAt(operation: string, when: string): void {
  const r = spawnSync(process.execPath, [CHILD, operation, work, when], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.signal, 'SIGKILL', `${r.stdout}${r.stderr}`);
}

const context = <T>(fn: (c: OperationContext) => Promise<T>): Promise<T> => withContext(work, ids, fn);

/** The call folders of the GAN run's predictions, and how many rows each call has. */
async function calls(c: OperationContext): Promise<Record<string, number>> {
  const folder = path.join(c.store.dataFolder!, 'ml', ids['gan']!, 'predictions');
  const rows = await c.store.query('SELECT prediction_id FROM ml_predictions');
  return Object.fromEntries(fs.readdirSync(folder).filter((n) => !n.startsWith('.')).sort().map((call) => [call, rows.filter((r) => String(r['prediction_id']).startsWith(`p-${call}-`)).length]));
}

describe('predict killed around its rows', () => {
  it('killed before the rows commit: no row, and the next call removes the folder that no row names', async () => {
    fresh();
    const before = await context(calls);
    killAt('predict', 'before-rows');
    const killed = await context(calls);
    const orphan = Object.keys(killed).find((c) => !(c in before))!;
    assert.equal(killed[orphan], 0, 'the killed call stored no row');
    await context((c) => KILL_OPERATIONS['predict']!.run(c));
    const next = await context(calls);
    assert.ok(!(orphan in next), "the killed call's folder is gone");
    assert.deepEqual(Object.values(next).sort((a, b) => a - b), [4, 300], 'the template call and the new one, each whole');
    assert.deepEqual(temporaries(work), []);
  });

  it('killed just after the rows commit: the call is whole; the next call removes its marker only', async () => {
    fresh();
    killAt('predict', 'after-rows');
    const killed = await context(calls);
    assert.deepEqual(Object.values(killed).sort((a, b) => a - b), [4, 300]);
    assert.equal(temporaries(work).length, 1, 'the marker of rows not yet confirmed');
    await context((c) => KILL_OPERATIONS['predict']!.run(c));
    const next = await context(calls);
    for (const [call, n] of Object.entries(killed)) assert.equal(next[call], n, `call ${call} kept`);
    assert.deepEqual(temporaries(work), []);
  });
});

describe('evaluate killed before its rows', () => {
  it('leaves no plot folder; the next evaluation sweeps the staged plots and stores its own', async () => {
    fresh();
    const folder = path.join(work, 'dsi.data', 'ml', ids['gan']!, 'evaluations');
    const count = (): Promise<number> => context(async (c) => Number((await c.store.query('SELECT COUNT(*) AS n FROM ml_evaluations'))[0]!['n']));
    const rows = await count(); // the classifier's test accuracy
    killAt('evaluate', 'before-rows');
    const left = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    assert.deepEqual(left.filter((n) => !n.startsWith('.')), [], 'no plot folder without rows');
    assert.equal(left.length, 1, 'the staged plots, a temporary of a dead process');
    assert.equal(await count(), rows, 'no row of the killed evaluation');
    await context((c) => KILL_OPERATIONS['evaluate']!.run(c));
    assert.ok((await count()) > rows);
    assert.equal(fs.readdirSync(folder).length, 1, 'one plot folder, the stored evaluation\'s');
    assert.deepEqual(temporaries(work), []);
  });
});

describe('train killed after its last epoch is recorded', () => {
  it('resumes to finished with the uninterrupted run\'s steps, epochs, run row and last checkpoint', async () => {
    const train = KILL_OPERATIONS['train']!;
    const root = tempDir('dsi-kill-train-');
    const start = path.join(root, 'start');
    fs.mkdirSync(start);
    await train.prepare(start);
    fs.writeFileSync(path.join(start, 'kill-loop.json'), '{}');
    fs.rmSync(work, { recursive: true, force: true });
    fs.cpSync(start, work, { recursive: true });
    await context((c) => train.run(c));
    const uninterrupted = await context((c) => train.digest(c));

    fs.rmSync(work, { recursive: true, force: true });
    fs.cpSync(start, work, { recursive: true });
    killAt('train', 'after-epoch:2');
    const [run] = await context((c) => c.store.query("SELECT status, epochs_done FROM ml_runs"));
    assert.deepEqual({ ...run }, { status: 'running', epochs_done: 2 }, 'killed with every epoch recorded, not finished');
    await context((c) => train.finish(c, 'partial'));
    assert.equal(await context((c) => train.digest(c)), uninterrupted);
  });
});
