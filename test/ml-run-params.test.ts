/**
 * Run records are a union keyed on the run's kind: each row's params are checked against its kind
 * once, where the registry reads it, and a row that does not match names the run and the field,
 * while still listing and showing as stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MlError, openStore } from '../src/index.js';
import { RunRegistry, storedParams } from '../src/ml/index.js';
import { checkRunParams } from '../src/ml/registry/run-params.js';
import { writeCraftedRegistry } from './helpers/crafted-registry.js';

const GAN = {
  model: 'cdcgan',
  source_table: 'mnist',
  image_column: null,
  condition_columns: ['label'],
  conditions: [{ name: 'label', kind: 'categorical', levels: [0, 1] }],
  size: 28,
  channels: 1,
  noise_dim: 100,
  epochs: 2,
  batch: 64,
  lr: 1e-4,
  precision: 'fp32',
  device: 'cpu',
  checkpoint_every: 1,
  max_images: null,
  sample_rows: [{ label: 0 }],
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-run-params-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function mlErrorMatching(pattern: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof MlError && e.code === 'E_ML_RUN' && pattern.test(e.message);
}

describe('run params are checked against the run kind', () => {
  it('gives typed params for a matching row, defaults filled in for fields older rows lack', () => {
    const { max_images: _m, sample_rows: _s, ...older } = GAN;
    const params = checkRunParams('gan', older, 'g1');
    assert.equal(params.model, 'cdcgan');
    assert.equal(params.max_images, null);
    assert.deepEqual(params.sample_rows, []);
    assert.deepEqual(params.conditions, GAN.conditions);
  });

  it('names the run, the kind and the nested field that does not match', () => {
    const bad = { ...GAN, conditions: [GAN.conditions[0], { name: 'x', kind: 'categorical', levels: 'abc' }] };
    assert.throws(() => checkRunParams('gan', bad, 'g1'), mlErrorMatching(/^run g1 has params that do not match its kind \(gan\): params\.conditions\[1\]\.levels: .*got "abc"$/));
    assert.throws(() => checkRunParams('gan', { ...GAN, epochs: 'x' }, 'g2'), mlErrorMatching(/params\.epochs: .*got "x"/));
    assert.throws(() => checkRunParams('gan', { ...GAN, channels: 2 }, 'g3'), mlErrorMatching(/params\.channels: .*got 2/));
    assert.throws(() => checkRunParams('classifier', GAN, 'c1'), mlErrorMatching(/\(classifier\): params\.model: .*got "cdcgan"/));
  });

  it('reads a damaged row for listing and showing, and throws only when its params are used', async () => {
    const db = path.join(dir, 'damaged.db');
    await writeCraftedRegistry(db, [
      { run_id: 'good', params: JSON.stringify(GAN) },
      { run_id: 'damaged', params: JSON.stringify({ ...GAN, lr: 'fast' }) },
      { run_id: 'future', kind: 'diffusion', params: '{"steps": 3}' },
    ]);
    const store = await openStore(db);
    try {
      const registry = new RunRegistry(store);
      const runs = await registry.list();
      assert.deepEqual(runs.map((r) => r.run_id).sort(), ['damaged', 'future', 'good']);
      const good = await registry.getRun('good', 'gan');
      assert.equal(good.params.lr, 1e-4);
      const damaged = await registry.get('damaged');
      assert.equal(storedParams(damaged)['lr'], 'fast');
      assert.throws(() => damaged.params, mlErrorMatching(/^run damaged has params that do not match its kind \(gan\): params\.lr: .*got "fast"$/));
      const future = await registry.get('future');
      assert.deepEqual(storedParams(future), { steps: 3 });
      assert.throws(() => future.params, mlErrorMatching(/run future is a diffusion run, a kind this version does not know/));
      await assert.rejects(registry.getRun('future', 'gan'), mlErrorMatching(/run future is a diffusion run/));
    } finally {
      await store.close();
    }
  });
});
