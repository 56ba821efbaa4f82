/**
 * What the ML workflows write, and what they refuse before writing: under umask 022 every file
 * and folder a run, a prediction, an evaluation or an explanation makes has the store's modes
 * (0640, 0750); a prediction killed with `kill -9` leaves a staging folder that the next call
 * removes, while the staging of a call still running elsewhere stays; a call asking for more
 * images, subsets, coalitions or background rows than one call may hold is refused up front
 * naming the option and the limit; seeds that are not exact integers are refused by name.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { THIS_HOST } from '../src/atomic-write.js';
import { MlError } from '../src/errors.js';
import { evaluateRun, explainRun, predictGan, RunRegistry, trainClassifier, trainGan } from '../src/ml/index.js';
import * as torch from '../src/torch/index.js';
import { makeMnistStore, type MnistStore } from './helpers/mnist-store.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'helpers', 'predict-killed-child.js');
const DSI = path.resolve(HERE, '../../bin/dsi.js');

let umask: number;
let dir: string;
let m: MnistStore;
let gan: string;
let classifier: string;
let startTensors = 0;

before(async () => {
  umask = process.umask(0o022);
  startTensors = torch.memory().tensors;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-ml-safe-writes-'));
  m = await makeMnistStore(dir, 8);
  gan = (await trainGan(m.store, { table: 'digits', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
  classifier = (await trainClassifier(m.store, { table: 'digits', labelColumn: 'label', epochs: 1, batch: 4, seed: 3, threads: 1 })).run_id;
});

after(async () => {
  process.umask(umask);
  await m.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(torch.memory().tensors, startTensors, 'every tensor is freed');
});

/** Every path below `root` with its permission bits, as `relative mode` lines. */
function modesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    out.push(`${path.relative(root, p) || '.'} ${(st.mode & 0o777).toString(8)}${st.isDirectory() ? '/' : ''}`);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(root);
  return out;
}

function predictionsFolder(): string {
  return path.join(new RunRegistry(m.store).runFolder(gan).absolute, 'predictions');
}

async function count(sql: string): Promise<number> {
  return Number((await m.store.query(sql))[0]!['n']);
}

async function rejectsArgument(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlError, `an MlError, got ${String(e)}`);
    assert.equal(e.code, 'E_ML_ARGUMENT');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('modes under umask 022', () => {
  it('checkpoints, samples, plots, predictions, evaluation plots and heat maps are 0640 in 0750 folders', async () => {
    await predictGan(m.store, { run: gan, count: 2, seed: 1 });
    await evaluateRun(m.store, { run: gan, reference: 'SELECT * FROM digits', features: classifier, count: 8, seed: 0 });
    const explained = await explainRun(m.store, { run: classifier, row: 1, blocks: 2 });
    assert.ok(explained.file_heatmap !== undefined);
    const lines = modesUnder(m.store.dataFolder!);
    const kinds = ['checkpoints/', 'samples/', 'loss.png', 'predictions/', 'evaluations/', 'explanations/', '.safetensors'];
    for (const k of kinds) assert.ok(lines.some((l) => l.includes(k)), `something under ${k} was written`);
    const wrong = lines.filter((l) => !(l.endsWith(' 750/') || l.endsWith(' 640')));
    assert.deepEqual(wrong, [], 'every folder 0750, every file 0640');
  });
});

