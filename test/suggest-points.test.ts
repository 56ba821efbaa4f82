/**
 * suggestPoints with stand-in models (test/helpers/validation-fakes.ts): an ensemble whose members
 * disagree only where a > 0.7 has that region ranked first; the suggestions are kept apart by the
 * documented spacing, seeded, and written as a CSV whose columns are exactly the parameters; a
 * stochastic model ranks by its spread across seeds; a single deterministic model is refused; the
 * store is left unchanged.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Store } from '../src/index.js';
import { ParameterSpace, suggestPoints } from '../src/ml/index.js';
import { buildProgram } from '../src/cli/program.js';
import { addFakeRun, CONTINUOUS, makeBlobStore, openPredictors } from './helpers/validation-fakes.js';

let dir: string;
let store: Store;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-suggest-'));
  store = await makeBlobStore(dir);
  await addFakeRun(store, 'ensemble-run', 'ensemble');
  await addFakeRun(store, 'single-run', 'single');
  await addFakeRun(store, 'gan-run', 'gan');
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every table's row count: what "the store is unchanged" compares. */
async function snapshot(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await store.tables()) out[t] = Number((await store.query(`SELECT count(*) AS n FROM "${t}"`))[0]!['n']);
  return out;
}

test('an ensemble ranks first the region where its members disagree, kept apart, and writes the points as a CSV of the parameters', async () => {
  const before = await snapshot();
  const out = path.join(dir, 'next.csv');
  const r = await suggestPoints(store, { run: 'ensemble-run', candidates: 300, top: 5, seed: 3, out });
  assert.equal(r.method, 'members');
  assert.equal(r.spread_over, 3);
  assert.equal(r.candidates, 300);
  assert.equal(r.points.length, 5);
  assert.deepEqual(r.points.map((p) => p.rank), [1, 2, 3, 4, 5]);
  assert.ok(r.points.every((p) => Number(p.values['a']) > 0.7 && p.uncertainty > 0), JSON.stringify(r.points));
  for (let i = 1; i < r.points.length; i++) assert.ok(r.points[i - 1]!.uncertainty >= r.points[i]!.uncertainty);
  const space = new ParameterSpace(CONTINUOUS);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < i; j++) assert.ok(space.distance(space.scaled(r.points[i]!.values), space.scaled(r.points[j]!.values)) >= r.spacing);
  }
  assert.ok(r.spacing > 0 && r.spacing <= 5 ** -0.5);
  assert.ok(r.points.every((p) => p.nearest_distance !== null && p.nearest_distance >= 0));

  const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'a,b');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',').map(Number)), r.points.map((p) => [p.values['a'], p.values['b']]));
  assert.deepEqual(await snapshot(), before, 'nothing written to the store');
  assert.equal(openPredictors.size, 0);

  const again = await suggestPoints(store, { run: 'ensemble-run', candidates: 300, top: 5, seed: 3 });
  assert.deepEqual(again.points, r.points, 'seeded');
  assert.equal(again.file, null);
});

test('given candidates are ranked as they are; where the members agree the uncertainty is 0', async () => {
  const r = await suggestPoints(store, { run: 'ensemble-run', candidates: [{ a: 0.2, b: 0.2 }, { a: 0.8, b: 0.5 }, { a: 0.5, b: 0.9 }], top: 2 });
  assert.deepEqual(r.points[0]!.values, { a: 0.8, b: 0.5 });
  assert.equal(r.points[1]!.uncertainty, 0);
});

test('a stochastic model ranks by its spread across seeds', async () => {
  const r = await suggestPoints(store, { run: 'gan-run', candidates: 20, top: 3, samples: 4 });
  assert.equal(r.method, 'seeds');
  assert.equal(r.spread_over, 4);
  assert.ok(r.points.every((p) => p.uncertainty > 0.01 && p.uncertainty < 0.06), JSON.stringify(r.points.map((p) => p.uncertainty)));
});

test('a single deterministic model, and bad candidates, are one clear error each', async () => {
  await assert.rejects(suggestPoints(store, { run: 'single-run' }), { code: 'E_ML_RUN', message: /run single-run is one deterministic model.*train it as an ensemble \(members ≥ 2\)/ });
  await assert.rejects(suggestPoints(store, { run: 'ensemble-run', candidates: [{ a: 0.5 }] }), { code: 'E_ML_ARGUMENT', message: /candidates: point 1 lacks b/ });
  await assert.rejects(suggestPoints(store, { run: 'ensemble-run', candidates: 0 }), { code: 'E_ML_ARGUMENT', message: /candidates must be a whole number ≥ 1, got 0/ });
  await assert.rejects(suggestPoints(store, { run: 'ensemble-run', top: 0 }), { code: 'E_ML_ARGUMENT', message: /top must be a whole number ≥ 1, got 0/ });
  assert.equal(openPredictors.size, 0);
});

test('dsi ml suggest prints the ranked points and writes the CSV with --out', async () => {
  const out = path.join(dir, 'cli-next.csv');
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Text is the command's; the test runner's own events on stdout are bytes, and pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildProgram().parseAsync(['node', 'dsi', '--db', path.join(dir, 'dsi.db'), 'ml', 'suggest', '--run', 'ensemble-run', '--candidates', '50', '--top', '2', '--out', out]);
  } finally {
    process.stdout.write = write;
  }
  const text = chunks.join('');
  assert.match(text, /ensemble-run \(epoch 3\): 50 candidates ranked by the spread across 3 members/);
  assert.match(text, /rank.*a.*b.*uncertainty.*nearest_distance/);
  assert.equal(fs.readFileSync(out, 'utf8').split('\n')[0], 'a,b');
});
