/**
 * `evaluateRun` reports every phase through the progress callback: generation, feature extraction
 * of each image set, each metric (FID, KID, precision and recall, Inception Score, nearest training
 * image), the condition groups and each saved epoch; each task ends at its total. A tiny run (96
 * digits, one epoch of each model) keeps this fast.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProgressEvent } from '../src/progress.js';
import type { Store } from '../src/store/store.js';
import { evaluateRun, kernelInceptionDistance, featureMatrix, nearestNeighbourDistances, precisionRecall, trainClassifier, trainGan } from '../src/ml/index.js';
import { makeMnistStore } from './helpers/mnist-store.js';

let dir: string;
let store: Store;
let gan: string;
let classifier: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-evaluate-progress-'));
  ({ store } = await makeMnistStore(dir, 96));
  classifier = (await trainClassifier(store, { table: 'digits', labelColumn: 'label', epochs: 1, batch: 32, seed: 1, threads: 1 })).run_id;
  gan = (await trainGan(store, { table: 'digits', conditionColumns: ['label'], epochs: 2, batch: 32, seed: 1, threads: 1, checkpointEvery: 1 })).run_id;
});

after(async () => {
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The events of each task, in order. */
function byTask(events: readonly ProgressEvent[]): Map<string, ProgressEvent[]> {
  const tasks = new Map<string, ProgressEvent[]>();
  for (const e of events) (tasks.get(e.task) ?? tasks.set(e.task, []).get(e.task)!).push(e);
  return tasks;
}

describe('ml evaluate progress', () => {
  it('reports generation, features, every metric phase and the condition groups, each ending at its total', async () => {
    const events: ProgressEvent[] = [];
    const r = await evaluateRun(store, {
      run: gan,
      features: classifier,
      reference: 'SELECT * FROM digits ORDER BY id LIMIT 60',
      count: 40,
      kidSubsets: 7,
      kidSubsetSize: 10,
      seed: 0,
      onProgress: (e) => events.push(e),
    });
    assert.equal(r.n_generated, 40);
    const tasks = byTask(events);
    for (const task of [
      'features of reference images',
      'features of training images',
      'generate (epoch 2)',
      'features of generated images (epoch 2)',
      'FID',
      'KID',
      'precision and recall',
      'Inception Score',
      'nearest training image',
      'metrics per condition',
    ]) {
      const seen = tasks.get(task);
      assert.ok(seen !== undefined, `no progress for "${task}"; tasks seen: ${[...tasks.keys()].join(', ')}`);
      const last = seen.at(-1)!;
      assert.equal(last.done, last.total, `"${task}" ends at its total`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done, `"${task}" never goes back`);
    }
    assert.equal(tasks.get('features of reference images')!.at(-1)!.total, 60);
    assert.equal(tasks.get('features of training images')!.at(-1)!.total, 96);
    assert.equal(tasks.get('KID')!.at(-1)!.total, 7, 'KID counts its subsets');
    assert.equal(tasks.get('KID')![0]!.unit, 'subsets');
    assert.equal(tasks.get('precision and recall')!.at(-1)!.total, 2 * (60 + 40), 'both radii and both ball counts, in rows');
    assert.equal(tasks.get('nearest training image')!.at(-1)!.total, 40);
    assert.equal(tasks.get('metrics per condition')!.at(-1)!.total, r.per_condition.length);
  });

  it('reports each saved epoch under its own name with --every-checkpoint', async () => {
    const events: ProgressEvent[] = [];
    const r = await evaluateRun(store, { run: gan, features: classifier, reference: 'SELECT * FROM digits ORDER BY id LIMIT 60', count: 20, kidSubsets: 2, kidSubsetSize: 10, everyCheckpoint: true, onProgress: (e) => events.push(e) });
    const tasks = byTask(events);
    assert.deepEqual(r.per_epoch.map((e) => e.epoch), [1, 2]);
    for (const epoch of [1, 2]) {
      for (const name of ['FID', 'KID', 'precision and recall', 'Inception Score']) {
        const seen = tasks.get(`epoch ${epoch}: ${name}`);
        assert.ok(seen !== undefined, `no progress for epoch ${epoch}'s ${name}`);
        assert.equal(seen.at(-1)!.done, seen.at(-1)!.total);
      }
    }
  });

  it('the metric functions report their blocks and compute the same values as without a callback', () => {
    const a = featureMatrix(Float64Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i)), 40, 3);
    const b = featureMatrix(Float64Array.from({ length: 30 * 3 }, (_, i) => Math.cos(i)), 30, 3);
    const events: ProgressEvent[] = [];
    const onProgress = (e: ProgressEvent) => events.push(e);
    assert.deepEqual(kernelInceptionDistance(a, b, { subsets: 5, subsetSize: 10, onProgress }), kernelInceptionDistance(a, b, { subsets: 5, subsetSize: 10 }));
    assert.deepEqual(precisionRecall(a, b, { onProgress }), precisionRecall(a, b));
    assert.deepEqual(nearestNeighbourDistances(b, a, { onProgress }), nearestNeighbourDistances(b, a));
    assert.deepEqual(
      [...byTask(events)].map(([task, seen]) => [task, seen.at(-1)!.done, seen.at(-1)!.total]),
      [
        ['KID', 5, 5],
        ['precision and recall', 140, 140],
        ['nearest neighbours', 30, 30],
      ],
    );
  });
});