describe('predict: staging of killed calls', () => {
  it("kill -9 mid-call leaves its staging folder; the next call removes it and keeps a live call's staging", async () => {
    const rowsBefore = await count(`SELECT count(*) AS n FROM ml_predictions WHERE run_id = '${gan}'`);
    const r = spawnSync(process.execPath, [CHILD, m.db, gan, '300'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.signal, 'SIGKILL', `${r.stdout}${r.stderr}`);
    const folder = predictionsFolder();
    const killed = fs.readdirSync(folder).filter((n) => n.includes('.dsi-tmp-'));
    assert.equal(killed.length, 1, 'the killed call left its staging folder');
    assert.equal(fs.readdirSync(path.join(folder, killed[0]!)).length, 256, 'with the first batch of PNGs in it');

    const live = `.0badcafe.dsi-tmp-${THIS_HOST}-${process.ppid}-00000001`;
    fs.mkdirSync(path.join(folder, live));
    fs.writeFileSync(path.join(folder, live, '000000.png'), 'being written');
    const legacyOld = '.tmp-0123abcd';
    const legacyRecent = '.tmp-89abcdef';
    fs.mkdirSync(path.join(folder, legacyOld));
    fs.mkdirSync(path.join(folder, legacyRecent));
    const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
    fs.utimesSync(path.join(folder, legacyOld), twoDaysAgo, twoDaysAgo);
    const callsBefore = fs.readdirSync(folder).filter((n) => !n.startsWith('.'));

    const next = await predictGan(m.store, { run: gan, count: 1, seed: 5 });
    const after = fs.readdirSync(folder);
    assert.ok(!after.includes(killed[0]!), "the killed call's staging is gone");
    assert.ok(after.includes(live), "a live process's staging is kept");
    assert.ok(!after.includes(legacyOld) && after.includes(legacyRecent), 'an earlier version staging is removed once a day old');
    assert.deepEqual(after.filter((n) => !n.startsWith('.')).sort(), [...callsBefore, next.predictions[0]!.FILE.split('/').at(-2)!].sort());
    assert.equal(await count(`SELECT count(*) AS n FROM ml_predictions WHERE run_id = '${gan}'`), rowsBefore + 1, 'no row of the killed call');
  });
});

describe('limits checked before anything is allocated', () => {
  it('predict, evaluate and explain refuse counts over their limit, naming the option and the limit, writing nothing', async () => {
    const folderBefore = fs.readdirSync(predictionsFolder()).sort();
    const rowsBefore = await count('SELECT (SELECT count(*) FROM ml_predictions) + (SELECT count(*) FROM ml_evaluations) + (SELECT count(*) FROM ml_explanations) AS n');
    await rejectsArgument(predictGan(m.store, { run: gan, count: 1_000_000_000, seed: 1 }), /^count asks for 1000000000 images per combination; one call takes at most 100000: make several calls .* seed/);
    await rejectsArgument(predictGan(m.store, { run: gan, count: 100_001, seed: 1 }), /^count asks for 100001 images .* at most 100000/);
    await rejectsArgument(evaluateRun(m.store, { run: gan, reference: 'SELECT * FROM digits', features: classifier, count: 1_000_000_000 }), /^count asks for 1000000000 images; one call takes at most 100000/);
    await rejectsArgument(evaluateRun(m.store, { run: gan, reference: 'SELECT * FROM digits', features: classifier, count: 8, kidSubsets: 1_000_000_000 }), /^kidSubsets asks for 1000000000 subsets; one call takes at most 10000/);
    await rejectsArgument(explainRun(m.store, { run: classifier, row: 1, samples: 1_000_000_000 }), /^samples asks for 1000000000 coalitions; one call takes at most 100000/);
    await rejectsArgument(explainRun(m.store, { run: classifier, row: 1, background: 1_000_000_000 }), /^background asks for 1000000000 rows; one call takes at most 10000/);
    assert.deepEqual(fs.readdirSync(predictionsFolder()).sort(), folderBefore, 'no file written');
    assert.equal(await count('SELECT (SELECT count(*) FROM ml_predictions) + (SELECT count(*) FROM ml_evaluations) + (SELECT count(*) FROM ml_explanations) AS n'), rowsBefore, 'no row written');
  });
});

describe('seeds are exact integers', () => {
  const MAX = 0xffffffff;

  it('predict refuses --seed 1e20 and a seed whose last image would pass 2^32 − 1; the last seeds are recorded exactly', async () => {
    await rejectsArgument(predictGan(m.store, { run: gan, seed: 1e20 }), /^seed must be a whole number from 0 to 4294967295 .* got 100000000000000000000$/);
    await rejectsArgument(predictGan(m.store, { run: gan, count: 3, seed: MAX - 1 }), /^seed must be a whole number from 0 to 4294967293 \(item k uses seed \+ k/);
    const ok = await predictGan(m.store, { run: gan, count: 3, seed: MAX - 2 });
    const ids = ok.predictions.map((p) => `'${p.prediction_id}'`).join(',');
    const rows = await m.store.query(`SELECT seed FROM ml_predictions WHERE prediction_id IN (${ids}) ORDER BY prediction_id`);
    assert.deepEqual(rows.map((r) => BigInt(r['seed'] as number | bigint)), [2n ** 32n - 3n, 2n ** 32n - 2n, 2n ** 32n - 1n]);
  });

  it('train, evaluate and explain refuse seeds beyond the 32-bit seeds', async () => {
    await rejectsArgument(trainGan(m.store, { table: 'digits', epochs: 1, seed: 2 ** 32 }), /^seed must be a whole number from 0 to 4294967295/);
    await rejectsArgument(trainClassifier(m.store, { table: 'digits', labelColumn: 'label', epochs: 1, seed: 1e20 }), /^seed must be a whole number/);
    await rejectsArgument(evaluateRun(m.store, { run: gan, reference: 'SELECT * FROM digits', features: classifier, count: 8, seed: 1e20 }), /^seed must be a whole number/);
    await rejectsArgument(explainRun(m.store, { run: classifier, row: 1, seed: 1e20 }), /^seed must be a whole number from 0 to 4294967295/);
  });

  it('dsi ml predict --seed 1e20 exits with one line naming --seed', () => {
    const r = spawnSync(process.execPath, [DSI, '--db', m.db, 'ml', 'predict', '--run', gan, '--seed', '1e20'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.equal(lines[0], 'dsi: ml predict: --seed must be a whole number from 0 to 4294967295, got "1e20"');
  });
});
